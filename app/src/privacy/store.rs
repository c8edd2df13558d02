//! Privacy's queries: export jobs, what she is shown about her data, consent, deleting
//! the account. Each is scoped by her id. Server only.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// Her export job that is still being built, if any. Locks her account row first, so her
/// jobs are asked for one at a time, even from two tabs.
pub async fn export_in_progress(tx: &mut PgConnection, user_id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query!("SELECT 1 AS one FROM users WHERE id = $1 FOR UPDATE", user_id)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query_scalar!(
        "SELECT id FROM export_jobs WHERE user_id = $1 AND status IN ('queued', 'running')",
        user_id,
    )
    .fetch_optional(tx)
    .await
}

/// Queues a new export job in place of her earlier ones: only the newest file is kept.
pub async fn replace_export_job(tx: &mut PgConnection, user_id: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM export_jobs WHERE user_id = $1", user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("INSERT INTO export_jobs (id, user_id) VALUES ($1, $2)", id, user_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Her newest export job: id, status, tables in all, tables done.
pub async fn latest_export(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<(Uuid, domain::JobStatus, i32, i32)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, status AS "status: domain::JobStatus", total, done FROM export_jobs
           WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1"#,
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.status, r.total, r.done)))
}

/// Her consents, newest first: id, purpose, version, granted, withdrawn.
pub type ConsentRow = (i64, String, String, OffsetDateTime, Option<OffsetDateTime>);

pub async fn consents(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<ConsentRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, purpose, version, granted_at, withdrawn_at FROM consents WHERE user_id = $1 ORDER BY granted_at DESC",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.purpose, r.version, r.granted_at, r.withdrawn_at))
        .collect())
}

/// The latest 50 things done as her: when, action, outcome.
pub async fn her_audit_trail(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(OffsetDateTime, String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT occurred_at, action, outcome FROM audit_log WHERE actor_id = $1 ORDER BY occurred_at DESC LIMIT 50",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.occurred_at, r.action, r.outcome)).collect())
}

/// Withdraws one of her consents; its purpose, or `None` when it is not hers or already
/// withdrawn. The
/// product that asked for it stops what depended on it (`products::consent_withdrawn`).
pub async fn withdraw_consent(tx: &mut PgConnection, id: i64, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE consents SET withdrawn_at = now() WHERE id = $1 AND user_id = $2 AND withdrawn_at IS NULL
         RETURNING purpose",
        id,
        user_id,
    )
    .fetch_optional(tx)
    .await
}

/// Deletes her account and everything keyed by it, and the rate-limit rows that hold her id
/// or her email ("login-failures:<email>:…").
pub async fn delete_account(tx: &mut PgConnection, user_id: Uuid, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM rate_limits WHERE key LIKE '%' || $1 OR split_part(key, ':', 2) = $2",
        user_id.to_string(),
        email,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM users WHERE id = $1", user_id)
        .execute(tx)
        .await?;
    Ok(())
}

// Building an export: the worker's queries.

/// Every table with a `user_id` column, plus `users` itself (by `id`) and the audit log
/// of her own actions (by `actor_id`): the table and the column that names her.
pub async fn tables_of_a_user(db: impl PgExecutor<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT table_name::text AS "table!", column_name::text AS "column!" FROM information_schema.columns
           WHERE table_schema = 'public'
             AND (column_name IN ('user_id', 'owner_id') OR (table_name = 'users' AND column_name = 'id')
                  OR (table_name = 'audit_log' AND column_name = 'actor_id'))
           ORDER BY table_name"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.table, r.column)).collect())
}

/// Her rows of `table` (where `column` names her) as JSON objects, less the `withheld`
/// columns. The names come from information_schema, never from a request; quoted all the same.
pub async fn rows_of(
    db: impl PgExecutor<'_>,
    table: &str,
    column: &str,
    user_id: Uuid,
    withheld: &[&str],
) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    let sql = format!(
        "SELECT to_jsonb(t) - $2::text[] FROM \"{}\" t WHERE \"{}\" = $1 ORDER BY 1",
        table.replace('"', "\"\""),
        column.replace('"', "\"\"")
    );
    sqlx::query_scalar(&sql)
        .bind(user_id)
        .bind(withheld)
        .fetch_all(db)
        .await
}

/// Claims the oldest waiting export (or one a crashed worker left running ten minutes ago):
/// (job, user). SKIP LOCKED, so any number of workers may ask at once.
pub async fn claim_export_job(db: impl PgExecutor<'_>) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let row = sqlx::query!(
        "UPDATE export_jobs SET status = 'running', claimed_at = now(), done = 0
         WHERE id = (SELECT id FROM export_jobs
                     WHERE status = 'queued' OR (status = 'running' AND claimed_at < now() - interval '10 minutes')
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, user_id"
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.user_id)))
}

pub async fn export_job_total(db: impl PgExecutor<'_>, job: Uuid, total: i32) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE export_jobs SET total = $2 WHERE id = $1", job, total)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn export_job_done(db: impl PgExecutor<'_>, job: Uuid, done: i32) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE export_jobs SET done = $2 WHERE id = $1", job, done)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish_export_job(
    db: impl PgExecutor<'_>,
    job: Uuid,
    status: domain::JobStatus,
    sealed_file: Option<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE export_jobs SET status = $2, result_sealed = $3, finished_at = now() WHERE id = $1",
        job,
        status as _,
        sealed_file,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her finished export file, sealed, while it is still kept.
pub async fn export_file(
    db: impl PgExecutor<'_>,
    job: Uuid,
    user_id: Uuid,
    kept_days: i32,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT result_sealed FROM export_jobs
         WHERE id = $1 AND user_id = $2 AND status = 'done' AND finished_at > now() - make_interval(days => $3)",
        job,
        user_id,
        kept_days,
    )
    .fetch_optional(db)
    .await?
    .flatten())
}
