//! The PostgreSQL pool, the embedded migrations, and scratch databases for the benchmarks.

use anyhow::Context;
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::config::DatabaseSettings;

/// A pool that connects on first use, with bounded waits for a connection
/// and for every statement (set per connection as `statement_timeout`).
///
/// A connection is not pinged before each checkout (sqlx's default doubles every request's
/// round trips): one the server dropped fails its next statement and is discarded, and idle
/// connections close after a minute, so few are stale when the database comes back.
pub fn pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options = settings.connect_options().context("DATABASE_URL")?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false)
        .idle_timeout(std::time::Duration::from_secs(60))
        .connect_lazy_with(options))
}

/// Applies the forward-only migrations in `migrations/`, embedded at compile time.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("../migrations")
        .run(pool)
        .await
        .context("applying database migrations")
}

/// Runs `work` against a new, empty database made beside the one `admin_url` names, and
/// drops it afterwards, whatever `work` returned. For the benchmark tools.
pub async fn with_scratch_database<F, Fut>(admin_url: &str, prefix: &str, work: F) -> anyhow::Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let name = format!("{prefix}_{}", std::process::id());
    let mut admin = crate::store::connect(admin_url).await?;
    crate::store::create_database(&mut admin, &name).await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    let result = work(format!("{base}/{name}")).await;
    crate::store::drop_database(&mut admin, &name).await?;
    result
}
