-- Links in sequence email go through our own redirect (/c/<token>), so a contractor sees which
-- steps' links were opened. Only when and how often is kept: nothing of who clicked or from where.
CREATE TABLE fm_links (
    token            text PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enrollment_id    uuid NOT NULL REFERENCES fm_enrollments (id) ON DELETE CASCADE,
    step_id          uuid NOT NULL REFERENCES fm_sequence_steps (id) ON DELETE CASCADE,
    url              text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    first_clicked_at timestamptz,
    clicks           integer NOT NULL DEFAULT 0
);
CREATE INDEX fm_links_step_idx ON fm_links (step_id);
CREATE INDEX fm_links_enrollment_idx ON fm_links (enrollment_id);
