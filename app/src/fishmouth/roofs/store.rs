//! Roof readings' queries: kept per home and model; read and changed only through a lead
//! of the contractor asking.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

pub struct ReadingRow {
    pub model: String,
    pub fetched_on: time::Date,
    pub reading: serde_json::Value,
}

/// Her lead's home (id, latitude, longitude) and the lead's factors.
pub async fn lead_home(
    pool: &PgPool,
    lead_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(i64, f64, f64, serde_json::Value)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT l.property_id, p.lat, p.lon, l.factors FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL",
        lead_id,
        user_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.property_id, r.lat, r.lon, r.factors)))
}

/// The reading this model made of this home, if any.
pub async fn reading(pool: &PgPool, property_id: i64, model: &str) -> Result<Option<ReadingRow>, sqlx::Error> {
    sqlx::query_as!(
        ReadingRow,
        "SELECT model, fetched_on, reading FROM fm_roof_readings WHERE property_id = $1 AND model = $2",
        property_id,
        model,
    )
    .fetch_optional(pool)
    .await
}

/// The newest reading of this home by any model.
pub async fn latest(pool: &PgPool, property_id: i64) -> Result<Option<ReadingRow>, sqlx::Error> {
    sqlx::query_as!(
        ReadingRow,
        "SELECT model, fetched_on, reading FROM fm_roof_readings WHERE property_id = $1 ORDER BY created_at DESC LIMIT 1",
        property_id,
    )
    .fetch_optional(pool)
    .await
}

pub async fn keep(
    db: impl PgExecutor<'_>,
    property_id: i64,
    model: &str,
    reading: serde_json::Value,
    image: &[u8],
    media_type: &str,
    cost_cents: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_roof_readings (property_id, model, reading, image, media_type, cost_cents)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (property_id, model) DO UPDATE SET reading = EXCLUDED.reading, image = EXCLUDED.image,
             media_type = EXCLUDED.media_type, cost_cents = EXCLUDED.cost_cents, fetched_on = current_date,
             created_at = now()",
        property_id,
        model,
        reading,
        image,
        media_type,
        i32::try_from(cost_cents).unwrap_or(i32::MAX),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her lead's score and factors, after the condition came from an image.
pub async fn rescore(
    pool: &PgPool,
    lead_id: Uuid,
    user_id: Uuid,
    score: i16,
    factors: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET score = $3, factors = $4 WHERE id = $1 AND user_id = $2",
        lead_id,
        user_id,
        score,
        factors,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The image behind the newest reading of her lead's home.
pub async fn lead_image(pool: &PgPool, lead_id: Uuid, user_id: Uuid) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT r.image, r.media_type FROM leads l JOIN fm_roof_readings r ON r.property_id = l.property_id
         WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL ORDER BY r.created_at DESC LIMIT 1",
        lead_id,
        user_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.image, r.media_type)))
}
