-- Fish Mouth's call assistant: each contractor's settings, homeowners' written consent to be
-- called, and the calls themselves.

CREATE TABLE fm_voice_settings (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    enabled          boolean NOT NULL DEFAULT false,
    assistant_name   text NOT NULL CHECK (length(assistant_name) BETWEEN 1 AND 40),
    -- The speech provider's voice id ('' : its default voice).
    voice            text NOT NULL DEFAULT '' CHECK (length(voice) <= 64),
    greeting         text NOT NULL DEFAULT '' CHECK (length(greeting) <= 300),
    goals            text NOT NULL DEFAULT '' CHECK (length(goals) <= 1000),
    questions        text NOT NULL DEFAULT '' CHECK (length(questions) <= 1000),
    -- Inspection slots: weekdays as bits (Monday = 1) and the hours they start, in her zone.
    slot_days        smallint NOT NULL DEFAULT 31 CHECK (slot_days BETWEEN 1 AND 127),
    slot_hours       smallint[] NOT NULL DEFAULT '{9,14}',
    timezone         text NOT NULL DEFAULT 'America/Chicago' CHECK (length(timezone) BETWEEN 1 AND 64),
    voicemail_action text NOT NULL DEFAULT 'hang_up' CHECK (voicemail_action IN ('leave', 'hang_up')),
    voicemail_text   text NOT NULL DEFAULT '' CHECK (length(voicemail_text) <= 500),
    recording        boolean NOT NULL DEFAULT false,
    max_attempts     smallint NOT NULL DEFAULT 2 CHECK (max_attempts BETWEEN 1 AND 5),
    retention_days   smallint NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Prior express written consent to calls from one contractor, separate from texts: its
-- wording, when it was given and where. Withdrawn consent keeps its row.
CREATE TABLE fm_call_consents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lead_id      uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    phone        text NOT NULL CHECK (length(phone) BETWEEN 4 AND 20),
    wording      text NOT NULL CHECK (length(wording) BETWEEN 20 AND 2000),
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    given_at     timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE UNIQUE INDEX fm_call_consents_live_idx ON fm_call_consents (user_id, lead_id) WHERE withdrawn_at IS NULL;
CREATE INDEX fm_call_consents_lead_idx ON fm_call_consents (lead_id);

CREATE TABLE fm_calls (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lead_id         uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    -- Set when a sequence's step placed it: one call per enrollment step, ever.
    enrollment_id   uuid REFERENCES fm_enrollments (id) ON DELETE SET NULL,
    step_id         uuid REFERENCES fm_sequence_steps (id) ON DELETE SET NULL,
    phone           text NOT NULL,
    -- What a sequence's step asks the assistant to aim for ('' : her settings' goals).
    goal            text NOT NULL DEFAULT '' CHECK (length(goal) <= 5000),
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN
                    ('queued', 'dialing', 'ringing', 'in_progress', 'completed', 'no_answer', 'voicemail', 'failed', 'canceled')),
    outcome         text CHECK (outcome IN ('booked', 'callback', 'opted_out', 'not_interested', 'transfer', 'hung_up', 'no_outcome')),
    detail          text,
    -- When it may be dialled: quiet hours move it later.
    due_at          timestamptz NOT NULL DEFAULT now(),
    call_control_id text UNIQUE,
    -- Who answered, as answering-machine detection heard it: human, machine or not_sure.
    answered_by     text CHECK (answered_by IN ('human', 'machine', 'not_sure')),
    -- The secret in the media stream's URL that ties Telnyx's WebSocket to this call.
    media_token     text NOT NULL UNIQUE,
    booked_for      timestamptz,
    booked_label    text,
    -- The transcript, sealed (AES-GCM, bound to this table and row): homeowner PII.
    transcript      bytea,
    dialed_at       timestamptz,
    answered_at     timestamptz,
    ended_at        timestamptz,
    duration_secs   integer CHECK (duration_secs >= 0),
    cost_cents      integer CHECK (cost_cents >= 0),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX fm_calls_step_idx ON fm_calls (enrollment_id, step_id) WHERE step_id IS NOT NULL;
-- One live call per number, across every instance.
CREATE UNIQUE INDEX fm_calls_live_phone_idx ON fm_calls (phone) WHERE status IN ('dialing', 'ringing', 'in_progress');
CREATE INDEX fm_calls_due_idx ON fm_calls (due_at) WHERE status = 'queued';
CREATE INDEX fm_calls_user_idx ON fm_calls (user_id, created_at DESC);
CREATE INDEX fm_calls_lead_idx ON fm_calls (lead_id);
CREATE INDEX fm_calls_ended_idx ON fm_calls (ended_at) WHERE transcript IS NOT NULL;

-- "Stop calling" is an opt-out of its own; a sequence may hold an assistant's call.
ALTER TABLE fm_opt_outs DROP CONSTRAINT fm_opt_outs_channel_check;
ALTER TABLE fm_opt_outs ADD CONSTRAINT fm_opt_outs_channel_check CHECK (channel IN ('email', 'sms', 'call'));
ALTER TABLE fm_sequence_steps DROP CONSTRAINT fm_sequence_steps_kind_check;
ALTER TABLE fm_sequence_steps ADD CONSTRAINT fm_sequence_steps_kind_check CHECK (kind IN ('email', 'sms', 'call', 'task', 'ai_call'));

-- Calls are paid from the wallet by the started minute.
ALTER TABLE wallet_ledger DROP CONSTRAINT wallet_ledger_kind_check;
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_kind_check
    CHECK (kind IN ('top_up', 'lead_charge', 'refund', 'roof_image', 'voice_call'));
