//! Building blocks shared by every page. No routes live here.

mod error_boundary;
mod form;
mod layout;
mod retry;
mod toast;

pub use error_boundary::AppErrorBoundary;
pub(crate) use form::saves;
pub use form::{
    Field, FormError, FormPage, LastError, LinkRow, Loaded, Loading, Submit, Success, last_error, successes,
};
pub use layout::{ChipNav, Footer, Header, SkipLink, or_hint, provide_viewer};
pub use retry::retrying;
pub use toast::{ToastRegion, provide_toasts, toast_on_success};

/// A page that works on without JavaScript refreshes itself while a job runs. The tag goes in
/// as the `<noscript>`'s HTML: a browser with scripting on reads it as text, whereas a `<meta>`
/// element the app inserts would reload the page even with JavaScript running.
pub const NOSCRIPT_REFRESH: &str = r#"<meta http-equiv="refresh" content="2">"#;

/// Text made safe to place in HTML, as element content or a quoted attribute value.
///
/// Leptos writes the children of `<textarea>`, `<script>`, `<style>` and `<noscript>` unescaped,
/// and leptos_meta the `<title>`: user text goes into those through this, a textarea's as its
/// `inner_html` (the server's output and the browser's `innerHTML` read back the same text).
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    /// What a browser without JavaScript receives: a live refresh inside `<noscript>`.
    #[test]
    fn text_in_a_textarea_cannot_close_it() {
        let note = r#"</textarea><a id="inj" href="https://evil.example/login">locked</a><textarea>"#;
        let html = view! { <textarea inner_html=super::escape_html(note)></textarea> }.to_html();
        assert_eq!(html.matches("</textarea>").count(), 1, "{html}");
        assert!(!html.contains("<a "), "{html}");
        assert!(html.contains("&lt;/textarea&gt;&lt;a id=&quot;inj&quot;"), "{html}");
    }

    #[test]
    fn the_server_renders_the_refresh_inside_noscript() {
        let html = view! { <noscript inner_html=super::NOSCRIPT_REFRESH></noscript> }.to_html();
        assert_eq!(html, r#"<noscript><meta http-equiv="refresh" content="2"></noscript>"#);
    }
}
