//! Typed configuration read from the environment (see `.env.example`).
//!
//! Every variable is checked before start-up; all problems are reported at once,
//! one line each, naming the variable.

use std::{fmt, str::FromStr, time::Duration};

use app::platform::crypto::HealthKey;
use leptos::config::LeptosOptions;
use sqlx::postgres::PgConnectOptions;

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
    /// Sentry's DSN (`SENTRY_DSN`); None: unexpected errors are only logged.
    pub sentry_dsn: Option<String>,
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

#[derive(Clone)]
pub struct DatabaseSettings {
    /// Connection URL; holds the password, so `Debug` hides it.
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// The admin listener for `/metrics` (`METRICS_ADDR`); None: no metrics listener.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// HTTPS served by the app (`TLS_CERT_FILE`, `TLS_KEY_FILE`); None: plain HTTP.
    pub tls: Option<TlsSettings>,
    /// Header-read and idle time, and open connections (`HTTP_HEADER_TIMEOUT_SECS`,
    /// `HTTP_MAX_CONNECTIONS`).
    pub connections: crate::serve::ConnectionLimits,
    /// Page requests and server-function calls one client address may make a minute
    /// (`CLIENT_REQUESTS_PER_MINUTE`), counted across instances.
    pub client_requests_per_minute: u32,
}

#[derive(Clone, Debug)]
pub struct TlsSettings {
    pub config: std::sync::Arc<rustls::ServerConfig>,
    /// A plain-HTTP listener that redirects to HTTPS (`HTTP_REDIRECT_ADDR`).
    pub redirect_addr: Option<std::net::SocketAddr>,
}

#[derive(Clone)]
pub struct AuthSettings {
    /// Base of every link sent by email; `https://` turns on Secure, `__Host-` cookies.
    pub public_url: String,
    /// HMAC key for access tokens. Hidden from `Debug`.
    pub jwt_secret: String,
    /// Password hashes allowed to wait for a core before callers get 503.
    pub password_queue: usize,
    /// Sign-ups allowed per client address an hour. Many phones share one carrier
    /// address, so this is generous; per-account limits do the fine work.
    pub signups_per_ip_hour: u32,
    /// A session unused this long ends (`SESSION_IDLE_TIMEOUT_SECS`; operators: 30 minutes).
    pub session_idle_secs: i64,
    /// Our own proxies or load balancers: only they may name the client in X-Forwarded-For.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("public_url", &self.public_url)
            .field("jwt_secret", &"[redacted]")
            .field("password_queue", &self.password_queue)
            .field("signups_per_ip_hour", &self.signups_per_ip_hour)
            .field("session_idle_secs", &self.session_idle_secs)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (STARTTLS with `?tls=required`) or `smtps://host:port`, with
    /// optional user:password. None: the development mailbox at /dev/mailbox.
    pub smtp_url: Option<String>,
    pub from: String,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[configured]"))
            .field("from", &self.from)
            .finish()
    }
}

/// Telnyx's messaging API for SMS. Without it, development keeps texts in the dev
/// mailbox and production offers no SMS.
#[derive(Clone)]
pub struct SmsSettings {
    pub api_key: String,
    pub from: String,
    pub api_base: String,
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings")
            .field("api_key", &"[redacted]")
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .finish()
    }
}

#[derive(Clone)]
pub struct FishMouthSettings {
    /// Stripe's secret API key; without one, top-ups go through the development path only.
    pub stripe_secret_key: Option<String>,
    /// Signs the webhook events Stripe sends (`whsec_…`). None: the webhook answers 404
    /// and top-ups are off (production without `STRIPE_WEBHOOK_SECRET`).
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API base URL (tests point it at a fake Stripe on loopback).
    pub stripe_api_base: String,
    /// Sample homes generated on first start when the properties table is empty (0: none).
    pub sample_homes: usize,
    /// An optional map tile URL template (`https://…/{z}/{x}/{y}.png`) under the scan map.
    pub map_tiles_url: Option<String>,
    /// Telnyx's Ed25519 public key (base64, from the portal) for inbound SMS webhooks.
    pub telnyx_public_key: Option<[u8; 32]>,
    /// Signs the inbound mail webhook that carries replies to sequence email.
    pub inbound_email_secret: Option<String>,
}

