-- A sequence message must be delivered while contact is still allowed in the lead's zone:
-- past `not_after` (the end of those hours) the outbox cancels it instead of sending late.
ALTER TABLE outbox ADD COLUMN not_after timestamptz;
CREATE INDEX outbox_expiring_idx ON outbox (not_after) WHERE status = 'pending' AND not_after IS NOT NULL;
