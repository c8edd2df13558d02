//! Runs queued area scans. Any number of these may run at once on any number of
//! instances: each scan is claimed with SKIP LOCKED, and a scan left running by a crashed
//! worker is taken over after a while (see `app::fishmouth::scans::ssr::run_next`).

use sqlx::PgPool;

#[derive(Clone)]
pub struct ScanWorker {
    pool: PgPool,
}

impl ScanWorker {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Runs the oldest waiting scan, if any; true when one ran.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        app::fishmouth::scans::ssr::run_next(&self.pool).await
    }

    pub async fn run_until_stopped(self, poll: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            // Straight on to the next scan while there is work; otherwise wait a moment.
            let ran = match self.run_once().await {
                Ok(ran) => ran,
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "scan worker step failed");
                    false
                }
            };
            if ran && !*stop.borrow() {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {},
                _ = stop.changed() => break,
            }
        }
    }
}
