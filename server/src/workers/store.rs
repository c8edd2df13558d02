//! The platform workers' queries: the outbox's claims and outcomes, and retention. Every
//! statement is safe with any number of workers on any number of instances.

use sqlx::PgExecutor;

/// A message claimed for delivery.
#[derive(sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub user_id: Option<uuid::Uuid>,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
    pub idempotency_key: String,
    pub list_unsubscribe: Option<String>,
    pub reply_to: Option<String>,
    /// The display name to send under; empty: MAIL_FROM's own.
    pub sender_name: String,
    /// The number a text goes from; None: the shared TELNYX_FROM_NUMBER.
    pub from_number: Option<String>,
    /// The address an email goes from (a customer's own domain); None: MAIL_FROM's.
    pub from_address: Option<String>,
}

/// The DKIM key of `user_id`'s verified sending domain: its row id (the key's seal names it),
/// selector and sealed private key.
pub async fn dkim_key(
    db: impl PgExecutor<'_>,
    user_id: uuid::Uuid,
    domain: &str,
) -> Result<Option<(uuid::Uuid, String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, selector, private_key_sealed FROM sending_domains
         WHERE user_id = $1 AND domain = $2 AND verified_at IS NOT NULL",
        user_id,
        domain
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.selector, r.private_key_sealed)))
}

/// The browser subscription `id` a push message goes to.
pub async fn push_subscription(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<app::platform::push::Subscription>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT endpoint, p256dh, auth_secret FROM push_subscriptions WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| app::platform::push::Subscription {
        endpoint: r.endpoint,
        p256dh: r.p256dh,
        auth: r.auth_secret,
    }))
}

/// Forgets a subscription its push service no longer knows (404 or 410).
pub async fn forget_push_subscription(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM push_subscriptions WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

impl Claimed {
    /// The message as a product's delivery hook sees it.
    pub fn addressed(&self) -> app::platform::outbox::Addressed {
        app::platform::outbox::Addressed {
            id: self.id,
            user_id: self.user_id,
            recipient: self.recipient.clone(),
            idempotency_key: self.idempotency_key.clone(),
        }
    }
}

/// Marks up to `batch` due messages `sending` (FOR UPDATE SKIP LOCKED: each goes to one
/// worker) and returns them.
pub async fn claim_due(db: impl PgExecutor<'_>, batch: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = now()
         WHERE id IN (SELECT id FROM outbox
                      WHERE status = 'pending' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at
                      LIMIT $1
                      FOR UPDATE SKIP LOCKED)
         RETURNING id, user_id, channel, recipient, subject, body_text, body_html, attempts, idempotency_key, list_unsubscribe, reply_to, sender_name, from_number, from_address",
        batch,
    )
    .fetch_all(db)
    .await
}

/// Cancels claimed messages a product withholds.
pub async fn cancel_withheld(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'cancelled', last_error = 'withheld' WHERE id = ANY($1) AND status = 'sending'",
        ids,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A sent message keeps its envelope but not its body: links in it stop living in the database.
pub async fn record_sent(db: impl PgExecutor<'_>, id: i64, provider_id: Option<String>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL, body_text = '', body_html = '', provider_id = $2
         WHERE id = $1",
        id,
        provider_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt on a message still ours (an opt-out may have cancelled it
/// meanwhile): `status` with a retry after `delay_secs`, cancelled instead when the retry
/// would land after the allowed hours end.
pub async fn record_failure(
    db: impl PgExecutor<'_>,
    id: i64,
    status: domain::DeliveryStatus,
    error: &str,
    delay_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET
             status = CASE WHEN $2 = 'pending' AND not_after < now() + make_interval(secs => $4) THEN 'cancelled' ELSE $2 END,
             last_error = $3, next_attempt_at = now() + make_interval(secs => $4)
         WHERE id = $1 AND status = 'sending'",
        id,
        status as _,
        error,
        delay_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels waiting messages whose allowed hours have ended.
pub async fn cancel_expired(db: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'cancelled', last_error = 'the allowed hours ended before it could be delivered'
         WHERE status = 'pending' AND not_after < now()"
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Fails messages left `sending` longer than `after_secs`: whether they left is unknown.
pub async fn fail_interrupted(db: impl PgExecutor<'_>, after_secs: f64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'failed', last_error = 'delivery interrupted; not retried so it is never sent twice'
         WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)",
        after_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Keeps a development copy of a message (once per outbox row).
pub async fn to_dev_mailbox(db: impl PgExecutor<'_>, message: &Claimed, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO dev_mailbox (outbox_id, recipient, subject, body_text, body_html)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (outbox_id) DO NOTHING",
        message.id,
        message.recipient,
        subject,
        message.body_text,
        message.body_html,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many days retention keeps each kind of row.
pub struct Kept {
    pub rate_limits: i32,
    pub sessions: i32,
    pub sent_bodies: i32,
    pub exports: i32,
}

/// Prunes rate-limit windows, ended sessions (with their refresh tokens), sent messages'
/// bodies (the row stays, so the same message is never sent twice) and finished exports with
/// their files, each after its days; rows changed.
pub async fn prune(pool: &sqlx::PgPool, kept: Kept) -> Result<u64, sqlx::Error> {
    let mut changed = sqlx::query!(
        "DELETE FROM rate_limits WHERE window_start < now() - make_interval(days => $1)",
        kept.rate_limits,
    )
    .execute(pool)
    .await?
    .rows_affected();
    changed += sqlx::query!(
        "DELETE FROM sessions WHERE least(expires_at, coalesce(revoked_at, expires_at)) < now() - make_interval(days => $1)",
        kept.sessions,
    )
    .execute(pool)
    .await?
    .rows_affected();
    changed += sqlx::query!(
        "UPDATE outbox SET subject = '', body_text = '', body_html = ''
         WHERE status = 'sent' AND sent_at < now() - make_interval(days => $1) AND body_text <> ''",
        kept.sent_bodies,
    )
    .execute(pool)
    .await?
    .rows_affected();
    changed += sqlx::query!(
        "DELETE FROM export_jobs WHERE status IN ('done', 'failed') AND finished_at < now() - make_interval(days => $1)",
        kept.exports,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed)
}
