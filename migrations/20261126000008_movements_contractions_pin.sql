-- The movements diary: how she felt her baby move, with an optional count. No score.
CREATE TABLE movement_logs (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid REFERENCES pregnancies (id) ON DELETE CASCADE,
    logged_on    date NOT NULL,
    movement     text NOT NULL CHECK (movement IN ('usual', 'more', 'less')),
    count        integer CHECK (count BETWEEN 0 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX movement_logs_user_idx ON movement_logs (user_id, logged_on DESC);

-- The contraction timer: one row per contraction; at most one running at a time.
CREATE TABLE contractions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid REFERENCES pregnancies (id) ON DELETE CASCADE,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz CHECK (ended_at > started_at)
);
CREATE INDEX contractions_user_idx ON contractions (user_id, started_at DESC);
CREATE UNIQUE INDEX contractions_one_running_idx ON contractions (user_id) WHERE ended_at IS NULL;

-- An optional PIN (argon2 hash) that locks her health screens on a shared phone.
ALTER TABLE mum_profiles ADD COLUMN pin_hash text;
-- The session (device) where she last entered the PIN stays open until this moment.
ALTER TABLE sessions ADD COLUMN pin_unlocked_until timestamptz;
