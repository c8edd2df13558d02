//! SasaMum's weekly text messages: which message a week brings (from
//! `content/weekly-messages.tsv`, beside the week-by-week content) and when it goes out, at
//! the day and time she chose, in her time zone.

use std::sync::OnceLock;

use jiff::{Timestamp, civil, tz::TimeZone};

use crate::{account::Language, sms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Weeks of pregnancy, completed since her last period.
    Pregnancy,
    /// Weeks of the baby's life, 1 the first.
    Baby,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pregnancy => "pregnancy",
            Phase::Baby => "baby",
        }
    }
}

/// A key moment the message marks, or an ordinary week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Week,
    Danger,
    Plan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub phase: Phase,
    pub week: u32,
    pub kind: Kind,
    pub english: &'static str,
    pub kiswahili: &'static str,
}

const MESSAGES: &str = include_str!("../content/weekly-messages.tsv");

pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| parse(MESSAGES).unwrap_or_default())
}

fn parse(file: &'static str) -> Result<Vec<Row>, String> {
    file.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(n, line)| {
            let bad = |why: &str| format!("content/weekly-messages.tsv line {}: {why}", n + 1);
            let fields: Vec<&str> = line.split('\t').collect();
            let [phase, week, kind, english, kiswahili] = fields[..] else {
                return Err(bad("five tab-separated fields"));
            };
            Ok(Row {
                phase: match phase {
                    "pregnancy" => Phase::Pregnancy,
                    "baby" => Phase::Baby,
                    _ => return Err(bad("phase is pregnancy or baby")),
                },
                week: week.parse().map_err(|_| bad("week is a number"))?,
                kind: match kind {
                    "week" => Kind::Week,
                    "danger" => Kind::Danger,
                    "plan" => Kind::Plan,
                    _ => return Err(bad("kind is week, danger or plan")),
                },
                english,
                kiswahili,
            })
        })
        .collect()
}

/// The text message for `week` of `phase` in `language`, with a line for a visit in the
/// coming week when she has one; `None` for a week without a message.
pub fn text(phase: Phase, week: u32, language: Language, visit: Option<&str>) -> Option<String> {
    let row = rows().iter().find(|r| r.phase == phase && r.week == week)?;
    let body = match language {
        Language::En => row.english,
        Language::Sw => row.kiswahili,
    };
    let prefix = match (phase, language) {
        (Phase::Pregnancy, Language::En) => format!("SasaMum, week {week}: "),
        (Phase::Pregnancy, Language::Sw) => format!("SasaMum, wiki {week}: "),
        (Phase::Baby, _) => "SasaMum: ".to_owned(),
    };
    let visit = visit
        .map(|v| match language {
            Language::En => format!(" Your visit: {v}."),
            Language::Sw => format!(" Ziara yako: {v}."),
        })
        .unwrap_or_default();
    Some(format!("{prefix}{body}{visit}"))
}

/// Segments of the longest message the data holds (for the review of lengths).
pub fn longest() -> Option<(sms::Segments, &'static Row)> {
    rows()
        .iter()
        .flat_map(|r| [Language::En, Language::Sw].map(|l| (text(r.phase, r.week, l, None).unwrap_or_default(), r)))
        .map(|(t, r)| (sms::segments(&t), r))
        .max_by_key(|(s, _)| (s.count, s.units))
}

/// The week of her pregnancy, or of the baby's life, on `today`.
pub fn pregnancy_week(lmp: civil::Date, today: civil::Date) -> Option<u32> {
    u32::try_from(lmp.until(today).ok()?.get_days()).ok().map(|d| d / 7)
}

pub fn baby_week(born: civil::Date, today: civil::Date) -> Option<u32> {
    u32::try_from(born.until(today).ok()?.get_days())
        .ok()
        .map(|d| d / 7 + 1)
}

