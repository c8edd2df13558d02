-- A/B tests: a step may carry a version B of its subject or text ('' where it is version A's),
-- and each step taken records which version the lead got, so the report compares replies.
ALTER TABLE fm_sequence_steps
    ADD COLUMN variant_subject text NOT NULL DEFAULT '' CHECK (length(variant_subject) <= 150),
    ADD COLUMN variant_body    text NOT NULL DEFAULT '' CHECK (length(variant_body) <= 5000);
ALTER TABLE fm_enrollment_steps ADD COLUMN version text CHECK (version IN ('a', 'b'));
