-- Antenatal visits (the schedule's contacts she has booked, and her own) and their reminders.
CREATE TABLE appointments (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid NOT NULL REFERENCES pregnancies (id) ON DELETE CASCADE,
    -- The ANC contact's gestational week; NULL for an appointment she adds herself.
    contact_week integer CHECK (contact_week BETWEEN 1 AND 42),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    -- Wall-clock time in her time zone.
    local_start  timestamp NOT NULL,
    place        text CHECK (length(place) <= 200),
    status       text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'attended', 'missed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pregnancy_id, contact_week)
);
CREATE INDEX appointments_user_idx ON appointments (user_id, local_start);

-- Each reminder is sent once: the worker claims it (SKIP LOCKED), writes the email to the
-- outbox with the key reminder:<id>, and marks it sent, all in one transaction.
CREATE TABLE reminders (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id uuid NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('day_before', 'morning')),
    due_at         timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    UNIQUE (appointment_id, kind)
);
CREATE INDEX reminders_due_idx ON reminders (due_at) WHERE status = 'pending';
