-- One person a mother chooses (partner, her mother, a community health volunteer) to see
-- her week, her next visit and her danger alerts; her logs and notes only if she ticks it.
-- The invitation is a link with a one-time token (its hash kept here) valid for 7 days.
CREATE TABLE companions (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    companion_id      uuid REFERENCES users (id) ON DELETE CASCADE,
    contact           text NOT NULL CHECK (length(contact) BETWEEN 3 AND 254),
    relationship      text NOT NULL CHECK (relationship IN ('partner', 'mother', 'health_volunteer', 'other')),
    share_logs        boolean NOT NULL DEFAULT false,
    token_hash        bytea UNIQUE,
    invite_expires_at timestamptz NOT NULL,
    accepted_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((companion_id IS NULL) = (accepted_at IS NULL)),
    CHECK (companion_id IS DISTINCT FROM user_id)
);
CREATE INDEX companions_companion_idx ON companions (companion_id);
