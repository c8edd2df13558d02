//! The development mailbox's queries. Server only.

use sqlx::PgExecutor;

/// The latest 100 messages: (id, recipient, subject, text, delivered at).
pub async fn latest(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(i64, String, String, String, time::OffsetDateTime)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, recipient, subject, body_text, delivered_at FROM dev_mailbox ORDER BY id DESC LIMIT 100"
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.recipient, r.subject, r.body_text, r.delivered_at))
        .collect())
}

/// Her messages waiting in the outbox become due now.
pub async fn due_now(db: impl PgExecutor<'_>, user_id: uuid::Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE outbox SET next_attempt_at = now() WHERE user_id = $1 AND status = 'pending' AND next_attempt_at > now()",
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
