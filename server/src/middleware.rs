//! Response headers every route gets: security policy and caching.

use app::error::AppError;
use axum::{
    Json,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The proxies whose X-Forwarded-For we believe (`TRUSTED_PROXIES`).
#[derive(Clone)]
pub struct TrustedProxies(pub std::sync::Arc<[std::net::IpAddr]>);

/// Resolves the client's address once, for rate limits, sessions and the audit log.
pub async fn resolve_client_ip(
    State(TrustedProxies(trusted)): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let ip = app::platform::client_ip(peer, forwarded, &trusted);
        request.extensions_mut().insert(app::platform::ClientIp(ip));
    }
    next.run(request).await
}

/// Page requests and server-function calls allowed per client address, counted in
/// PostgreSQL so every instance shares one count. Each instance tallies locally and adds its
/// tally to the shared row every [`FLUSH_HITS`] requests or [`FLUSH_EVERY`] per address, so
/// a page costs a database write only now and then, and the whole fleet is over by at most
/// one tally per instance before it refuses.
#[derive(Clone)]
pub struct ClientBudget(std::sync::Arc<Budget>);

struct Budget {
    pool: sqlx::PgPool,
    limit: app::platform::rate_limit::Limit,
    tallies: std::sync::Mutex<(u64, std::collections::HashMap<std::net::IpAddr, Tally>)>,
}

#[derive(Default)]
struct Tally {
    /// The shared count when this instance last wrote.
    shared: i64,
    /// Hits since then.
    pending: u32,
    written: Option<std::time::Instant>,
}

const FLUSH_HITS: u32 = 16;
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl ClientBudget {
    pub fn new(pool: sqlx::PgPool, per_minute: u32) -> Self {
        Self(std::sync::Arc::new(Budget {
            pool,
            limit: app::platform::rate_limit::Limit::per_minute(per_minute),
            tallies: std::sync::Mutex::default(),
        }))
    }

    /// Counts one request; the seconds to wait when the address is over its budget.
    async fn spend(&self, ip: std::net::IpAddr) -> Option<u64> {
        let budget = &self.0;
        let max = i64::from(budget.limit.max);
        let now = time::OffsetDateTime::now_utc().unix_timestamp().unsigned_abs();
        let seconds_left = 60 - now % 60;
        let to_write = {
            let mut guard = budget.tallies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let (window, tallies) = &mut *guard;
            if *window != now / 60 {
                // A new minute: last minute's tallies are history (and keep the map small).
                *window = now / 60;
                tallies.clear();
            }
            let tally = tallies.entry(ip).or_default();
            tally.pending += 1;
            if tally.shared + i64::from(tally.pending) > max {
                return Some(seconds_left);
            }
            let due = tally.pending >= FLUSH_HITS || tally.written.is_none_or(|at| at.elapsed() >= FLUSH_EVERY);
            if !due {
                return None;
            }
            tally.written = Some(std::time::Instant::now());
            std::mem::take(&mut tally.pending)
        };
        let key = format!("client:{ip}");
        match app::platform::rate_limit::add(&budget.pool, &key, budget.limit, to_write).await {
            Ok((total, remaining)) => {
                let mut guard = budget.tallies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(tally) = guard.1.get_mut(&ip) {
                    tally.shared = tally.shared.max(total);
                }
                (total > max).then_some(remaining.max(1))
            }
            // The database is down: the page itself will say so; the budget does not add a second refusal.
            Err(_) => None,
        }
    }
}

