-- Text messages go through the same outbox as email; `subject` and `body_html` stay empty.
ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms'));

-- Where her SMS reminders go (E.164), when she chose SMS.
ALTER TABLE mum_profiles ADD COLUMN reminder_phone text CHECK (reminder_phone ~ '^\+[1-9][0-9]{7,14}$');
ALTER TABLE mum_profiles ADD CONSTRAINT mum_profiles_sms_needs_phone
    CHECK (reminder_channel <> 'sms' OR reminder_phone IS NOT NULL);
