//! Placing calls and following them: the `calls` worker dials due calls the law allows, and
//! Telnyx's call webhook (`/webhooks/telnyx/calls`, Ed25519-signed like the SMS one) moves
//! each call along and ends it once, with its price.

use std::sync::Arc;

use axum::extract::State;
use domain::fishmouth::{
    calls::{CallStatus, DialFacts, MAX_CALL_SECS, max_price_cents, may_dial, price_cents},
    schedule::{ANY_TIME, next_send_at},
};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use sqlx::PgPool;

use super::{providers::Dial, ssr::Voice, store};
use crate::fishmouth::{
    sequences::engine::{to_offset, to_timestamp, zone_and_state},
    ssr::FishMouthState,
};

/// A dialling call with no answer from Telnyx after this long was never placed.
const STALE_DIALING_SECS: i64 = 120;

/// Takes one due call: refuses it (with the reason) when the law or her settings forbid it,
/// moves it past quiet hours, holds the longest call's price from her wallet, and dials.
/// True when it took one, so the worker looks again at once.
pub async fn run_next(pool: &PgPool, voice: &Arc<Voice>) -> anyhow::Result<bool> {
    // Without calls set up an idle instance asks the database nothing.
    let Some(control) = voice.control.clone().filter(|_| voice.available()) else {
        return Ok(false);
    };
    let now = time::OffsetDateTime::now_utc();
    release_stale(pool, now).await?;
    let mut tx = pool.begin().await?;
    let Some(call) = store::claim_due(&mut tx, now).await? else {
        return Ok(false);
    };
    let facts = DialFacts {
        enabled: call.enabled,
        has_phone: !call.phone.is_empty(),
        consent: call.consent,
        opted_out: call.opted_out,
        attempts_made: u8::try_from(call.attempts).unwrap_or(u8::MAX),
        max_attempts: u8::try_from(call.max_attempts).unwrap_or(1),
    };
    if let Err(refusal) = may_dial(&facts) {
        store::close(&mut *tx, call.id, CallStatus::Canceled, &refusal.message()).await?;
        tx.commit().await?;
        return Ok(true);
    }
    // Quiet hours, in the homeowner's zone and state: wait for the next allowed moment.
    let (zone, state) = zone_and_state(&call.timezone, &call.address);
    let at = to_timestamp(now);
    if let Some(next) = next_send_at(at, &ANY_TIME, &zone, state).filter(|next| *next > at) {
        store::postpone(&mut *tx, call.id, to_offset(next)).await?;
        tx.commit().await?;
        return Ok(true);
    }
    let Some(from) = call.from_number.clone().or_else(|| voice.from_number.clone()) else {
        store::close(&mut *tx, call.id, CallStatus::Canceled, "no number to call from").await?;
        tx.commit().await?;
        return Ok(true);
    };
    if !store::start_dialing(&mut tx, call.id).await? {
        // Her number is on another live call: try again in a minute.
        store::postpone(&mut *tx, call.id, now + time::Duration::minutes(1)).await?;
        tx.commit().await?;
        return Ok(true);
    }
    let reference = format!("call:{}", call.id);
    if let Err(error) =
        crate::fishmouth::wallet::charge(&mut tx, call.user_id, max_price_cents(), "voice_call", &reference).await
    {
        drop(tx);
        let mut tx = pool.begin().await?;
        store::close(&mut *tx, call.id, CallStatus::Canceled, &error.to_string()).await?;
        tx.commit().await?;
        return Ok(true);
    }
    tx.commit().await?;
    let dial = Dial {
        to: call.phone.clone(),
        from,
        stream_url: format!("{}/webhooks/telnyx/media/{}", voice.stream_base, call.media_token),
        webhook_url: format!("{}/webhooks/telnyx/calls", voice.public_url),
        call_id: call.id,
        time_limit_secs: MAX_CALL_SECS,
    };
    match control.dial(&dial).await {
        Ok(control_id) => store::set_control_id(pool, call.id, &control_id).await?,
        Err(error) => {
            tracing::warn!(call = %call.id, %error, "dialling failed");
            let mut tx = pool.begin().await?;
            store::close(
                &mut *tx,
                call.id,
                CallStatus::Failed,
                "the phone company refused the call",
            )
            .await?;
            give_back(&mut tx, call.user_id, call.id, 0).await?;
            tx.commit().await?;
        }
    }
    Ok(true)
}

/// Calls whose instance stopped between marking and dialling: failed, their hold returned.
async fn release_stale(pool: &PgPool, now: time::OffsetDateTime) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for (id, user_id) in store::stale_dialing(&mut tx, now - time::Duration::seconds(STALE_DIALING_SECS)).await? {
        give_back(&mut tx, user_id, id, 0).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Returns what the call held beyond its price, and records the price.
async fn give_back(
    tx: &mut sqlx::PgConnection,
    user_id: uuid::Uuid,
    id: uuid::Uuid,
    cost: i64,
) -> Result<(), sqlx::Error> {
    store::set_cost(&mut *tx, id, cost).await?;
    let unused = max_price_cents() - cost;
    if unused > 0 {
        let request = crate::platform::RequestInfo::of(None, HeaderMap::new());
        crate::fishmouth::wallet::credit(tx, &request, user_id, unused, "voice_call", &format!("call:{id}")).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct Event {
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    event_type: String,
    payload: EventPayload,
}

#[derive(Debug, Deserialize)]
struct EventPayload {
    call_control_id: Option<String>,
    result: Option<String>,
    hangup_cause: Option<String>,
}

pub async fn webhook(State(state): State<FishMouthState>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let Some(key) = state.fishmouth.voice.as_ref().and_then(|v| v.webhook_key) else {
        return StatusCode::NOT_FOUND;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(error) = crate::platform::telnyx::verify_telnyx(&key, &headers, &body, now) {
        tracing::warn!(%error, "telnyx call webhook refused");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match follow(&state.services.pool, event.data).await {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            // Telnyx retries on a 5xx; every step below is safe to repeat.
            tracing::error!(%error, "telnyx call webhook");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn follow(pool: &PgPool, data: EventData) -> Result<(), sqlx::Error> {
    let Some(control_id) = data.payload.call_control_id.as_deref() else {
        return Ok(());
    };
    match data.event_type.as_str() {
        "call.initiated" => store::advance(pool, control_id, CallStatus::Ringing).await?,
        "call.answered" => store::advance(pool, control_id, CallStatus::InProgress).await?,
        "call.machine.detection.ended" => {
            let result = data.payload.result.as_deref().unwrap_or("not_sure");
            let result = if ["human", "machine"].contains(&result) {
                result
            } else {
                "not_sure"
            };
            store::set_answered_by(pool, control_id, result).await?;
        }
        "call.hangup" => {
            let cause = data.payload.hangup_cause.as_deref().unwrap_or("unspecified");
            let mut tx = pool.begin().await?;
            if let Some(ended) = store::end(&mut tx, control_id, cause).await? {
                let cost = price_cents(i64::from(ended.duration_secs));
                give_back(&mut tx, ended.user_id, ended.id, cost).await?;
            }
            tx.commit().await?;
        }
        "streaming.failed" => tracing::warn!(control_id, "telnyx could not open the media stream"),
        _ => {}
    }
    Ok(())
}
