//! The PostgreSQL pool and the embedded migrations.

use anyhow::Context;
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::config::DatabaseSettings;

/// A pool that connects on first use, with bounded waits for a connection
/// and for every statement (set per connection as `statement_timeout`).
pub fn pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options = settings.connect_options().context("DATABASE_URL")?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy_with(options))
}

/// Applies the forward-only migrations in `migrations/`, embedded at compile time.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("../migrations")
        .run(pool)
        .await
        .context("applying database migrations")
}
