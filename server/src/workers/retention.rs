//! Prunes what is kept only for a while, so tables do not grow without bound and nothing
//! personal outlives its purpose. The periods are in docs/deploy.md and the privacy policies.
//! Every statement is idempotent: instances may run it at the same time.

use sqlx::PgPool;

use super::store;

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
    let kept = store::Kept {
        rate_limits: RATE_LIMITS_DAYS,
        sessions: SESSIONS_DAYS,
        sent_bodies: SENT_BODIES_DAYS,
        exports: EXPORTS_DAYS,
    };
    let changed = store::prune(pool, kept).await?;
    if changed > 0 {
        tracing::info!(rows = changed, "retention: pruned");
    }
    Ok(changed)
}
