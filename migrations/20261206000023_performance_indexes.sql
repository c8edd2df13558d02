-- Indexes for the hot read paths and for deletions (issue 16). A foreign key without an index
-- makes every delete of the row it points at scan the referencing table: deleting an account
-- or a pregnancy touched each of these tables in full.

-- Her latest entries first, as /mum/log lists them.
CREATE INDEX symptom_logs_user_created_idx ON symptom_logs (user_id, created_at DESC);
CREATE INDEX movement_logs_user_created_idx ON movement_logs (user_id, created_at DESC);
-- A sequence's report counts its enrollments by state.
CREATE INDEX fm_enrollments_sequence_state_idx ON fm_enrollments (sequence_id, state);
-- The worker takes back messages whose sender died mid-send.
CREATE INDEX outbox_sending_claimed_idx ON outbox (claimed_at) WHERE status = 'sending';

-- Deleting a pregnancy.
CREATE INDEX contractions_pregnancy_idx ON contractions (pregnancy_id);
CREATE INDEX danger_reports_pregnancy_idx ON danger_reports (pregnancy_id);
CREATE INDEX movement_logs_pregnancy_idx ON movement_logs (pregnancy_id);
CREATE INDEX symptom_logs_pregnancy_idx ON symptom_logs (pregnancy_id);
CREATE INDEX weight_logs_pregnancy_idx ON weight_logs (pregnancy_id);
-- Deleting an account.
CREATE INDEX fm_sequence_steps_user_idx ON fm_sequence_steps (user_id);
CREATE INDEX lead_notes_user_idx ON lead_notes (user_id);
CREATE INDEX leads_refund_decided_by_idx ON leads (refund_decided_by) WHERE refund_decided_by IS NOT NULL;
CREATE INDEX outbox_user_idx ON outbox (user_id);
CREATE INDEX reminders_user_idx ON reminders (user_id);
CREATE INDEX scan_results_user_idx ON scan_results (user_id);
CREATE INDEX stripe_events_user_idx ON stripe_events (user_id);
-- A scan's leads, and deleting scans, properties and enrollments.
CREATE INDEX leads_scan_idx ON leads (scan_id);
CREATE INDEX leads_property_idx ON leads (property_id);
CREATE INDEX scan_results_property_idx ON scan_results (property_id);
CREATE INDEX fm_inbound_enrollment_idx ON fm_inbound (enrollment_id);

-- A lead counts as opened once: later views of its page write nothing.
ALTER TABLE leads ADD COLUMN first_viewed_at timestamptz;
