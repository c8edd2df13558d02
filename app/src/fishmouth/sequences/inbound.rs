//! What comes back from homeowners: one-click unsubscribes (RFC 8058), text messages and
//! delivery reports (through the platform's Telnyx webhook, `platform::telnyx`), and email
//! replies from the inbound mail webhook (HMAC-signed, the same scheme as Stripe's).

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use domain::fishmouth::sequence::{SmsIntent, classify_sms};

use super::engine::{opt_out, stop_for_contact, stop_for_lead};
use super::store::{self, Inbound};
use crate::platform::{Services, outbox::HookFuture, telnyx::IncomingText};

pub fn routes() -> axum::Router<crate::fishmouth::ssr::FishMouthState> {
    axum::Router::new()
        .route(
            "/unsubscribe/{token}",
            axum::routing::get(unsubscribe_link).post(one_click),
        )
        .route("/c/{token}", axum::routing::get(tracked_link))
        .route("/o/{token}", axum::routing::get(open_pixel))
        .route("/webhooks/email", axum::routing::post(email_webhook))
        .route("/webhooks/email/postmark", axum::routing::post(postmark_webhook))
        .route("/webhooks/email/postmark-events", axum::routing::post(postmark_events))
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
            record(&mut tx, inbound).await?;
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

/// A link in a sequence email: counted, then on to the address she wrote. Only addresses the
/// engine stored go out from here, so this is no open redirect.
async fn tracked_link(State(services): State<Services>, Path(token): Path<String>) -> Response {
    match store::click(&services.pool, &token_only(&token)).await {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "unknown link").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "a tracked link");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A transparent 1x1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21, 0xf9, 4, 1, 0, 0, 0,
    0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
];

/// The open pixel of a sequence email: counted, and the same image for any token, known or not.
async fn open_pixel(State(services): State<Services>, Path(token): Path<String>) -> Response {
    if let Err(error) = store::open(&services.pool, &token_only(&token)).await {
        tracing::error!(error = %error, "an open pixel");
    }
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/gif"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        PIXEL,
    )
        .into_response()
}

/// An unsubscribe token as it may appear in a path: letters and digits, at most 64.
pub fn token_only(token: &str) -> String {
    token.chars().filter(char::is_ascii_alphanumeric).take(64).collect()
}

/// Fish Mouth's part of the texts and delivery reports that reach our numbers.
pub struct SequenceInbox;

impl crate::platform::telnyx::SmsInbox for SequenceInbox {
    fn received<'a>(&'a self, pool: &'a PgPool, text: &'a IncomingText) -> HookFuture<'a, ()> {
        Box::pin(receive_sms(pool, text))
    }

    fn delivery<'a>(&'a self, pool: &'a PgPool, message_id: &'a str, status: &'a str) -> HookFuture<'a, ()> {
        Box::pin(async move {
            store::set_delivery_status(pool, message_id, status).await?;
            // The carrier could not deliver to this number: a bounce, which ends the sequence.
            if matches!(status, "delivery_failed" | "sending_failed") {
                for key in store::sequence_keys(pool, message_id).await? {
                    super::engine::bounced(pool, &key, &format!("the carrier reported {status}")).await?;
                }
            }
            Ok(())
        })
    }
}

