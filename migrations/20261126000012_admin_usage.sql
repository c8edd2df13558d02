-- An operator can disable an account: it cannot sign in and its sessions end.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- First-party product usage events (no third-party analytics anywhere). No free text:
-- only what happened, to which account, and ids.
CREATE TABLE usage_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    event       text NOT NULL CHECK (event IN ('signed_up', 'onboarding_step', 'scan_created', 'lead_viewed',
                                               'leads_bought', 'credits_purchased', 'sequence_created', 'call_started')),
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_events_event_idx ON usage_events (event, occurred_at DESC);
CREATE INDEX usage_events_user_idx ON usage_events (user_id);
