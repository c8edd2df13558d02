//! Fish Mouth's queries for buying leads and for the wallet. Each query about a contractor's
//! rows is scoped by her id. Server only. (The rest of Fish Mouth's queries still sit beside
//! their server functions; they move here feature by feature.)

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

// Buying the leads of a scan.

/// Her wallet row, created if need be and locked: her purchases run one at a time, and the
/// second sees what the first bought.
pub async fn lock_wallet(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO wallets (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT 1 FROM wallets WHERE user_id = $1 FOR UPDATE")
        .bind(user_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Whether her scan has finished; None when it is not hers.
pub async fn scan_finished(db: impl PgExecutor<'_>, scan_id: Uuid, user_id: Uuid) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT status = 'done' FROM scans WHERE id = $1 AND user_id = $2")
        .bind(scan_id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// How many of the scan's homes scoring `from_score` or more she does not own yet, and
/// what they cost together.
pub async fn leads_for_sale(
    db: impl PgExecutor<'_>,
    scan_id: Uuid,
    user_id: Uuid,
    from_score: u8,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), coalesce(sum(r.price_cents), 0)::bigint FROM scan_results r
         WHERE r.scan_id = $1 AND r.user_id = $2 AND r.score >= $3
           AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.user_id = $2 AND l.property_id = r.property_id)",
    )
    .bind(scan_id)
    .bind(user_id)
    .bind(i16::from(from_score))
    .fetch_one(db)
    .await
}

/// Makes those homes her leads; returns the new leads' ids.
pub async fn buy_leads(
    db: impl PgExecutor<'_>,
    scan_id: Uuid,
    user_id: Uuid,
    from_score: u8,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO leads (id, user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents)
         SELECT gen_random_uuid(), r.user_id, r.property_id, r.scan_id, r.score, r.factors, r.reasons, r.confidence, r.price_cents
         FROM scan_results r
         WHERE r.scan_id = $1 AND r.user_id = $2 AND r.score >= $3
         ON CONFLICT (user_id, property_id) DO NOTHING
         RETURNING id",
    )
    .bind(scan_id)
    .bind(user_id)
    .bind(i16::from(from_score))
    .fetch_all(db)
    .await
}

// The wallet. Its balance never goes negative: a CHECK in the database and the conditional
// UPDATE in `debit`.

pub async fn balance(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT balance_cents FROM wallets WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?
            .unwrap_or(0),
    )
}

/// Takes `cents` if her wallet holds them; the balance after, or None when it holds less.
pub async fn debit(db: impl PgExecutor<'_>, user_id: Uuid, cents: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE wallets SET balance_cents = balance_cents - $2, updated_at = now()
         WHERE user_id = $1 AND balance_cents >= $2 RETURNING balance_cents",
    )
    .bind(user_id)
    .bind(cents)
    .fetch_optional(db)
    .await
}

/// Adds `cents` (creating the wallet); the balance after, or None when the account is gone.
pub async fn deposit(db: impl PgExecutor<'_>, user_id: Uuid, cents: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO wallets (user_id, balance_cents) SELECT id, $2 FROM users WHERE id = $1
         ON CONFLICT (user_id) DO UPDATE SET balance_cents = wallets.balance_cents + $2, updated_at = now()
         RETURNING balance_cents",
    )
    .bind(user_id)
    .bind(cents)
    .fetch_optional(db)
    .await
}

/// One change to her wallet, as the ledger keeps it.
pub struct Entry<'a> {
    pub user_id: Uuid,
    /// `top_up`, `lead_charge`, `refund`, ...
    pub kind: &'a str,
    /// Negative for money taken.
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub reference: &'a str,
}

pub async fn add_to_ledger(db: impl PgExecutor<'_>, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO wallet_ledger (user_id, kind, amount_cents, balance_after_cents, reference) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(entry.user_id)
    .bind(entry.kind)
    .bind(entry.amount_cents)
    .bind(entry.balance_after_cents)
    .bind(entry.reference)
    .execute(db)
    .await?;
    Ok(())
}

/// Her latest 100 ledger rows, newest first: when, kind, amount, balance after, reference.
pub async fn ledger(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(time::OffsetDateTime, String, i64, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT created_at, kind, amount_cents, balance_after_cents, reference FROM wallet_ledger
         WHERE user_id = $1 ORDER BY id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Records a Stripe event once; false when it was seen before. `user_id` is kept only if
/// that account exists.
pub async fn record_stripe_event(
    db: impl PgExecutor<'_>,
    event_id: &str,
    kind: &str,
    user_id: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO stripe_events (id, type, user_id)
         SELECT $1, $2, (SELECT id FROM users WHERE id = $3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(event_id)
    .bind(kind)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
