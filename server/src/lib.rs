//! The axum server: configuration, database, middleware, and the Leptos app.

pub mod commands;
pub mod config;
pub mod db;
mod health;
mod manifest;
pub mod metrics;
mod middleware;
pub mod products;
pub mod serve;
pub mod startup;
mod store;
pub mod telemetry;
pub mod tls;
pub mod workers;

pub use startup::{AppState, Application, shutdown_signal};
