//! Sends appointment reminders that are due. Any number of these may run at once on any
//! number of instances: a reminder is claimed with SKIP LOCKED, turned into an outbox
//! email keyed `reminder:<id>` and marked sent in the same transaction, so it goes out once.

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
            "SELECT r.id, r.user_id, r.kind, u.email, u.language, a.title, a.place, a.local_start
             FROM reminders r
             JOIN appointments a ON a.id = r.appointment_id
             JOIN users u ON u.id = r.user_id
             WHERE r.status = 'pending' AND r.due_at <= now()
             ORDER BY r.due_at
             LIMIT 50
             FOR UPDATE OF r SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await
        .context("claiming due reminders")?;
        for reminder in &due {
            let message = app::mum::reminder_email(
                &reminder.language,
                &reminder.kind,
                &reminder.title,
                reminder.place.as_deref(),
                reminder.local_start,
            );
            app::platform::outbox::enqueue_email(
                &mut tx,
                app::platform::outbox::Email {
                    idempotency_key: format!("reminder:{}", reminder.id),
                    user_id: Some(reminder.user_id),
                    to: reminder.email.clone(),
                    subject: message.subject,
                    text: message.text,
                    html: message.html,
                },
            )
            .await?;
            sqlx::query("UPDATE reminders SET status = 'sent' WHERE id = $1")
                .bind(reminder.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    pub async fn run_until_stopped(self, poll: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.run_once().await {
                tracing::warn!(error = format!("{error:#}"), "reminder worker step failed");
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {},
                _ = stop.changed() => break,
            }
        }
    }
}