/// The first moment after `now` that falls on `day` at `at`, her wall clock in `zone`. A time
/// in a daylight-saving gap or overlap resolves as calendars do (forward, or the earlier).
pub fn next_send(now: Timestamp, day: civil::Weekday, at: civil::Time, zone: &TimeZone) -> Option<Timestamp> {
    let today = now.to_zoned_datetime(zone.clone()).date();
    (0..=7)
        .filter_map(|ahead| today.checked_add(jiff::Span::new().days(ahead)).ok())
        .filter(|date| date.weekday() == day)
        .filter_map(|date| zone.to_ambiguous_timestamp(date.to_datetime(at)).compatible().ok())
        .find(|at| *at > now)
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Weekday, date, time};

    use super::*;
    use crate::sms::Encoding;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("zone")
    }

    #[test]
    fn the_file_parses_and_every_pregnancy_week_from_4_to_42_has_one_message() {
        let rows = parse(MESSAGES).expect("weekly-messages.tsv");
        for week in 4..=42 {
            let n = rows
                .iter()
                .filter(|r| r.phase == Phase::Pregnancy && r.week == week)
                .count();
            assert_eq!(n, 1, "pregnancy week {week}");
        }
        let baby: Vec<u32> = rows.iter().filter(|r| r.phase == Phase::Baby).map(|r| r.week).collect();
        assert!(baby.windows(2).all(|w| w[0] < w[1]), "baby weeks once each, in order");
        assert_eq!((baby.first(), baby.last()), (Some(&1), Some(&52)), "the first year");
    }

    #[test]
    fn every_message_is_one_gsm7_segment_in_both_languages() {
        for row in rows() {
            for language in [Language::En, Language::Sw] {
                let text = text(row.phase, row.week, language, None).expect("text");
                let s = sms::segments(&text);
                assert_eq!(s.encoding, Encoding::Gsm7, "{text}");
                assert_eq!(s.count, 1, "{} units: {text}", s.units);
            }
        }
        let (longest, _) = longest().expect("messages");
        assert!(longest.units <= 160);
    }

    #[test]
    fn key_moments_are_in_the_data() {
        let plan = rows().iter().find(|r| r.kind == Kind::Plan).expect("a plan");
        assert_eq!((plan.phase, plan.week), (Phase::Pregnancy, 36));
        let dangers = rows().iter().filter(|r| r.kind == Kind::Danger).count();
        assert!(dangers >= 6, "{dangers} danger weeks");
    }

    #[test]
    fn the_reply_words_a_message_suggests_are_the_ones_sasamum_answers() {
        use crate::pregnancy::replies::{Reply, classify};
        for row in rows() {
            for body in [row.english, row.kiswahili] {
                if let Some((_, after)) = body.split_once("Reply ").or_else(|| body.split_once("Jibu ")) {
                    let word: String = after
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == ' ')
                        .collect();
                    assert!(matches!(classify(word.trim()), Reply::Danger(_)), "{word}");
                }
            }
        }
    }

    #[test]
    fn a_visit_adds_a_line_in_her_language() {
        let en = text(Phase::Pregnancy, 20, Language::En, Some("Tue 12 Jan, 10:30")).expect("text");
        assert!(en.starts_with("SasaMum, week 20: ") && en.ends_with(" Your visit: Tue 12 Jan, 10:30."));
        let sw = text(Phase::Pregnancy, 20, Language::Sw, Some("Jnn 12 Jan")).expect("text");
        assert!(sw.starts_with("SasaMum, wiki 20: ") && sw.ends_with(" Ziara yako: Jnn 12 Jan."));
        assert_eq!(text(Phase::Baby, 5, Language::En, None), None, "no message that week");
        assert_eq!(text(Phase::Pregnancy, 43, Language::En, None), None);
    }

    #[test]
    fn weeks_count_from_her_period_and_from_the_birth() {
        let lmp = date(2026, 6, 1);
        assert_eq!(pregnancy_week(lmp, date(2026, 6, 7)), Some(0));
        assert_eq!(pregnancy_week(lmp, date(2026, 10, 19)), Some(20));
        assert_eq!(pregnancy_week(lmp, date(2026, 5, 30)), None, "before her period");
        let born = date(2026, 12, 1);
        assert_eq!(baby_week(born, born), Some(1));
        assert_eq!(baby_week(born, date(2026, 12, 8)), Some(2));
    }

    #[test]
    fn the_next_send_is_her_day_and_time_in_her_zone() {
        // Sunday 2026-12-06, 12:00 UTC = 15:00 in Nairobi.
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().expect("now");
        let nairobi = zone("Africa/Nairobi");
        let at = |day, h| {
            next_send(now, day, time(h, 0, 0, 0), &nairobi)
                .expect("next")
                .to_string()
        };
        assert_eq!(at(Weekday::Monday, 8), "2026-12-07T05:00:00Z");
        assert_eq!(at(Weekday::Sunday, 18), "2026-12-06T15:00:00Z", "later today");
        assert_eq!(
            at(Weekday::Sunday, 8),
            "2026-12-13T05:00:00Z",
            "today's time has passed"
        );
        let la = next_send(now, Weekday::Sunday, time(8, 0, 0, 0), &zone("America/Los_Angeles")).expect("next");
        assert_eq!(la.to_string(), "2026-12-06T16:00:00Z", "still Sunday morning there");
    }

    #[test]
    fn daylight_saving_keeps_her_wall_clock() {
        // New York: 2027-03-14 clocks go forward at 02:00 (02:30 does not exist that day).
        let ny = zone("America/New_York");
        let before: Timestamp = "2027-03-10T12:00:00Z".parse().expect("now");
        let next = next_send(before, Weekday::Sunday, time(8, 0, 0, 0), &ny).expect("next");
        assert_eq!(next.to_string(), "2027-03-14T12:00:00Z", "08:00 EDT");
        let gap = next_send(before, Weekday::Sunday, time(2, 30, 0, 0), &ny).expect("next");
        assert_eq!(
            gap.to_string(),
            "2027-03-14T07:30:00Z",
            "forward across the gap: 03:30 EDT"
        );
        let week_before = next_send(
            "2027-03-03T12:00:00Z".parse().expect("now"),
            Weekday::Sunday,
            time(8, 0, 0, 0),
            &ny,
        );
        assert_eq!(
            week_before.expect("next").to_string(),
            "2027-03-07T13:00:00Z",
            "08:00 EST"
        );
    }

    #[test]
    fn next_send_is_always_within_a_week_and_on_her_day() {
        let zones = [
            "Africa/Nairobi",
            "America/New_York",
            "Pacific/Kiritimati",
            "Asia/Kathmandu",
        ];
        let days = [Weekday::Monday, Weekday::Wednesday, Weekday::Sunday];
        let mut now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("now");
        for step in 0..400 {
            for name in zones {
                let z = zone(name);
                for day in days {
                    let at = time((step % 24) as i8, 15, 0, 0);
                    let next = next_send(now, day, at, &z).expect("next");
                    assert!(next > now && next.duration_since(now).as_hours() <= 7 * 24 + 1);
                    let local = next.to_zoned_datetime(z.clone());
                    assert_eq!(local.weekday(), day, "{name} {now}");
                }
            }
            now = now.checked_add(jiff::SignedDuration::from_mins(1307)).expect("later");
        }
    }
}
