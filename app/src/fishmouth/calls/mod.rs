//! The call assistant's calls: a homeowner's written consent to be called, placing a call from
//! a lead's page (or a sequence's step), the call list and a call's page with its transcript.
//! The conversation itself is `media.rs`, dialling and Telnyx's news `dialer.rs`, the outside
//! services `providers.rs`, the assistant's replies `agent.rs`.

#[cfg(feature = "ssr")]
pub mod agent;
#[cfg(feature = "ssr")]
pub mod dialer;
#[cfg(feature = "ssr")]
pub mod media;
mod pages;
#[cfg(feature = "ssr")]
pub mod providers;
#[cfg(feature = "ssr")]
pub mod store;

pub use pages::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use domain::fishmouth::calls::Slot;
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::{
        agent::Agent,
        providers::{CallControl, SpeechToText, TextToSpeech},
        store,
    };

    /// The outside services calls use. Calls can be placed only with a telephone line and a
    /// recogniser; without a voice service Telnyx speaks, and without a model the rules reply.
    pub struct Voice {
        pub control: Option<Arc<dyn CallControl>>,
        pub stt: Option<Arc<dyn SpeechToText>>,
        pub tts: Option<Arc<dyn TextToSpeech>>,
        pub agent: Arc<dyn Agent>,
        /// Checks the call webhooks' signatures (Telnyx's public key).
        pub webhook_key: Option<ed25519_dalek::VerifyingKey>,
        /// The platform's number, for a contractor without her own.
        pub from_number: Option<String>,
        /// `https://host`: where Telnyx posts call events.
        pub public_url: String,
        /// `wss://host`: where Telnyx opens the media stream.
        pub stream_base: String,
        /// Our own time per reply, providers' waits excluded.
        pub turns: TurnTimes,
    }

    /// How long this instance's own work took between the end of a homeowner's sentence and
    /// the first audio of the reply, with the agent's and the voice's waits taken out: the
    /// last 4,096 replies, for the benchmark (and anyone asking how the pipeline keeps up).
    #[derive(Default)]
    pub struct TurnTimes(std::sync::Mutex<std::collections::VecDeque<std::time::Duration>>);

    impl TurnTimes {
        const KEPT: usize = 4096;

        pub fn record(&self, took: std::time::Duration) {
            if let Ok(mut kept) = self.0.lock() {
                if kept.len() == Self::KEPT {
                    kept.pop_front();
                }
                kept.push_back(took);
            }
        }

        /// The kept times, and forgets them.
        pub fn take(&self) -> Vec<std::time::Duration> {
            self.0
                .lock()
                .map(|mut kept| kept.drain(..).collect())
                .unwrap_or_default()
        }
    }

    impl Voice {
        pub fn available(&self) -> bool {
            self.control.is_some() && self.stt.is_some() && self.webhook_key.is_some()
        }
    }

    /// The routes Telnyx reaches: call events and the media stream.
    pub fn routes() -> axum::Router<crate::fishmouth::ssr::FishMouthState> {
        axum::Router::new()
            .route("/webhooks/telnyx/calls", axum::routing::post(super::dialer::webhook))
            .route(
                "/webhooks/telnyx/media/{token}",
                axum::routing::get(super::media::upgrade),
            )
    }

    /// Her company's name as the assistant says it.
    pub async fn company(pool: &PgPool, user_id: Uuid) -> Result<String, sqlx::Error> {
        Ok(crate::fishmouth::store::company_name(pool, user_id)
            .await?
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "your roofing company".to_owned()))
    }

    /// "Stop calling": her number is opted out of calls and texts from this contractor, and
    /// suppressed, at once; its sequences stop and its queued calls are cancelled.
    pub async fn opt_out(pool: &PgPool, user_id: Uuid, phone: &str) -> Result<(), sqlx::Error> {
        use crate::fishmouth::sequences::engine;
        let mut tx = pool.begin().await?;
        engine::opt_out(&mut tx, user_id, "sms", phone, "voice call").await?;
        store::opt_out_calls(&mut tx, user_id, phone).await?;
        tx.commit().await
    }

    /// The instant a slot starts in her zone.
    pub fn slot_instant(slot: Slot, timezone: &str) -> time::OffsetDateTime {
        let zone = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let date = jiff::civil::Date::new(
            i16::try_from(slot.date.year()).unwrap_or(2000),
            i8::try_from(u8::from(slot.date.month())).unwrap_or(1),
            i8::try_from(slot.date.day()).unwrap_or(1),
        );
        date.ok()
            .and_then(|d| {
                let at = d.at(i8::try_from(slot.hour).unwrap_or(9), 0, 0, 0);
                zone.to_ambiguous_timestamp(at).compatible().ok()
            })
            .map(crate::fishmouth::sequences::engine::to_offset)
            .unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    pub struct Booking<'a> {
        pub call_id: Uuid,
        pub user_id: Uuid,
        pub lead_id: Uuid,
        pub label: &'a str,
        pub address: &'a str,
        pub company: &'a str,
    }

    /// An inspection booked on a call: the lead moves to appointment with a note, she is
    /// emailed, and the homeowner gets a confirmation by text or email only where she agreed.
    pub async fn booked(pool: &PgPool, b: Booking<'_>) -> Result<(), sqlx::Error> {
        use crate::platform::{email, outbox};
        let mut tx = pool.begin().await?;
        let note = format!("Inspection booked by the call assistant for {}.", b.label);
        store::lead_booked(&mut tx, b.lead_id, b.user_id, &note).await?;
        // Her account's email, where replies' alerts go too.
        if let Some(to) = crate::fishmouth::sequences::store::reply_alert_to(&mut *tx, b.user_id).await? {
            let message = email::compose(
                &crate::fishmouth::BRAND,
                &format!("Inspection booked: {}", b.address),
                "Hello,",
                &[
                    &format!(
                        "Your call assistant booked a roof inspection at {} for {}.",
                        b.address, b.label
                    ),
                    "The call's transcript is under Calls in Fish Mouth.",
                ],
                None,
            );
            let mail = outbox::Email {
                sender: crate::fishmouth::BRAND.mail_sender,
                idempotency_key: format!("call-booked:{}", b.call_id),
                user_id: Some(b.user_id),
                to,
                message,
            };
            outbox::enqueue_email(&mut tx, mail).await?;
        }
        if let Some(line) = store::lead_line(&mut *tx, b.lead_id, b.user_id).await? {
            let confirmation = format!(
                "{}: your free roof inspection at {} is booked for {}. Reply STOP to opt out.",
                b.company, b.address, b.label
            );
            if let (true, Some(phone)) = (line.sms_consent, line.phone) {
                let sms = outbox::Sms {
                    idempotency_key: format!("call-booked-sms:{}", b.call_id),
                    user_id: Some(b.user_id),
                    to: phone,
                    text: confirmation,
                };
                outbox::enqueue_sms(&mut tx, sms).await?;
            }
        }
        tx.commit().await
    }
}
