//! Telnyx's webhook (Ed25519-signed): texts people send to our number and the delivery
//! reports of ours, passed to every product's [`SmsInbox`]. Each product decides from its own
//! rows whether a number is one of its people; the platform knows none of them.
#![cfg(feature = "ssr")]

use std::sync::Arc;

use axum::extract::State;
use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use sqlx::PgPool;

use super::Services;
use super::outbox::HookFuture;

/// A signed webhook older (or newer) than this is refused: a replay of an old one does nothing.
pub const TOLERANCE_SECS: i64 = 300;

/// A text someone sent to one of our numbers.
#[derive(Debug, Clone)]
pub struct IncomingText {
    /// The sender, E.164 as Telnyx gives it.
    pub from: String,
    /// The number it was sent to: the shared one, or one a product bought for one of its people.
    pub to: String,
    /// Sent to the platform's shared number (or, with none configured, to an unknown one).
    pub to_shared: bool,
    pub text: String,
    /// Telnyx's id for the event, the same on a retry.
    pub event_id: String,
}

/// What a product does with the texts that reach our numbers and with delivery reports.
pub trait SmsInbox: Send + Sync {
    fn received<'a>(&'a self, pool: &'a PgPool, text: &'a IncomingText) -> HookFuture<'a, ()>;
    /// The carrier's news of a text we sent (Telnyx's message id): `sent`, `delivered`,
    /// `delivery_failed`...
    fn delivery<'a>(&'a self, pool: &'a PgPool, message_id: &'a str, status: &'a str) -> HookFuture<'a, ()>;
}

/// The webhook's state: the key that checks signatures (None: it answers 404), the shared
/// number, and the products' inboxes.
#[derive(Clone)]
pub struct TelnyxState {
    pub services: Services,
    pub key: Option<VerifyingKey>,
    /// The platform's shared number (TELNYX_FROM_NUMBER), when texts are set up.
    pub shared_number: Option<String>,
    pub inboxes: Arc<Vec<Arc<dyn SmsInbox>>>,
}

pub fn routes<S: Clone + Send + Sync + 'static>(state: TelnyxState) -> axum::Router<S> {
    axum::Router::new()
        .route("/webhooks/telnyx", axum::routing::post(webhook))
        .with_state(state)
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TelnyxSignatureError {
    #[error("no signature or timestamp header")]
    Missing,
    #[error("the signature headers are malformed")]
    Malformed,
    #[error("the event is older than 5 minutes or from the future")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// Telnyx signs `"<telnyx-timestamp>|<body>"` with Ed25519; the signature comes base64 in
/// `telnyx-signature-ed25519`, checked against the public key from the Telnyx portal.
pub fn verify_telnyx(
    key: &VerifyingKey,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), TelnyxSignatureError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header("telnyx-signature-ed25519"), header("telnyx-timestamp")) else {
        return Err(TelnyxSignatureError::Missing);
    };
    let at: i64 = timestamp.trim().parse().map_err(|_| TelnyxSignatureError::Malformed)?;
    if now.abs_diff(at) > TOLERANCE_SECS.unsigned_abs() {
        return Err(TelnyxSignatureError::Stale);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| TelnyxSignatureError::Malformed)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| TelnyxSignatureError::Malformed)?;
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.trim().as_bytes());
    message.push(b'|');
    message.extend_from_slice(body);
    key.verify(&message, &signature)
        .map_err(|_| TelnyxSignatureError::Mismatch)
}

#[derive(Debug, Deserialize)]
struct TelnyxEvent {
    data: TelnyxData,
}

#[derive(Debug, Deserialize)]
struct TelnyxData {
    id: String,
    event_type: String,
    payload: TelnyxPayload,
}

#[derive(Debug, Deserialize)]
struct TelnyxPayload {
    id: Option<String>,
    from: Option<TelnyxNumber>,
    #[serde(default)]
    to: Vec<TelnyxNumber>,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Deserialize)]
struct TelnyxNumber {
    phone_number: String,
    status: Option<String>,
}

async fn webhook(State(state): State<TelnyxState>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let Some(key) = state.key.as_ref() else {
        return StatusCode::NOT_FOUND;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(error) = verify_telnyx(key, &headers, &body, now) {
        tracing::warn!(error = %error, "telnyx webhook refused");
        return StatusCode::UNAUTHORIZED;
    }
    let event: TelnyxEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(error = %error, "telnyx webhook unreadable");
            return StatusCode::BAD_REQUEST;
        }
    };
    match dispatch(&state, event).await {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            // Telnyx retries on a 5xx: nothing is lost.
            tracing::error!(error = %error, "telnyx webhook");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn dispatch(state: &TelnyxState, event: TelnyxEvent) -> Result<(), sqlx::Error> {
    let (pool, inboxes) = (&state.services.pool, state.inboxes.as_slice());
    let data = event.data;
    match data.event_type.as_str() {
        "message.received" => {
            let Some(from) = data.payload.from else { return Ok(()) };
            let to = data
                .payload
                .to
                .first()
                .map(|t| t.phone_number.trim().to_owned())
                .unwrap_or_default();
            let text = IncomingText {
                from: from.phone_number,
                to_shared: state.shared_number.as_deref().is_none_or(|shared| shared == to),
                to,
                text: data.payload.text.replace('\0', ""),
                event_id: data.id,
            };
            for inbox in inboxes {
                inbox.received(pool, &text).await?;
            }
        }
        "message.sent" | "message.finalized" => {
            let (Some(id), Some(status)) = (data.payload.id, data.payload.to.first().and_then(|t| t.status.clone()))
            else {
                return Ok(());
            };
            for inbox in inboxes {
                inbox.delivery(pool, &id, &status).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn signed(key: &SigningKey, timestamp: &str, body: &[u8]) -> HeaderMap {
        let mut message = timestamp.as_bytes().to_vec();
        message.push(b'|');
        message.extend_from_slice(body);
        let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&message).to_bytes());
        let mut headers = HeaderMap::new();
        headers.insert("telnyx-signature-ed25519", signature.parse().expect("header"));
        headers.insert("telnyx-timestamp", timestamp.parse().expect("header"));
        headers
    }

    #[test]
    fn telnyx_signatures() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = key.verifying_key();
        let body = br#"{"data":{}}"#;
        let headers = signed(&key, "1700000000", body);
        assert_eq!(verify_telnyx(&public, &headers, body, 1_700_000_100), Ok(()));
        assert_eq!(
            verify_telnyx(&public, &headers, b"{\"data\":1}", 1_700_000_100),
            Err(TelnyxSignatureError::Mismatch)
        );
        assert_eq!(
            verify_telnyx(&public, &headers, body, 1_700_000_301),
            Err(TelnyxSignatureError::Stale)
        );
        assert_eq!(
            verify_telnyx(&public, &HeaderMap::new(), body, 1_700_000_000),
            Err(TelnyxSignatureError::Missing)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            verify_telnyx(&public, &signed(&other, "1700000000", body), body, 1_700_000_000),
            Err(TelnyxSignatureError::Mismatch)
        );
        let mut bad = headers.clone();
        bad.insert("telnyx-signature-ed25519", "not base64!".parse().expect("header"));
        assert_eq!(
            verify_telnyx(&public, &bad, body, 1_700_000_000),
            Err(TelnyxSignatureError::Malformed)
        );
    }
}
