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

/// One push message per browser subscription of `user_id`, keyed `<key>:<subscription id>`.
pub async fn enqueue_push(tx: &mut PgConnection, key: &str, user_id: Uuid, payload: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, sender_name)
         SELECT $1 || ':' || id, user_id, 'push', id::text, '', $3, '', '' FROM push_subscriptions WHERE user_id = $2
         ON CONFLICT (idempotency_key) DO NOTHING",
        key,
        user_id,
        payload,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
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

/// A customer's sending domain, as her page shows it.
pub struct SendingDomain {
    pub domain: String,
    pub local_part: String,
    pub selector: String,
    pub public_key: String,
    pub verified_at: Option<time::OffsetDateTime>,
    pub checked_at: Option<time::OffsetDateTime>,
    pub check_problem: Option<String>,
}

pub async fn sending_domain(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<SendingDomain>, sqlx::Error> {
    sqlx::query_as!(
        SendingDomain,
        "SELECT domain, local_part, selector, public_key, verified_at, checked_at, check_problem
         FROM sending_domains WHERE user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Her domain, replacing any she had (a new domain starts unverified, with its new key).
#[allow(clippy::too_many_arguments)]
pub async fn put_sending_domain(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    domain: &str,
    local_part: &str,
    selector: &str,
    private_key_sealed: &[u8],
    public_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO sending_domains (id, user_id, domain, local_part, selector, private_key_sealed, public_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET id = $1, domain = $3, local_part = $4, selector = $5,
             private_key_sealed = $6, public_key = $7, verified_at = NULL, checked_at = NULL,
             check_problem = NULL, created_at = now()",
        id,
        user_id,
        domain,
        local_part,
        selector,
        private_key_sealed,
        public_key
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Only the mailbox before the @ changes: the key and its verification stand.
pub async fn set_local_part(db: impl PgExecutor<'_>, user_id: Uuid, local_part: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE sending_domains SET local_part = $2 WHERE user_id = $1",
        user_id,
        local_part
    )
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// What a DNS check found: verified (kept from the first time), or the problem. False when
/// another account already sends from this domain.
pub async fn record_domain_check(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    problem: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE sending_domains SET checked_at = now(), check_problem = $2,
             verified_at = CASE WHEN $2::text IS NULL THEN coalesce(verified_at, now()) END
         WHERE user_id = $1",
        user_id,
        problem
    )
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("sending_domains_verified_idx") => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn remove_sending_domain(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!("DELETE FROM sending_domains WHERE user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
