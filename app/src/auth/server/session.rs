//! Sessions: one per signed-in device, each with a family of rotating refresh tokens.

use domain::account::Product;
use http::request::Parts;
use leptos::prelude::use_context;
use sqlx::PgPool;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::OnceCell;
use uuid::Uuid;

pub use super::store::SessionRow;

use super::{
    store::{self, Account, UserRow},
    tokens::{Identity, TokenKeys, random_token},
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
    store::insert_session(
        &mut tx,
        store::NewSession {
            id: session_id,
            user_id: user.id,
            lifetime_secs: SESSION_LIFETIME_SECS,
            idle_secs,
            operator_lifetime_secs: OPERATOR_LIFETIME_SECS,
            operator_idle_secs: OPERATOR_IDLE_SECS,
            user_agent: &request.user_agent,
            ip: request.ip,
        },
    )
    .await?;
    let refresh = random_token();
    store::insert_refresh_token(&mut tx, &refresh, session_id).await?;
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

/// Exchanges a refresh token for new tokens. A token that was already rotated
/// (outside the short race window) revokes its whole session: RFC 9700 reuse detection.
pub async fn refresh(
    pool: &PgPool,
    keys: &TokenKeys,
    token: &str,
    request: &RequestInfo,
) -> Result<Option<Issued>, AppError> {
    let mut tx = pool.begin().await?;
    let row = store::lock_refresh_token(&mut tx, token).await?;
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
            store::revoke_session(&mut *tx, row.user_id, row.session_id, "refresh_token_reuse").await?;
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
            store::rotate_refresh_token(&mut tx, token, &next, row.session_id).await?;
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
    let row = store::session_by_refresh_token(pool, token).await?;
    Ok(row.map(|(session_id, user_id, product)| Identity {
        user_id,
        session_id,
        product: Product::parse(&product).unwrap_or(Product::SasaMum),
    }))
}

/// Revokes one of the user's sessions; false if it is not theirs or already ended.
pub async fn revoke(pool: &PgPool, user_id: Uuid, session_id: Uuid, reason: &str) -> Result<bool, AppError> {
    Ok(store::revoke_session(pool, user_id, session_id, reason).await?)
}

/// Revokes every session of the user, but `keep` if given.
pub async fn revoke_all(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    store::revoke_sessions(tx, user_id, keep, reason).await
}

pub async fn list_active(pool: &PgPool, user_id: Uuid) -> Result<Vec<SessionRow>, AppError> {
    Ok(store::live_sessions(pool, user_id).await?)
}

/// The identity the authentication middleware attached to this request, if any.
pub fn identity() -> Option<Identity> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Identity>().copied())
}

/// The account behind a request's identity, read from the database at most once per request:
/// the authentication layer, the page's resources and every guard share one read. Each new
/// request reads again, so a revoked session stops at once, even while its access token has
/// time left.
#[derive(Clone)]
pub struct RequestAccount {
    identity: Identity,
    account: Arc<OnceCell<Option<Account>>>,
}

impl RequestAccount {
    pub fn new(identity: Identity) -> Self {
        Self {
            identity,
            account: Arc::default(),
        }
    }

    /// None: the session has ended or the account is disabled.
    pub async fn get(&self, pool: &PgPool) -> Result<Option<Account>, sqlx::Error> {
        let Identity {
            session_id, user_id, ..
        } = self.identity;
        let account = self
            .account
            .get_or_try_init(|| store::account(pool, session_id, user_id))
            .await?;
        Ok(account.clone())
    }

    /// The account of the request a server function or page is answering.
    pub async fn current() -> Result<Option<Account>, AppError> {
        let Some(request) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Self>().cloned()) else {
            return Ok(None);
        };
        Ok(request.get(&services()?.pool).await?)
    }
}

/// The signed-in user, if the request has a live session.
pub async fn current_user() -> Result<Option<(Identity, UserRow)>, AppError> {
    let Some(identity) = identity() else {
        return Ok(None);
    };
    Ok(RequestAccount::current().await?.map(|account| (identity, account.user)))
}

pub async fn require_user() -> Result<(Identity, UserRow), AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}
