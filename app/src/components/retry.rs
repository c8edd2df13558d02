//! Reads that survive a flaky connection: in the browser, a page's data read that fails
//! for want of a network (or because the server is busy) is tried again after 0.5 s, 1 s
//! and 2 s before the page shows the error. Only reads: they change nothing, so a second
//! try is always safe. On the server the read is a function call, never retried.

use std::{future::Future, pin::Pin};

use crate::error::AppError;

type Read<T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send>>;

/// Wraps a resource's fetcher: `Resource::new(source, retrying(|id| load_thing(id)))`.
pub fn retrying<S, T, F, Fut>(fetch: F) -> impl Fn(S) -> Read<T> + Clone + Send + Sync + 'static
where
    S: Clone + Send + Sync + 'static,
    T: Send + 'static,
    F: Fn(S) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    move |source: S| {
        let fetch = fetch.clone();
        Box::pin(async move {
            let mut wait_ms = 500;
            let mut tries_left = if cfg!(feature = "hydrate") { 3 } else { 0 };
            loop {
                match fetch(source.clone()).await {
                    Err(AppError::Network | AppError::Busy { .. }) if tries_left > 0 => {
                        tries_left -= 1;
                        sleep(wait_ms).await;
                        wait_ms *= 2;
                    }
                    result => return result,
                }
            }
        })
    }
}

#[cfg(feature = "hydrate")]
async fn sleep(ms: u64) {
    let (done, wait) = futures_channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = done.send(());
        },
        std::time::Duration::from_millis(ms),
    );
    let _ = wait.await;
}

#[cfg(not(feature = "hydrate"))]
async fn sleep(_ms: u64) {}
