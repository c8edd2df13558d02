//! The platform's own queries: the audit log, usage events, rate limits, the outbox's queue
//! and re-sealing health data under a new key. Server only.

#![cfg(feature = "ssr")]

use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::RequestInfo;

pub async fn insert_audit(
    db: impl PgExecutor<'_>,
    request: &RequestInfo,
    actor: Option<Uuid>,
    action: &str,
    outcome: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, action, outcome, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4::text::inet, $5, $6)",
        actor,
        action,
        outcome,
        request.ip.map(|ip| ip.to_string()),
        request.user_agent.as_deref(),
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_usage(
    db: impl PgExecutor<'_>,
    user_id: Option<Uuid>,
    event: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO usage_events (user_id, event, detail) VALUES ($1, $2, $3)",
        user_id,
        event,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds `hits` to `key`'s current window of `window_secs`; the window's total and the seconds
/// left in it.
pub async fn add_hits(
    db: impl PgExecutor<'_>,
    key: &str,
    window_secs: i64,
    hits: i32,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO rate_limits (key, window_start, hits)
           VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2::int8) * $2), $3)
           ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + $3
           RETURNING hits::int8 AS "hits!", ($2 - floor(extract(epoch FROM now()))::int8 % $2)::int8 AS "left!""#,
        key,
        window_secs,
        hits,
    )
    .fetch_one(db)
    .await?;
    Ok((row.hits, row.left))
}

/// Takes one hit back from `key`'s current window.
pub async fn undo_hit(db: impl PgExecutor<'_>, key: &str, window_secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE rate_limits SET hits = hits - 1
         WHERE key = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2::int8) * $2) AND hits > 0",
        key,
        window_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Queues a message once per idempotency key, sent under `sender`'s name (empty: the
/// platform's); false when the key was queued before. SMS have no subject and no HTML.
pub async fn enqueue(
    tx: &mut PgConnection,
    key: &str,
    user_id: Option<Uuid>,
    channel: &str,
    sender: &str,
    to: &str,
    (subject, text, html): (&str, &str, &str),
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, sender_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (idempotency_key) DO NOTHING",
        key,
        user_id,
        channel,
        to,
        subject,
        text,
        html,
        sender,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

// Re-sealing: the table and column names are built at run time, so these queries stay
// dynamic; sqlx's macros check only fixed SQL.

/// Up to 200 values of a sealed column that do not start with `prefix` (the current key's):
/// (row, sealed). `table`, `row` and `column` are constants, never input.
pub async fn sealed_not_under(
    db: impl PgExecutor<'_>,
    (table, row, column): (&str, &str, &str),
    prefix: &[u8],
) -> Result<Vec<(Uuid, Vec<u8>)>, sqlx::Error> {
    let pick = format!(
        "SELECT {row}, {column} FROM {table}
         WHERE {column} IS NOT NULL AND substring({column} FROM 1 FOR 5) <> $1 LIMIT 200"
    );
    sqlx::query_as(&pick).bind(prefix).fetch_all(db).await
}

/// Swaps a sealed value for its re-sealed copy, only if it still holds what was read (an
/// edit made meanwhile is kept). Rows swapped.
pub async fn swap_sealed(
    db: impl PgExecutor<'_>,
    (table, row, column): (&str, &str, &str),
    id: Uuid,
    was: &[u8],
    now: &[u8],
) -> Result<u64, sqlx::Error> {
    let swap = format!("UPDATE {table} SET {column} = $3 WHERE {row} = $1 AND {column} = $2");
    Ok(sqlx::query(&swap)
        .bind(id)
        .bind(was)
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}
