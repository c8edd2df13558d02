//! The accounts section: the public URL, tokens, proxies, sessions, and the health-data key.

use std::fmt;

use app::platform::crypto::HealthKey;

use super::reader::Reader;

/// Used only in development, so that `run` works with no secrets set up.
pub(super) const DEVELOPMENT_JWT_SECRET: &str = "development only: never use this secret in production";

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

impl AuthSettings {
    /// `tls`: the app serves HTTPS itself, so its public URL must be https://.
    pub fn read(env: &mut Reader, tls: bool) -> Option<Self> {
        let public_url = env
            .or("APP_PUBLIC_URL", "http://127.0.0.1:3000".to_owned())
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            env.fail("APP_PUBLIC_URL", "must start with http:// or https://".into());
        }
        if let Some(url) = &public_url
            && tls
            && !url.starts_with("https://")
        {
            env.fail(
                "APP_PUBLIC_URL",
                "must start with https:// when TLS_CERT_FILE is set".into(),
            );
        }
        let jwt_secret = match env.get("JWT_SECRET") {
            Some(secret) if env.production && secret == DEVELOPMENT_JWT_SECRET => {
                env.fail("JWT_SECRET", super::PUBLISHED.into());
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
            None if env.production => {
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
        let password_queue = env.in_range("PASSWORD_HASH_QUEUE", 32usize, 0..=10_000);
        let signups_per_ip_hour = env.in_range("SIGNUPS_PER_IP_HOUR", 30u32, 1..=100_000);
        // Two weeks: a mother may open the app only for her weekly check-in.
        let session_idle_secs = env
            .in_range("SESSION_IDLE_TIMEOUT_SECS", 14 * 24 * 3600i64, 60..=30 * 24 * 3600)
            .unwrap_or(14 * 24 * 3600);
        Some(Self {
            public_url: public_url?,
            jwt_secret: jwt_secret?,
            password_queue: password_queue?,
            signups_per_ip_hour: signups_per_ip_hour?,
            session_idle_secs,
            trusted_proxies,
        })
    }
}

/// `HEALTH_DATA_KEY` (32 bytes, base64), and during a rotation `HEALTH_DATA_KEY_PREVIOUS`:
/// the keys that sealed rows not yet re-sealed (comma-separated).
pub fn read_health_key(env: &mut Reader) -> Option<HealthKey> {
    let key = match env.get("HEALTH_DATA_KEY") {
        Some(encoded) if env.production && HealthKey::is_published(&encoded) => {
            env.fail("HEALTH_DATA_KEY", super::PUBLISHED.into());
            None
        }
        Some(encoded) => match HealthKey::from_base64(&encoded) {
            Ok(key) => Some(key),
            Err(problem) => {
                env.fail("HEALTH_DATA_KEY", format!("{problem} (e.g. `openssl rand -base64 32`)"));
                None
            }
        },
        None if env.production => {
            env.fail(
                "HEALTH_DATA_KEY",
                "missing: production needs its own 32-byte key, base64".into(),
            );
            None
        }
        None => Some(HealthKey::development()),
    };
    match (key, env.get("HEALTH_DATA_KEY_PREVIOUS")) {
        (Some(key), Some(previous)) => previous
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .try_fold(key, |key, encoded| key.with_previous(encoded))
            .map_err(|problem| env.fail("HEALTH_DATA_KEY_PREVIOUS", problem))
            .ok(),
        (key, _) => key,
    }
}
