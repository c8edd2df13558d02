//! Sessions: one per signed-in device, each with a family of rotating refresh tokens.

use domain::account::Product;
use http::request::Parts;
use leptos::prelude::use_context;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    store::{self, UserRow, live_session},
    tokens::{Identity, TokenKeys, random_token, token_hash},
};
use crate::{
    error::AppError,
    platform::{RequestInfo, audit, services},
};

/// A session ends 30 days after sign-in, however often it is refreshed.
pub const SESSION_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// Operators' sessions (ASVS L2): 12 hours at most, 30 minutes without use. The access token
/// lives 15 minutes, less than the idle time, so a token outlives no idle session.
pub const OPERATOR_LIFETIME_SECS: i64 = 12 * 3600;
pub const OPERATOR_IDLE_SECS: i64 = 30 * 60;

/// Two requests racing with the same refresh token (a page and a server call fired
/// together) are not an attack: the loser within this window gets an access token only.
const CONCURRENT_USE_GRACE_SECS: i64 = 15;

/// Tokens to hand to the client after sign-in or refresh.
pub struct Issued {
    pub identity: Identity,
    pub access: String,
    /// None when a concurrent request already rotated the refresh token.
    pub refresh: Option<String>,
}

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs `user` in on a new session. `idle_secs` is how long it may go unused
/// (`SESSION_IDLE_TIMEOUT_SECS`); operators get their own shorter limits.
pub async fn start(
    pool: &PgPool,
    keys: &TokenKeys,
    user: &UserRow,
    idle_secs: i64,
    request: &RequestInfo,
) -> Result<Issued, AppError> {
    let mut tx = pool.begin().await?;
    let session_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, expires_at, idle_timeout_secs, user_agent, ip)
         SELECT $1, u.id,
                now() + make_interval(secs => CASE WHEN u.is_admin THEN $6 ELSE $3 END),
                CASE WHEN u.is_admin THEN $7 ELSE $8 END, $4, $5::inet
         FROM users u WHERE u.id = $2",
    )
    .bind(session_id)
    .bind(user.id)
    .bind(SESSION_LIFETIME_SECS as f64)
    .bind(&request.user_agent)
    .bind(request.ip.map(|ip| ip.to_string()))
    .bind(OPERATOR_LIFETIME_SECS as f64)
    .bind(i32::try_from(OPERATOR_IDLE_SECS).unwrap_or(i32::MAX))
    .bind(i32::try_from(idle_secs).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?;
    let refresh = random_token();
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)")
        .bind(token_hash(&refresh))
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let identity = Identity {
        user_id: user.id,
        session_id,
        product: user.product(),
    };
    Ok(Issued {
        identity,
        access: keys.issue_access(identity, now()),
        refresh: Some(refresh),
    })
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    session_id: Uuid,
    user_id: Uuid,
    product: String,
    rotated_secs_ago: Option<i64>,
    usable: bool,
}

