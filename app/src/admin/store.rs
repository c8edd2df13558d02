//! The operators' queries: finding and disabling accounts, support tickets, the audit log.
//! Server only.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// An account as operators see it.
pub struct UserRow {
    pub id: Uuid,
    /// None for a mother a health worker registered: she has texts only.
    pub email: Option<String>,
    pub display_name: String,
    pub product: String,
    pub created_at: OffsetDateTime,
    pub verified: bool,
    pub disabled: bool,
    pub is_admin: bool,
    pub is_health_worker: bool,
}

/// Accounts whose email or name contains `search` (LIKE wildcards in it are taken literally),
/// newest first, 100 at most.
pub async fn find_users(db: impl PgExecutor<'_>, search: &str) -> Result<Vec<UserRow>, sqlx::Error> {
    let pattern = format!(
        "%{}%",
        search
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    sqlx::query_as!(
        UserRow,
        r#"SELECT id, email, display_name, product, created_at, email_verified_at IS NOT NULL AS "verified!",
                  disabled_at IS NOT NULL AS "disabled!", is_admin, is_health_worker
           FROM users WHERE email ILIKE $1 OR display_name ILIKE $1 ORDER BY created_at DESC LIMIT 100"#,
        pattern,
    )
    .fetch_all(db)
    .await
}

/// Lets a SasaMum account register mothers who have texts only (or stops it); false when
/// there is no such account.
pub async fn set_health_worker(tx: &mut PgConnection, id: Uuid, on: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE users SET is_health_worker = $2 WHERE id = $1 AND product = 'sasamum' AND email IS NOT NULL",
        id,
        on,
    )
    .execute(tx)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub async fn set_disabled(tx: &mut PgConnection, id: Uuid, disable: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN now() END WHERE id = $1",
        id,
        disable,
    )
    .execute(tx)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// A support ticket: id, her email, subject, body, page she wrote from, status, created.
pub type TicketRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    domain::TicketStatus,
    OffsetDateTime,
);

/// Open tickets first, then the rest, newest first; 200 at most.
pub async fn tickets(db: impl PgExecutor<'_>) -> Result<Vec<TicketRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, u.email AS "email!", t.subject, t.body, t.page, t.status AS "status: domain::TicketStatus", t.created_at
           FROM support_tickets t JOIN users u ON u.id = t.user_id
           ORDER BY (t.status = 'open') DESC, t.created_at DESC LIMIT 200"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.email, r.subject, r.body, r.page, r.status, r.created_at))
        .collect())
}

/// Marks a ticket answered: who asked (id, email) and its subject; None when there is no such ticket.
/// Marks a ticket answered: (her id, email, product, the ticket's subject).
pub async fn answer_ticket(
    tx: &mut PgConnection,
    id: i64,
) -> Result<Option<(Uuid, String, String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"UPDATE support_tickets t SET status = 'answered' FROM users u
           WHERE t.id = $1 AND u.id = t.user_id RETURNING u.id, u.email AS "email!", u.product, t.subject"#,
        id,
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|r| (r.id, r.email, r.product, r.subject)))
}

/// An audit entry: when, who (email, or the id of a deleted account), action, outcome, detail.
pub type AuditRow = (OffsetDateTime, Option<String>, String, String, serde_json::Value);

/// The latest 200 entries whose action starts with `action` (all, when it is empty).
pub async fn audit_log(db: impl PgExecutor<'_>, action: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT a.occurred_at, coalesce(u.email, a.actor_id::text) AS who, a.action, a.outcome, a.detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE $1 = '' OR a.action LIKE $1 || '%'
         ORDER BY a.id DESC LIMIT 200",
        action.trim(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.occurred_at, r.who, r.action, r.outcome, r.detail))
        .collect())
}

// The operators' second factor.

/// This session passed the second factor.
pub async fn mark_second_factor(tx: &mut PgConnection, session_id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET second_factor_at = now() WHERE id = $1 AND user_id = $2",
        session_id,
        user_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The operator's sealed TOTP secret, whether a code has confirmed it, and the last time
/// step used. `fresh` is stored first if they have none yet.
pub async fn enrolment(db: &sqlx::PgPool, user_id: Uuid, fresh: Vec<u8>) -> Result<(Vec<u8>, bool, i64), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO operator_mfa (user_id, secret_sealed) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
        user_id,
        fresh,
    )
    .execute(db)
    .await?;
    let row = sqlx::query!(
        r#"SELECT secret_sealed, confirmed_at IS NOT NULL AS "confirmed!", last_step FROM operator_mfa WHERE user_id = $1"#,
        user_id,
    )
    .fetch_one(db)
    .await?;
    Ok((row.secret_sealed, row.confirmed, row.last_step))
}

/// Takes a TOTP time step if it is later than the last one used (the row lock makes two
/// racing uses of one code count once); confirms the secret. True when taken.
pub async fn take_totp_step(tx: &mut PgConnection, user_id: Uuid, step: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query!(
        "UPDATE operator_mfa SET last_step = $2, confirmed_at = coalesce(confirmed_at, now())
         WHERE user_id = $1 AND last_step < $2",
        user_id,
        step,
    )
    .execute(tx)
    .await?;
    Ok(taken.rows_affected() == 1)
}

pub async fn insert_recovery_codes(
    tx: &mut PgConnection,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO operator_recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) h
         ON CONFLICT DO NOTHING",
        user_id,
        hashes,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Uses an unused recovery code; true when it was one.
pub async fn use_recovery_code(tx: &mut PgConnection, user_id: Uuid, hash: &[u8]) -> Result<bool, sqlx::Error> {
    let used = sqlx::query!(
        "UPDATE operator_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        user_id,
        hash,
    )
    .execute(tx)
    .await?;
    Ok(used.rows_affected() == 1)
}