impl fmt::Debug for FishMouthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FishMouthSettings")
            .field("stripe", &self.stripe_secret_key.as_ref().map(|_| "[configured]"))
            .field("stripe_api_base", &self.stripe_api_base)
            .field("sample_homes", &self.sample_homes)
            .field("map_tiles_url", &self.map_tiles_url)
            .field("telnyx_webhooks", &self.telnyx_public_key.is_some())
            .field(
                "inbound_email",
                &self.inbound_email_secret.as_ref().map(|_| "[configured]"),
            )
            .finish()
    }
}

/// Signs development top-ups; a real deployment sets its own from Stripe's dashboard.
const DEVELOPMENT_STRIPE_WEBHOOK_SECRET: &str = "whsec_development_only_never_use_in_production";

/// Signs development inbound-mail webhooks; a real deployment sets INBOUND_EMAIL_SECRET.
const DEVELOPMENT_INBOUND_EMAIL_SECRET: &str = "inbound_development_only_never_use_in_production";

/// Used only in development, so that `run` works with no secrets set up.
const DEVELOPMENT_JWT_SECRET: &str = "development only: never use this secret in production";

/// Every secret above is in the public source: production refuses each one by value.
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

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &"[redacted]")
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
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

impl DatabaseSettings {
    pub fn connect_options(&self) -> Result<PgConnectOptions, sqlx::Error> {
        let statement_timeout = self.statement_timeout.as_millis().to_string();
        Ok(PgConnectOptions::from_str(&self.url)?
            .application_name("sasa")
            .options([("statement_timeout", statement_timeout.as_str())]))
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn load() -> Result<Self, Vec<ConfigError>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigError>> {
        let mut env = Reader {
            lookup,
            errors: Vec::new(),
        };

        // Production unless development is asked for by name: a forgotten variable must not
        // publish the dev mailbox and a JWT secret from the source.
        let environment = env.or("APP_ENV", Environment::Production);
        let log_format = env.or("LOG_FORMAT", LogFormat::Json);
        let url = env.required::<String>(
            "DATABASE_URL",
            "the PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/sasa",
        );
        if let Some(url) = &url {
            let scheme_ok = url.starts_with("postgres://") || url.starts_with("postgresql://");
            match PgConnectOptions::from_str(url) {
                Ok(_) if scheme_ok => {}
                Ok(_) => env.fail(
                    "DATABASE_URL",
                    "not a PostgreSQL URL (it must start with postgres://)".into(),
                ),
                Err(e) => env.fail("DATABASE_URL", format!("not a PostgreSQL URL ({e})")),
            }
        }
        let max_connections = env.in_range("DATABASE_MAX_CONNECTIONS", 10u32, 1..=1000);
        let acquire_timeout = env.in_range("DATABASE_ACQUIRE_TIMEOUT_SECS", 5u64, 1..=120);
        let statement_timeout = env.in_range("DATABASE_STATEMENT_TIMEOUT_MS", 5_000u64, 100..=600_000);
        let request_timeout = env.in_range("HTTP_REQUEST_TIMEOUT_SECS", 30u64, 1..=600);
        let body_limit_bytes = env.in_range("HTTP_BODY_LIMIT_BYTES", 1_048_576usize, 1024..=104_857_600);
        let connections = crate::serve::ConnectionLimits {
            header_read: Duration::from_secs(env.in_range("HTTP_HEADER_TIMEOUT_SECS", 10u64, 1..=300).unwrap_or(10)),
            max_connections: env
                .in_range("HTTP_MAX_CONNECTIONS", 10_000usize, 1..=1_000_000)
                .unwrap_or(10_000),
        };
        // See docs/deploy.md for how this was measured: ten times what busy phones behind
        // one carrier address ask for.
        let client_requests_per_minute = env
            .in_range("CLIENT_REQUESTS_PER_MINUTE", 1_200u32, 10..=10_000_000)
            .unwrap_or(1_200);
        let sentry_dsn = env.get("SENTRY_DSN");
        if let Some(dsn) = &sentry_dsn
            && let Err(why) = app::platform::errors::ErrorReporter::from_dsn(dsn, "check")
        {
            env.fail("SENTRY_DSN", why);
        }
        let production = environment == Some(Environment::Production);
        if let Some(dsn) = &sentry_dsn
            && clear_text_refused(production, dsn, dsn.starts_with("https://"))
        {
            env.fail("SENTRY_DSN", "must be https:// in production".into());
        }
        let metrics_addr = env
            .get("METRICS_ADDR")
            .and_then(|raw| env.parse::<std::net::SocketAddr>("METRICS_ADDR", &raw));
        let tls = env.tls();
        let leptos = env.leptos();
        let public_url = env
            .or("APP_PUBLIC_URL", "http://127.0.0.1:3000".to_owned())
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            env.fail("APP_PUBLIC_URL", "must start with http:// or https://".into());
        }
        if let (Some(_), Some(url)) = (&tls, &public_url)
            && !url.starts_with("https://")
        {
            env.fail(
                "APP_PUBLIC_URL",
                "must start with https:// when TLS_CERT_FILE is set".into(),
            );
        }
        let jwt_secret = match env.get("JWT_SECRET") {
            Some(secret) if production && secret == DEVELOPMENT_JWT_SECRET => {
                env.fail("JWT_SECRET", PUBLISHED.into());
                None
            }
            Some(secret) if secret.len() >= 32 => Some(secret),
            Some(_) => {
                env.fail(
                    "JWT_SECRET",
                    "must be at least 32 characters (e.g. `openssl rand -base64 48`)".into(),
                );
                None
            }
            None if production => {
                env.fail(
                    "JWT_SECRET",
                    "missing: production needs its own secret of at least 32 characters".into(),
                );
                None
            }
            None => Some(DEVELOPMENT_JWT_SECRET.to_owned()),
        };
        let trusted_proxies: Vec<std::net::IpAddr> = env
            .get("TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .filter_map(|s| match s.parse() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    env.fail(
                        "TRUSTED_PROXIES",
                        format!("{s:?} is not an IP address (list them, comma-separated)"),
                    );
                    None
                }
            })
            .collect();
        let behind_proxy = !trusted_proxies.is_empty();
        let password_queue = env.in_range("PASSWORD_HASH_QUEUE", 32usize, 0..=10_000);
        let signups_per_ip_hour = env.in_range("SIGNUPS_PER_IP_HOUR", 30u32, 1..=100_000);
        // Two weeks: a mother may open the app only for her weekly check-in.
        let session_idle_secs = env
            .in_range("SESSION_IDLE_TIMEOUT_SECS", 14 * 24 * 3600i64, 60..=30 * 24 * 3600)
            .unwrap_or(14 * 24 * 3600);
        let smtp_url = env.get("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            env.fail("SMTP_URL", "must start with smtp:// or smtps://".into());
        }
        if let Some(url) = &smtp_url
            && clear_text_refused(
                production,
                url,
                url.starts_with("smtps://") || url.contains("tls=required"),
            )
        {
            env.fail(
                "SMTP_URL",
                "sends passwords and mail in clear text: use smtps:// or smtp://…?tls=required".into(),
            );
        }
        if production && smtp_url.is_none() {
            env.fail(
                "SMTP_URL",
                "missing: production sends real email (the dev mailbox exists only in development)".into(),
            );
        }
        let mail_from = env.or("MAIL_FROM", "Sasa <no-reply@sasa.localhost>".to_owned());
        let auth = match (public_url, jwt_secret, password_queue, signups_per_ip_hour) {
            (Some(public_url), Some(jwt_secret), Some(password_queue), Some(signups_per_ip_hour)) => {
                Some(AuthSettings {
                    public_url,
                    jwt_secret,
                    password_queue,
                    signups_per_ip_hour,
                    session_idle_secs,
                    trusted_proxies,
                })
            }
            _ => None,
        };
        let mail = mail_from.map(|from| MailSettings { smtp_url, from });
        let health_key = match env.get("HEALTH_DATA_KEY") {
            Some(encoded) if production && HealthKey::is_published(&encoded) => {
                env.fail("HEALTH_DATA_KEY", PUBLISHED.into());
                None
            }
            Some(encoded) => match HealthKey::from_base64(&encoded) {
                Ok(key) => Some(key),
                Err(problem) => {
                    env.fail("HEALTH_DATA_KEY", format!("{problem} (e.g. `openssl rand -base64 32`)"));
                    None
                }
            },
            None if production => {
                env.fail(
                    "HEALTH_DATA_KEY",
                    "missing: production needs its own 32-byte key, base64".into(),
                );
                None
            }
            None => Some(HealthKey::development()),
        };
        // During a rotation: keys that sealed rows not yet re-sealed (comma-separated).
        let health_key = match (health_key, env.get("HEALTH_DATA_KEY_PREVIOUS")) {
            (Some(key), Some(previous)) => previous
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .try_fold(key, |key, encoded| key.with_previous(encoded))
                .map_err(|problem| env.fail("HEALTH_DATA_KEY_PREVIOUS", problem))
                .ok(),
            (key, _) => key,
        };
        let sms = match (env.get("TELNYX_API_KEY"), env.get("TELNYX_FROM_NUMBER")) {
            (Some(api_key), Some(from)) => {
                let ok = from.starts_with('+') && from.len() >= 9 && from[1..].bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    env.fail("TELNYX_FROM_NUMBER", "an E.164 number like +12145550100".into());
                }
                let api_base = env
                    .or("TELNYX_API_BASE", "https://api.telnyx.com".to_owned())
                    .map(|u| u.trim_end_matches('/').to_owned())
                    .unwrap_or_default();
                if clear_text_refused(production, &api_base, api_base.starts_with("https://")) {
                    env.fail("TELNYX_API_BASE", "must be https:// in production".into());
                }
                Some(SmsSettings {
                    api_key,
                    from,
                    api_base,
                })
            }
            (Some(_), None) => {
                env.fail(
                    "TELNYX_FROM_NUMBER",
                    "missing: the number texts are sent from, with TELNYX_API_KEY".into(),
                );
                None
            }
            (None, Some(_)) => {
                env.fail(
                    "TELNYX_API_KEY",
                    "missing: TELNYX_FROM_NUMBER is set but there is no key to send with".into(),
                );
                None
            }
            (None, None) => None,
        };
        let stripe_secret_key = env.get("STRIPE_SECRET_KEY");
        let stripe_webhook_secret = match env.get("STRIPE_WEBHOOK_SECRET") {
            Some(secret) if production && secret == DEVELOPMENT_STRIPE_WEBHOOK_SECRET => {
                env.fail("STRIPE_WEBHOOK_SECRET", PUBLISHED.into());
                None
            }
            Some(secret) => Some(secret),
            None if production && stripe_secret_key.is_some() => {
                env.fail(
                    "STRIPE_WEBHOOK_SECRET",
                    "missing: with STRIPE_SECRET_KEY set, top-ups are credited only from signed webhooks".into(),
                );
                None
            }
            // Production without Stripe: no webhook, no top-ups (start-up says so).
            None if production => None,
            None => Some(DEVELOPMENT_STRIPE_WEBHOOK_SECRET.to_owned()),
        };
        let stripe_api_base = env
            .or("STRIPE_API_BASE", "https://api.stripe.com".to_owned())
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(base) = &stripe_api_base
            && clear_text_refused(production, base, base.starts_with("https://"))
        {
            env.fail("STRIPE_API_BASE", "must be https:// in production".into());
        }
        // The generated sample is for trying the product: production starts without it.
        let sample_homes = env.in_range("SAMPLE_HOMES", if production { 0 } else { 50_000usize }, 0..=1_000_000);
        let map_tiles_url = env.get("MAP_TILES_URL");
        if let Some(url) = &map_tiles_url
            && !(url.starts_with("https://") && url.contains("{z}") && url.contains("{x}") && url.contains("{y}"))
        {
            env.fail(
                "MAP_TILES_URL",
                "must be an https:// template with {z}, {x} and {y}".into(),
            );
        }
        let telnyx_public_key = env.get("TELNYX_PUBLIC_KEY").and_then(|raw| {
            use base64::Engine as _;
            let key = base64::engine::general_purpose::STANDARD
                .decode(raw.as_bytes())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .filter(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_ok());
            if key.is_none() {
                env.fail(
                    "TELNYX_PUBLIC_KEY",
                    "the Ed25519 public key from the Telnyx portal, base64 (32 bytes)".into(),
                );
            }
            key
        });
        // Texts without their webhook would lose every STOP: production refuses that.
        if production && sms.is_some() && telnyx_public_key.is_none() && env.get("TELNYX_PUBLIC_KEY").is_none() {
            env.fail(
                "TELNYX_PUBLIC_KEY",
                "missing: with TELNYX_API_KEY set, opt-outs (STOP) arrive only through the signed webhook".into(),
            );
        }
        let inbound_email_secret = match env.get("INBOUND_EMAIL_SECRET") {
            Some(secret) if production && secret == DEVELOPMENT_INBOUND_EMAIL_SECRET => {
                env.fail("INBOUND_EMAIL_SECRET", PUBLISHED.into());
                None
            }
            Some(secret) => Some(secret),
            None if production => None,
            None => Some(DEVELOPMENT_INBOUND_EMAIL_SECRET.to_owned()),
        };
        let fishmouth = match (stripe_api_base, sample_homes) {
            (Some(stripe_api_base), Some(sample_homes)) => Some(FishMouthSettings {
                stripe_secret_key,
                stripe_webhook_secret,
                stripe_api_base,
                sample_homes,
                map_tiles_url,
                telnyx_public_key,
                inbound_email_secret,
            }),
            _ => None,
        };
        // Development mode has a published JWT secret and a mailbox anyone can read: it must
        // never face a network. Refuse it unless every listener and the public URL are loopback.
        if environment == Some(Environment::Development) {
            let exposed = leptos.as_ref().is_some_and(|l| !l.site_addr.ip().is_loopback())
                || auth.as_ref().is_some_and(|a| !is_loopback_url(&a.public_url))
                || tls
                    .as_ref()
                    .and_then(|t| t.redirect_addr)
                    .is_some_and(|a| !a.ip().is_loopback());
            if exposed {
                env.fail(
                    "APP_ENV",
                    "development mode only runs on loopback addresses; set APP_ENV=production".into(),
                );
            }
            if behind_proxy {
                env.fail(
                    "APP_ENV",
                    "development mode never runs behind a proxy, and TRUSTED_PROXIES is set; set APP_ENV=production"
                        .into(),
                );
            }
        }

        match (
            environment,
            log_format,
            url,
            max_connections,
            acquire_timeout,
            statement_timeout,
            request_timeout,
            body_limit_bytes,
            leptos,
            auth,
            mail,
            health_key,
            fishmouth,
        ) {
            (
                Some(environment),
                Some(log_format),
                Some(url),
                Some(max_connections),
                Some(acquire),
                Some(statement),
                Some(request_timeout),
                Some(body_limit_bytes),
                Some(leptos),
                Some(auth),
                Some(mail),
                Some(health_key),
                Some(fishmouth),
            ) if env.errors.is_empty() => Ok(Settings {
                environment,
                log_format,
                database: DatabaseSettings {
                    url,
                    max_connections,
                    acquire_timeout: Duration::from_secs(acquire),
                    statement_timeout: Duration::from_millis(statement),
                },
                http: HttpSettings {
                    request_timeout: Duration::from_secs(request_timeout),
                    body_limit_bytes,
                    metrics_addr,
                    tls,
                    connections,
                    client_requests_per_minute,
                },
                auth,
                mail,
                sms,
                health_key,
                fishmouth,
                sentry_dsn,
                leptos,
            }),
            _ => Err(env.errors),
        }
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

