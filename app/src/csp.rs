//! The Content-Security-Policy of every rendered page, built around Leptos's per-request nonce.

use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Policy for a page whose scripts carry `nonce`. `'strict-dynamic'` lets the nonced
/// hydration script load the WASM bundle; `'wasm-unsafe-eval'` lets it compile.
/// `images` are the outside origins images may come from (a map tile server), if any.
pub fn page_policy(nonce: &str, images: Option<&str>) -> String {
    let tiles = images.map(|origins| format!(" {origins}")).unwrap_or_default();
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
    let images = use_context::<ImageOrigins>().unwrap_or_default();
    if let Ok(value) = page_policy(&nonce, images.0.as_deref()).parse() {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The outside origins pages may show images from (a product's map tiles), as one
/// space-separated list; only https origins are kept.
#[derive(Clone, Default)]
pub struct ImageOrigins(Option<String>);

impl ImageOrigins {
    pub fn of<'a>(urls: impl Iterator<Item = &'a str>) -> Self {
        let origins: Vec<&str> = urls.filter_map(origin_of).collect();
        Self((!origins.is_empty()).then(|| origins.join(" ")))
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
