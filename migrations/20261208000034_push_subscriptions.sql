-- The browsers where someone turned alerts on (Web Push). The endpoint is the push service's
-- address for that one browser: unique, and forgotten when the service says it is gone.
CREATE TABLE push_subscriptions (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   text NOT NULL UNIQUE CHECK (endpoint ~ '^https?://' AND length(endpoint) <= 1000),
    p256dh     bytea NOT NULL CHECK (length(p256dh) = 65),
    auth_secret bytea NOT NULL CHECK (length(auth_secret) = 16),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

-- A push message waits in the outbox like any other: its recipient is the subscription's id.
ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms', 'push'));
