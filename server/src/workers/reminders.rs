//! Sends appointment reminders that are due. Any number of these may run at once on any
//! number of instances: a reminder is claimed with SKIP LOCKED, turned into an outbox
//! email or text (her choice) keyed `reminder:<id>` and marked sent in the same transaction,
//! so it goes out once.

use anyhow::Context;
use sqlx::PgPool;

#[derive(Clone)]
pub struct ReminderWorker {
    pool: PgPool,
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    user_id: uuid::Uuid,
    kind: String,
    email: String,
    language: String,
    channel: String,
    phone: Option<String>,
    title: String,
    place: Option<String>,
    local_start: time::PrimitiveDateTime,
}

impl ReminderWorker {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Sends what is due now; returns how many reminders were queued.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<Due> = sqlx::query_as(
            "SELECT r.id, r.user_id, r.kind, u.email, u.language, p.reminder_channel AS channel,
                    p.reminder_phone AS phone, a.title, a.place, a.local_start
             FROM reminders r
             JOIN appointments a ON a.id = r.appointment_id
             JOIN users u ON u.id = r.user_id
             LEFT JOIN mum_profiles p ON p.user_id = r.user_id
             WHERE r.status = 'pending' AND r.due_at <= now()
             ORDER BY r.due_at
             LIMIT 50
             FOR UPDATE OF r SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await
        .context("claiming due reminders")?;
        for reminder in &due {
            let key = format!("reminder:{}", reminder.id);
            let (title, place) = (&reminder.title, reminder.place.as_deref());
            match (reminder.channel.as_str(), &reminder.phone) {
                ("sms", Some(phone)) => {
                    let text =
                        app::mum::reminder_sms(&reminder.language, &reminder.kind, title, place, reminder.local_start);
                    let sms = app::platform::outbox::Sms {
                        idempotency_key: key,
                        user_id: Some(reminder.user_id),
                        to: phone.clone(),
                        text,
                    };
                    app::platform::outbox::enqueue_sms(&mut tx, sms).await?;
                }
                _ => {
                    let message = app::mum::reminder_email(
                        &reminder.language,
                        &reminder.kind,
                        title,
                        place,
                        reminder.local_start,
                    );
                    let email = app::platform::outbox::Email {
                        idempotency_key: key,
                        user_id: Some(reminder.user_id),
                        to: reminder.email.clone(),
                        subject: message.subject,
                        text: message.text,
                        html: message.html,
                    };
                    app::platform::outbox::enqueue_email(&mut tx, email).await?;
                }
            }
            sqlx::query("UPDATE reminders SET status = 'sent' WHERE id = $1")
                .bind(reminder.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
