//! Background workers, run beside the HTTP server. Each exposes a one-step `run_once`
//! that tests call directly; `startup::Application` registers them in one list, with the
//! products' own workers (`products::Products::workers`).

pub mod exports;
pub mod outbox;
pub mod retention;
mod store;

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

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

type Step = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = anyhow::Result<bool>> + Send>> + Send + Sync>;

/// One registered worker: its name (in logs), its pause when idle, and its step (true when
/// it did something and more may be waiting).
pub struct Worker {
    name: &'static str,
    idle: Duration,
    step: Step,
}

impl Worker {
    pub fn new<F, Fut>(name: &'static str, idle: Duration, step: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<bool>> + Send + 'static,
    {
        Self {
            name,
            idle,
            step: Arc::new(move || Box::pin(step())),
        }
    }
}

/// Runs every worker until `stop` turns true, and returns once all have stopped.
pub async fn run_all(workers: Vec<Worker>, stop: tokio::sync::watch::Receiver<bool>) {
    let running: Vec<_> = workers
        .into_iter()
        .map(|worker| {
            let stop = stop.clone();
            tokio::spawn(async move { run_jobs(worker.name, worker.idle, stop, || (worker.step)()).await })
        })
        .collect();
    for worker in running {
        let _ = worker.await;
    }
}
