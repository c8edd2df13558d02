//! The server's own queries: readiness, the metrics gauges read from the database, and the
//! operator command line.

use sqlx::PgExecutor;
use uuid::Uuid;

/// The database answers.
pub async fn ping(db: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(db).await.map(drop)
}

/// Queue depths and ages for the metrics page.
pub struct Backlog {
    pub outbox: i64,
    pub outbox_oldest_secs: f64,
    pub exports: i64,
    pub login_failures: i64,
}

pub async fn backlog(db: impl PgExecutor<'_>) -> Result<Backlog, sqlx::Error> {
    let (outbox, outbox_oldest_secs, exports, login_failures) =
        sqlx::query_as::<_, (i64, f64, i64, i64)>(
            "SELECT
            (SELECT count(*) FROM outbox WHERE status = 'pending'),
            coalesce((SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE status = 'pending'), 0),
            (SELECT count(*) FROM export_jobs WHERE status IN ('queued', 'running')),
            (SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'failure')",
        )
        .fetch_one(db)
        .await?;
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
    let id: Option<Uuid> = sqlx::query_scalar("UPDATE users SET is_admin = true WHERE email = $1 RETURNING id")
        .bind(email)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = id {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'made_operator' WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}