/// Reads variables and collects every problem instead of stopping at the first.
struct Reader<F> {
    lookup: F,
    errors: Vec<ConfigError>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn fail(&mut self, variable: &'static str, problem: String) {
        self.errors.push(ConfigError { variable, problem });
    }

    /// `TLS_CERT_FILE` and `TLS_KEY_FILE` come together; the files are read and checked now,
    /// so a bad pair stops start-up naming the variable.
    fn tls(&mut self) -> Option<TlsSettings> {
        let redirect_addr = self
            .get("HTTP_REDIRECT_ADDR")
            .and_then(|raw| self.parse::<std::net::SocketAddr>("HTTP_REDIRECT_ADDR", &raw));
        let (cert, key) = match (self.get("TLS_CERT_FILE"), self.get("TLS_KEY_FILE")) {
            (Some(cert), Some(key)) => (cert, key),
            (None, None) => {
                if redirect_addr.is_some() {
                    self.fail("HTTP_REDIRECT_ADDR", "needs TLS_CERT_FILE and TLS_KEY_FILE".into());
                }
                return None;
            }
            (Some(_), None) => {
                self.fail("TLS_KEY_FILE", "missing: TLS_CERT_FILE is set".into());
                return None;
            }
            (None, Some(_)) => {
                self.fail("TLS_CERT_FILE", "missing: TLS_KEY_FILE is set".into());
                return None;
            }
        };
        let mut read = |variable: &'static str, path: &str| match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.fail(variable, format!("cannot read {path} ({e})"));
                None
            }
        };
        let (cert_pem, key_pem) = (read("TLS_CERT_FILE", &cert)?, read("TLS_KEY_FILE", &key)?);
        match crate::tls::server_config(&cert_pem, &key_pem) {
            Ok(config) => Some(TlsSettings { config, redirect_addr }),
            Err(error @ crate::tls::TlsError::Certificate(_)) => {
                self.fail("TLS_CERT_FILE", format!("{error} ({cert})"));
                None
            }
            Err(error @ crate::tls::TlsError::Key(_)) => {
                self.fail("TLS_KEY_FILE", format!("{error} ({key})"));
                None
            }
        }
    }

    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn parse<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, raw: &str) -> Option<T> {
        match raw.parse() {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(name, format!("invalid value {raw:?}: {e}"));
                None
            }
        }
    }

    fn required<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, what: &str) -> Option<T> {
        match self.get(name) {
            Some(raw) => self.parse(name, &raw),
            None => {
                self.fail(name, format!("missing: set it to {what}"));
                None
            }
        }
    }

    fn or<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, default: T) -> Option<T> {
        match self.get(name) {
            Some(raw) => self.parse(name, &raw),
            None => Some(default),
        }
    }

    fn in_range<T>(&mut self, name: &'static str, default: T, range: std::ops::RangeInclusive<T>) -> Option<T>
    where
        T: FromStr<Err: fmt::Display> + PartialOrd + fmt::Display,
    {
        let value = self.or(name, default)?;
        if range.contains(&value) {
            Some(value)
        } else {
            self.fail(
                name,
                format!("{value} is out of range {}..={}", range.start(), range.end()),
            );
            None
        }
    }

    /// cargo-leptos sets LEPTOS_OUTPUT_NAME and friends when it runs the server;
    /// otherwise the site configuration comes from the file in LEPTOS_CONFIG.
    fn leptos(&mut self) -> Option<LeptosOptions> {
        let result = if self.get("LEPTOS_OUTPUT_NAME").is_some() {
            leptos::config::get_configuration(None)
        } else {
            let path = self.get("LEPTOS_CONFIG").unwrap_or_else(|| "Leptos.toml".into());
            if !std::path::Path::new(&path).is_file() {
                self.fail("LEPTOS_CONFIG", format!("no site configuration file at {path:?}"));
                return None;
            }
            leptos::config::get_configuration(Some(&path))
        };
        match result {
            Ok(config) => Some(config.leptos_options),
            Err(e) => {
                self.fail("LEPTOS_CONFIG", format!("invalid site configuration: {e}"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const LEPTOS_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");

    fn load(vars: &[(&str, &str)]) -> Result<Settings, Vec<ConfigError>> {
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("LEPTOS_CONFIG".into()).or_insert_with(|| LEPTOS_TOML.into());
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    fn variables(errors: &[ConfigError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.variable).collect()
    }

    #[test]
    fn loopback_urls_are_recognised() {
        for url in [
            "http://localhost:3000/x",
            "https://127.0.0.1",
            "http://[::1]:8080/",
            "https://localhost",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://sasa.example",
            "http://10.0.0.1:3000",
            "http://localhost.evil.example/",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let s = load(&[
            ("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
            ("APP_ENV", "development"),
        ])
        .expect("valid");
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.database.max_connections, 10);
        assert_eq!(s.database.statement_timeout, Duration::from_secs(5));
        assert_eq!(s.http.request_timeout, Duration::from_secs(30));
        assert_eq!(s.leptos.output_name.as_ref(), "sasafish");
    }

    #[test]
    fn a_missing_database_url_is_named() {
        let errors = load(&[("APP_ENV", "development")]).expect_err("must fail");
        assert_eq!(variables(&errors), ["DATABASE_URL"]);
        assert!(
            errors[0].to_string().starts_with("DATABASE_URL: missing"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn every_invalid_setting_is_reported_at_once() {
        let errors = load(&[
            ("DATABASE_URL", "mysql://nope"),
            ("APP_ENV", "staging"),
            ("DATABASE_MAX_CONNECTIONS", "lots"),
            ("HTTP_REQUEST_TIMEOUT_SECS", "0"),
            ("LOG_FORMAT", "xml"),
        ])
        .expect_err("must fail");
        assert_eq!(
            variables(&errors),
            [
                "APP_ENV",
                "LOG_FORMAT",
                "DATABASE_URL",
                "DATABASE_MAX_CONNECTIONS",
                "HTTP_REQUEST_TIMEOUT_SECS"
            ]
        );
        assert!(errors[2].problem.contains("not a PostgreSQL URL"), "{}", errors[2]);
        assert!(errors[4].problem.contains("out of range"), "{}", errors[4]);
    }

    #[test]
    fn a_missing_site_configuration_is_named() {
        let errors = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("LEPTOS_CONFIG", "/nowhere/Leptos.toml"),
        ])
        .expect_err("must fail");
        assert_eq!(variables(&errors), ["LEPTOS_CONFIG"]);
    }

    #[test]
    fn production_needs_real_secrets_and_mail() {
        let errors = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "production")]).expect_err("must fail");
        assert_eq!(variables(&errors), ["JWT_SECRET", "SMTP_URL", "HEALTH_DATA_KEY"]);
        let errors = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("JWT_SECRET", "short"),
        ])
        .expect_err("must fail");
        assert_eq!(variables(&errors), ["JWT_SECRET"]);
    }

    #[test]
    fn production_is_the_default_and_development_is_asked_for_by_name() {
        let errors = load(&[("DATABASE_URL", "postgres://u@h/db")]).expect_err("production needs its secrets");
        assert_eq!(variables(&errors), ["JWT_SECRET", "SMTP_URL", "HEALTH_DATA_KEY"]);
        assert_eq!(load(&PRODUCTION[..1]).expect_err("still production").len(), 3);
        let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
        assert_eq!(dev.environment, Environment::Development);
    }

    #[test]
    fn development_mode_refuses_to_run_behind_a_proxy() {
        let errors = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ])
        .expect_err("must fail");
        assert_eq!(variables(&errors), ["APP_ENV"]);
        assert!(errors[0].problem.contains("TRUSTED_PROXIES"), "{}", errors[0]);
        let mut production = PRODUCTION.to_vec();
        production.push(("TRUSTED_PROXIES", "127.0.0.1"));
        assert!(load(&production).is_ok());
    }

    /// The production secrets a test passes: none of them is in the source.
    const PRODUCTION: [(&str, &str); 5] = [
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "production"),
        ("JWT_SECRET", "a production secret of at least thirty-two characters"),
        ("SMTP_URL", "smtps://mailer:pw@smtp.example:465"),
        ("HEALTH_DATA_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8s="),
    ];

    #[test]
    fn production_never_falls_back_to_a_development_secret() {
        let s = load(&PRODUCTION).expect("valid");
        assert_eq!(
            s.fishmouth.stripe_webhook_secret, None,
            "no webhook without its own secret"
        );
        assert_eq!(s.fishmouth.inbound_email_secret, None);
        // Development, by contrast, works with the published ones.
        let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
        assert_eq!(
            dev.fishmouth.stripe_webhook_secret.as_deref(),
            Some(DEVELOPMENT_STRIPE_WEBHOOK_SECRET)
        );
    }

    #[test]
    fn production_starts_without_the_generated_sample() {
        assert_eq!(load(&PRODUCTION).expect("valid").fishmouth.sample_homes, 0);
        let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
        assert_eq!(dev.fishmouth.sample_homes, 50_000);
    }

    #[test]
    fn production_refuses_every_published_secret_by_value() {
        use base64::Engine as _;
        let health = base64::engine::general_purpose::STANDARD.encode(b"development only: never use this");
        for (variable, value) in [
            ("JWT_SECRET", DEVELOPMENT_JWT_SECRET),
            ("STRIPE_WEBHOOK_SECRET", DEVELOPMENT_STRIPE_WEBHOOK_SECRET),
            ("INBOUND_EMAIL_SECRET", DEVELOPMENT_INBOUND_EMAIL_SECRET),
            ("HEALTH_DATA_KEY", health.as_str()),
        ] {
            let mut vars: Vec<(&str, &str)> = PRODUCTION.iter().filter(|(k, _)| *k != variable).copied().collect();
            vars.push((variable, value));
            let errors = load(&vars).expect_err(variable);
            assert_eq!(variables(&errors), [variable]);
            assert!(errors[0].problem.contains("published"), "{}", errors[0]);
        }
    }

    #[test]
    fn production_sends_secrets_only_encrypted_or_to_this_machine() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars: Vec<(&str, &str)> = PRODUCTION.iter().filter(|(k, _)| k != &"SMTP_URL").copied().collect();
            vars.extend_from_slice(extra);
            load(&vars).err().map(|e| variables(&e)).unwrap_or_default()
        };
        for refused in [
            ("SMTP_URL", "smtp://mailer:pw@smtp.example:587"),
            ("STRIPE_API_BASE", "http://stripe.example"),
            ("SENTRY_DSN", "http://key@sentry.example/1"),
        ] {
            let mut vars = vec![("SMTP_URL", "smtps://mailer:pw@smtp.example:465")];
            if refused.0 == "SMTP_URL" {
                vars.clear();
            }
            vars.push(refused);
            assert_eq!(with(&vars), [refused.0], "{refused:?}");
        }
        let telnyx = with(&[
            ("SMTP_URL", "smtps://smtp.example"),
            ("TELNYX_API_KEY", "KEY"),
            ("TELNYX_FROM_NUMBER", "+12145550100"),
            ("TELNYX_PUBLIC_KEY", "GX9rI+FshTLGq8g4+s1ep4m+DHaykgM0A5v6iz02jWE="),
            ("TELNYX_API_BASE", "http://telnyx.example"),
        ]);
        assert_eq!(telnyx, ["TELNYX_API_BASE"]);
        for accepted in [
            "smtps://mailer:pw@smtp.example:465",
            "smtp://mailer:pw@smtp.example:587?tls=required",
            "smtp://mailer:pw@127.0.0.1:25",
            "smtp://localhost:25",
        ] {
            assert!(with(&[("SMTP_URL", accepted)]).is_empty(), "{accepted}");
        }
        assert!(
            with(&[
                ("SMTP_URL", "smtps://s.example"),
                ("STRIPE_API_BASE", "http://127.0.0.1:9")
            ])
            .is_empty()
        );
    }

    #[test]
    fn development_runs_without_secrets() {
        let s = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("APP_PUBLIC_URL", "http://127.0.0.1:3000/"),
        ])
        .expect("valid");
        assert_eq!(s.auth.public_url, "http://127.0.0.1:3000");
        assert!(s.mail.smtp_url.is_none());
    }

    #[test]
    fn development_mode_refuses_to_face_a_network() {
        let public = std::env::temp_dir().join(format!("leptos-public-{}.toml", std::process::id()));
        std::fs::write(
            &public,
            "[package.metadata.leptos]\noutput-name = \"sasafish\"\nsite-addr = \"0.0.0.0:3000\"\n",
        )
        .expect("write");
        let path = public.to_string_lossy().into_owned();
        let errors = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("LEPTOS_CONFIG", &path),
        ])
        .expect_err("must fail");
        assert_eq!(variables(&errors), ["APP_ENV"]);
        let errors = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("APP_ENV", "development"),
            ("APP_PUBLIC_URL", "https://sasa.example"),
        ])
        .expect_err("must fail");
        assert_eq!(variables(&errors), ["APP_ENV"]);
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let s = load(&[
            ("DATABASE_URL", "postgres://u:hunter2secret@h/db"),
            ("APP_ENV", "development"),
            ("JWT_SECRET", "jwt-secret-jwt-secret-jwt-secret-xyz"),
            ("SMTP_URL", "smtp://mailer:smtppassword@h:25"),
        ])
        .expect("valid");
        let debug = format!("{s:?}");
        for secret in ["hunter2secret", "jwt-secret-jwt", "smtppassword"] {
            assert!(!debug.contains(secret), "{secret} leaked");
        }
    }
}
