-- Imports from the browser. A contractor's own list is hers alone (owner_id): only her scans
-- see it and its leads cost her nothing. Shared data (owner_id NULL) is what operators import.
-- A parcel is one row per owner, so nobody's import can overwrite another's (or the shared) row.
ALTER TABLE properties ADD COLUMN owner_id uuid REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE properties DROP CONSTRAINT properties_parcel_id_key;
ALTER TABLE properties ADD CONSTRAINT properties_owner_parcel_key UNIQUE NULLS NOT DISTINCT (owner_id, parcel_id);
CREATE INDEX properties_owner_idx ON properties (owner_id) WHERE owner_id IS NOT NULL;

-- An uploaded CSV: checked and mapped while a draft, then imported by a worker in batches.
CREATE TABLE fm_imports (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('properties', 'storms')),
    -- Her own list, or the shared data (operators only, checked when it is made).
    shared      boolean NOT NULL,
    file_name   text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    body        text NOT NULL,
    -- Our field → the position of the file's column that feeds it.
    columns     jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'queued', 'running', 'done', 'failed')),
    total       integer NOT NULL DEFAULT 0,
    processed   integer NOT NULL DEFAULT 0,
    refused     integer NOT NULL DEFAULT 0,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
);
CREATE INDEX fm_imports_user_idx ON fm_imports (user_id, created_at DESC);
CREATE INDEX fm_imports_waiting_idx ON fm_imports (created_at) WHERE status IN ('queued', 'running');

-- A storm report is one row however often its file is imported (NOAA files are re-issued, and
-- an import a crashed worker left is run again): same day, place and hailstone size.
DELETE FROM storm_events a USING storm_events b
WHERE a.id > b.id AND a.event_date = b.event_date AND a.lat = b.lat AND a.lon = b.lon AND a.magnitude_in = b.magnitude_in;
CREATE UNIQUE INDEX storm_events_report_key ON storm_events (event_date, lat, lon, magnitude_in);
