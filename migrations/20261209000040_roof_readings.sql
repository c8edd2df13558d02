-- Roofs read from aerial images: one reading per home and model, kept with its image, the
-- day it was fetched and what it cost, so asking again costs nothing.
CREATE TABLE fm_roof_readings (
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    model       text NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
    fetched_on  date NOT NULL DEFAULT current_date,
    reading     jsonb NOT NULL,
    image       bytea NOT NULL CHECK (octet_length(image) <= 5000000),
    media_type  text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
    cost_cents  integer NOT NULL CHECK (cost_cents >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (property_id, model)
);

-- A reading is paid from the wallet like a lead.
ALTER TABLE wallet_ledger DROP CONSTRAINT wallet_ledger_kind_check;
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_kind_check
    CHECK (kind IN ('top_up', 'lead_charge', 'refund', 'roof_image'));