/// Static files, probes and provider webhooks are not a client's page budget.
fn is_budgeted(path: &str) -> bool {
    if path.starts_with("/api/") {
        return true;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    !(last.contains('.')
        || path.starts_with("/pkg/")
        || path.starts_with("/webhooks/")
        || matches!(path, "/healthz" | "/readyz"))
}

/// Refuses a client address over its budget with 429 and Retry-After.
pub async fn spend_client_budget(State(budget): State<ClientBudget>, request: Request, next: Next) -> Response {
    let ip = request.extensions().get::<app::platform::ClientIp>().map(|ip| ip.0);
    if let Some(ip) = ip
        && is_budgeted(request.uri().path())
        && let Some(retry_after) = budget.spend(ip).await
    {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            format!("Too many requests from your network. Please try again in {retry_after} seconds."),
        )
            .into_response();
    }
    next.run(request).await
}

/// Served over HTTPS (by this server or a proxy in front of it): HSTS is sent only then.
#[derive(Clone, Copy)]
pub struct Https(pub bool);

/// Headers from the security checklist. Pages set their own nonce-based CSP
/// (see `app::csp`); everything else gets the strict default.
pub async fn security_headers(State(Https(https)): State<Https>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    // The reader's language (her sasa_lang cookie): the service worker keeps it, so its
    // offline answers speak Kiswahili to a Kiswahili reader.
    let language = match app::auth::server::cookies::LANGUAGE.read(request.headers(), https) {
        Some(code) if code == "sw" => "sw",
        _ => "en",
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        set_default(headers, header::CONTENT_LANGUAGE, language);
    }
    if https {
        set_default(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    set_default(headers, header::CONTENT_SECURITY_POLICY, app::csp::NON_PAGE_POLICY);
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    // Same-origin only: form posts made before hydration come back to their page
    // (with their errors), and no other site learns which page linked to it.
    set_default(headers, header::REFERRER_POLICY, "same-origin");
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

/// CSRF: server functions accept form posts, which browsers send cross-site without a
/// preflight. A state-changing request from another site is refused: Sec-Fetch-Site when
/// the browser sends it, otherwise Origin. Clients that send neither (curl) carry no
/// ambient cookies of a victim, so they pass.
pub async fn reject_cross_site(State(public_origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    // One-click unsubscribe (RFC 8058) is posted by mail apps from anywhere; the token in
    // the path is its authority, and it can only ever stop email.
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || request.uri().path().starts_with("/unsubscribe/")
    {
        return next.run(request).await;
    }
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = match (header("sec-fetch-site"), header("origin")) {
        (Some(site), _) => matches!(site, "same-origin" | "none"),
        (None, Some(origin)) => {
            let scheme = public_origin.0.split_once("://").map_or("http", |(scheme, _)| scheme);
            origin == public_origin.0.as_ref()
                || header("host").is_some_and(|host| origin == format!("{scheme}://{host}"))
        }
        (None, None) => true,
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::warn!(
        origin = header("origin"),
        sec_fetch_site = header("sec-fetch-site"),
        "cross-site request refused"
    );
    (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": "cross_site_request", "message": "This request came from another site and was refused." })))
        .into_response()
}

/// Which requests this server answers: those naming the public URL's host or a product's own
/// (DNS rebinding: a page on another name that resolves here is refused) and, in development,
/// none that came through a proxy.
#[derive(Clone)]
pub struct HostGuard {
    /// The host name of `APP_PUBLIC_URL`, lower case, without port or brackets.
    pub host: std::sync::Arc<str>,
    /// The products' own hosts (`SASAMUM_HOST`, `FISHMOUTH_HOST`), lower case.
    pub others: std::sync::Arc<[String]>,
    pub development: bool,
}

impl HostGuard {
    pub fn new(public_url: &str, development: bool) -> Self {
        let authority = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
        let authority = authority.split('/').next().unwrap_or_default();
        Self {
            host: host_name(authority).into(),
            others: std::sync::Arc::new([]),
            development,
        }
    }

    /// Also answers for `hosts`.
    #[must_use]
    pub fn and<'a>(self, hosts: impl Iterator<Item = &'a str>) -> Self {
        Self {
            others: hosts.map(str::to_ascii_lowercase).collect(),
            ..self
        }
    }

    /// The public host, or this machine by a loopback name (its own health checks and tools;
    /// a rebinding page always names its own host, and browsers never resolve `localhost` away).
    fn allows(&self, authority: &str) -> bool {
        let name = host_name(authority);
        name == *self.host
            || self.others.contains(&name)
            || name == "localhost"
            || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// `Example.COM:443` -> `example.com`, `[::1]:3000` -> `::1`.
pub(crate) fn host_name(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase()
}

pub async fn check_host(State(guard): State<HostGuard>, request: Request, next: Next) -> Response {
    // Load balancers probe health by address; these two say nothing about anyone.
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    if guard.development && request.headers().contains_key("x-forwarded-for") {
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "error": "proxied_development", "message": "Development mode answers no request that came through a proxy: run with APP_ENV=production." })),
        )
            .into_response();
    }
    let authority = request.uri().authority().map(|a| a.as_str().to_owned()).or_else(|| {
        request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    if authority.as_deref().is_some_and(|a| guard.allows(a)) {
        return next.run(request).await;
    }
    tracing::warn!(host = authority.as_deref(), "request for another host refused");
    (
        StatusCode::MISDIRECTED_REQUEST,
        Json(
            serde_json::json!({ "error": "wrong_host", "message": "This server does not answer for that host name." }),
        ),
    )
        .into_response()
}

/// The origin (`scheme://host[:port]`) the site is served from.
#[derive(Clone)]
pub struct PublicOrigin(pub std::sync::Arc<str>);

/// Server functions answer every error with 500; this gives each `AppError` its own
/// status (400 for bad input, 401, 429 with Retry-After...), so clients can rely on it.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body too large").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = error.retry_after_secs() {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
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
    } else if is_html && app::auth::server::is_private(path) {
        // Her health screens and account pages: never in a browser's or a proxy's cache.
        "no-store"
    } else if is_html
        || path == "/sw.js"
        || path == "/map.js"
        || path.starts_with("/vendor/")
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

/// A request that panicked gets a page, not a dropped connection: the server logs the cause
/// under an id, and the person sees the same id (and that nothing saved is lost).
pub fn panic_page(
    cause: Box<dyn std::any::Any + Send + 'static>,
    reporter: Option<&app::platform::errors::ErrorReporter>,
) -> Response {
    let cause = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    tracing::error!(error_id = %id, cause, "request panicked");
    if let Some(reporter) = reporter {
        reporter.report(&id, &format!("panic: {cause}"));
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Something went wrong · Sasa</title><link rel=\"icon\" href=\"/icons/icon.svg\"></head>\
         <body><main><img src=\"/icons/icon.svg\" alt=\"\" width=\"48\" height=\"48\">\
         <h1>Something went wrong on our side</h1>\
         <p>Nothing you saved is lost. Please go back and try again.</p>\
         <p lang=\"sw\">Hitilafu imetokea upande wetu. Hakuna kilichopotea; rudi nyuma ujaribu tena.</p>\
         <p>Error <code>{id}</code>: give this number to support if it happens again.</p>\
         <p><a href=\"/\">Home</a> · <a href=\"/help\">Help</a></p></main></body></html>"
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_public_host_or_a_loopback_address_is_answered() {
        let guard = super::HostGuard::new("https://Sasa.example/app", false);
        for ok in [
            "sasa.example",
            "SASA.example:443",
            "127.0.0.1:3000",
            "[::1]:8080",
            "localhost:3000",
        ] {
            assert!(guard.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "sasa.example.evil.example",
            "10.0.0.1",
            "",
            "[fe80::1]",
            "localhost.evil.example",
        ] {
            assert!(!guard.allows(refused), "{refused}");
        }
        let brands = guard.and(["mum.example", "Pro.Example"].into_iter());
        assert!(brands.allows("mum.example") && brands.allows("PRO.example:443") && brands.allows("sasa.example"));
        assert!(!brands.allows("evil.example"));
    }

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
