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
    /// Served over HTTPS: cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// Sign-ups allowed per client address an hour.
    pub signups_per_ip_hour: u32,
    /// Development mode: the dev mailbox exists.
    pub development: bool,
    /// Text messages can be sent (a provider is configured, or development keeps them).
    pub sms_available: bool,
    pub fishmouth: Arc<FishMouthConfig>,
}

/// Fish Mouth's outside services.
pub struct FishMouthConfig {
    /// Stripe's secret key; None: top-ups only through the development path.
    pub stripe_secret_key: Option<String>,
    pub stripe_webhook_secret: String,
    pub stripe_api_base: String,
    pub map_tiles_url: Option<String>,
    pub http: reqwest::Client,
}

pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| anyhow::anyhow!("Services missing from the Leptos context").into())
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

impl RequestInfo {
    pub fn from_parts(parts: &Parts) -> Self {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Self::of(ip, parts.headers.clone())
    }

    fn of(ip: Option<std::net::IpAddr>, headers: HeaderMap) -> Self {
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
