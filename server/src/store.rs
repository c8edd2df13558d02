//! The server's own queries: readiness, the metrics gauges read from the database, and the
//! operator command line.

use sqlx::PgExecutor;
use uuid::Uuid;

/// The database answers.
pub async fn ping(db: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT 1 AS one").fetch_one(db).await.map(drop)
}

/// Queue depths and ages for the metrics page.
pub struct Backlog {
    pub outbox: i64,
    pub outbox_oldest_secs: f64,
    pub exports: i64,
    pub login_failures: i64,
}

pub async fn backlog(db: impl PgExecutor<'_>) -> Result<Backlog, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT
            (SELECT count(*) FROM outbox WHERE status = 'pending') AS "outbox!",
            coalesce((SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE status = 'pending'), 0)
                AS "outbox_oldest_secs!",
            (SELECT count(*) FROM export_jobs WHERE status IN ('queued', 'running')) AS "exports!",
            (SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'failure') AS "login_failures!""#
    )
    .fetch_one(db)
    .await?;
    let (outbox, outbox_oldest_secs, exports, login_failures) =
        (row.outbox, row.outbox_oldest_secs, row.exports, row.login_failures);
    Ok(Backlog {
        outbox,
        outbox_oldest_secs,
        exports,
        login_failures,
    })
}

/// Makes the account with `email` an operator and ends its sessions (begun with a user's
/// limits): the operator signs in again. Its id, or None when no account has that email.
pub async fn make_operator(pool: &sqlx::PgPool, email: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!("UPDATE users SET is_admin = true WHERE email = $1 RETURNING id", email)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = id {
        sqlx::query!(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'made_operator' WHERE user_id = $1 AND revoked_at IS NULL",
            id,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A single connection, outside any pool (the benchmarks' administrator connection).
pub async fn connect(url: &str) -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await
}

/// `name` is made by the caller from fixed text and a number, never from input.
pub async fn create_database(db: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    db.execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .map(drop)
}

pub async fn drop_database(db: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    db.execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str())
        .await
        .map(drop)
}
