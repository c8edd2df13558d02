//! Account queries. Every query about a user's rows is scoped by that user's id.

use domain::account::{DisplayName, Email, Language, Product, TimeZoneName};
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use super::tokens::token_hash;

/// The condition for a live session `s`: not revoked, before its end, and used within its
/// idle timeout.
macro_rules! live_session {
    () => {
        "s.revoked_at IS NULL AND s.expires_at > now() AND s.last_used_at > now() - make_interval(secs => s.idle_timeout_secs)"
    };
}
pub(crate) use live_session;

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub display_name: &'a DisplayName,
    pub product: Product,
    pub language: Language,
    pub timezone: &'a TimeZoneName,
}

#[derive(FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub product: String,
    pub language: String,
    pub timezone: String,
    pub email_verified_at: Option<OffsetDateTime>,
}

impl UserRow {
    pub fn product(&self) -> Product {
        Product::parse(&self.product).unwrap_or(Product::SasaMum)
    }
    pub fn language(&self) -> Language {
        Language::parse(&self.language).unwrap_or(Language::En)
    }
}

const USER_COLUMNS: &str = "id, email, password_hash, display_name, product, language, timezone, email_verified_at";

/// Has she signed in from this address in the last 90 days? Such an address is hers, and
/// the account-wide throttle of failed sign-ins never slows it.
pub async fn is_known_address(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    ip: std::net::IpAddr,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND ip = $2::inet AND created_at > now() - interval '90 days')",
    )
    .bind(user_id)
    .bind(ip.to_string())
    .fetch_one(db)
    .await
}

/// Inserts the user unless the email is taken; `None` means it was.
pub async fn insert_user(tx: &mut PgConnection, user: NewUser<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (id, email, password_hash, display_name, product, language, timezone)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (email) DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(user.email.as_ref())
    .bind(user.password_hash)
    .bind(user.display_name.as_ref())
    .bind(user.product.as_str())
    .bind(user.language.as_str())
    .bind(user.timezone.as_ref())
    .fetch_optional(tx)
    .await
}

pub async fn user_by_email(db: impl PgExecutor<'_>, email: &Email) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
        .bind(email.as_ref())
        .fetch_optional(db)
        .await
}

pub async fn user_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Clone, Copy)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
    fn lifetime_secs(self) -> i64 {
        match self {
            Self::VerifyEmail => 48 * 3600,
            Self::ResetPassword => 3600,
        }
    }
}

/// Stores the hash of a single-use link token; earlier unused links of the same purpose stop working.
pub async fn insert_email_token(
    tx: &mut PgConnection,
    user_id: Uuid,
    purpose: Purpose,
    token: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(token_hash(token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(purpose.lifetime_secs() as f64)
    .execute(tx)
    .await?;
    Ok(())
}

/// Uses a link token once: returns its user if it was valid, unused and unexpired.
pub async fn consume_email_token(
    tx: &mut PgConnection,
    purpose: Purpose,
    token: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE email_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(tx)
    .await
}

pub async fn mark_verified(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), updated_at = now() WHERE id = $1",
    )
    .bind(user_id)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn set_password(tx: &mut PgConnection, user_id: Uuid, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn update_profile(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    name: &DisplayName,
    language: Language,
    timezone: &TimeZoneName,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $2, language = $3, timezone = $4, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(name.as_ref())
        .bind(language.as_str())
        .bind(timezone.as_ref())
        .execute(db)
        .await?;
    Ok(())
}

/// An operator disabled the account: it cannot sign in, and its sessions were revoked.
pub async fn is_disabled(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query_scalar::<_, bool>("SELECT disabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?
            .unwrap_or(false),
    )
}

/// Has she consented to keeping her health data (and not withdrawn it)?
pub async fn has_health_consent(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM consents WHERE user_id = $1 AND purpose = 'health_data' AND withdrawn_at IS NULL)",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Is this session open to her health screens: no SasaMum PIN set, or one this session
/// entered lately?
pub async fn unlocked(db: impl PgExecutor<'_>, session_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM mum_profiles WHERE user_id = $2 AND pin_hash IS NOT NULL)
             OR EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND pin_unlocked_until > now())",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// An operator's live session: their email and whether it passed the second factor.
pub async fn operator(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<(String, bool)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT u.email, s.second_factor_at IS NOT NULL FROM users u JOIN sessions s ON s.user_id = u.id
         WHERE u.id = $1 AND s.id = $2 AND u.is_admin AND u.disabled_at IS NULL AND ",
        live_session!()
    ))
    .bind(user_id)
    .bind(session_id)
    .fetch_optional(db)
    .await
}
