-- A health worker registers a mother who has no smartphone, with her consent given in person:
-- SasaMum then reaches her by text message only. Her account has no email or password (she
-- never signs in); every other account keeps both.
ALTER TABLE users ADD COLUMN is_health_worker boolean NOT NULL DEFAULT false;
ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_sign_in_or_text_only
    CHECK ((email IS NULL) = (password_hash IS NULL) AND (email IS NOT NULL OR product = 'sasamum'));

-- Who recorded a consent she gave in person (NULL: she gave it herself, on her screen).
ALTER TABLE consents ADD COLUMN recorded_by uuid REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE assisted_registrations (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    health_worker_id uuid REFERENCES users (id) ON DELETE SET NULL,
    facility         text CHECK (length(facility) <= 120),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assisted_registrations_worker_idx ON assisted_registrations (health_worker_id, created_at DESC);
