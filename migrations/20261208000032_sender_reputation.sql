-- A homeowner's spam complaint is kept with the replies (and opts them out); a contractor whose
-- email draws too many complaints or bounces is paused from sending email until an operator
-- resumes it (`server resume-email`).
ALTER TABLE fm_inbound DROP CONSTRAINT fm_inbound_kind_check;
ALTER TABLE fm_inbound ADD CONSTRAINT fm_inbound_kind_check
    CHECK (kind IN ('reply', 'opt_out', 'opt_in', 'unsubscribe', 'bounce', 'complaint'));
ALTER TABLE fm_profiles ADD COLUMN email_paused_at timestamptz, ADD COLUMN email_paused_why text;
