//! Accounts and authentication: sign-up, email verification, login, refresh, logout,
//! password reset and change, profile and signed-in devices.

mod api;
pub mod guards;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use api::*;
pub use pages::*;
