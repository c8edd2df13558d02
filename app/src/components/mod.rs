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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    /// What a browser without JavaScript receives: a live refresh inside `<noscript>`.
    #[test]
    fn the_server_renders_the_refresh_inside_noscript() {
        let html = view! { <noscript inner_html=super::NOSCRIPT_REFRESH></noscript> }.to_html();
        assert_eq!(html, r#"<noscript><meta http-equiv="refresh" content="2"></noscript>"#);
    }
}
