//! Background workers, run beside the HTTP server. Each exposes a one-step
//! `run_once` that tests call directly.

pub mod exports;
pub mod outbox;
pub mod reminders;
pub mod retention;
pub mod scans;
pub mod sequences;

use std::{future::Future, time::Duration};

/// Runs `step` until told to stop: straight on to the next job while there is work
/// (`step` answered true), otherwise a pause of `poll`. A failed step is logged, not fatal.
pub async fn run_jobs<F, Fut>(what: &'static str, poll: Duration, mut stop: tokio::sync::watch::Receiver<bool>, step: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    loop {
        let ran = match step().await {
            Ok(ran) => ran,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), worker = what, "worker step failed");
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
