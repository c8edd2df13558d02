//! Sends appointment reminders that are due. Any number of these may run at once on any
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
            let (title, place) = (&reminder.title, reminder.place.as_deref());
            match (reminder.channel.as_str(), &reminder.phone) {
                ("sms", Some(phone)) => {
                    let text =
                        super::reminder_sms(&reminder.language, &reminder.kind, title, place, reminder.local_start);
                    let sms = crate::platform::outbox::Sms {
                        idempotency_key: key,
                        user_id: Some(reminder.user_id),
                        to: phone.clone(),
                        text,
                    };
                    crate::platform::outbox::enqueue_sms(&mut tx, sms).await?;
                }
                _ => {
                    let message =
                        super::reminder_email(&reminder.language, &reminder.kind, title, place, reminder.local_start);
                    let email = crate::platform::outbox::Email {
                        sender: crate::mum::BRAND.mail_sender,
                        idempotency_key: key,
                        user_id: Some(reminder.user_id),
                        to: reminder.email.clone(),
                        message,
                    };
                    crate::platform::outbox::enqueue_email(&mut tx, email).await?;
                }
            }
            store::mark_reminder_sent(&mut tx, reminder.id).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
