//! Account queries. Every query about a user's rows is scoped by that user's id.

use domain::account::{DisplayName, Email, Language, Product, TimeZoneName};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use super::tokens::token_hash;

/// `sqlx::$query!` whose SQL has `LIVE` in place of the condition for a live session `s`: not
/// revoked, before its end, and used within its idle timeout. (sqlx's macros join literals
/// with `+` but expand no macro inside theirs, so this one wraps them.)
macro_rules! live_session {
    ($query:ident!($($out:ident,)? $before:literal + LIVE $(+ $after:literal)?, $($arg:tt)*)) => {
        sqlx::$query!(
            $($out,)?
            $before
                + "s.revoked_at IS NULL AND s.expires_at > now() AND s.last_used_at > now() - make_interval(secs => s.idle_timeout_secs)"
                $(+ $after)?,
            $($arg)*
        )
    };
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub display_name: &'a DisplayName,
    pub product: Product,
    pub language: Language,
    pub timezone: &'a TimeZoneName,
}

/// The [`UserRow`] of a query record that selects the user's columns beside others
/// (sqlx's macros cannot nest a struct in their records).
macro_rules! user_row {
    ($r:ident) => {
        UserRow {
            id: $r.id,
            email: $r.email,
            display_name: $r.display_name,
            product: $r.product,
            language: $r.language,
            timezone: $r.timezone,
            email_verified_at: $r.email_verified_at,
        }
    };
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
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

/// Has she signed in from this address in the last 90 days? Such an address is hers, and
/// the account-wide throttle of failed sign-ins never slows it.
pub async fn is_known_address(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    ip: std::net::IpAddr,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND ip = $2::text::inet AND created_at > now() - interval '90 days')
               AS "known!""#,
        user_id,
        ip.to_string(),
    )
    .fetch_one(db)
    .await
}

/// An account with no email or password, for someone a product reaches by text message only
/// (a mother a health worker registered). It never signs in.
pub async fn insert_text_only_user(
    tx: &mut PgConnection,
    display_name: &DisplayName,
    product: Product,
    language: Language,
    timezone: &str,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO users (id, display_name, product, language, timezone) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        Uuid::new_v4(),
        display_name.as_ref(),
        product.as_str(),
        language.as_str(),
        timezone,
    )
    .fetch_one(tx)
    .await
}

/// Inserts the user unless the email is taken; `None` means it was.
pub async fn insert_user(tx: &mut PgConnection, user: NewUser<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO users (id, email, password_hash, display_name, product, language, timezone)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (email) DO NOTHING
         RETURNING id",
        Uuid::new_v4(),
        user.email.as_ref(),
        user.password_hash,
        user.display_name.as_ref(),
        user.product.as_str(),
        user.language.as_str(),
        user.timezone.as_ref(),
    )
    .fetch_optional(tx)
    .await
}

pub async fn user_by_email(db: impl PgExecutor<'_>, email: &Email) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id, email AS "email!", display_name, product, language, timezone, email_verified_at
           FROM users WHERE email = $1"#,
        email.as_ref(),
    )
    .fetch_optional(db)
    .await
}

/// The account with this address and its password hash, for signing in.
pub async fn credentials(db: impl PgExecutor<'_>, email: &Email) -> Result<Option<(UserRow, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, email AS "email!", password_hash AS "password_hash!", display_name, product, language,
                  timezone, email_verified_at
           FROM users WHERE email = $1"#,
        email.as_ref(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (user_row!(r), r.password_hash)))
}

/// The password hash of this account, to ask for the password again.
pub async fn password_hash(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT password_hash AS "hash!" FROM users WHERE id = $1 AND password_hash IS NOT NULL"#,
        user_id
    )
    .fetch_optional(db)
    .await
}

