-- Tracking: symptoms (with an optional note, encrypted at rest) and weight.
CREATE TABLE symptom_logs (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id    uuid REFERENCES pregnancies (id) ON DELETE CASCADE,
    logged_on       date NOT NULL,
    symptoms        text[] NOT NULL,
    note_ciphertext bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(symptoms) >= 1 OR note_ciphertext IS NOT NULL)
);
CREATE INDEX symptom_logs_user_idx ON symptom_logs (user_id, logged_on DESC);

CREATE TABLE weight_logs (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid REFERENCES pregnancies (id) ON DELETE CASCADE,
    logged_on    date NOT NULL,
    grams        integer NOT NULL CHECK (grams BETWEEN 30000 AND 250000),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX weight_logs_user_idx ON weight_logs (user_id, logged_on DESC);
