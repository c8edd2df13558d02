//! Building blocks shared by every page. No routes live here.

mod error_boundary;
mod form;
mod layout;
mod retry;
mod toast;

pub use error_boundary::AppErrorBoundary;
pub use form::{Field, FormError, LastError, Success, last_error, successes};
pub use layout::{Footer, Header, provide_viewer};
pub use retry::retrying;
pub use toast::{ToastRegion, provide_toasts, toast_on_success};

/// A page that works on without JavaScript refreshes itself while a job runs. The tag goes in
/// as the `<noscript>`'s HTML: a browser with scripting on reads it as text, whereas a `<meta>`
/// element the app inserts would reload the page even with JavaScript running.
pub const NOSCRIPT_REFRESH: &str = r#"<meta http-equiv="refresh" content="2">"#;
