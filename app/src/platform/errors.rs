//! Unexpected errors go to Sentry when `SENTRY_DSN` is set; otherwise nothing leaves the
//! server. One event per error id, sent in the background, never delaying the answer.
//! The event carries the error id and its cause, which the logs hold too; never a
//! request body, a cookie or a user's health text.

#![cfg(feature = "ssr")]

use std::time::Duration;

use serde_json::json;

/// Where events go, from a DSN `https://<key>@<host>/<project>`.
#[derive(Clone)]
pub struct ErrorReporter {
    http: reqwest::Client,
    store_url: String,
    auth: String,
    environment: String,
}

impl ErrorReporter {
    pub fn from_dsn(dsn: &str, environment: &str) -> Result<Self, String> {
        let (scheme, rest) = dsn.split_once("://").ok_or("a DSN starts with https://")?;
        let (key, rest) = rest.split_once('@').ok_or("a DSN names its public key before @")?;
        let (host, project) = rest.rsplit_once('/').ok_or("a DSN ends with /<project id>")?;
        let key = key.split(':').next().unwrap_or_default();
        if key.is_empty() || host.is_empty() || project.is_empty() || !project.chars().all(|c| c.is_ascii_digit()) {
            return Err("expected https://<key>@<host>/<project id>".into());
        }
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .map_err(|e| e.to_string())?,
            store_url: format!("{scheme}://{host}/api/{project}/store/"),
            auth: format!(
                "Sentry sentry_version=7, sentry_client=sasa/{}, sentry_key={key}",
                env!("CARGO_PKG_VERSION")
            ),
            environment: environment.to_owned(),
        })
    }

    /// Sends one event in the background; a failure to send is logged, not retried.
    pub fn report(&self, error_id: &str, cause: &str) {
        let event = json!({
            "event_id": uuid::Uuid::new_v4().simple().to_string(),
            "timestamp": time::OffsetDateTime::now_utc().unix_timestamp(),
            "level": "error",
            "platform": "other",
            "logger": "sasa",
            "environment": self.environment,
            "message": { "formatted": cause },
            "tags": { "error_id": error_id },
        });
        let request = self
            .http
            .post(&self.store_url)
            .header("X-Sentry-Auth", &self.auth)
            .json(&event);
        tokio::spawn(async move {
            if let Err(error) = request.send().await.and_then(reqwest::Response::error_for_status) {
                tracing::warn!(error = %error, "the error report did not reach Sentry");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsns_become_store_addresses() {
        let r = ErrorReporter::from_dsn("https://abc123@o1.ingest.sentry.io/4500", "production").expect("valid");
        assert_eq!(r.store_url, "https://o1.ingest.sentry.io/api/4500/store/");
        assert!(r.auth.ends_with("sentry_key=abc123"));
        for bad in [
            "nonsense",
            "https://o1.sentry.io/4500",
            "https://abc@o1.sentry.io/",
            "https://abc@host/x",
        ] {
            assert!(ErrorReporter::from_dsn(bad, "x").is_err(), "{bad}");
        }
    }
}
