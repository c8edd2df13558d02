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
