//! Response headers every route gets: security policy and caching.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// Headers from the security checklist. Pages set their own nonce-based CSP
/// (see `app::csp`); everything else gets the strict default.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_default(
        headers,
        header::CONTENT_SECURITY_POLICY,
        app::csp::NON_PAGE_POLICY,
    );
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    set_default(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    );
    set_default(headers, "cross-origin-opener-policy", "same-origin");
    set_default(headers, "cross-origin-resource-policy", "same-origin");
    let cache = cache_policy(&path, headers);
    set_default(headers, header::CACHE_CONTROL, cache);
    response
}

/// Hashed bundles never change under their name, so they are cached for a year;
/// pages and the service worker are always revalidated, so a new build shows at once.
fn cache_policy(path: &str, headers: &HeaderMap) -> &'static str {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if path.starts_with("/pkg/") && is_content_hashed(path) {
        "public, max-age=31536000, immutable"
    } else if is_html
        || path == "/sw.js"
        || path.starts_with("/pkg/")
        || path.ends_with(".webmanifest")
    {
        "no-cache"
    } else if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        "no-store"
    } else {
        "public, max-age=86400"
    }
}

/// `/pkg/sasafish.2xLq8gWm7.js` is hashed; `/pkg/sasafish.js` is not.
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    file.split('.').count() >= 3
}

fn set_default(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: &'static str) {
    if let header::Entry::Vacant(slot) = headers.entry(name) {
        slot.insert(HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_bundles_are_immutable() {
        let none = HeaderMap::new();
        assert_eq!(
            cache_policy("/pkg/sasafish.Ab12Cd.wasm", &none),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_policy("/pkg/sasafish.wasm", &none), "no-cache");
        assert_eq!(cache_policy("/sw.js", &none), "no-cache");
        assert_eq!(cache_policy("/readyz", &none), "no-store");
    }

    #[test]
    fn pages_are_revalidated() {
        let mut html = HeaderMap::new();
        html.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        assert_eq!(cache_policy("/", &html), "no-cache");
    }
}
