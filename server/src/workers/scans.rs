//! Runs queued area scans. Any number of these may run at once on any number of
//! instances: each scan is claimed with SKIP LOCKED, and a scan left running by a crashed
//! worker is taken over after a while (see `app::fishmouth::scans::ssr::run_next`).

use sqlx::PgPool;

#[derive(Clone)]
pub struct ScanWorker {
    pool: PgPool,
    /// Production: generated sample homes are never sold for money.
    samples_are_free: bool,
}

impl ScanWorker {
    pub fn new(pool: PgPool, samples_are_free: bool) -> Self {
        Self { pool, samples_are_free }
    }

    /// Runs the oldest waiting scan, if any; true when one ran.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        app::fishmouth::scans::ssr::run_next(&self.pool, self.samples_are_free).await
    }
}