/// A text from a homeowner. Sent to a contractor's own number, it is hers alone, STOP
/// included. Sent to the shared number, it belongs to the contractor whose text from that
/// number reached them last, so no other contractor ever reads it; a STOP there still opts
/// the number out with every contractor who texted it or holds it as a lead (erring broad),
/// and the others learn only that it opted out, never what it wrote.
pub async fn receive_sms(pool: &PgPool, incoming: &IncomingText) -> Result<(), sqlx::Error> {
    let from = &incoming.from;
    let from = domain::fishmouth::property::normalize_us_phone(from).unwrap_or_else(|| from.trim().to_owned());
    let text = incoming.text.replace('\0', "");
    let event_id = incoming.event_id.as_str();
    let mut tx = pool.begin().await?;
    let last_texted = if incoming.to_shared {
        store::last_texted(&mut *tx, &from).await?
    } else {
        let owner = crate::fishmouth::numbers::store::owner(&mut *tx, &incoming.to).await?;
        if owner.is_none() {
            tracing::info!("a text to a number no contractor holds");
            return Ok(());
        }
        owner
    };
    let intent = classify_sms(&text);
    if intent == SmsIntent::OptIn {
        store::lift_text_suppression(&mut *tx, &from).await?;
    }
    let contractors: Vec<Uuid> = if intent == SmsIntent::OptOut && incoming.to_shared {
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
        record(&mut tx, inbound).await?;
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

/// Postmark's inbound webhook JSON (postmarkapp.com/developer/webhooks/inbound-webhook): the
/// fields a reply needs.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkInbound {
    #[serde(default)]
    from: String,
    from_full: Option<PostmarkAddress>,
    #[serde(default)]
    to_full: Vec<PostmarkAddress>,
    #[serde(default)]
    original_recipient: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text_body: String,
    /// The reply without the quoted message below it, when Postmark could tell.
    #[serde(default)]
    stripped_text_reply: String,
    #[serde(rename = "MessageID")]
    message_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkAddress {
    email: String,
}

/// Postmark's webhooks authenticate as Postmark documents it: basic HTTP authentication, with
/// the credentials in the webhook URL. None: let the request through; Some: the refusal.
fn postmark_refusal(fishmouth: &crate::fishmouth::ssr::FishMouth, headers: &HeaderMap) -> Option<StatusCode> {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let Some(expected) = fishmouth.postmark_inbound_auth.as_deref() else {
        return Some(StatusCode::NOT_FOUND);
    };
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .unwrap_or_default();
    // Digests compared, so the time taken says nothing about the password.
    if Sha256::digest(&given) != Sha256::digest(expected.as_bytes()) {
        tracing::warn!("a Postmark webhook refused: wrong credentials");
        return Some(StatusCode::UNAUTHORIZED);
    }
    None
}

/// Replies through Postmark's inbound processing.
async fn postmark_webhook(
    State(services): State<Services>,
    State(fishmouth): State<std::sync::Arc<crate::fishmouth::ssr::FishMouth>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if let Some(refused) = postmark_refusal(&fishmouth, &headers) {
        return refused;
    }
    let Ok(p) = serde_json::from_slice::<PostmarkInbound>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let to = std::iter::once(p.original_recipient)
        .chain(p.to_full.into_iter().map(|a| a.email))
        .collect::<Vec<_>>()
        .join(", ");
    let email = InboundEmail {
        from: p.from_full.map_or(p.from, |a| a.email),
        to,
        subject: p.subject,
        text: if p.stripped_text_reply.trim().is_empty() {
            p.text_body
        } else {
            p.stripped_text_reply
        },
        message_id: p.message_id,
    };
    match receive_email(&services.pool, &email).await {
        Ok(_) => StatusCode::OK,
        Err(error) => {
            tracing::error!(error = %error, "inbound email from Postmark");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Postmark's bounce and spam complaint webhooks (postmarkapp.com/developer/webhooks): the
/// fields that name the message (its `Metadata`, from our `X-PM-Metadata-outbox` header) and
/// what happened.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkEvent {
    record_type: String,
    #[serde(default, rename = "Type")]
    kind: String,
    /// Postmark deactivated the address: a hard bounce, or a complaint.
    #[serde(default)]
    inactive: bool,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    #[serde(rename = "ID")]
    id: Option<serde_json::Value>,
}

/// A hard bounce ends the enrollment, as a refusal at sending does; a spam complaint opts the
/// address out with that contractor and is kept on the lead's timeline. Either may pause her email
/// (`domain::sending::reputation_pause`). Events about mail that is not ours are ignored.
async fn postmark_events(
    State(services): State<Services>,
    State(fishmouth): State<std::sync::Arc<crate::fishmouth::ssr::FishMouth>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if let Some(refused) = postmark_refusal(&fishmouth, &headers) {
        return refused;
    }
    let Ok(event) = serde_json::from_slice::<PostmarkEvent>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(outbox_id) = event
        .metadata
        .get("outbox")
        .and_then(|id| id.trim().parse::<i64>().ok())
    else {
        return StatusCode::OK;
    };
    let event_id = format!(
        "postmark:{}",
        event
            .id
            .map(|id| id.to_string())
            .unwrap_or_else(|| outbox_id.to_string())
    );
    let outcome = match event.record_type.as_str() {
        "Bounce" if event.inactive => {
            let why = format!(
                "Postmark reported a {}",
                if event.kind.is_empty() {
                    "hard bounce"
                } else {
                    &event.kind
                }
            );
            bounce_reported(&services.pool, outbox_id, &why).await
        }
        "SpamComplaint" => complained(&services.pool, outbox_id, &event_id).await,
        _ => Ok(()),
    };
    match outcome {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            // Postmark retries on a 5xx: nothing is lost.
            tracing::error!(error = %error, "a Postmark event");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn bounce_reported(pool: &PgPool, outbox_id: i64, why: &str) -> Result<(), sqlx::Error> {
    let Some(sent) = store::sent_email(pool, outbox_id).await? else {
        return Ok(());
    };
    if sent.key.starts_with("seq:") {
        super::engine::bounced(pool, &sent.key, why).await?;
        let mut tx = pool.begin().await?;
        super::engine::guard_reputation(&mut tx, sent.user_id).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The homeowner marked a contractor's email as spam: never email them again from her; it
/// shows on the lead's timeline.
pub async fn complained(pool: &PgPool, outbox_id: i64, event_id: &str) -> Result<(), sqlx::Error> {
    let Some(sent) = store::sent_email(pool, outbox_id).await? else {
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    opt_out(&mut tx, sent.user_id, "email", &sent.recipient, "spam complaint").await?;
    let inbound = Inbound {
        user_id: sent.user_id,
        lead_id: sent.lead_id,
        enrollment_id: sent.enrollment_id,
        channel: "email",
        kind: "complaint",
        address: &sent.recipient,
        body: "Marked your email as spam",
        event_id: Some(event_id),
    };
    record(&mut tx, inbound).await?;
    super::engine::guard_reputation(&mut tx, sent.user_id).await?;
    tx.commit().await
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
    record(&mut tx, inbound).await?;
    tx.commit().await?;
    Ok(true)
}

/// Records what came back, once per provider event; a new reply also tells the contractor
/// at once, by email, with what they wrote.
async fn record(tx: &mut sqlx::PgConnection, inbound: Inbound<'_>) -> Result<(), sqlx::Error> {
    let (user_id, kind, channel) = (inbound.user_id, inbound.kind, inbound.channel);
    let (address, body) = (
        inbound.address.to_owned(),
        inbound.body.chars().take(500).collect::<String>(),
    );
    let Some(id) = store::record_inbound(&mut *tx, inbound).await? else {
        return Ok(());
    };
    if kind != "reply" {
        return Ok(());
    }
    let by = if channel == "sms" { "text message" } else { "email" };
    // Her browsers with alerts on show it at once, on the lock screen too.
    let push = crate::platform::outbox::Push {
        idempotency_key: format!("reply-push:{id}"),
        user_id,
        title: format!("New reply by {by}"),
        body: body.clone(),
        url: "/pro/inbox".into(),
    };
    crate::platform::outbox::enqueue_push(&mut *tx, push).await?;
    let Some(to) = store::reply_alert_to(&mut *tx, user_id).await? else {
        return Ok(());
    };
    let message = crate::platform::email::compose(
        &crate::fishmouth::BRAND,
        &format!("New reply from {address}"),
        "Hello,",
        &[
            &format!("A homeowner replied by {by}:"),
            &body,
            "Answer them from Inbox in Fish Mouth.",
        ],
        None,
    );
    let email = crate::platform::outbox::Email {
        sender: crate::fishmouth::BRAND.mail_sender,
        idempotency_key: format!("reply-alert:{id}"),
        user_id: Some(user_id),
        to,
        message,
    };
    crate::platform::outbox::enqueue_email(tx, email).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_only_their_characters() {
        assert_eq!(token_only("abc123/../x"), "abc123x");
        assert_eq!(token_only(&"a".repeat(100)).len(), 64);
    }
}
