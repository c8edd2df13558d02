//! Builds "download my data" files in the background (see `app::privacy::export::run_next`).
//! Any number may run at once on any number of instances: each job is claimed with SKIP LOCKED.

use std::sync::Arc;

use app::platform::crypto::HealthKey;
use sqlx::PgPool;

#[derive(Clone)]
pub struct ExportWorker {
    pool: PgPool,
    key: Arc<HealthKey>,
}

impl ExportWorker {
    pub fn new(pool: PgPool, key: Arc<HealthKey>) -> Self {
        Self { pool, key }
    }

    /// Builds the oldest waiting export, if any; true when one ran.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        app::privacy::export::run_next(&self.pool, &self.key).await
    }
}
