-- Homeowners who asked not to be contacted (a STOP, an unsubscribe, a complaint, an operator's
-- entry): never sold as a lead again, by any contractor. Keyed by what identifies them (phone,
-- email, or address as `domain::fishmouth::property::address_key` writes it), not by a property
-- row, so a re-import of the same home is suppressed all the same.
CREATE TABLE fm_suppressions (
    kind       text NOT NULL CHECK (kind IN ('phone', 'email', 'address')),
    value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 320),
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
