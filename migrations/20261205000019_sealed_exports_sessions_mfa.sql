-- Export files hold her health notes: they are stored sealed with the health-data key,
-- like the notes themselves. Files built before this were plaintext; they are deleted
-- (she can ask for a new one at once).
DELETE FROM export_jobs WHERE result IS NOT NULL;
ALTER TABLE export_jobs DROP COLUMN result;
ALTER TABLE export_jobs ADD COLUMN result_sealed bytea;

-- A session ends after this long without use, as well as at expires_at. Operators' are
-- short (30 minutes); everyone else's comes from SESSION_IDLE_TIMEOUT_SECS.
ALTER TABLE sessions ADD COLUMN idle_timeout_secs integer NOT NULL DEFAULT 1209600;
-- When this session passed the operator's second factor (TOTP or a recovery code).
ALTER TABLE sessions ADD COLUMN second_factor_at timestamptz;

-- Operators' TOTP (RFC 6238). The secret is sealed with the health-data key. Until the
-- operator confirms a first code, the recovery codes are kept sealed here to be shown;
-- after, only their hashes remain.
CREATE TABLE operator_mfa (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed   bytea NOT NULL,
    pending_sealed  bytea,
    confirmed_at    timestamptz,
    -- The last 30-second step accepted: a code is never accepted twice.
    last_step       bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
