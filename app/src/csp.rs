//! The Content-Security-Policy of every rendered page, built around Leptos's per-request nonce.

use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Policy for a page whose scripts carry `nonce`. `'strict-dynamic'` lets the nonced
/// hydration script load the WASM bundle; `'wasm-unsafe-eval'` lets it compile.
/// `tiles` is the map tile server's origin, when one is configured.
pub fn page_policy(nonce: &str, tiles: Option<&str>) -> String {
    let tiles = tiles.map(|origin| format!(" {origin}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:{tiles}; font-src 'self'; connect-src 'self'; \
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
    let tiles = use_context::<std::sync::Arc<crate::fishmouth::ssr::FishMouth>>()
        .and_then(|f| f.map_tiles_url.as_deref().and_then(origin_of).map(str::to_owned));
    if let Ok(value) = page_policy(&nonce, tiles.as_deref()).parse() {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// "https://tile.example.org/{z}/{x}/{y}.png" -> "https://tile.example.org".
fn origin_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    url.get(..8 + host_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_widen_img_src_by_their_origin_only() {
        assert_eq!(
            origin_of("https://tile.example.org/{z}/{x}/{y}.png"),
            Some("https://tile.example.org")
        );
        assert_eq!(origin_of("http://insecure.example/{z}"), None);
        assert!(page_policy("n", None).contains("img-src 'self' data:;"));
        assert!(
            page_policy("n", Some("https://tile.example.org"))
                .contains("img-src 'self' data: https://tile.example.org;")
        );
    }
}
