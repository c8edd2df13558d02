-- /metrics counts failed sign-ins on every scrape: a partial index keeps that cheap.
CREATE INDEX audit_log_login_failures_idx ON audit_log (occurred_at) WHERE action = 'auth.login' AND outcome = 'failure';
