//! Enrollments: her leads joining a sequence (chosen, by scan, by score, or automatically as
//! they are bought), pausing, resuming or stopping one, and the development fast-forward of
//! the engine's clock to the next step due.

use domain::fishmouth::sequence::EnrollmentState;
#[cfg(feature = "ssr")]
use domain::fishmouth::sequence::SequenceStatus;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::{engine, store};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRow {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub address: String,
    pub state: EnrollmentState,
    pub reason: Option<String>,
    pub next: Option<String>,
}

/// Development only: moves the engine's clock to the next step due for this contractor,
/// so an end-to-end test can live through a sequence's days in seconds. Returns the
/// engine's new time. Production answers 404.
#[server(prefix = "/api/dev", endpoint = "sequences-advance")]
pub async fn dev_advance_sequences() -> Result<String, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    if !services.development {
        return Err(AppError::NotFound);
    }
    if let Some(next) = store::next_due(&services.pool, user.id).await? {
        fishmouth.clock.advance_to(engine::to_timestamp(next));
    }
    Ok(fishmouth.clock.now().to_string())
}

/// Enrolls her leads: the chosen ones, every lead of a scan, or every lead scoring at
/// least `min_score`. Leads already in this sequence, won or lost, or refunded are left out.
#[server(prefix = "/api/pro", endpoint = "sequence-enroll")]
pub async fn enroll_leads(
    id: String,
    #[server(default)] leads: Vec<String>,
    #[server(default)] scan: String,
    #[server(default)] min_score: String,
) -> Result<i64, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let lead_ids: Vec<Uuid> = leads
        .iter()
        .map(|l| Uuid::parse_str(l.trim()).map_err(|_| AppError::field("leads", "not a lead")))
        .collect::<Result<_, _>>()?;
    let scan = match scan.trim() {
        "" => None,
        s => Some(Uuid::parse_str(s).map_err(|_| AppError::field("scan", "not a scan"))?),
    };
    let min_score = match min_score.trim() {
        "" => None,
        s => Some(
            s.parse::<i16>()
                .ok()
                .filter(|v| (0..=100).contains(v))
                .ok_or_else(|| AppError::field("min_score", "a score from 0 to 100"))?,
        ),
    };
    if lead_ids.is_empty() && scan.is_none() && min_score.is_none() {
        return Err(AppError::field("leads", "choose leads, a scan or a minimum score"));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    match store::status(&mut tx, id, user.id, store::Lock::Share).await? {
        None => return Err(AppError::NotFound),
        Some(SequenceStatus::Active | SequenceStatus::Paused) => {}
        Some(_) => return Err(AppError::field("leads", "activate the sequence before enrolling leads")),
    }
    let candidates = store::enrollable_leads(&mut *tx, user.id, &lead_ids, scan, min_score).await?;
    let enrolled = enroll(&mut tx, user.id, id, &candidates).await?;
    tx.commit().await?;
    Ok(i64::try_from(enrolled.len()).unwrap_or(i64::MAX))
}

/// Pause, resume or stop one enrollment.
#[server(prefix = "/api/pro", endpoint = "enrollment")]
pub async fn change_enrollment(id: String, action: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let state = store::enrollment_state_for_update(&mut tx, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    match (action.as_str(), state) {
        ("pause", EnrollmentState::Active) => {
            store::pause_enrollment(&mut *tx, id, user.id).await?;
        }
        ("resume", EnrollmentState::Paused) => {
            store::resume_enrollment(&mut *tx, id, user.id).await?;
            engine::reschedule(&mut tx, &[id]).await?;
        }
        ("stop", EnrollmentState::Active | EnrollmentState::Paused) => {
            store::stop_enrollment(&mut *tx, id, user.id).await?;
        }
        ("pause" | "resume" | "stop", _) => {
            return Err(AppError::field("action", format!("this enrollment is {state}")));
        }
        _ => return Err(AppError::field("action", "choose pause, resume or stop")),
    }
    tx.commit().await?;
    Ok(())
}

/// Enrolls leads (already checked to be hers) and schedules their first step.
/// A lead already open in the sequence is skipped. Returns the new enrollments.
#[cfg(feature = "ssr")]
async fn enroll(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    sequence_id: Uuid,
    leads: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let ids = store::insert_enrollments(&mut *conn, user_id, sequence_id, leads).await?;
    engine::reschedule(conn, &ids).await?;
    Ok(ids)
}

/// New leads scoring at or above an active sequence's threshold join it as they are bought.
#[cfg(feature = "ssr")]
pub(crate) async fn auto_enroll(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    leads: &[Uuid],
) -> Result<usize, sqlx::Error> {
    let mut total = 0;
    for (sequence, min) in store::auto_enrolling(&mut *conn, user_id).await? {
        let chosen = store::leads_scoring(&mut *conn, user_id, leads, min).await?;
        total += enroll(conn, user_id, sequence, &chosen).await?.len();
    }
    Ok(total)
}