pub async fn user_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id, email AS "email!", display_name, product, language, timezone, email_verified_at
           FROM users WHERE id = $1 AND email IS NOT NULL"#,
        id,
    )
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
    sqlx::query!(
        "UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user_id,
        purpose.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        token_hash(token),
        user_id,
        purpose.as_str(),
        purpose.lifetime_secs() as f64,
    )
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
    sqlx::query_scalar!(
        "UPDATE email_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
        token_hash(token),
        purpose.as_str(),
    )
    .fetch_optional(tx)
    .await
}

pub async fn mark_verified(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), updated_at = now() WHERE id = $1",
        user_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn set_password(tx: &mut PgConnection, user_id: Uuid, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1",
        user_id,
        password_hash,
    )
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
    sqlx::query!(
        "UPDATE users SET display_name = $2, language = $3, timezone = $4, updated_at = now() WHERE id = $1",
        user_id,
        name.as_ref(),
        language.as_str(),
        timezone.as_ref(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An operator disabled the account: it cannot sign in, and its sessions were revoked.
pub async fn is_disabled(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        r#"SELECT disabled_at IS NOT NULL AS "disabled!" FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(false))
}

/// Has she consented to keeping her health data (and not withdrawn it)?
pub async fn has_health_consent(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM consents WHERE user_id = $1 AND purpose = 'health_data' AND withdrawn_at IS NULL)
               AS "consented!""#,
        user_id,
    )
    .fetch_one(db)
    .await
}

// Sessions and their refresh tokens.

/// A session about to start. Operators' limits override the user's own in the query, so a
/// promotion to operator takes effect at the next sign-in whoever asks.
pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lifetime_secs: i64,
    pub idle_secs: i64,
    pub operator_lifetime_secs: i64,
    pub operator_idle_secs: i64,
    pub user_agent: &'a Option<String>,
    pub ip: Option<std::net::IpAddr>,
}

