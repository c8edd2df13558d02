//! A lead's outreach panel: its enrollments, the sequences it can join, everything sent to
//! it and everything that came back, the channels it opted out of, and the homeowner's
//! consent to be texted.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub what: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadOutreachData {
    pub sms_consent: bool,
    pub enrollments: Vec<(Uuid, String, String)>,
    pub sequences: Vec<(Uuid, String)>,
    pub timeline: Vec<TimelineEntry>,
    pub opted_out: Vec<String>,
}

#[server(prefix = "/api/pro", endpoint = "lead-outreach", input = GetUrl)]
pub async fn load_lead_outreach(id: String) -> Result<LeadOutreachData, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    lead_outreach(&services.pool, user.id, id).await
}

/// Records (or withdraws) the homeowner's consent to be texted. Without it, text steps
/// are skipped for this lead.
#[server(prefix = "/api/pro", endpoint = "lead-sms-consent")]
pub async fn set_sms_consent(id: String, consent: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let consent = match consent.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::field("consent", "choose yes or no")),
    };
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    if !store::set_sms_consent(&mut *tx, id, user.id, consent).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "id": id, "consent": consent });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "lead.sms_consent",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
async fn lead_outreach(pool: &sqlx::PgPool, user_id: Uuid, lead_id: Uuid) -> Result<LeadOutreachData, AppError> {
    use crate::platform::format_time;
    let lead = store::lead_contact(pool, lead_id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let enrollments = store::lead_enrollments(pool, lead_id, user_id).await?;
    let sequences = store::open_sequences(pool, user_id).await?;
    let events = store::lead_timeline(pool, lead_id, user_id).await?;
    let opted_out = store::opted_out_channels(pool, user_id, lead.phone.as_deref(), lead.email.as_deref()).await?;
    Ok(LeadOutreachData {
        sms_consent: lead.sms_consent,
        enrollments: enrollments
            .into_iter()
            .map(|(id, name, state, reason)| {
                (
                    id,
                    name,
                    reason.map_or(state.clone(), |r| format!("{state}: {}", r.replace('_', " "))),
                )
            })
            .collect(),
        sequences,
        timeline: events
            .into_iter()
            .map(|(at, what, detail)| TimelineEntry {
                at: format_time(at),
                what,
                detail,
            })
            .collect(),
        opted_out,
    })
}
