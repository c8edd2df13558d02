-- The contractor's reply inbox: a homeowner's reply is unread until she reads it, and waits
-- for her answer until she marks it done.
ALTER TABLE fm_inbound ADD COLUMN read_at timestamptz, ADD COLUMN done_at timestamptz;
CREATE INDEX fm_inbound_inbox_idx ON fm_inbound (user_id, received_at DESC) WHERE kind = 'reply';
