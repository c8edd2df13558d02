//! Runs the sequence engine (`app::fishmouth::sequences::engine`). Any number of these may
//! run at once on any number of instances: due steps are claimed with SKIP LOCKED.

use app::fishmouth::sequences::engine::Engine;

/// Due steps taken in one transaction.
pub const BATCH: i64 = 500;

/// Queues one batch of due steps; true when it was full, so more may be waiting.
pub async fn run_batch(engine: &Engine) -> anyhow::Result<bool> {
    let batch = engine.run_once(BATCH).await?;
    Ok(batch.lags.len() as i64 == BATCH)
}
