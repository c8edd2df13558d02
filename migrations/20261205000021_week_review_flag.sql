-- The week-by-week content now lives in content/pregnancy-weeks.tsv (English original beside
-- the Kiswahili), loaded at start-up. Whether a health worker has signed off each text:
ALTER TABLE pregnancy_weeks ADD COLUMN reviewed_by_health_worker boolean NOT NULL DEFAULT false;
