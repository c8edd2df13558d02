//! What each brand's installed app fetches besides pages. The web app manifests:
//! `/manifest.webmanifest` answers the host's brand (the platform's on a host that is neither
//! product's), and `/mum/manifest.webmanifest`, `/pro/manifest.webmanifest` each product's on
//! any host, for a single host where the path decides. The offline pages its service worker
//! keeps: `/offline.html?for=<brand>&kind=page|form&lang=sw`. Built from the brands the
//! products registered, so this file names none.

use std::collections::HashMap;

use app::platform::brand::{Brand, BrandHosts};
use app::platform::offline::{self, Offline};
use axum::{
    Router,
    extract::Query,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
    routing::get,
};
use domain::account::Language;

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
    let brands = brands.clone();
    router.route(
        "/offline.html",
        get(
            move |headers: HeaderMap, Query(query): Query<HashMap<String, String>>| {
                let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
                let named = query.get("for").and_then(|key| brands.brands().find(|b| b.key == key));
                let brand = named
                    .or_else(|| host.and_then(|h| brands.for_host(h)))
                    .unwrap_or(&Brand::PLATFORM);
                let kind = if query.get("kind").is_some_and(|k| k == "form") {
                    Offline::Form
                } else {
                    Offline::Page
                };
                let reader = query.get("lang").and_then(|l| Language::parse(l).ok());
                let html = offline::page(brand, kind, reader);
                std::future::ready(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
            },
        ),
    )
}

fn manifest(brand: &Brand) -> Response {
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        brand.manifest().to_string(),
    )
        .into_response()
}
