-- Weekly messages: with her consent (a consents row, purpose weekly_messages), one short
-- message a week at her day (ISO: 1 Monday .. 7 Sunday) and time, in her zone.
ALTER TABLE consents DROP CONSTRAINT consents_purpose_check;
ALTER TABLE consents ADD CONSTRAINT consents_purpose_check CHECK (purpose IN ('health_data', 'weekly_messages'));

ALTER TABLE mum_profiles
    ADD COLUMN weekly_day smallint CHECK (weekly_day BETWEEN 1 AND 7),
    ADD COLUMN weekly_time time NOT NULL DEFAULT '08:00',
    -- When the worker next looks at her; NULL while she does not get them.
    ADD COLUMN next_weekly_at timestamptz,
    ADD CONSTRAINT mum_profiles_weekly_needs_day CHECK (next_weekly_at IS NULL OR weekly_day IS NOT NULL);
CREATE INDEX mum_profiles_weekly_due_idx ON mum_profiles (next_weekly_at) WHERE next_weekly_at IS NOT NULL;

-- One message per pregnancy, phase and week, whichever worker gets there first.
CREATE TABLE weekly_messages (
    pregnancy_id uuid NOT NULL REFERENCES pregnancies (id) ON DELETE CASCADE,
    phase        text NOT NULL CHECK (phase IN ('pregnancy', 'baby')),
    week         smallint NOT NULL CHECK (week BETWEEN 0 AND 60),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pregnancy_id, phase, week)
);
CREATE INDEX weekly_messages_user_idx ON weekly_messages (user_id);
