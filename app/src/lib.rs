//! The Leptos app: routes, pages and server functions, organised by feature.
//! Code that touches the database or the network sits behind the `ssr` feature.

mod components;
mod landing;
mod not_found;
mod shell;

#[cfg(feature = "ssr")]
pub mod csp;

pub use shell::{App, shell};
