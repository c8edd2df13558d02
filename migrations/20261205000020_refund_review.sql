-- Refunds beyond the automatic share (or for leads already contacted) wait for an operator.
-- refund_status: pending (waiting), refunded (money back, contact data hidden), denied.
ALTER TABLE leads ADD COLUMN refund_status text CHECK (refund_status IN ('pending', 'refunded', 'denied'));
ALTER TABLE leads ADD COLUMN refund_requested_at timestamptz;
-- What the contractor wrote, for the operator.
ALTER TABLE leads ADD COLUMN refund_note text CHECK (length(refund_note) <= 1000);
ALTER TABLE leads ADD COLUMN refund_decided_by uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN refund_decision text CHECK (length(refund_decision) <= 1000);
UPDATE leads SET refund_status = 'refunded', refund_requested_at = refunded_at WHERE refunded_at IS NOT NULL;
ALTER TABLE leads ADD CHECK ((refund_status = 'refunded') = (refunded_at IS NOT NULL));
CREATE INDEX leads_refund_pending_idx ON leads (refund_requested_at) WHERE refund_status = 'pending';
