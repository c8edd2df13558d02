-- Each product sends email under its own name ("SasaMum <no-reply@…>", "Fish Mouth <…>"):
-- the display name chosen when the message was queued. Empty: MAIL_FROM's own name.
ALTER TABLE outbox ADD COLUMN sender_name text NOT NULL DEFAULT '';
