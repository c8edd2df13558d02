//! The Content-Security-Policy of every rendered page, built around Leptos's per-request nonce.

use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Policy for a page whose scripts carry `nonce`. `'strict-dynamic'` lets the nonced
/// hydration script load the WASM bundle; `'wasm-unsafe-eval'` lets it compile.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         manifest-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// Policy for everything that is not a rendered page (JSON, files). It also governs the
/// service worker script, whose fetches need `'self'`; no inline code may run anywhere.
pub const NON_PAGE_POLICY: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Puts the page policy for this request's nonce on the response.
pub fn send_header() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = page_policy(&nonce).parse() {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
