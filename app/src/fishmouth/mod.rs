//! Fish Mouth: property data, area scans, scored leads, the prepaid wallet, onboarding and
//! dashboards, for roofing contractors. Rules live in `domain::fishmouth`; this is the I/O.

mod brand;
pub mod calls;
mod dashboard;
pub mod imports;
mod leads;
pub mod map;
pub mod numbers;
mod onboarding;
pub mod places;
#[cfg(feature = "ssr")]
pub mod properties;
pub mod refunds;
pub mod roofs;
pub mod scans;
mod sending;
pub mod sequences;
#[cfg(feature = "ssr")]
mod store;
#[cfg(feature = "ssr")]
pub mod stripe;
pub mod voice;
mod wallet;

pub use brand::BRAND;
pub use calls::{CallPage, CallsPage};
pub use dashboard::*;
pub use imports::{ImportPage, ImportsPage};
pub use leads::*;
pub use numbers::{NumberPage, TakeNumber, load_number, take_number};
pub use onboarding::*;
pub use scans::{
    ListScans, LoadMap, LoadScan, MapData, ResultRow, ScanPage, ScanSummary, ScanView, ScansPage, StartScan,
    list_scans, load_map, load_scan, start_scan,
};
pub use sending::{CheckSendingDomain, RemoveSendingDomain, SendingPage, SetSendingAddress, load_sending};
pub use sequences::*;
pub use voice::{CallSimulatorPage, VoiceSettingsPage};
pub use wallet::*;

/// The leads list's filter, as the form and the query string carry it (checked by the store).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeadFilter {
    #[serde(default)]
    pub min_score: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub scan: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use crate::error::AppError;
    use crate::platform::Services;

    /// Fish Mouth's own context: its outside services and the sequence engine's clock. The
    /// platform's `Services` knows nothing of Fish Mouth; the server provides both, to
    /// server functions as Leptos context and to Fish Mouth's own routes as state.
    pub struct FishMouth {
        /// Stripe's secret key; None: top-ups only through the development path.
        pub stripe_secret_key: Option<String>,
        /// Signs Stripe's webhook events; None: the webhook answers 404 and top-ups are off.
        pub stripe_webhook_secret: Option<String>,
        pub stripe_api_base: String,
        pub map_tiles_url: Option<String>,
        pub http: reqwest::Client,
        /// Signs the inbound mail webhook (replies to sequence email); None: it answers 404.
        pub inbound_email_secret: Option<String>,
        /// Postmark's inbound webhook credentials, "user:password" (None: it answers 404).
        pub postmark_inbound_auth: Option<String>,
        /// Where replies come back: `reply+<enrollment>@<reply_domain>` (None: no Reply-To).
        pub reply_domain: Option<String>,
        /// Reads contractors' DNS, to verify their own sending domains.
        pub dns: Arc<dyn crate::platform::sending::DnsTxt>,
        /// The mail provider's SPF domain, for the SPF record a contractor publishes.
        pub spf_include: Option<String>,
        /// Buys contractors their own numbers (None: production without Telnyx).
        pub numbers: Option<Arc<dyn crate::platform::numbers::PhoneNumbers>>,
        /// Finds addresses the stored homes do not hold (None: the stored homes only).
        pub geocoder: Option<Arc<dyn super::places::ssr::Geocoder>>,
        /// Aerial images and the vision model that reads roofs from them (both None: off).
        pub roofs: super::roofs::ssr::Roofs,
        /// The sequence engine's clock (moved only by the development fast-forward).
        pub clock: super::sequences::engine::Clock,
        /// The call assistant's telephone line and speech services (None: no calls).
        pub voice: Option<Arc<super::calls::ssr::Voice>>,
    }

    /// Fish Mouth's numbers for the metrics page: waiting scans, due sequence steps and how
    /// long the oldest has waited.
    pub async fn gauges(pool: &sqlx::PgPool) -> Result<Vec<crate::platform::Gauge>, sqlx::Error> {
        use crate::platform::Gauge;
        let scans = super::store::scans_waiting(pool).await?;
        let (due, lag) = super::sequences::store::due_steps(pool).await?;
        Ok(vec![
            Gauge {
                name: "sasa_sequence_due_steps",
                help: "Sequence steps due and not yet taken.",
                value: due as f64,
            },
            Gauge {
                name: "sasa_sequence_lag_seconds",
                help: "How long the oldest due sequence step has waited.",
                value: lag,
            },
            Gauge {
                name: "sasa_scans_waiting",
                help: "Area scans queued or running.",
                value: scans as f64,
            },
        ])
    }

    /// The state of Fish Mouth's plain axum routes (webhooks, the CSV export).
    #[derive(Clone)]
    pub struct FishMouthState {
        pub services: Services,
        pub fishmouth: Arc<FishMouth>,
    }

    impl axum::extract::FromRef<FishMouthState> for Services {
        fn from_ref(state: &FishMouthState) -> Self {
            state.services.clone()
        }
    }

    impl axum::extract::FromRef<FishMouthState> for Arc<FishMouth> {
        fn from_ref(state: &FishMouthState) -> Self {
            state.fishmouth.clone()
        }
    }

    /// This request's Fish Mouth context (missing only once a page's client has gone).
    pub fn fishmouth() -> Result<Arc<FishMouth>, AppError> {
        leptos::prelude::use_context::<Arc<FishMouth>>().ok_or(AppError::Gone)
    }
}

/// The routes only the server has: the Stripe and inbound-mail webhooks, unsubscribe links
/// and the CSV export.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<ssr::FishMouthState> {
    axum::Router::new()
        .route("/webhooks/stripe", axum::routing::post(stripe_webhook))
        .route("/pro/leads.csv", axum::routing::get(leads::export_csv))
        .route("/pro/imports/upload", axum::routing::post(imports::ssr::upload))
        .route("/pro/leads/{id}/roof-image", axum::routing::get(roofs::ssr::image))
        .merge(sequences::inbound::routes())
        .merge(calls::ssr::routes())
}

#[cfg(feature = "ssr")]
async fn stripe_webhook(
    axum::extract::State(services): axum::extract::State<crate::platform::Services>,
    axum::extract::State(fishmouth): axum::extract::State<std::sync::Arc<ssr::FishMouth>>,
    parts: http::request::Parts,
    body: axum::body::Bytes,
) -> http::StatusCode {
    use http::StatusCode;
    // Without its own secret (production with no Stripe set up) there is no webhook at all.
    let Some(secret) = fishmouth.stripe_webhook_secret.as_deref() else {
        return StatusCode::NOT_FOUND;
    };
    let request = crate::platform::RequestInfo::from_parts(&parts);
    let signature = parts.headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match wallet::receive_top_up(&services.pool, &request, secret, signature, &body, now).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "stripe webhook");
            StatusCode::OK
        }
        Err(wallet::TopUpError::Stripe(stripe::WebhookError::Signature(e))) => {
            tracing::warn!(error = %e, "stripe webhook refused");
            StatusCode::BAD_REQUEST
        }
        Err(wallet::TopUpError::Stripe(stripe::WebhookError::Payload(e))) => {
            tracing::warn!(error = %e, "stripe webhook unreadable");
            StatusCode::BAD_REQUEST
        }
        Err(wallet::TopUpError::Database(e)) => {
            // Stripe retries on a 5xx: nothing is lost.
            tracing::error!(error = %e, "stripe webhook");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
