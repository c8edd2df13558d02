//! Every query of a contractor's own number.

use sqlx::PgExecutor;
use uuid::Uuid;

pub struct Held {
    pub phone_number: String,
    pub order_id: Option<String>,
    /// `pending` until the provider's order succeeds, then `active`.
    pub status: String,
}

/// Her number, if she has one.
pub async fn held(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<Held>, sqlx::Error> {
    sqlx::query_as!(
        Held,
        "SELECT phone_number, order_id, status FROM fm_numbers WHERE user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Who holds `phone_number` (whatever its order's state: a text to it is hers).
pub async fn owner(db: impl PgExecutor<'_>, phone_number: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT user_id FROM fm_numbers WHERE phone_number = $1", phone_number)
        .fetch_optional(db)
        .await
}

/// Why a number could not be reserved for her.
pub enum Taken {
    /// She has one already.
    Hers,
    /// Another contractor has it.
    Theirs,
}

/// Reserves `phone_number` for her before it is ordered, so two requests can never order two
/// numbers for her, nor one number for two contractors.
pub async fn reserve(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    phone_number: &str,
) -> Result<Result<(), Taken>, sqlx::Error> {
    let result = sqlx::query!(
        "INSERT INTO fm_numbers (user_id, phone_number, status) VALUES ($1, $2, 'pending')",
        user_id,
        phone_number
    )
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("fm_numbers_pkey") => Ok(Err(Taken::Hers)),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("fm_numbers_phone_number_key") => {
            Ok(Err(Taken::Theirs))
        }
        Err(e) => Err(e),
    }
}

/// Records the provider's order for her reserved number and where it stands.
pub async fn ordered(db: impl PgExecutor<'_>, user_id: Uuid, order_id: &str, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_numbers SET order_id = $2, status = $3 WHERE user_id = $1",
        user_id,
        order_id,
        status
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Drops her reservation (its order failed or was refused).
pub async fn release(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM fm_numbers WHERE user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(())
}
