//! What every feature uses on the server: shared services, the audit log,
//! rate limits and the outbox. Server-side only.

pub mod audit;
pub mod crypto;
pub mod outbox;
pub mod rate_limit;
mod services;
pub mod usage;

pub use services::{ClientIp, FishMouthConfig, RequestInfo, Services, client_ip, request_info, services};
