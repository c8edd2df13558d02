//! First-party product usage events, for the operator dashboard. Recorded in our own
//! database in the caller's transaction; no third-party analytics anywhere.

#![cfg(feature = "ssr")]

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The events the seed asks for.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    SignedUp,
    OnboardingStep,
    ScanCreated,
    LeadViewed,
    LeadsBought,
    CreditsPurchased,
    SequenceCreated,
    CallStarted,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedUp => "signed_up",
            Self::OnboardingStep => "onboarding_step",
            Self::ScanCreated => "scan_created",
            Self::LeadViewed => "lead_viewed",
            Self::LeadsBought => "leads_bought",
            Self::CreditsPurchased => "credits_purchased",
            Self::SequenceCreated => "sequence_created",
            Self::CallStarted => "call_started",
        }
    }
}

pub async fn record(
    db: impl PgExecutor<'_>,
    user_id: Option<Uuid>,
    event: Event,
    detail: Value,
) -> Result<(), sqlx::Error> {
    super::store::insert_usage(db, user_id, event.as_str(), detail).await
}
