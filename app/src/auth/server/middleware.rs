//! The authentication layer in front of every route: reads the access token (cookie or
//! `Authorization: Bearer`), silently refreshes an expired one from the refresh cookie,
//! and sends page visits to the right place for a signed-in or signed-out visitor.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderValue, Method, header};

use super::{
    cookies::{ACCESS, REFRESH},
    session::{self, RequestAccount, now},
};
use crate::platform::{RequestInfo, Services};

/// Pages only a signed-in user may see (each product's landing page, under its paths on a
/// shared host, is for everyone).
pub fn is_private(path: &str) -> bool {
    ["/mum", "/pro", "/account", "/admin"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
        && !crate::products::ALL.iter().any(|brand| brand.landing == path)
}

pub async fn authenticate(State(services): State<Services>, mut request: Request, next: Next) -> Response {
    let secure = services.secure_cookies;
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let mut identity = bearer
        .or_else(|| ACCESS.read(headers, secure))
        .and_then(|t| services.tokens.verify_access(&t, now()).ok());
    let mut cookies: Vec<HeaderValue> = Vec::new();

    let path = request.uri().path().to_owned();
    let is_page_visit = matches!(*request.method(), Method::GET | Method::HEAD)
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));

    // The auth endpoints manage the refresh cookie themselves.
    if identity.is_none()
        && !path.starts_with("/api/auth/")
        && let Some(token) = REFRESH.read(headers, secure)
    {
        let info = request_info(&request);
        match session::refresh(&services.pool, &services.tokens, &token, &info).await {
            Ok(Some(issued)) => {
                identity = Some(issued.identity);
                cookies.push(ACCESS.set(&issued.access, secure));
                if let Some(refresh) = issued.refresh {
                    cookies.push(REFRESH.set(&refresh, secure));
                }
            }
            Ok(None) => cookies.extend([ACCESS.clear(secure), REFRESH.clear(secure)]),
            Err(_) => {} // the database is unwell: treat this request as signed out, keep the cookies
        }
    }

    // The request's account is read once, when first needed; every guard of the request reuses
    // it. A page visit reads it here, so a revoked device signs out at once.
    let account = identity.map(RequestAccount::new);
    let mut saved_until = None;
    if is_page_visit && let Some(request_account) = &account {
        match request_account.get(&services.pool).await {
            Ok(Some(account)) => saved_until = account.pin_unlocked_until,
            Ok(None) => {
                identity = None;
                cookies.extend([ACCESS.clear(secure), REFRESH.clear(secure)]);
            }
            // The database is unwell: signed out for this request, the cookies kept.
            Err(_) => identity = None,
        }
    }

    let mut response = match (identity, is_page_visit) {
        (Some(id), true) if matches!(path.as_str(), "/" | "/login" | "/signup") => {
            Redirect::to(id.product.dashboard()).into_response()
        }
        (None, true) if is_private(&path) => {
            let target = request.uri().path_and_query().map_or(path.clone(), ToString::to_string);
            Redirect::to(&format!("/login?next={}", encode_component(&target))).into_response()
        }
        _ => {
            if let Some(id) = identity {
                // The request's log lines name who made it (the id only, never an email).
                tracing::Span::current().record("user_id", tracing::field::display(id.user_id));
                request.extensions_mut().insert(id);
                if let Some(account) = account {
                    request.extensions_mut().insert(account);
                }
            }
            next.run(request).await
        }
    };
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    // With a PIN, the service worker may show its offline copy of this page only while the
    // session is unlocked (0: locked now). Without a PIN there is no header and no limit.
    if let Some(until) = saved_until {
        response.headers_mut().insert(SAVED_UNTIL, HeaderValue::from(until));
    }
    response
}

/// Unix seconds until which an offline copy of a page may be shown (`public/sw.js` reads it).
pub const SAVED_UNTIL: &str = "x-saved-until";

fn request_info(request: &Request) -> RequestInfo {
    RequestInfo {
        ip: request
            .extensions()
            .get::<crate::platform::ClientIp>()
            .map(|c| c.0)
            .or_else(|| {
                request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(a)| a.ip())
            }),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
        headers: request.headers().clone(),
    }
}

/// Percent-encodes everything but unreserved characters and '/'.
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A `next` target is followed only when it is a plain path on this site: printable
/// URL characters only (browsers drop tabs and newlines, so "/\t/evil" would become "//evil").
pub fn safe_next(next: &str) -> Option<&str> {
    let plain = next
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-._~?=&%+".contains(&b));
    (plain && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_pages_are_recognised_by_prefix() {
        assert!(is_private("/mum") && is_private("/pro/leads") && is_private("/account/sessions"));
        assert!(!is_private("/") && !is_private("/login") && !is_private("/museum"));
        assert!(!is_private("/mum/about") && !is_private("/pro/about"));
    }

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(safe_next("/account?tab=1"), Some("/account?tab=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "account",
            "/\t/evil.example",
            "/a\nb",
            "/x\0",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
        assert_eq!(encode_component("/pro?a=1&b=2"), "/pro%3Fa%3D1%26b%3D2");
    }
}
