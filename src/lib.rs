//! Domain rules shared by the server and the browser.
//!
//! Everything here is pure (no I/O, no clock): callers pass "today" in.
//! The crate compiles for the server and for wasm32, so the same rule
//! runs in a form before hydration and in the browser after it.

pub mod account;
mod date;
mod field_error;
pub mod fishmouth;
pub mod postnatal;
pub mod pregnancy;
pub mod sending;
pub mod sms;
mod text_enum;
pub mod weekly;

pub use date::{DateError, clock_time, long_date, parse_iso_date};
pub use field_error::FieldError;
pub use text_enum::{DeliveryStatus, JobStatus, TicketStatus};
