//! The operators' queries: finding and disabling accounts, support tickets, the audit log.
//! Server only.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// An account as operators see it: id, email, name, product, created, verified, disabled, operator.
pub type UserRow = (Uuid, String, String, String, OffsetDateTime, bool, bool, bool);

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
    sqlx::query_as(
        "SELECT id, email, display_name, product, created_at, email_verified_at IS NOT NULL, disabled_at IS NOT NULL, is_admin
         FROM users WHERE email ILIKE $1 OR display_name ILIKE $1 ORDER BY created_at DESC LIMIT 100",
    )
    .bind(pattern)
    .fetch_all(db)
    .await
}

/// Disables (or enables again) an account; false when there is no such account.
pub async fn set_disabled(tx: &mut PgConnection, id: Uuid, disable: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE users SET disabled_at = CASE WHEN $2 THEN now() END WHERE id = $1")
        .bind(id)
        .bind(disable)
        .execute(tx)
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// A support ticket: id, her email, subject, body, page she wrote from, status, created.
pub type TicketRow = (i64, String, String, String, Option<String>, String, OffsetDateTime);

/// Open tickets first, then the rest, newest first; 200 at most.
pub async fn tickets(db: impl PgExecutor<'_>) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, u.email, t.subject, t.body, t.page, t.status, t.created_at
         FROM support_tickets t JOIN users u ON u.id = t.user_id
         ORDER BY (t.status = 'open') DESC, t.created_at DESC LIMIT 200",
    )
    .fetch_all(db)
    .await
}

/// Marks a ticket answered: who asked (id, email) and its subject; None when there is no such ticket.
/// Marks a ticket answered: (her id, email, product, the ticket's subject).
pub async fn answer_ticket(
    tx: &mut PgConnection,
    id: i64,
) -> Result<Option<(Uuid, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE support_tickets t SET status = 'answered' FROM users u
         WHERE t.id = $1 AND u.id = t.user_id RETURNING u.id, u.email, u.product, t.subject",
    )
    .bind(id)
    .fetch_optional(tx)
    .await
}

/// An audit entry: when, who (email, or the id of a deleted account), action, outcome, detail.
pub type AuditRow = (OffsetDateTime, Option<String>, String, String, serde_json::Value);

/// The latest 200 entries whose action starts with `action` (all, when it is empty).
pub async fn audit_log(db: impl PgExecutor<'_>, action: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.occurred_at, coalesce(u.email, a.actor_id::text), a.action, a.outcome, a.detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE $1 = '' OR a.action LIKE $1 || '%'
         ORDER BY a.id DESC LIMIT 200",
    )
    .bind(action.trim())
    .fetch_all(db)
    .await
}
