-- A contractor's own phone number: her texts go from it, and texts to it are hers alone.
-- Without one, her texts go from the platform's shared number (attributed by who texted last).
CREATE TABLE fm_numbers (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone_number text NOT NULL UNIQUE CHECK (phone_number ~ '^\+[1-9][0-9]{7,14}$'),
    -- The provider's order; texts go from the number once the order has succeeded.
    order_id     text,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active')),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The number a text goes from; NULL: the platform's shared number.
ALTER TABLE outbox ADD COLUMN from_number text;
