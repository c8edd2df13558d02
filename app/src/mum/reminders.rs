//! Sends the reminders that are due: of booked visits, and of a baby's checks and
//! vaccination days. Any number of these may run at once on any
//! number of instances: a reminder is claimed with SKIP LOCKED, turned into an outbox
//! email or text (her choice) keyed `reminder:<id>` and marked sent in the same transaction,
//! so it goes out once.

use anyhow::Context;
use sqlx::PgPool;

use super::store;

#[derive(Clone)]
pub struct ReminderWorker {
    pool: PgPool,
}

impl ReminderWorker {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Sends what is due now; returns how many reminders were queued.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let due = store::claim_due_reminders(&mut tx)
            .await
            .context("claiming due reminders")?;
        for reminder in &due {
            let key = format!("reminder:{}", reminder.id);
            let (sms, email) = message(reminder);
            match (reminder.channel.as_str(), &reminder.phone, sms) {
                ("sms", Some(phone), Some(text)) => {
                    let sms = crate::platform::outbox::Sms {
                        idempotency_key: key,
                        user_id: Some(reminder.user_id),
                        to: phone.clone(),
                        text,
                    };
                    crate::platform::outbox::enqueue_sms(&mut tx, sms).await?;
                }
                _ => {
                    // A mother with texts only who replied STOP gets nothing until START.
                    if let (Some(message), Some(to)) = (email, &reminder.email) {
                        let email = crate::platform::outbox::Email {
                            sender: crate::mum::BRAND.mail_sender,
                            idempotency_key: key,
                            user_id: Some(reminder.user_id),
                            to: to.clone(),
                            message,
                        };
                        crate::platform::outbox::enqueue_email(&mut tx, email).await?;
                    }
                }
            }
            store::mark_reminder_sent(&mut tx, reminder.id).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}

/// A reminder's text message and email, in her language: of a visit, or of a baby's care
/// item. `None` for a row whose subject is gone (the constraint on `reminders` rules it out).
fn message(r: &store::DueReminder) -> (Option<String>, Option<crate::platform::email::Message>) {
    if let Some(care) = &r.care {
        let baby = r.baby_name.as_deref();
        return (
            super::baby::ssr::care_sms(&r.language, care, baby),
            super::baby::ssr::care_email(&r.language, care, baby),
        );
    }
    let (Some(title), Some(start)) = (&r.title, r.local_start) else {
        return (None, None);
    };
    let place = r.place.as_deref();
    (
        Some(super::reminder_sms(&r.language, &r.kind, title, place, start)),
        Some(super::reminder_email(&r.language, &r.kind, title, place, start)),
    )
}
