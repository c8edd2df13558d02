-- Who did what, when, from where, and how it ended. Never holds a secret or health text.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    subject     text,
    ip          inet,
    user_agent  text,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at DESC);