pub async fn insert_session(tx: &mut PgConnection, session: NewSession<'_>) -> Result<(), sqlx::Error> {
    let secs = |s: i64| i32::try_from(s).unwrap_or(i32::MAX);
    sqlx::query!(
        "INSERT INTO sessions (id, user_id, expires_at, idle_timeout_secs, user_agent, ip)
         SELECT $1, u.id,
                now() + make_interval(secs => CASE WHEN u.is_admin THEN $6::float8 ELSE $3 END),
                CASE WHEN u.is_admin THEN $7::int4 ELSE $8 END, $4, $5::text::inet
         FROM users u WHERE u.id = $2",
        session.id,
        session.user_id,
        session.lifetime_secs as f64,
        session.user_agent.as_deref(),
        session.ip.map(|ip| ip.to_string()),
        session.operator_lifetime_secs as f64,
        secs(session.operator_idle_secs),
        secs(session.idle_secs),
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn insert_refresh_token(tx: &mut PgConnection, token: &str, session_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        token_hash(token),
        session_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub struct RefreshRow {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub product: String,
    pub rotated_secs_ago: Option<i64>,
    pub usable: bool,
}

/// The refresh token's session, locked until the transaction ends so two refreshes queue.
pub async fn lock_refresh_token(tx: &mut PgConnection, token: &str) -> Result<Option<RefreshRow>, sqlx::Error> {
    live_session!(query_as!(
        RefreshRow,
        "SELECT rt.session_id, s.user_id, u.product,
                extract(epoch FROM now() - rt.rotated_at)::int8 AS rotated_secs_ago,
                ("
            + LIVE
            + r#") AS "usable!"
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
         WHERE rt.token_hash = $1
         FOR UPDATE OF rt, s"#,
        token_hash(token),
    ))
    .fetch_optional(tx)
    .await
}

/// Retires `old` for `next` in the same session and marks the session used.
pub async fn rotate_refresh_token(
    tx: &mut PgConnection,
    old: &str,
    next: &str,
    session_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1",
        token_hash(old)
    )
    .execute(&mut *tx)
    .await?;
    insert_refresh_token(&mut *tx, next, session_id).await?;
    sqlx::query!("UPDATE sessions SET last_used_at = now() WHERE id = $1", session_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// The live session a refresh token belongs to: (session, user, product).
pub async fn session_by_refresh_token(
    db: impl PgExecutor<'_>,
    token: &str,
) -> Result<Option<(Uuid, Uuid, String)>, sqlx::Error> {
    let row = live_session!(query!(
        "SELECT s.id, s.user_id, u.product
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
         WHERE rt.token_hash = $1 AND "
            + LIVE,
        token_hash(token),
    ))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.user_id, r.product)))
}

/// Ends one of the user's sessions; false if it is not theirs or already ended.
pub async fn revoke_session(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    session_id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $3
         WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL",
        user_id,
        session_id,
        reason,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the user but `keep`; how many ended.
pub async fn revoke_sessions(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
        user_id,
        keep,
        reason,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug)]
pub struct SessionRow {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
    pub user_agent: Option<String>,
}

pub async fn live_sessions(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<SessionRow>, sqlx::Error> {
    live_session!(query_as!(
        SessionRow,
        "SELECT id, created_at, last_used_at, user_agent FROM sessions s
         WHERE user_id = $1 AND "
            + LIVE
            + " ORDER BY last_used_at DESC",
        user_id,
    ))
    .fetch_all(db)
    .await
}

/// What a request may need to know about who sent it, read in one statement: the user (never
/// the password hash), and for the session its PIN lock, the health-data consent and an
/// operator's second factor. None: no live session, or a disabled account. The session's last
/// use is touched at most once a minute, for the idle timeout.
#[derive(Debug, Clone)]
pub struct Account {
    pub session_id: Uuid,
    pub user: UserRow,
    /// None without a SasaMum PIN; with one, unix time until which this session is unlocked
    /// (0 when locked).
    pub pin_unlocked_until: Option<i64>,
    /// No PIN, or one this session entered lately.
    pub unlocked: bool,
    pub health_consent: bool,
    pub is_admin: bool,
    /// An operator let this SasaMum account register mothers who have texts only.
    pub is_health_worker: bool,
    /// This session passed an operator's second factor.
    pub second_factor: bool,
}

pub async fn account(db: impl PgExecutor<'_>, session_id: Uuid, user_id: Uuid) -> Result<Option<Account>, sqlx::Error> {
    let row = live_session!(query!(
        "WITH live AS (
             SELECT s.id, s.last_used_at, s.pin_unlocked_until, s.second_factor_at FROM sessions s
             WHERE s.id = $1 AND s.user_id = $2 AND "
            + LIVE
            + r#"
         ), touched AS (
             UPDATE sessions SET last_used_at = now()
             WHERE id = (SELECT id FROM live WHERE last_used_at < now() - interval '1 minute')
         )
         SELECT u.id, u.email AS "email!", u.display_name, u.product, u.language, u.timezone, u.email_verified_at,
                CASE WHEN m.pin_hash IS NOT NULL
                     THEN coalesce(extract(epoch FROM live.pin_unlocked_until)::bigint, 0) END AS pin_unlocked_until,
                (m.pin_hash IS NULL OR coalesce(live.pin_unlocked_until > now(), false)) AS "unlocked!",
                EXISTS (SELECT 1 FROM consents c
                        WHERE c.user_id = u.id AND c.purpose = 'health_data' AND c.withdrawn_at IS NULL) AS "health_consent!",
                u.is_admin, u.is_health_worker, live.second_factor_at IS NOT NULL AS "second_factor!"
         FROM live
         JOIN users u ON u.id = $2 AND u.disabled_at IS NULL AND u.email IS NOT NULL
         LEFT JOIN mum_profiles m ON m.user_id = u.id"#,
        session_id,
        user_id,
    ))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Account {
        session_id,
        user: user_row!(r),
        pin_unlocked_until: r.pin_unlocked_until,
        unlocked: r.unlocked,
        health_consent: r.health_consent,
        is_admin: r.is_admin,
        is_health_worker: r.is_health_worker,
        second_factor: r.second_factor,
    }))
}
