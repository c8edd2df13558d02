//! What comes back from homeowners: one-click unsubscribes (RFC 8058), text messages and
//! delivery reports from Telnyx (Ed25519-signed webhooks), and email replies from the
//! inbound mail webhook (HMAC-signed, the same scheme as Stripe's).

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use domain::fishmouth::sequence::{SmsIntent, classify_sms};

use super::engine::{opt_out, stop_for_contact, stop_for_lead};
use super::store::{self, Inbound};
use crate::platform::Services;

/// A signed webhook older (or newer) than this is refused: a replay of an old one does nothing.
pub const TOLERANCE_SECS: i64 = 300;

pub fn routes() -> axum::Router<crate::fishmouth::ssr::FishMouthState> {
    axum::Router::new()
        .route(
            "/unsubscribe/{token}",
            axum::routing::get(unsubscribe_link).post(one_click),
        )
        .route("/webhooks/telnyx", axum::routing::post(telnyx_webhook))
        .route("/webhooks/email", axum::routing::post(email_webhook))
}

/// Opts the enrollment's email address out with its contractor. Returns false for an
/// unknown token. Idempotent: the link keeps working and changes nothing the second time.
pub async fn unsubscribe(pool: &PgPool, token: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(store::Unsubscribing {
        enrollment_id,
        user_id,
        lead_id,
        email,
    }) = store::enrollment_by_token(&mut *tx, token).await?
    else {
        return Ok(false);
    };
    match email {
        Some(email) => {
            opt_out(&mut tx, user_id, "email", &email, "unsubscribe link").await?;
            let inbound = Inbound {
                user_id,
                lead_id: Some(lead_id),
                enrollment_id: Some(enrollment_id),
                channel: "email",
                kind: "unsubscribe",
                address: &email,
                body: "",
                event_id: None,
            };
            store::record_inbound(&mut *tx, inbound).await?;
        }
        // No address on file any more: stopping the enrollment is all there is to do.
        None => {
            stop_for_lead(&mut tx, user_id, lead_id, "opted_out").await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// A person who opens the List-Unsubscribe address goes to the page that asks them to confirm:
/// a GET never unsubscribes, because link scanners open every link.
async fn unsubscribe_link(Path(token): Path<String>) -> Redirect {
    Redirect::to(&format!("/u/{}", token_only(&token)))
}

/// RFC 8058: a POST with `List-Unsubscribe=One-Click` unsubscribes at once, with no
/// cookie or login. The page's button posts here too, and is sent back to the page.
async fn one_click(State(services): State<Services>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let token = token_only(&token);
    match unsubscribe(&services.pool, &token).await {
        Ok(true) => {
            let browser = headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            if browser {
                Redirect::to(&format!("/u/{token}")).into_response()
            } else {
                (StatusCode::OK, "unsubscribed").into_response()
            }
        }
        Ok(false) => (StatusCode::NOT_FOUND, "unknown unsubscribe link").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "unsubscribe failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An unsubscribe token as it may appear in a path: letters and digits, at most 64.
pub fn token_only(token: &str) -> String {
    token.chars().filter(char::is_ascii_alphanumeric).take(64).collect()
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

async fn telnyx_webhook(
    State(services): State<Services>,
    State(fishmouth): State<std::sync::Arc<crate::fishmouth::ssr::FishMouth>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let Some(key) = fishmouth.telnyx_public_key.as_ref() else {
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
    match receive_telnyx(&services.pool, event).await {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            // Telnyx retries on a 5xx: nothing is lost.
            tracing::error!(error = %error, "telnyx webhook");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn receive_telnyx(pool: &PgPool, event: TelnyxEvent) -> Result<(), sqlx::Error> {
    let data = event.data;
    match data.event_type.as_str() {
        "message.received" => {
            let Some(from) = data.payload.from else { return Ok(()) };
            receive_sms(pool, &from.phone_number, &data.payload.text, &data.id).await
        }
        "message.sent" | "message.finalized" => {
            let (Some(id), Some(status)) = (data.payload.id, data.payload.to.first().and_then(|t| t.status.clone()))
            else {
                return Ok(());
            };
            store::set_delivery_status(pool, &id, &status).await?;
            // The carrier could not deliver to this number: a bounce, which ends the sequence.
            if matches!(status.as_str(), "delivery_failed" | "sending_failed") {
                for key in store::sequence_keys(pool, &id).await? {
                    super::engine::bounced(pool, &key, &format!("the carrier reported {status}")).await?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A text from `from` to our shared number. It belongs to one contractor: the one whose
/// sequence texted that number last, so no other contractor ever reads it. A STOP still opts
/// the number out with every contractor who texted it or holds it as a lead (erring broad);
/// the others learn only that it opted out, never what it wrote.
pub async fn receive_sms(pool: &PgPool, from: &str, text: &str, event_id: &str) -> Result<(), sqlx::Error> {
    let from = domain::fishmouth::property::normalize_us_phone(from).unwrap_or_else(|| from.trim().to_owned());
    let text = text.replace('\0', "");
    let mut tx = pool.begin().await?;
    let last_texted = store::last_texted(&mut *tx, &from).await?;
    let intent = classify_sms(&text);
    let contractors: Vec<Uuid> = if intent == SmsIntent::OptOut {
        store::contractors_of_phone(&mut *tx, &from).await?
    } else {
        last_texted.into_iter().collect()
    };
    if contractors.is_empty() {
        tracing::info!(intent = ?intent, "a text from a number no contractor has texted");
    }
    for user_id in contractors {
        let lead_id = store::lead_with_phone(&mut *tx, user_id, &from).await?;
        let kind = match intent {
            SmsIntent::OptOut => {
                opt_out(&mut tx, user_id, "sms", &from, "text message").await?;
                "opt_out"
            }
            SmsIntent::OptIn => {
                store::opt_in_sms(&mut *tx, user_id, &from).await?;
                "opt_in"
            }
            SmsIntent::Reply => {
                stop_for_contact(&mut tx, user_id, "sms", &from, "replied").await?;
                "reply"
            }
        };
        let body = if Some(user_id) == last_texted {
            text.as_str()
        } else {
            "STOP (opted out by text message)"
        };
        let inbound = Inbound {
            user_id,
            lead_id,
            enrollment_id: None,
            channel: "sms",
            kind,
            address: &from,
            body,
            event_id: Some(event_id),
        };
        store::record_inbound(&mut *tx, inbound).await?;
    }
    tx.commit().await
}

#[derive(Debug, Deserialize)]
pub struct InboundEmail {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub message_id: Option<String>,
}

async fn email_webhook(
    State(services): State<Services>,
    State(fishmouth): State<std::sync::Arc<crate::fishmouth::ssr::FishMouth>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let Some(secret) = fishmouth.inbound_email_secret.as_deref() else {
        return StatusCode::NOT_FOUND;
    };
    let signature = headers.get("x-inbound-signature").and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(error) = crate::fishmouth::stripe::verify(secret, signature, &body, now) {
        tracing::warn!(error = %error, "inbound email refused");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(email) = serde_json::from_slice::<InboundEmail>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match receive_email(&services.pool, &email).await {
        Ok(_) => StatusCode::OK,
        Err(error) => {
            tracing::error!(error = %error, "inbound email");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// A reply to a sequence email arrives at `reply+<enrollment id>@…`: it stops that lead's
/// sequences with this contractor. Returns whether the address matched an enrollment.
pub async fn receive_email(pool: &PgPool, email: &InboundEmail) -> Result<bool, sqlx::Error> {
    let enrollment = email
        .to
        .split(['<', '>', ',', ' '])
        .find_map(|part| part.trim().strip_prefix("reply+"))
        .and_then(|rest| rest.split('@').next())
        .and_then(|id| Uuid::parse_str(id).ok());
    let Some(enrollment) = enrollment else { return Ok(false) };
    let mut tx = pool.begin().await?;
    let Some((enrollment, user_id, lead_id)) = store::enrollment(&mut *tx, enrollment).await? else {
        return Ok(false);
    };
    let body: String = format!("{}\n{}", email.subject, email.text)
        .replace('\0', "")
        .chars()
        .take(2000)
        .collect();
    // "Unsubscribe" or "stop" written back is an opt-out (CAN-SPAM honours replies too).
    let first_line = email
        .text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let subject = email.subject.trim().trim_start_matches("Re:").trim_start_matches("RE:");
    let opts_out = [first_line, subject]
        .iter()
        .any(|t| classify_sms(t) == SmsIntent::OptOut);
    let lead_email = store::lead_email(&mut *tx, lead_id).await?;
    let kind = match (opts_out, lead_email) {
        (true, Some(address)) => {
            opt_out(&mut tx, user_id, "email", &address, "email reply").await?;
            "unsubscribe"
        }
        _ => {
            stop_for_lead(
                &mut tx,
                user_id,
                lead_id,
                if opts_out { "opted_out" } else { "replied" },
            )
            .await?;
            "reply"
        }
    };
    let inbound = Inbound {
        user_id,
        lead_id: Some(lead_id),
        enrollment_id: Some(enrollment),
        channel: "email",
        kind,
        address: &email.from,
        body: &body,
        event_id: email.message_id.as_deref(),
    };
    store::record_inbound(&mut *tx, inbound).await?;
    tx.commit().await?;
    Ok(true)
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

    #[test]
    fn tokens_keep_only_their_characters() {
        assert_eq!(token_only("abc123/../x"), "abc123x");
        assert_eq!(token_only(&"a".repeat(100)).len(), 64);
    }
}