/// Exchanges a refresh token for new tokens. A token that was already rotated
/// (outside the short race window) revokes its whole session: RFC 9700 reuse detection.
pub async fn refresh(
    pool: &PgPool,
    keys: &TokenKeys,
    token: &str,
    request: &RequestInfo,
) -> Result<Option<Issued>, AppError> {
    let mut tx = pool.begin().await?;
    let row: Option<RefreshRow> = sqlx::query_as(concat!(
        "SELECT rt.session_id, s.user_id, u.product,
                extract(epoch FROM now() - rt.rotated_at)::int8 AS rotated_secs_ago,
                (",
        live_session!(),
        ") AS usable
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
         WHERE rt.token_hash = $1
         FOR UPDATE OF rt, s"
    ))
    .bind(token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row.filter(|r| r.usable) else {
        return Ok(None);
    };
    let product = Product::parse(&row.product).unwrap_or(Product::SasaMum);
    let identity = Identity {
        user_id: row.user_id,
        session_id: row.session_id,
        product,
    };

    match row.rotated_secs_ago {
        Some(secs) if secs <= CONCURRENT_USE_GRACE_SECS => {
            tx.commit().await?;
            Ok(Some(Issued {
                identity,
                access: keys.issue_access(identity, now()),
                refresh: None,
            }))
        }
        Some(_) => {
            revoke_in(&mut tx, row.user_id, row.session_id, "refresh_token_reuse").await?;
            audit::record(
                &mut *tx,
                request,
                Some(row.user_id),
                "auth.refresh_reuse",
                audit::Outcome::Denied,
                serde_json::json!({ "session": row.session_id }),
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(user_id = %row.user_id, session_id = %row.session_id, "refresh token reuse: session revoked");
            Ok(None)
        }
        None => {
            let next = random_token();
            sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)")
                .bind(token_hash(&next))
                .bind(row.session_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE sessions SET last_used_at = now() WHERE id = $1")
                .bind(row.session_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(Issued {
                identity,
                access: keys.issue_access(identity, now()),
                refresh: Some(next),
            }))
        }
    }
}

/// The live session a refresh token belongs to, without rotating it (for logout).
pub async fn find_by_refresh(pool: &PgPool, token: &str) -> Result<Option<Identity>, AppError> {
    let row: Option<(Uuid, Uuid, String)> = sqlx::query_as(concat!(
        "SELECT s.id, s.user_id, u.product
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
         WHERE rt.token_hash = $1 AND ",
        live_session!()
    ))
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(session_id, user_id, product)| Identity {
        user_id,
        session_id,
        product: Product::parse(&product).unwrap_or(Product::SasaMum),
    }))
}

async fn revoke_in(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    session_id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $3
         WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(session_id)
    .bind(reason)
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes one of the user's sessions; false if it is not theirs or already ended.
pub async fn revoke(pool: &PgPool, user_id: Uuid, session_id: Uuid, reason: &str) -> Result<bool, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(revoke_in(&mut conn, user_id, session_id, reason).await?)
}

/// Revokes every session of the user, but `keep` if given.
pub async fn revoke_all(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
    )
    .bind(user_id)
    .bind(keep)
    .bind(reason)
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
    pub user_agent: Option<String>,
}

pub async fn list_active(pool: &PgPool, user_id: Uuid) -> Result<Vec<SessionRow>, AppError> {
    Ok(sqlx::query_as(concat!(
        "SELECT id, created_at, last_used_at, user_agent FROM sessions s
         WHERE user_id = $1 AND ",
        live_session!(),
        " ORDER BY last_used_at DESC"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// The identity the authentication middleware attached to this request, if any.
pub fn identity() -> Option<Identity> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Identity>().copied())
}

/// The signed-in user, checked against the database: a revoked session stops at once,
/// even while its access token has time left.
pub async fn current_user() -> Result<Option<(Identity, UserRow)>, AppError> {
    let Some(identity) = identity() else {
        return Ok(None);
    };
    Ok(active_user(&services()?.pool, identity)
        .await?
        .map(|user| (identity, user)))
}

/// The user behind `identity`, if its session is still live (touching its last use).
/// Last use is kept to the minute: a session used again within the minute is only read, so
/// most requests write nothing and wait for no WAL flush (the load test found this).
pub async fn active_user(pool: &PgPool, identity: Identity) -> Result<Option<UserRow>, sqlx::Error> {
    let active: bool = sqlx::query_scalar(concat!(
        "WITH live AS (
             SELECT id, last_used_at FROM sessions s
             WHERE id = $1 AND user_id = $2 AND ",
        live_session!(),
        "
               AND NOT EXISTS (SELECT 1 FROM users WHERE id = $2 AND disabled_at IS NOT NULL)
         ), touched AS (
             UPDATE sessions SET last_used_at = now()
             WHERE id = (SELECT id FROM live WHERE last_used_at < now() - interval '1 minute')
         )
         SELECT EXISTS (SELECT 1 FROM live)"
    ))
    .bind(identity.session_id)
    .bind(identity.user_id)
    .fetch_one(pool)
    .await?;
    if !active {
        return Ok(None);
    }
    store::user_by_id(pool, identity.user_id).await
}

pub async fn require_user() -> Result<(Identity, UserRow), AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}
