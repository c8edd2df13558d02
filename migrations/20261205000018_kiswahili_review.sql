-- The Kiswahili language review of 2026-12-04 (shared reference: kiswahili-review.md), applied
-- to the week-by-week content. Forward-only: each UPDATE rewrites one phrase everywhere it
-- stands, so the glossary's one term per concept holds across weeks.

-- W5: "kupumua kwa shida" is a danger sign's own words; it is never "normal".
UPDATE pregnancy_weeks
SET body = 'Kuishiwa na pumzi kidogo na kiungulia ni kawaida mtoto anapokua. Ukipumua kwa shida sana au kwa haraka, nenda kituo cha afya.'
WHERE language = 'sw' AND body = 'Kupumua kwa shida kidogo na kiungulia ni kawaida mtoto anapokua.';

-- U5, U6: movements are "mtoto kucheza", as on the danger-sign screen.
UPDATE pregnancy_weeks
SET todo = replace(todo, 'Fahamu mijongeo ya kawaida ya mtoto wako kila siku.', 'Zingatia jinsi mtoto wako anavyocheza kila siku.')
WHERE language = 'sw';
UPDATE pregnancy_weeks
SET baby = replace(baby, 'kwa hiyo mijongeo inahisika tofauti, lakini haipaswi kukoma', 'kwa hiyo utahisi anacheza tofauti, lakini hapaswi kuacha kucheza')
WHERE language = 'sw';
UPDATE pregnancy_weeks
SET baby = replace(baby, 'Mtoto anajongea kidogo, bado huwezi kuhisi.', 'Mtoto anacheza kidogo, ingawa bado huwezi kuhisi.')
WHERE language = 'sw';

-- U4: contractions are "uchungu", waters breaking "chupa kupasuka", the facility "kituo cha afya".
UPDATE pregnancy_weeks
SET todo = replace(todo, 'Nenda kituoni mikazo inapokuja kila dakika 5 au maji yakivunjika.', 'Nenda kituo cha afya uchungu ukija kila baada ya dakika 5, au chupa ikipasuka.')
WHERE language = 'sw';

-- U14, U15, week 24, leg cramps: the clinic's and Kenya's own terms.
UPDATE pregnancy_weeks
SET todo = replace(todo, 'vidonge vya madini ya chuma na folic acid', 'vidonge vya kuongeza damu (madini ya chuma na folic acid)')
WHERE language = 'sw';
UPDATE pregnancy_weeks
SET baby = replace(replace(baby, 'Kiinitete kinajishikiza', 'Mimba changa inajishikiza'), 'mji wa mimba', 'mfuko wa uzazi')
WHERE language = 'sw';
UPDATE pregnancy_weeks
SET baby = replace(baby, 'Mapafu yanakuza sehemu zitakazopumua hewa.', 'Mapafu yanaendelea kukua.')
WHERE language = 'sw';
UPDATE pregnancy_weeks
SET body = replace(body, 'mikakamao ya miguu', 'misuli ya miguu kukaza')
WHERE language = 'sw';
