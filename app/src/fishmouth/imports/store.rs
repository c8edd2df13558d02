//! Imports' queries: the uploaded files, their column choices and the worker's progress.
//! Every read and change of a file is scoped to the account that uploaded it.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct ImportRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub shared: bool,
    pub file_name: String,
    pub body: String,
    pub columns: serde_json::Value,
    pub status: String,
    pub total: i32,
    pub processed: i32,
    pub refused: i32,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    kind: &str,
    shared: bool,
    file_name: &str,
    body: &str,
    columns: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_imports (id, user_id, kind, shared, file_name, body, columns)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        user_id,
        kind,
        shared,
        file_name,
        body,
        columns,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her imports, newest first, without their files' text.
pub async fn imports(pool: &PgPool, user_id: Uuid) -> Result<Vec<ImportRow>, sqlx::Error> {
    sqlx::query_as!(
        ImportRow,
        r#"SELECT id, user_id, kind, shared, file_name, '' AS "body!", columns, status, total, processed, refused,
                  error, created_at
           FROM fm_imports WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50"#,
        user_id,
    )
    .fetch_all(pool)
    .await
}

pub async fn import(pool: &PgPool, id: Uuid, user_id: Uuid) -> Result<Option<ImportRow>, sqlx::Error> {
    sqlx::query_as!(
        ImportRow,
        "SELECT id, user_id, kind, shared, file_name, body, columns, status, total, processed, refused, error, created_at
         FROM fm_imports WHERE id = $1 AND user_id = $2",
        id,
        user_id,
    )
    .fetch_optional(pool)
    .await
}

/// Her column choices, while the file is still a draft.
pub async fn set_columns(
    pool: &PgPool,
    id: Uuid,
    user_id: Uuid,
    columns: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_imports SET columns = $3 WHERE id = $1 AND user_id = $2 AND status = 'draft'",
        id,
        user_id,
        columns,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands a draft to the worker; false when it was not a draft (already imported).
pub async fn queue(pool: &PgPool, id: Uuid, user_id: Uuid, total: i32) -> Result<bool, sqlx::Error> {
    let queued = sqlx::query!(
        "UPDATE fm_imports SET status = 'queued', total = $3 WHERE id = $1 AND user_id = $2 AND status = 'draft'",
        id,
        user_id,
        total,
    )
    .execute(pool)
    .await?;
    Ok(queued.rows_affected() == 1)
}

/// The oldest queued import (or one a crashed worker left running for 10 minutes).
pub async fn claim(pool: &PgPool) -> Result<Option<ImportRow>, sqlx::Error> {
    sqlx::query_as!(
        ImportRow,
        "UPDATE fm_imports SET status = 'running', started_at = now(), processed = 0
         WHERE id = (
             SELECT id FROM fm_imports
             WHERE status = 'queued' OR (status = 'running' AND started_at < now() - interval '10 minutes')
             ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING id, user_id, kind, shared, file_name, body, columns, status, total, processed, refused, error,
                   created_at"
    )
    .fetch_optional(pool)
    .await
}

pub async fn progress(db: impl PgExecutor<'_>, id: Uuid, processed: i32) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE fm_imports SET processed = $2 WHERE id = $1", id, processed)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish(pool: &PgPool, id: Uuid, refused: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_imports SET status = 'done', refused = $2, finished_at = now() WHERE id = $1",
        id,
        refused,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn fail(pool: &PgPool, id: Uuid, message: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
        id,
        message,
    )
    .execute(pool)
    .await?;
    Ok(())
}
