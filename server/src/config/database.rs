//! The database section: `DATABASE_URL` and the pool's limits.

use std::{fmt, str::FromStr, time::Duration};

use sqlx::postgres::PgConnectOptions;

use super::reader::Reader;

#[derive(Clone)]
pub struct DatabaseSettings {
    /// Connection URL; holds the password, so `Debug` hides it.
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &"[redacted]")
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

impl DatabaseSettings {
    pub fn read(env: &mut Reader) -> Option<Self> {
        let url = env.required::<String>(
            "DATABASE_URL",
            "the PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/sasa",
        );
        if let Some(url) = &url {
            let scheme_ok = url.starts_with("postgres://") || url.starts_with("postgresql://");
            match PgConnectOptions::from_str(url) {
                Ok(_) if scheme_ok => {}
                Ok(_) => env.fail(
                    "DATABASE_URL",
                    "not a PostgreSQL URL (it must start with postgres://)".into(),
                ),
                Err(e) => env.fail("DATABASE_URL", format!("not a PostgreSQL URL ({e})")),
            }
        }
        let max_connections = env.in_range("DATABASE_MAX_CONNECTIONS", 10u32, 1..=1000);
        let acquire = env.in_range("DATABASE_ACQUIRE_TIMEOUT_SECS", 5u64, 1..=120);
        let statement = env.in_range("DATABASE_STATEMENT_TIMEOUT_MS", 5_000u64, 100..=600_000);
        Some(Self {
            url: url?,
            max_connections: max_connections?,
            acquire_timeout: Duration::from_secs(acquire?),
            statement_timeout: Duration::from_millis(statement?),
        })
    }

    pub fn connect_options(&self) -> Result<PgConnectOptions, sqlx::Error> {
        let statement_timeout = self.statement_timeout.as_millis().to_string();
        Ok(PgConnectOptions::from_str(&self.url)?
            .application_name("sasa")
            .options([("statement_timeout", statement_timeout.as_str())]))
    }
}
