-- Fish Mouth outreach: sequences of steps, leads enrolled in them, and the engine's record
-- of each (enrollment, step), which is what makes every step happen exactly once.

CREATE TABLE fm_sequences (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    window_days           smallint NOT NULL CHECK (window_days BETWEEN 1 AND 127),
    window_start          smallint NOT NULL CHECK (window_start BETWEEN 0 AND 23),
    window_end            smallint NOT NULL CHECK (window_end BETWEEN 1 AND 24 AND window_end > window_start),
    -- New leads scoring at least this are enrolled as they are bought.
    auto_enroll_min_score smallint CHECK (auto_enroll_min_score BETWEEN 0 AND 100),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fm_sequences_user_idx ON fm_sequences (user_id, updated_at DESC);

-- Steps keep their id across edits. A removed step keeps its row (removed_at) so what
-- enrollments already did with it, and the reports, still make sense.
CREATE TABLE fm_sequence_steps (
    id            uuid PRIMARY KEY,
    sequence_id   uuid NOT NULL REFERENCES fm_sequences (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position      smallint NOT NULL CHECK (position BETWEEN 0 AND 19),
    kind          text NOT NULL CHECK (kind IN ('email', 'sms', 'call', 'task')),
    delay_minutes integer NOT NULL CHECK (delay_minutes BETWEEN 0 AND 525600),
    subject       text NOT NULL DEFAULT '',
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    removed_at    timestamptz
);
CREATE INDEX fm_sequence_steps_seq_idx ON fm_sequence_steps (sequence_id, position) WHERE removed_at IS NULL;

CREATE TABLE fm_enrollments (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sequence_id       uuid NOT NULL REFERENCES fm_sequences (id) ON DELETE CASCADE,
    lead_id           uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    state             text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'finished', 'stopped')),
    stop_reason       text CHECK (stop_reason IN ('replied', 'opted_out', 'bounced', 'won', 'lost', 'manual')),
    -- When the next step is due; NULL while a rep's task is open or the enrollment is not active.
    next_due_at       timestamptz,
    last_step_at      timestamptz NOT NULL DEFAULT now(),
    unsubscribe_token text NOT NULL UNIQUE,
    enrolled_at       timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz,
    CHECK ((state = 'stopped') = (stop_reason IS NOT NULL))
);
CREATE UNIQUE INDEX fm_enrollments_one_open_idx ON fm_enrollments (sequence_id, lead_id) WHERE state IN ('active', 'paused');
CREATE INDEX fm_enrollments_due_idx ON fm_enrollments (next_due_at) WHERE state = 'active' AND next_due_at IS NOT NULL;
CREATE INDEX fm_enrollments_lead_idx ON fm_enrollments (lead_id);
CREATE INDEX fm_enrollments_user_idx ON fm_enrollments (user_id, sequence_id);

-- One row per (enrollment, step), written in the transaction that queues the message:
-- its primary key and the outbox key 'seq:<enrollment>:<step>' each forbid a second send.
CREATE TABLE fm_enrollment_steps (
    enrollment_id uuid NOT NULL REFERENCES fm_enrollments (id) ON DELETE CASCADE,
    step_id       uuid NOT NULL REFERENCES fm_sequence_steps (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- queued: in the outbox; skipped: could not go (detail says why); task_open/task_done: a rep's task.
    outcome       text NOT NULL CHECK (outcome IN ('queued', 'skipped', 'task_open', 'task_done')),
    detail        text,
    outbox_key    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz,
    PRIMARY KEY (enrollment_id, step_id)
);
CREATE INDEX fm_enrollment_steps_tasks_idx ON fm_enrollment_steps (user_id, created_at) WHERE outcome = 'task_open';
CREATE INDEX fm_enrollment_steps_step_idx ON fm_enrollment_steps (step_id);
CREATE INDEX fm_enrollment_steps_outbox_idx ON fm_enrollment_steps (outbox_key) WHERE outbox_key IS NOT NULL;

-- Addresses and numbers that asked a contractor to stop: never sent to again by them.
CREATE TABLE fm_opt_outs (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel      text NOT NULL CHECK (channel IN ('email', 'sms')),
    address      text NOT NULL,
    source       text NOT NULL,
    opted_out_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, channel, address)
);

-- What came back: replies, opt-outs and delivery reports, for the lead's timeline.
CREATE TABLE fm_inbound (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lead_id       uuid REFERENCES leads (id) ON DELETE CASCADE,
    enrollment_id uuid REFERENCES fm_enrollments (id) ON DELETE SET NULL,
    channel       text NOT NULL CHECK (channel IN ('email', 'sms')),
    kind          text NOT NULL CHECK (kind IN ('reply', 'opt_out', 'opt_in', 'unsubscribe', 'bounce')),
    address       text NOT NULL,
    body          text NOT NULL DEFAULT '',
    -- The provider's event id: a webhook delivered twice is recorded once.
    event_id      text,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX fm_inbound_event_idx ON fm_inbound (user_id, event_id);
CREATE INDEX fm_inbound_lead_idx ON fm_inbound (lead_id, received_at);

-- Texting a lead needs their consent: skip-traced numbers carry none.
ALTER TABLE leads ADD COLUMN sms_consent_at timestamptz;

-- Sequence email carries one-click unsubscribe headers (RFC 8058) and a reply address;
-- an opt-out cancels what is still waiting; Telnyx's message id ties delivery reports back.
ALTER TABLE outbox ADD COLUMN list_unsubscribe text;
ALTER TABLE outbox ADD COLUMN reply_to text;
ALTER TABLE outbox ADD COLUMN provider_id text;
ALTER TABLE outbox ADD COLUMN delivery_status text;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled'));
CREATE INDEX outbox_provider_idx ON outbox (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX outbox_pending_recipient_idx ON outbox (recipient) WHERE status = 'pending';
