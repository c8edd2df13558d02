#![cfg(feature = "ssr")]

use std::{net::SocketAddr, sync::Arc};

use axum::extract::ConnectInfo;
use http::{HeaderMap, request::Parts};
use leptos::prelude::use_context;
use sqlx::PgPool;

use super::crypto::HealthKey;
use crate::auth::server::{PasswordHasher, TokenKeys};
use crate::error::AppError;

/// Everything a server function needs, provided once per request by the server.
#[derive(Clone)]
pub struct Services {
    pub pool: PgPool,
    pub tokens: Arc<TokenKeys>,
    pub passwords: PasswordHasher,
    /// Encrypts health free text at rest.
    pub health_key: Arc<HealthKey>,
    /// Base of every link we send (never taken from the Host header).
    pub public_url: Arc<str>,
    /// The products' own hosts: a link we send in a product's name goes to its host.
    pub brand_hosts: super::brand::BrandHosts,
    /// Served over HTTPS: cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// Sign-ups allowed per client address an hour.
    pub signups_per_ip_hour: u32,
    /// How long a session may go unused before it ends (operators: 30 minutes).
    pub session_idle_secs: i64,
    /// Development mode: the dev mailbox exists.
    pub development: bool,
    /// Text messages can be sent (a provider is configured, or development keeps them).
    pub sms_available: bool,
    /// Web Push to the devices where people turn alerts on; None: not set up on this server.
    pub push: Option<super::push::WebPush>,
    /// Sends unexpected errors to Sentry, when a DSN is configured.
    pub errors: Option<super::errors::ErrorReporter>,
}

impl Services {
    /// The address of `path` for a link sent in `brand`'s name (see [`BrandHosts::link`]).
    ///
    /// [`BrandHosts::link`]: super::brand::BrandHosts::link
    pub fn link(&self, brand: &super::brand::Brand, path: &str) -> String {
        self.brand_hosts.link(&self.public_url, brand, path)
    }
}

/// The request's services. They are missing only once a streamed page's client has gone
/// and its reactive owner was dropped: the page's remaining reads stop here, quietly.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or(AppError::Gone)
}

/// Who is asking, from where: for the audit log and rate limits.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub headers: HeaderMap,
}

pub fn request_info() -> RequestInfo {
    use_context::<Parts>().map_or_else(
        || RequestInfo::of(None, HeaderMap::new()),
        |parts| RequestInfo::from_parts(&parts),
    )
}

/// The client's address as resolved once per request (see [`client_ip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Who is really asking: the connection's peer, unless that peer is one of our proxies;
/// then the nearest address in X-Forwarded-For that is not one of them. Anything a client
/// writes further left is its own claim and is never believed.
pub fn client_ip(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or_else(|| hops.first())
        .copied()
        .unwrap_or(peer)
}

/// The request's client, for a plain axum route's audit record.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

impl RequestInfo {
    pub fn from_parts(parts: &Parts) -> Self {
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0).or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        });
        Self::of(ip, parts.headers.clone())
    }

    pub fn of(ip: Option<std::net::IpAddr>, headers: HeaderMap) -> Self {
        let user_agent = headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect());
        Self {
            ip,
            user_agent,
            headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::client_ip;

    #[test]
    fn a_page_whose_client_left_stops_quietly() {
        // No reactive owner, as after a streamed page's client disconnects: the answer is
        // Gone, which is never logged or reported, not an unexpected error with an id.
        assert_eq!(super::services().err(), Some(crate::error::AppError::Gone));
        assert_eq!(crate::error::AppError::Gone.status(), 499);
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let proxy = [ip("10.0.0.2")];
        // A direct client cannot pretend to be someone else.
        assert_eq!(
            client_ip(ip("198.51.100.9"), Some("203.0.113.7"), &proxy),
            ip("198.51.100.9")
        );
        // Through our proxy: the address the proxy saw.
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("203.0.113.7"), &proxy),
            ip("203.0.113.7")
        );
        // A forged hop to the left of the real one is ignored.
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("1.2.3.4, 203.0.113.7"), &proxy),
            ip("203.0.113.7")
        );
        // Two of our proxies in a row.
        let two = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("203.0.113.7, 10.0.0.3"), &two),
            ip("203.0.113.7")
        );
        // Nothing usable in the header: the peer.
        assert_eq!(client_ip(ip("10.0.0.2"), Some("garbage"), &proxy), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), None, &proxy), ip("10.0.0.2"));
    }
}
