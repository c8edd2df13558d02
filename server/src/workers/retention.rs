//! Prunes what is kept only for a while, so tables do not grow without bound and nothing
//! personal outlives its purpose. The periods are in docs/deploy.md and the privacy policies.
//! Every statement is idempotent: instances may run it at the same time.

use sqlx::PgPool;

/// Rate-limit windows (the longest is an hour) two days after they began.
pub const RATE_LIMITS_DAYS: i32 = 2;
/// Sessions (with their refresh tokens) 30 days after they expired or were revoked.
pub const SESSIONS_DAYS: i32 = 30;
/// The subject and body of a sent message 30 days after it was sent; the row stays, so the
/// same message is never sent twice.
pub const SENT_BODIES_DAYS: i32 = 30;
/// Finished "download my data" jobs and their files 7 days after they finished.
pub const EXPORTS_DAYS: i32 = 7;

/// One pass over every table; returns how many rows it changed.
pub async fn run_once(pool: &PgPool) -> anyhow::Result<u64> {
    let statements = [
        (
            "DELETE FROM rate_limits WHERE window_start < now() - make_interval(days => $1)",
            RATE_LIMITS_DAYS,
        ),
        (
            "DELETE FROM sessions WHERE least(expires_at, coalesce(revoked_at, expires_at)) < now() - make_interval(days => $1)",
            SESSIONS_DAYS,
        ),
        (
            "UPDATE outbox SET subject = '', body_text = '', body_html = ''
             WHERE status = 'sent' AND sent_at < now() - make_interval(days => $1) AND body_text <> ''",
            SENT_BODIES_DAYS,
        ),
        (
            "DELETE FROM export_jobs WHERE status IN ('done', 'failed') AND finished_at < now() - make_interval(days => $1)",
            EXPORTS_DAYS,
        ),
    ];
    let mut changed = 0;
    for (sql, days) in statements {
        changed += sqlx::query(sql).bind(days).execute(pool).await?.rows_affected();
    }
    if changed > 0 {
        tracing::info!(rows = changed, "retention: pruned");
    }
    Ok(changed)
}
