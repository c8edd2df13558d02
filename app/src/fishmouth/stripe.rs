//! Stripe: Checkout sessions are created through Stripe's HTTP API, and webhook deliveries
//! are verified and read here; the wallet credits them (`wallet::receive_top_up`). The signature is `t=<unix>,v1=<hex HMAC-SHA256 of
//! "<t>.<payload>">`; a timestamp more than 5 minutes away is refused, and each event id
//! is processed once, so a replay changes nothing.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use uuid::Uuid;

pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the event is older than 5 minutes or from the future")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let hex = crate::platform::encode_hex(&mac(secret, timestamp, payload).finalize().into_bytes());
    format!("t={timestamp},v1={hex}")
}

/// Checks the header against the payload at `now`.
pub fn verify(secret: &str, header: Option<&str>, payload: &[u8], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    // verify_slice compares in constant time.
    let matches = signatures
        .iter()
        .filter_map(|sig| crate::platform::decode_hex(sig))
        .any(|bytes| mac(secret, timestamp, payload).verify_slice(&bytes).is_ok());
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: CheckoutSession,
}

#[derive(Debug, Deserialize)]
struct CheckoutSession {
    id: Option<String>,
    client_reference_id: Option<String>,
    amount_total: Option<i64>,
    payment_status: Option<String>,
}

/// A verified webhook event, as far as money goes.
#[derive(Debug, PartialEq, Eq)]
pub struct Delivery {
    pub event_id: String,
    pub kind: String,
    /// The account a paid Checkout Session names; None for anything that moves no money.
    pub user_id: Option<Uuid>,
    pub cents: Option<i64>,
    /// "stripe:<session id>", the ledger's reference.
    pub reference: String,
}

/// Verifies one webhook delivery and reads what it says. Crediting is the wallet's job.
pub fn read(secret: &str, signature: Option<&str>, payload: &[u8], now: i64) -> Result<Delivery, WebhookError> {
    verify(secret, signature, payload, now)?;
    let event: Event = serde_json::from_slice(payload).map_err(|e| WebhookError::Payload(e.to_string()))?;
    let session = &event.data.object;
    let paid = event.kind == "checkout.session.completed" && session.payment_status.as_deref() == Some("paid");
    let user_id = session
        .client_reference_id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .filter(|_| paid);
    Ok(Delivery {
        reference: format!("stripe:{}", session.id.as_deref().unwrap_or(&event.id)),
        event_id: event.id,
        kind: event.kind,
        user_id,
        cents: session.amount_total.filter(|_| paid),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the event could not be read: {0}")]
    Payload(String),
}

/// A Checkout Session event as Stripe would send it, for the development top-up.
pub fn checkout_completed_event(user_id: Uuid, cents: i64) -> String {
    let id = Uuid::new_v4().simple();
    serde_json::json!({
        "id": format!("evt_dev_{id}"),
        "type": "checkout.session.completed",
        "data": { "object": {
            "id": format!("cs_dev_{id}"),
            "object": "checkout.session",
            "client_reference_id": user_id.to_string(),
            "amount_total": cents,
            "currency": "usd",
            "payment_status": "paid"
        } }
    })
    .to_string()
}

/// Creates a Checkout Session through Stripe's API and returns the page to send her to.
pub async fn create_checkout(
    config: &super::ssr::FishMouth,
    secret_key: &str,
    public_url: &str,
    user_id: Uuid,
    email: &str,
    cents: i64,
) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct Session {
        url: String,
    }
    let form = [
        ("mode", "payment".to_owned()),
        ("client_reference_id", user_id.to_string()),
        ("customer_email", email.to_owned()),
        ("line_items[0][quantity]", "1".to_owned()),
        ("line_items[0][price_data][currency]", "usd".to_owned()),
        ("line_items[0][price_data][unit_amount]", cents.to_string()),
        (
            "line_items[0][price_data][product_data][name]",
            "Fish Mouth lead credits".to_owned(),
        ),
        ("success_url", format!("{public_url}/pro/wallet?paid=1")),
        ("cancel_url", format!("{public_url}/pro/wallet")),
    ];
    let response = config
        .http
        .post(format!("{}/v1/checkout/sessions", config.stripe_api_base))
        .basic_auth(secret_key, Some(""))
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .form(&form)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!(
            "Stripe answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }
    Ok(response.json::<Session>().await?.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";

    #[test]
    fn a_signed_payload_verifies_within_five_minutes_only() {
        let payload = br#"{"id":"evt_1"}"#;
        let header = sign(SECRET, 1_700_000_000, payload);
        assert_eq!(verify(SECRET, Some(&header), payload, 1_700_000_000 + 299), Ok(()));
        assert_eq!(
            verify(SECRET, Some(&header), payload, 1_700_000_000 + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, Some(&header), payload, 1_700_000_000 - 301),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn tampering_and_wrong_secrets_are_refused() {
        let payload = br#"{"id":"evt_1","amount":500}"#;
        let header = sign(SECRET, 100, payload);
        assert_eq!(
            verify(SECRET, Some(&header), br#"{"id":"evt_1","amount":900}"#, 100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_other", Some(&header), payload, 100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(SECRET, None, payload, 100), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, Some("v1=abc"), payload, 100),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("t=100"), payload, 100),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("t=100,v1=zz"), payload, 100),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let payload = b"{}";
        let good = sign(SECRET, 5, payload);
        let header = format!("t=5,v1=00ff,{}", good.split(',').nth(1).unwrap_or_default());
        assert_eq!(verify(SECRET, Some(&header), payload, 5), Ok(()));
    }
}
