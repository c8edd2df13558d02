//! Typed configuration read from the environment (see `.env.example`), one section per
//! file: database, http (listeners, TLS, limits), auth (accounts, sessions, the health-data
//! key), mail (email and SMS), brands (each product's host) and fishmouth.
//!
//! Every variable is checked before start-up; all problems are reported at once,
//! one line each, naming the variable.

mod auth;
mod brands;
mod database;
mod fishmouth;
mod http;
mod mail;
mod push;
mod reader;
#[cfg(test)]
mod tests;

use std::{fmt, str::FromStr};

use app::platform::crypto::HealthKey;
use leptos::config::LeptosOptions;

use self::reader::Reader;
pub use self::{
    auth::AuthSettings,
    brands::BrandSettings,
    database::DatabaseSettings,
    fishmouth::FishMouthSettings,
    http::{HttpSettings, TlsSettings},
    mail::{MailSettings, SmsSettings},
};

#[derive(Clone, Debug)]
pub struct Settings {
    pub environment: Environment,
    pub log_format: LogFormat,
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub sms: Option<SmsSettings>,
    /// Encrypts health free text at rest (`HEALTH_DATA_KEY`, 32 bytes base64).
    pub health_key: HealthKey,
    pub fishmouth: FishMouthSettings,
    /// The host each product answers as itself (`SASAMUM_HOST`, `FISHMOUTH_HOST`).
    pub brands: BrandSettings,
    /// Sentry's DSN (`SENTRY_DSN`); None: unexpected errors are only logged.
    pub sentry_dsn: Option<String>,
    /// Web Push to the devices where people turned alerts on (`VAPID_PRIVATE_KEY`,
    /// `VAPID_SUBJECT`, `PUSH_SERVICES`); None: off.
    pub push: Option<app::platform::push::WebPush>,
    /// Whether this instance runs the background workers (`RUN_WORKERS`, default true).
    /// Workers are safe on every instance; a web-only instance sets false.
    pub run_workers: bool,
    /// Where the site lives and which address to bind: from cargo-leptos's
    /// environment when it runs the server, otherwise from `Leptos.toml`.
    pub leptos: LeptosOptions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Every development secret is in the public source: production refuses each one by value.
const PUBLISHED: &str = "this is the development secret published in the source: production needs its own";

/// One setting that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "development" => Ok(Self::Development),
            "production" => Ok(Self::Production),
            _ => Err("expected `development` or `production`".into()),
        }
    }
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            _ => Err("expected `json` or `pretty`".into()),
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn load() -> Result<Self, Vec<ConfigError>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigError>> {
        let mut env = Reader::new(lookup);
        // Production unless development is asked for by name: a forgotten variable must not
        // publish the dev mailbox and a JWT secret from the source.
        let environment = env.or("APP_ENV", Environment::Production);
        env.production = environment == Some(Environment::Production);
        let log_format = env.or("LOG_FORMAT", LogFormat::Json);
        let database = DatabaseSettings::read(&mut env);
        let http = HttpSettings::read(&mut env);
        let sentry_dsn = read_sentry_dsn(&mut env);
        let leptos = http::read_leptos(&mut env);
        let tls = http.as_ref().is_some_and(|h| h.tls.is_some());
        let auth = AuthSettings::read(&mut env, tls);
        let mail = MailSettings::read(&mut env);
        let health_key = auth::read_health_key(&mut env);
        let sms = SmsSettings::read(&mut env);
        let fishmouth = FishMouthSettings::read(&mut env, sms.is_some());
        let brands = BrandSettings::read(&mut env);
        let push = push::read(&mut env);
        let run_workers = env.or("RUN_WORKERS", true);
        if environment == Some(Environment::Development) {
            refuse_exposed_development(&mut env, http.as_ref(), leptos.as_ref(), auth.as_ref());
        }
        match (
            environment,
            log_format,
            database,
            http,
            leptos,
            auth,
            mail,
            health_key,
            fishmouth,
            brands,
            push,
            run_workers,
        ) {
            (
                Some(environment),
                Some(log_format),
                Some(database),
                Some(http),
                Some(leptos),
                Some(auth),
                Some(mail),
                Some(health_key),
                Some(fishmouth),
                Some(brands),
                Some(push),
                Some(run_workers),
            ) if env.errors.is_empty() => Ok(Settings {
                environment,
                log_format,
                database,
                http,
                auth,
                mail,
                sms,
                health_key,
                fishmouth,
                brands,
                sentry_dsn,
                push,
                run_workers,
                leptos,
            }),
            _ => Err(env.errors),
        }
    }
}

fn read_sentry_dsn(env: &mut Reader) -> Option<String> {
    let dsn = env.get("SENTRY_DSN")?;
    if let Err(why) = app::platform::errors::ErrorReporter::from_dsn(&dsn, "check") {
        env.fail("SENTRY_DSN", why);
    }
    if clear_text_refused(env.production, &dsn, dsn.starts_with("https://")) {
        env.fail("SENTRY_DSN", "must be https:// in production".into());
    }
    Some(dsn)
}

/// Development mode has a published JWT secret and a mailbox anyone can read: it must never
/// face a network. Refused unless every listener and the public URL are loopback, and never
/// behind a proxy.
fn refuse_exposed_development(
    env: &mut Reader,
    http: Option<&HttpSettings>,
    leptos: Option<&LeptosOptions>,
    auth: Option<&AuthSettings>,
) {
    let exposed = leptos.is_some_and(|l| !l.site_addr.ip().is_loopback())
        || auth.is_some_and(|a| !is_loopback_url(&a.public_url))
        || http
            .and_then(|h| h.tls.as_ref())
            .and_then(|t| t.redirect_addr)
            .is_some_and(|a| !a.ip().is_loopback());
    if exposed {
        env.fail(
            "APP_ENV",
            "development mode only runs on loopback addresses; set APP_ENV=production".into(),
        );
    }
    if auth.is_some_and(|a| !a.trusted_proxies.is_empty()) {
        env.fail(
            "APP_ENV",
            "development mode never runs behind a proxy, and TRUSTED_PROXIES is set; set APP_ENV=production".into(),
        );
    }
}

/// `http://localhost:3000/x`, `https://127.0.0.1`, `http://[::1]:8080`: served to this machine only.
fn is_loopback_url(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = crate::middleware::host_name(authority);
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Production sends secrets (passwords, API keys, message bodies) only encrypted, except to
/// this machine: a plain URL is refused unless it points at loopback.
fn clear_text_refused(production: bool, url: &str, secure: bool) -> bool {
    production && !secure && !is_loopback_url(url)
}
