//! Fixed-window counters in PostgreSQL, shared by every server instance.

#![cfg(feature = "ssr")]

use std::time::Duration;

use sqlx::PgPool;

use crate::error::AppError;

/// A limit of `max` hits per `window` for one key (e.g. "login-ip:203.0.113.9").
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn per_minute(max: u32) -> Self {
        Self {
            max,
            window: Duration::from_secs(60),
        }
    }
    pub const fn per_hour(max: u32) -> Self {
        Self {
            max,
            window: Duration::from_secs(3600),
        }
    }
}

/// Counts one hit; refuses with 429 and the seconds until the window ends once over the limit.
pub async fn hit(pool: &PgPool, key: &str, limit: Limit) -> Result<(), AppError> {
    let (hits, remaining) = bump(pool, key, limit).await?;
    if hits > i64::from(limit.max) {
        return Err(AppError::RateLimited {
            retry_after_secs: remaining.max(1),
        });
    }
    Ok(())
}

/// Counts one hit and returns how many this window holds, refusing nothing: for callers that
/// decide for themselves what crossing the limit means.
pub async fn count(pool: &PgPool, key: &str, limit: Limit) -> Result<i64, AppError> {
    Ok(bump(pool, key, limit).await?.0)
}

/// Takes back one hit of the current window (e.g. a login attempt that turned out right).
pub async fn undo(pool: &PgPool, key: &str, limit: Limit) -> Result<(), AppError> {
    Ok(super::store::undo_hit(pool, key, window_secs(limit)).await?)
}

async fn bump(pool: &PgPool, key: &str, limit: Limit) -> Result<(i64, u64), AppError> {
    add(pool, key, limit, 1).await
}

/// Adds `hits` at once (an instance's tally since it last wrote) and returns the window's
/// total and the seconds left in it.
pub async fn add(pool: &PgPool, key: &str, limit: Limit, hits: u32) -> Result<(i64, u64), AppError> {
    let (hits, remaining) =
        super::store::add_hits(pool, key, window_secs(limit), i32::try_from(hits).unwrap_or(i32::MAX)).await?;
    Ok((hits, u64::try_from(remaining).unwrap_or(1)))
}

fn window_secs(limit: Limit) -> i64 {
    i64::try_from(limit.window.as_secs()).unwrap_or(3600).max(1)
}
