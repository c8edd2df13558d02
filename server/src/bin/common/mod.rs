//! What the benchmark tools share: a signed-in account made through the server's own API, and
//! an area holding a given number of the generated homes.

use std::time::Duration;

use anyhow::Context;
use domain::fishmouth::geo::{Area, Point};
use sqlx::PgPool;
use uuid::Uuid;

/// Signs up `email` for `product` through the API, confirms it from the development mailbox,
/// and signs `client` in (its cookie store keeps the session). Returns the account's id.
pub async fn signed_in(
    client: &reqwest::Client,
    base: &str,
    pool: &PgPool,
    email: &str,
    product: &str,
) -> anyhow::Result<Uuid> {
    let password = "a long and happy benchmark password";
    client
        .post(format!("{base}/api/auth/register"))
        .form(&[
            ("email", email),
            ("password", password),
            ("display_name", "Bench"),
            ("product", product),
            ("language", "en"),
            ("timezone", "America/Chicago"),
        ])
        .send()
        .await?
        .error_for_status()?;
    let mut body = String::new();
    for _ in 0..100 {
        if let Some(text) = sqlx::query_scalar::<_, String>(
            "SELECT body_text FROM dev_mailbox WHERE position($1 IN recipient) > 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_optional(pool)
        .await?
        {
            body = text;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = body
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .context("verification link")?;
    client
        .post(format!("{base}/api/auth/verify-email"))
        .form(&[("token", token)])
        .send()
        .await?
        .error_for_status()?;
    client
        .post(format!("{base}/api/auth/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?
        .error_for_status()?;
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await?)
}

/// A square around the sample's centre holding about `target` homes.
/// A square around Dallas holding about `target` of the stored homes.
pub async fn square_holding(pool: &PgPool, target: usize) -> anyhow::Result<Area> {
    let (lat, lon) = (32.7767, -96.7970);
    let half: f64 = sqlx::query_scalar(
        "SELECT max(d) FROM (SELECT greatest(abs(lat - $1), abs(lon - $2)) d FROM properties ORDER BY 1 LIMIT $3) s",
    )
    .bind(lat)
    .bind(lon)
    .bind(i64::try_from(target)?)
    .fetch_one(pool)
    .await?;
    let corner = |dlat: f64, dlon: f64| Point {
        lat: lat + dlat,
        lon: lon + dlon,
    };
    Ok(Area::Polygon(vec![
        corner(half, -half),
        corner(half, half),
        corner(-half, half),
        corner(-half, -half),
    ]))
}
