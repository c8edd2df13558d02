//! The browsers where someone turned alerts on.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::platform::push::Subscription;

/// Most browsers one person keeps alerts on in; a new one beyond it replaces the oldest.
const MOST: i64 = 10;

/// Saves her browser's subscription; false when that browser is another account's and the
/// request could not prove it is the same browser (its secret differs).
pub async fn save(tx: &mut sqlx::PgConnection, user_id: Uuid, s: &Subscription) -> Result<bool, sqlx::Error> {
    // The same browser signed in to another account moves to it: it knows the secret.
    let saved = sqlx::query!(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth_secret) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = $1, p256dh = $3, created_at = now()
         WHERE push_subscriptions.auth_secret = $4",
        user_id,
        s.endpoint,
        s.p256dh,
        s.auth
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
        user_id,
        MOST
    )
    .execute(&mut *tx)
    .await?;
    Ok(saved.rows_affected() == 1)
}

/// Forgets her browser's subscription; false when she had none at that address.
pub async fn forget(db: impl PgExecutor<'_>, user_id: Uuid, endpoint: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2",
        user_id,
        endpoint
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
