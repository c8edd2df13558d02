//! Roof condition read from an aerial image, for a lead she bought (so a home that already
//! passed the cheap factors): the imagery provider's picture of the home, read by a vision
//! model into a condition, the visible issues and a confidence (`domain::fishmouth::roof`).
//! She asks for it on the lead page with its price on the button; the wallet is charged only
//! for a reading that came back, and a reading is kept per home and model, so asking again
//! (or another contractor asking about the same home) costs nothing. Without a provider and a
//! model configured, or when either fails, the condition stays the property records' and the
//! page says so.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod store;

use crate::error::AppError;

/// A reading as the lead page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoofView {
    pub image_url: String,
    pub model: String,
    pub fetched_on: String,
    /// 0 (failing) to 100 (like new).
    pub condition: u8,
    pub findings: Vec<String>,
    pub confidence: u8,
}

/// Reads the lead's roof from an aerial image, charging `price` (the amount her button
/// showed, in cents) once the reading comes back.
#[server(prefix = "/api/pro", endpoint = "read-roof")]
pub async fn read_roof(lead_id: String, price: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&lead_id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = super::ssr::fishmouth()?;
    ssr::read_for_lead(&services.pool, &fishmouth.roofs, user.id, id, &price).await?;
    crate::platform::audit::success(
        &services.pool,
        &crate::platform::request_info(),
        user.id,
        "pro.roof_read",
        serde_json::json!({ "lead": id }),
    )
    .await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

    use base64::Engine as _;
    use domain::fishmouth::{
        pricing::format_cents,
        roof::{INSTRUCTIONS, RoofReading, TOOL_NAME, condition_factor_from, input_schema, parse_reading},
        scoring::WEIGHTS,
    };
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::{RoofView, store};
    use crate::error::AppError;

    pub type Boxed<'a, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

    /// An aerial picture of a home.
    pub struct RoofImage {
        pub bytes: Vec<u8>,
        /// "image/jpeg" or "image/png".
        pub media_type: String,
    }

    /// Why a provider gave nothing usable.
    #[derive(Debug, thiserror::Error)]
    pub enum ProviderError {
        /// The model declined to rate this image.
        #[error("the model declined to read this image")]
        Refused,
        /// An answer that is not the reading asked for.
        #[error("{0}")]
        Malformed(String),
        /// Down, slow, or refusing our key.
        #[error("{0}")]
        Unavailable(String),
    }

    /// Aerial images by location.
    pub trait Imagery: Send + Sync {
        /// None: no image of this place.
        fn image(&self, lat: f64, lon: f64) -> Boxed<'_, Option<RoofImage>, ProviderError>;
    }

    /// A static aerial image API addressed by a URL template with `{lat}`, `{lon}` and
    /// optionally `{key}` (Google's Static Maps with `maptype=satellite`, Mapbox's static
    /// satellite style, a county's orthophoto service...).
    pub struct TemplateImagery {
        pub http: reqwest::Client,
        pub template: String,
        pub key: String,
        pub timeout: Duration,
    }

    impl Imagery for TemplateImagery {
        fn image(&self, lat: f64, lon: f64) -> Boxed<'_, Option<RoofImage>, ProviderError> {
            let url = self
                .template
                .replace("{lat}", &format!("{lat:.6}"))
                .replace("{lon}", &format!("{lon:.6}"))
                .replace("{key}", &self.key);
            Box::pin(async move {
                let response = self
                    .http
                    .get(url)
                    .timeout(self.timeout)
                    .send()
                    .await
                    .map_err(|e| ProviderError::Unavailable(format!("the image service: {e}")))?;
                if response.status() == reqwest::StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                if !response.status().is_success() {
                    return Err(ProviderError::Unavailable(format!(
                        "the image service answered {}",
                        response.status()
                    )));
                }
                let media_type = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.split(';').next().unwrap_or("").trim().to_owned())
                    .filter(|t| t == "image/jpeg" || t == "image/png")
                    .ok_or_else(|| ProviderError::Malformed("the image service sent no JPEG or PNG".into()))?;
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| ProviderError::Unavailable(format!("the image service: {e}")))?;
                Ok(Some(RoofImage {
                    bytes: bytes.to_vec(),
                    media_type,
                }))
            })
        }
    }

    /// A vision model that rates a roof.
    pub trait RoofReader: Send + Sync {
        /// The model's name, kept with each reading.
        fn model(&self) -> &str;
        fn read<'a>(&'a self, image: &'a RoofImage) -> Boxed<'a, RoofReading, ProviderError>;
    }

    /// Anthropic's Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version:
    /// 2023-06-01`): the image as a base64 `image` block, and one tool the model must answer
    /// through (`tool_choice`), whose input is the reading. `stop_reason: "refusal"` is a
    /// refusal; anything but a `tool_use` block of that tool is malformed.
    pub struct AnthropicReader {
        pub http: reqwest::Client,
        pub base: String,
        pub api_key: String,
        pub model: String,
        pub timeout: Duration,
    }

    impl RoofReader for AnthropicReader {
        fn model(&self) -> &str {
            &self.model
        }

        fn read<'a>(&'a self, image: &'a RoofImage) -> Boxed<'a, RoofReading, ProviderError> {
            Box::pin(async move {
                let body = serde_json::json!({
                    "model": self.model,
                    "max_tokens": 400,
                    "system": INSTRUCTIONS,
                    "tools": [{
                        "name": TOOL_NAME,
                        "description": "Record the roof's condition, its visible issues and your confidence.",
                        "input_schema": input_schema(),
                    }],
                    "tool_choice": { "type": "tool", "name": TOOL_NAME },
                    "messages": [{
                        "role": "user",
                        "content": [
                            { "type": "image", "source": {
                                "type": "base64",
                                "media_type": image.media_type,
                                "data": base64::engine::general_purpose::STANDARD.encode(&image.bytes),
                            } },
                            { "type": "text", "text": "Rate the roof of the home at the centre of this image." }
                        ]
                    }]
                });
                let response = self
                    .http
                    .post(format!("{}/v1/messages", self.base))
                    .header("x-api-key", &self.api_key)
                    .header("anthropic-version", "2023-06-01")
                    .json(&body)
                    .timeout(self.timeout)
                    .send()
                    .await
                    .map_err(|e| ProviderError::Unavailable(format!("the vision model: {e}")))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(ProviderError::Unavailable(format!(
                        "the vision model answered {status}"
                    )));
                }
                let message: serde_json::Value = response
                    .json()
                    .await
                    .map_err(|e| ProviderError::Malformed(format!("an unreadable answer: {e}")))?;
                if message["stop_reason"] == "refusal" {
                    return Err(ProviderError::Refused);
                }
                let input = message["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|block| block["type"] == "tool_use" && block["name"] == TOOL_NAME)
                    .map(|block| &block["input"])
                    .ok_or_else(|| ProviderError::Malformed("the answer holds no reading".into()))?;
                parse_reading(input).map_err(|e| ProviderError::Malformed(e.to_string()))
            })
        }
    }

    /// The configured image provider and vision model, and what a reading costs her. Either
    /// missing: the lead page offers no reading.
    #[derive(Clone, Default)]
    pub struct Roofs {
        pub imagery: Option<Arc<dyn Imagery>>,
        pub reader: Option<Arc<dyn RoofReader>>,
        pub price_cents: i64,
    }

    impl Roofs {
        pub fn offered(&self) -> bool {
            self.imagery.is_some() && self.reader.is_some()
        }
    }

    fn roof_view(lead_id: Uuid, row: store::ReadingRow) -> RoofView {
        let reading: RoofReading = serde_json::from_value(row.reading).unwrap_or(RoofReading {
            condition: 50,
            findings: Vec::new(),
            confidence: 0,
        });
        RoofView {
            image_url: format!("/pro/leads/{lead_id}/roof-image"),
            model: row.model,
            fetched_on: row.fetched_on.to_string(),
            condition: reading.condition,
            findings: reading.findings.iter().map(|f| f.label().to_owned()).collect(),
            confidence: reading.confidence,
        }
    }

    /// The latest reading of this lead's home, if any (for the lead page).
    pub async fn for_lead(pool: &PgPool, lead_id: Uuid, property_id: i64) -> Result<Option<RoofView>, sqlx::Error> {
        Ok(store::latest(pool, property_id)
            .await?
            .map(|row| roof_view(lead_id, row)))
    }

    /// Reads the roof of her lead `lead_id`: a kept reading when there is one (free), else
    /// an image read by the model, charged once it comes back.
    pub async fn read_for_lead(
        pool: &PgPool,
        roofs: &Roofs,
        user_id: Uuid,
        lead_id: Uuid,
        price: &str,
    ) -> Result<(), AppError> {
        let (Some(imagery), Some(reader)) = (&roofs.imagery, &roofs.reader) else {
            return Err(AppError::field(
                "roof",
                "Roof images are not set up here: the condition comes from the property records.",
            ));
        };
        let (property_id, lat, lon, factors) = store::lead_home(pool, lead_id, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let kept = store::reading(pool, property_id, reader.model()).await?;
        let (reading, cost) = match kept {
            Some(row) => (serde_json::from_value(row.reading).map_err(|e| anyhow::anyhow!(e))?, 0),
            None => {
                if price.trim() != roofs.price_cents.to_string() {
                    return Err(AppError::field(
                        "roof",
                        format!(
                            "The price is now {} an image: check it and ask again.",
                            format_cents(roofs.price_cents)
                        ),
                    ));
                }
                // Each try costs us the provider's price: a few an hour, and none she cannot pay.
                crate::platform::rate_limit::hit(
                    pool,
                    &format!("roof-read:{user_id}"),
                    crate::platform::rate_limit::Limit::per_hour(60),
                )
                .await?;
                let balance = crate::fishmouth::store::balance(pool, user_id).await?;
                if balance < roofs.price_cents {
                    return Err(AppError::InsufficientCredits {
                        needed: format_cents(roofs.price_cents),
                        balance: format_cents(balance),
                    });
                }
                let fallback = |why: String| {
                    AppError::field(
                        "roof",
                        format!("{why}. Nothing was charged; the condition still comes from the property records."),
                    )
                };
                let image = imagery
                    .image(lat, lon)
                    .await
                    .map_err(|e| {
                        tracing::warn!(error = %e, "roof imagery");
                        fallback("No aerial image could be fetched just now".into())
                    })?
                    .ok_or_else(|| fallback("There is no aerial image of this home".into()))?;
                let reading = reader.read(&image).await.map_err(|e| {
                    tracing::warn!(error = %e, "roof reading");
                    fallback(match e {
                        ProviderError::Refused => "The vision model declined to read this image".into(),
                        ProviderError::Malformed(_) => "The vision model's answer could not be used".into(),
                        ProviderError::Unavailable(_) => "The vision model did not answer in time".into(),
                    })
                })?;
                let mut tx = pool.begin().await?;
                crate::fishmouth::charge(
                    &mut tx,
                    user_id,
                    roofs.price_cents,
                    "roof_image",
                    &format!("roof image for lead {lead_id}"),
                )
                .await?;
                store::keep(
                    &mut *tx,
                    property_id,
                    reader.model(),
                    serde_json::to_value(&reading).map_err(|e| anyhow::anyhow!(e))?,
                    &image.bytes,
                    &image.media_type,
                    roofs.price_cents,
                )
                .await?;
                tx.commit().await?;
                (reading, roofs.price_cents)
            }
        };
        // Her lead's condition factor now comes from the image; the score follows.
        let mut factors: domain::fishmouth::scoring::Factors =
            serde_json::from_value(factors).map_err(|e| anyhow::anyhow!(e))?;
        factors.condition = condition_factor_from(&reading);
        let score = i16::from(factors.combine(&WEIGHTS));
        let factors = serde_json::to_value(factors).map_err(|e| anyhow::anyhow!(e))?;
        store::rescore(pool, lead_id, user_id, score, factors).await?;
        tracing::info!(lead = %lead_id, cost, "roof read");
        Ok(())
    }

    /// `GET /pro/leads/{id}/roof-image`: the image her lead's reading was made from.
    pub async fn image(
        axum::extract::State(services): axum::extract::State<crate::platform::Services>,
        crate::auth::guards::Contractor { user, .. }: crate::auth::guards::Contractor,
        axum::extract::Path(lead_id): axum::extract::Path<String>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let Ok(lead_id) = lead_id.parse::<Uuid>() else {
            return AppError::NotFound.into_response();
        };
        match store::lead_image(&services.pool, lead_id, user.id).await {
            Ok(Some((bytes, media_type))) => (
                [
                    (http::header::CONTENT_TYPE, media_type),
                    (http::header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
                ],
                bytes,
            )
                .into_response(),
            Ok(None) => AppError::NotFound.into_response(),
            Err(e) => AppError::from(e).into_response(),
        }
    }
}
