-- After a live birth: the baby, the doses she marks given, and reminders of the postnatal
-- checks and vaccination days, sent by the same worker as the visit reminders.
CREATE TABLE babies (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pregnancy_id uuid NOT NULL REFERENCES pregnancies (id) ON DELETE CASCADE,
    born_on      date NOT NULL,
    name         text CHECK (length(name) BETWEEN 1 AND 60),
    weight_grams integer CHECK (weight_grams BETWEEN 300 AND 7000),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX babies_user_idx ON babies (user_id, born_on DESC);
CREATE INDEX babies_pregnancy_idx ON babies (pregnancy_id);

CREATE TABLE vaccinations (
    baby_id    uuid NOT NULL REFERENCES babies (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dose       text NOT NULL CHECK (dose ~ '^[a-z0-9_]{1,20}$'),
    given_on   date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (baby_id, dose)
);
CREATE INDEX vaccinations_user_idx ON vaccinations (user_id);

-- A reminder is of a booked visit (day_before, morning) or of a baby's care item ('care':
-- `pnc_day3`, `kepi_6w`), once per baby and item.
ALTER TABLE reminders
    ALTER COLUMN appointment_id DROP NOT NULL,
    ADD COLUMN baby_id uuid REFERENCES babies (id) ON DELETE CASCADE,
    ADD COLUMN care text CHECK (care ~ '^[a-z0-9_]{1,20}$'),
    DROP CONSTRAINT reminders_kind_check,
    ADD CONSTRAINT reminders_kind_check CHECK (kind IN ('day_before', 'morning', 'care')),
    ADD CONSTRAINT reminders_subject_check CHECK (
        CASE WHEN kind = 'care'
             THEN appointment_id IS NULL AND baby_id IS NOT NULL AND care IS NOT NULL
             ELSE appointment_id IS NOT NULL AND baby_id IS NULL AND care IS NULL END
    ),
    ADD CONSTRAINT reminders_care_once UNIQUE (baby_id, care);
