-- A customer's own domain to send email from, as <local_part>@<domain>: its DKIM key pair
-- (the private half sealed with the data key) and when DNS showed the public half published.
-- Mail goes from it only once verified. Anyone may add a domain; only the account that
-- proves it in DNS (its own selector's record) may send from it, and only one account may.
CREATE TABLE sending_domains (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    domain             text NOT NULL CHECK (length(domain) BETWEEN 3 AND 253),
    local_part         text NOT NULL CHECK (length(local_part) BETWEEN 1 AND 64),
    selector           text NOT NULL,
    private_key_sealed bytea NOT NULL,
    public_key         text NOT NULL,
    verified_at        timestamptz,
    checked_at         timestamptz,
    -- What the last DNS check found wanting, in words.
    check_problem      text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sending_domains_verified_idx ON sending_domains (domain) WHERE verified_at IS NOT NULL;

-- The address an email goes from; NULL: MAIL_FROM's. The daily cap counts a sender's email by its time.
ALTER TABLE outbox ADD COLUMN from_address text;
CREATE INDEX outbox_user_email_idx ON outbox (user_id, created_at) WHERE channel = 'email';
