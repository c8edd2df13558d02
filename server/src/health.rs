//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(alive)).route("/readyz", get(ready))
}

/// The process is up and answering.
async fn alive() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can do useful work: the database answers within two seconds.
async fn ready(State(pool): State<PgPool>) -> (StatusCode, Json<Value>) {
    let check = tokio::time::timeout(Duration::from_secs(2), crate::store::ping(&pool)).await;
    match check {
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({ "status": "ready", "database": "up" }))),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "down" })),
            )
        }
        Err(_) => {
            tracing::warn!("readiness check: database timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "timeout" })),
            )
        }
    }
}

/// Development only: `/dev/panic` panics, so the 500 page can be seen and tested.
pub fn development_routes(development: bool) -> Router<AppState> {
    if development {
        Router::new().route("/dev/panic", get(deliberate_panic))
    } else {
        Router::new()
    }
}

#[allow(clippy::unused_async)]
async fn deliberate_panic() -> &'static str {
    panic!("a deliberate panic at /dev/panic")
}
