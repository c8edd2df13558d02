//! The development mailbox's one query. Server only.

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
