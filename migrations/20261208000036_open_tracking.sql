-- Counting opens, off unless the contractor turns it on: her sequence email then carries a
-- one-pixel image, and its footer says so. Only when and how often it was loaded is kept.
ALTER TABLE fm_profiles ADD COLUMN track_opens boolean NOT NULL DEFAULT false;
ALTER TABLE fm_enrollment_steps
    ADD COLUMN open_token      text UNIQUE,
    ADD COLUMN first_opened_at timestamptz,
    ADD COLUMN opens           integer NOT NULL DEFAULT 0;
