-- "Is any of this the generated sample?" is asked on every scan and lead page: answer it
-- from a small index instead of a scan of every home when the data was imported.
CREATE INDEX properties_sample_idx ON properties (id) WHERE source = 'sample';
