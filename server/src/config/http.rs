//! The HTTP section: timeouts, limits, the listeners (TLS, redirect, metrics) and the
//! site's Leptos options.

use std::time::Duration;

use leptos::config::LeptosOptions;

use super::reader::Reader;

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

impl HttpSettings {
    pub fn read(env: &mut Reader) -> Option<Self> {
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
        let metrics_addr = env
            .get("METRICS_ADDR")
            .and_then(|raw| env.parse::<std::net::SocketAddr>("METRICS_ADDR", &raw));
        let tls = TlsSettings::read(env);
        Some(Self {
            request_timeout: Duration::from_secs(request_timeout?),
            body_limit_bytes: body_limit_bytes?,
            metrics_addr,
            tls,
            connections,
            client_requests_per_minute,
        })
    }
}

impl TlsSettings {
    /// `TLS_CERT_FILE` and `TLS_KEY_FILE` come together; the files are read and checked now,
    /// so a bad pair stops start-up naming the variable.
    fn read(env: &mut Reader) -> Option<Self> {
        let redirect_addr = env
            .get("HTTP_REDIRECT_ADDR")
            .and_then(|raw| env.parse::<std::net::SocketAddr>("HTTP_REDIRECT_ADDR", &raw));
        let (cert, key) = match (env.get("TLS_CERT_FILE"), env.get("TLS_KEY_FILE")) {
            (Some(cert), Some(key)) => (cert, key),
            (None, None) => {
                if redirect_addr.is_some() {
                    env.fail("HTTP_REDIRECT_ADDR", "needs TLS_CERT_FILE and TLS_KEY_FILE".into());
                }
                return None;
            }
            (Some(_), None) => {
                env.fail("TLS_KEY_FILE", "missing: TLS_CERT_FILE is set".into());
                return None;
            }
            (None, Some(_)) => {
                env.fail("TLS_CERT_FILE", "missing: TLS_KEY_FILE is set".into());
                return None;
            }
        };
        let mut read = |variable: &'static str, path: &str| match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                env.fail(variable, format!("cannot read {path} ({e})"));
                None
            }
        };
        let (cert_pem, key_pem) = (read("TLS_CERT_FILE", &cert)?, read("TLS_KEY_FILE", &key)?);
        match crate::tls::server_config(&cert_pem, &key_pem) {
            Ok(config) => Some(Self { config, redirect_addr }),
            Err(error @ crate::tls::TlsError::Certificate(_)) => {
                env.fail("TLS_CERT_FILE", format!("{error} ({cert})"));
                None
            }
            Err(error @ crate::tls::TlsError::Key(_)) => {
                env.fail("TLS_KEY_FILE", format!("{error} ({key})"));
                None
            }
        }
    }
}

/// cargo-leptos sets LEPTOS_OUTPUT_NAME and friends when it runs the server; otherwise the
/// site configuration comes from the file in LEPTOS_CONFIG.
pub fn read_leptos(env: &mut Reader) -> Option<LeptosOptions> {
    let result = if env.get("LEPTOS_OUTPUT_NAME").is_some() {
        leptos::config::get_configuration(None)
    } else {
        let path = env.get("LEPTOS_CONFIG").unwrap_or_else(|| "Leptos.toml".into());
        if !std::path::Path::new(&path).is_file() {
            env.fail("LEPTOS_CONFIG", format!("no site configuration file at {path:?}"));
            return None;
        }
        leptos::config::get_configuration(Some(&path))
    };
    match result {
        Ok(config) => Some(config.leptos_options),
        Err(e) => {
            env.fail("LEPTOS_CONFIG", format!("invalid site configuration: {e}"));
            None
        }
    }
}
