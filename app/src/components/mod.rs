//! Building blocks shared by every page. No routes live here.

mod error_boundary;
mod layout;

pub use error_boundary::AppErrorBoundary;
pub use layout::{Footer, Header};
