//! Writing messages to the outbox, inside the caller's transaction. A worker
//! (server/src/workers/outbox.rs) delivers them.

use sqlx::PgConnection;
use uuid::Uuid;

pub struct Email {
    /// The same key enqueued twice is one message.
    pub idempotency_key: String,
    pub user_id: Option<Uuid>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub async fn enqueue_email(tx: &mut PgConnection, email: Email) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html)
         VALUES ($1, $2, 'email', $3, $4, $5, $6)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&email.idempotency_key)
    .bind(email.user_id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .execute(tx)
    .await?;
    Ok(())
}

pub struct Sms {
    pub idempotency_key: String,
    pub user_id: Option<Uuid>,
    /// E.164, e.g. "+254712345678".
    pub to: String,
    pub text: String,
}

pub async fn enqueue_sms(tx: &mut PgConnection, sms: Sms) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html)
         VALUES ($1, $2, 'sms', $3, '', $4, '')
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&sms.idempotency_key)
    .bind(sms.user_id)
    .bind(&sms.to)
    .bind(&sms.text)
    .execute(tx)
    .await?;
    Ok(())
}
