-- Versioned consent records: without a live health-data consent nothing health-related is stored.
CREATE TABLE consents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('health_data')),
    version      text NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE INDEX consents_user_idx ON consents (user_id, purpose);

-- A mother's SasaMum settings and where she is in onboarding (progress is saved per step).
CREATE TABLE mum_profiles (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    onboarding_step text NOT NULL DEFAULT 'consent' CHECK (onboarding_step IN ('consent', 'dates', 'reminders', 'done', 'ended')),
    reminder_channel text NOT NULL DEFAULT 'email' CHECK (reminder_channel IN ('email', 'sms')),
    reminder_time   time NOT NULL DEFAULT '08:00',
    emergency_phone text CHECK (emergency_phone ~ '^\+?[0-9 ]{3,20}$'),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One active pregnancy per mother; ended ones stay as history.
CREATE TABLE pregnancies (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lmp           date NOT NULL,
    due_date      date NOT NULL CHECK (due_date = lmp + 280),
    dating_method text NOT NULL CHECK (dating_method IN ('lmp', 'conception', 'ivf_transfer', 'clinician_due_date', 'ultrasound')),
    -- Her first ultrasound, when she gave one: the day and the gestational age it measured.
    ultrasound_on   date,
    ultrasound_days integer CHECK (ultrasound_days BETWEEN 28 AND 300),
    ended_on      date,
    outcome       text CHECK (outcome IN ('live_birth', 'stillbirth', 'miscarriage', 'abortion', 'moved_away', 'false_pregnancy', 'wrong_entry', 'other')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX pregnancies_one_active_idx ON pregnancies (user_id) WHERE ended_on IS NULL;

CREATE TABLE danger_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid REFERENCES pregnancies (id) ON DELETE CASCADE,
    signs        text[] NOT NULL CHECK (cardinality(signs) >= 1),
    reported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX danger_reports_user_idx ON danger_reports (user_id, reported_at DESC);
