//! The Leptos app: routes, pages and server functions, organised by feature.
//! Code that touches the database or the network sits behind the `ssr` feature.

pub mod admin;
pub mod alerts;
pub mod auth;
mod components;
mod dev_mailbox;
pub mod error;
pub mod fishmouth;
pub mod help;
pub mod i18n;
mod landing;
pub mod mum;
mod not_found;
pub mod platform;
pub mod privacy;
pub mod products;
mod shell;

#[cfg(feature = "ssr")]
pub mod csp;

pub use shell::{App, shell};
