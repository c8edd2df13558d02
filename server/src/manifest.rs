//! The web app manifests, one per brand: `/manifest.webmanifest` answers the host's brand
//! (the platform's on a host that is neither product's), and `/mum/manifest.webmanifest`,
//! `/pro/manifest.webmanifest` each product's on any host, for a single host where the path
//! decides. Built from the brands the products registered, so this file names none.

use app::platform::brand::{Brand, BrandHosts};
use axum::{
    Router,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
    routing::get,
};

pub fn routes<S: Clone + Send + Sync + 'static>(brands: &BrandHosts) -> Router<S> {
    let mut router = Router::new().route(
        "/manifest.webmanifest",
        get({
            let brands = brands.clone();
            move |headers: HeaderMap| {
                let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
                let brand = host.and_then(|h| brands.for_host(h)).unwrap_or(&Brand::PLATFORM);
                std::future::ready(manifest(brand))
            }
        }),
    );
    for brand in brands.brands() {
        router = router.route(&brand.manifest_path(), get(move || std::future::ready(manifest(brand))));
    }
    router
}

fn manifest(brand: &Brand) -> Response {
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        brand.manifest().to_string(),
    )
        .into_response()
}
