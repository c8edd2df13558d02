-- Finding a place in the stored homes (the offline geocoder): an address as
-- `domain::fishmouth::property::address_key` writes it (lower case, words joined by one space),
-- its ZIP code (the five digits after the state, "TX 75204" or "75204-1234"), and its city,
-- lower case ("12 Oak St, Plano, TX 75023 Unit 4": "plano").
ALTER TABLE properties
    ADD COLUMN address_key text GENERATED ALWAYS AS
        (btrim(lower(regexp_replace(address, '[^[:alnum:]]+', ' ', 'g')))) STORED,
    ADD COLUMN zip text GENERATED ALWAYS AS
        (substring(address FROM '(?i)\s(\d{5})(?:-\d{4})?(?:\s+(?:unit|apt|ste|suite|#)\s*\S+)?\s*$')) STORED,
    ADD COLUMN city text GENERATED ALWAYS AS
        (lower(substring(address FROM
            '(?i),\s*([^,]+?)\s*,?\s+[a-z]{2}(?:\s+\d{5}(?:-\d{4})?)?(?:\s+(?:unit|apt|ste|suite|#)\s*\S+)?\s*$'))) STORED;

CREATE INDEX properties_address_key_idx ON properties (address_key text_pattern_ops);
CREATE INDEX properties_zip_idx ON properties (zip) WHERE zip IS NOT NULL;
CREATE INDEX properties_city_idx ON properties (city) WHERE city IS NOT NULL;
