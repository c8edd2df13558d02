//! Texts a mother sends to our number, from the phone her reminders go to: STOP or ACHA stops
//! SasaMum's texts at once (reminders go by email meanwhile), START or ANZA resumes them, and
//! a danger sign named in English or Kiswahili gets the urgent answer back at once and is kept
//! like one she reported on her screen. Server only.

use domain::{
    account::Language,
    pregnancy::replies::{Reply, classify},
};
use sqlx::PgPool;

use super::store;
use crate::platform::{
    audit, outbox,
    outbox::HookFuture,
    request_info,
    telnyx::{IncomingText, SmsInbox},
};

pub struct MumInbox;

impl SmsInbox for MumInbox {
    fn received<'a>(&'a self, pool: &'a PgPool, text: &'a IncomingText) -> HookFuture<'a, ()> {
        Box::pin(async move {
            // A number bought for a Fish Mouth contractor is not SasaMum's.
            if !text.to_shared {
                return Ok(());
            }
            receive(pool, &text.from, &text.text, &text.event_id).await
        })
    }

    fn delivery<'a>(&'a self, _pool: &'a PgPool, _message_id: &'a str, _status: &'a str) -> HookFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

async fn receive(pool: &PgPool, from: &str, text: &str, event_id: &str) -> Result<(), sqlx::Error> {
    let from = from.trim();
    let mothers = store::mothers_with_phone(pool, from).await?;
    if mothers.is_empty() {
        return Ok(());
    }
    let reply = classify(text);
    let mut tx = pool.begin().await?;
    for mother in mothers {
        let lang = Language::parse(&mother.language).unwrap_or(Language::En);
        let (answer, action) = match reply {
            Reply::Stop => (
                match lang {
                    Language::Sw => "SasaMum: hutapokea ujumbe mfupi tena. Jibu ANZA kuanza tena.",
                    Language::En => "SasaMum: you will get no more text messages. Reply START to get them again.",
                }
                .to_owned(),
                "mum.sms_stopped",
            ),
            Reply::Start => (
                match lang {
                    Language::Sw => "SasaMum: ujumbe mfupi umeanza tena. Jibu ACHA kusimamisha.",
                    Language::En => "SasaMum: text messages are on again. Reply STOP to stop them.",
                }
                .to_owned(),
                "mum.sms_started",
            ),
            Reply::Danger(sign) => {
                let phone = mother
                    .emergency_phone
                    .as_deref()
                    .unwrap_or(super::danger::KENYA_EMERGENCY);
                (super::danger::urgent_sms(lang, sign, phone), "mum.sms_danger")
            }
            Reply::Other => {
                tracing::info!("a text from a mother that asks for nothing SasaMum answers");
                continue;
            }
        };
        // A direct answer to her own text: sent even after STOP (it confirms the STOP). Keyed
        // by Telnyx's event: a webhook retried is answered, and acted on, once.
        let sms = outbox::Sms {
            idempotency_key: format!("sms-reply:{event_id}:{}", mother.user_id),
            user_id: Some(mother.user_id),
            to: from.to_owned(),
            text: answer,
        };
        if !outbox::enqueue_sms(&mut tx, sms).await? {
            continue;
        }
        match reply {
            Reply::Stop => store::set_sms_stopped(&mut tx, mother.user_id, true).await?,
            Reply::Start => store::set_sms_stopped(&mut tx, mother.user_id, false).await?,
            Reply::Danger(sign) => super::danger::record_danger_report(&mut tx, mother.user_id, sign).await?,
            Reply::Other => {}
        }
        audit::success(&mut *tx, &request_info(), mother.user_id, action, serde_json::json!({})).await?;
    }
    tx.commit().await
}
