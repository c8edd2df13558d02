-- She replied STOP (or ACHA) to a SasaMum text: no more texts until START (or ANZA); her
-- reminders go by email meanwhile.
ALTER TABLE mum_profiles ADD COLUMN sms_stopped_at timestamptz;
CREATE INDEX mum_profiles_reminder_phone_idx ON mum_profiles (reminder_phone) WHERE reminder_phone IS NOT NULL;
