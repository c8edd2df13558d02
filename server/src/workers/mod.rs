//! Background workers, run beside the HTTP server. Each exposes a one-step
//! `run_once` that tests call directly.

pub mod exports;
pub mod outbox;
pub mod reminders;
pub mod scans;
