//! Outreach sequences: the builder's server functions, enrollment, reps' tasks and the
//! reports. The rules are in `domain::fishmouth::{sequence, schedule}`; delivery is
//! [`engine`]; replies, opt-outs and unsubscribes arrive through [`inbound`].

#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod inbound;
mod pages;
#[cfg(feature = "ssr")]
mod templates;

use domain::fishmouth::{
    schedule::SendingWindow,
    sequence::{MergeData, StepInput},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

pub use pages::{LeadOutreach, SequencePage, SequencesPage, TasksPage, UnsubscribePage, use_lead_outreach};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceSummary {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub steps: i64,
    pub enrolled: i64,
    pub active: i64,
    pub updated: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateInfo {
    pub key: String,
    pub name: String,
    pub description: String,
    pub steps: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceList {
    pub sequences: Vec<SequenceSummary>,
    pub templates: Vec<TemplateInfo>,
}

/// A lead the builder can preview a template against, with what its merge fields become.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLead {
    pub id: Uuid,
    pub label: String,
    pub data: MergeData,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub kind: String,
    pub summary: String,
    pub removed: bool,
    pub sent: i64,
    pub queued: i64,
    pub failed: i64,
    pub skipped: i64,
    pub tasks_open: i64,
    pub tasks_done: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub enrolled: i64,
    pub active: i64,
    pub paused: i64,
    pub finished: i64,
    pub replied: i64,
    pub opted_out: i64,
    pub bounced: i64,
    pub stopped_other: i64,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRow {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub address: String,
    pub state: String,
    pub reason: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceData {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub window: SendingWindow,
    pub auto_enroll: Option<i16>,
    pub steps: Vec<StepInput>,
    pub preview: Vec<PreviewLead>,
    pub scans: Vec<(Uuid, String)>,
    pub report: Report,
    pub enrollments: Vec<EnrollmentRow>,
    /// Email steps need the sender's postal address (CAN-SPAM) before the sequence runs.
    pub postal_address_missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRow {
    pub enrollment_id: Uuid,
    pub step_id: Uuid,
    pub lead_id: Uuid,
    pub kind: String,
    pub sequence: String,
    pub address: String,
    pub owner: Option<String>,
    pub phone: Option<String>,
    pub script: String,
    pub opened: String,
    /// The lead's local time now, and whether calling is allowed at this moment.
    pub local_time: String,
    pub callable_now: bool,
}

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

/// The sending window as the form posts it: `window[days][3]=3`, `window[start]=9`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInput {
    #[serde(default)]
    pub days: Vec<String>,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    pub company: String,
    pub done: bool,
}

/// Public: whose emails the link stops, and whether it already has.
#[server(prefix = "/api", endpoint = "unsubscribe-status", input = GetUrl)]
pub async fn load_unsubscribe(token: String) -> Result<UnsubscribeView, AppError> {
    let services = crate::platform::services()?;
    let (company, done) = inbound::unsubscribe_status(&services.pool, &inbound::token_only(&token))
        .await?
        .ok_or(AppError::InvalidLink)?;
    Ok(UnsubscribeView { company, done })
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
    let next: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT min(next_due_at) FROM fm_enrollments WHERE user_id = $1 AND state = 'active'")
            .bind(user.id)
            .fetch_one(&services.pool)
            .await?;
    if let Some(next) = next {
        fishmouth.clock.advance_to(engine::to_timestamp(next));
    }
    Ok(fishmouth.clock.now().to_string())
}

#[server(prefix = "/api/pro", endpoint = "sequences", input = GetUrl)]
pub async fn load_sequences() -> Result<SequenceList, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let rows: Vec<(Uuid, String, String, i64, i64, i64, time::OffsetDateTime)> = sqlx::query_as(
        "SELECT s.id, s.name, s.status,
                (SELECT count(*) FROM fm_sequence_steps st WHERE st.sequence_id = s.id AND st.removed_at IS NULL),
                (SELECT count(*) FROM fm_enrollments e WHERE e.sequence_id = s.id),
                (SELECT count(*) FROM fm_enrollments e WHERE e.sequence_id = s.id AND e.state = 'active'),
                s.updated_at
         FROM fm_sequences s WHERE s.user_id = $1
         ORDER BY s.status = 'archived', s.updated_at DESC",
    )
    .bind(user.id)
    .fetch_all(&services.pool)
    .await?;
    Ok(SequenceList {
        sequences: rows
            .into_iter()
            .map(|(id, name, status, steps, enrolled, active, updated)| SequenceSummary {
                id,
                name,
                status,
                steps,
                enrolled,
                active,
                updated: crate::platform::format_time(updated),
            })
            .collect(),
        templates: templates::all()
            .iter()
            .map(|t| TemplateInfo {
                key: t.key.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                steps: t.steps.len(),
            })
            .collect(),
    })
}

/// A new draft: empty (one email step) or a copy of a ready template.
#[server(prefix = "/api/pro", endpoint = "sequence-create")]
pub async fn create_sequence(
    #[server(default)] name: String,
    #[server(default)] template: String,
) -> Result<Uuid, AppError> {
    use domain::fishmouth::sequence::{StepKind, blank_step, parse_name, parse_steps};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let (name, window, steps) = match template.trim() {
        "" => {
            let name = parse_name(&name).map_err(|e| AppError::field(&e.field, e.message))?;
            (name, SendingWindow::default(), vec![blank_step(StepKind::Email)])
        }
        key => {
            let t = templates::all()
                .iter()
                .find(|t| t.key == key)
                .ok_or_else(|| AppError::field("template", "choose one of the ready sequences"))?;
            (t.name.clone(), t.window(), t.steps.clone())
        }
    };
    let steps = parse_steps(&steps).map_err(invalid)?;
    let id = Uuid::new_v4();
    let mut tx = services.pool.begin().await?;
    sqlx::query(
        "INSERT INTO fm_sequences (id, user_id, name, window_days, window_start, window_end) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user.id)
    .bind(&name)
    .bind(i16::from(window.days))
    .bind(i16::from(window.start_hour))
    .bind(i16::from(window.end_hour))
    .execute(&mut *tx)
    .await?;
    ssr::write_steps(&mut tx, user.id, id, &steps).await?;
    crate::platform::audit::record(
        &mut *tx,
        &crate::platform::request_info(),
        Some(user.id),
        "sequence.create",
        crate::platform::audit::Outcome::Success,
        serde_json::json!({ "id": id, "template": template }),
    )
    .await?;
    crate::platform::usage::record(
        &mut *tx,
        Some(user.id),
        crate::platform::usage::Event::SequenceCreated,
        serde_json::json!({ "sequence": id, "template": template }),
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/pro/sequences/{id}"));
    Ok(id)
}

#[server(prefix = "/api/pro", endpoint = "sequence", input = GetUrl)]
pub async fn load_sequence(id: String) -> Result<SequenceData, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    ssr::load(&services.pool, user.id, id).await
}

/// Saves the builder. `edit` is set by the buttons of the page before it has loaded
/// (add, move, duplicate, remove a step): the server applies it to the posted steps.
#[server(prefix = "/api/pro", endpoint = "sequence-save")]
pub async fn save_sequence(
    id: String,
    name: String,
    window: WindowInput,
    #[server(default)] auto_enroll: String,
    #[server(default)] steps: Vec<StepInput>,
    #[server(default)] edit: String,
) -> Result<(), AppError> {
    use domain::fishmouth::sequence::{Edit, parse_name, parse_steps};
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut steps = steps;
    if !edit.is_empty() {
        let edit = Edit::parse(&edit).ok_or_else(|| AppError::field("steps", "unknown change"))?;
        edit.apply(&mut steps).map_err(|e| invalid(vec![e]))?;
    }
    let mut errors = Vec::new();
    let name = parse_name(&name).map_err(|e| errors.push(e)).ok();
    let window = SendingWindow::parse(&window.days, &window.start, &window.end)
        .map_err(|e| errors.extend(e))
        .ok();
    let auto_enroll = match auto_enroll.trim() {
        "" => None,
        raw => match raw.parse::<i16>() {
            Ok(score) if (0..=100).contains(&score) => Some(score),
            _ => {
                errors.push(domain::FieldError {
                    field: "auto_enroll".into(),
                    message: "a score from 0 to 100, or empty for no automatic enrollment".into(),
                });
                None
            }
        },
    };
    let steps = parse_steps(&steps).map_err(|e| errors.extend(e)).ok();
    let (Some(name), Some(window), Some(steps)) = (name, window, steps) else {
        return Err(invalid(errors));
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let mut tx = services.pool.begin().await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM fm_sequences WHERE id = $1 AND user_id = $2 FOR UPDATE")
            .bind(id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_deref() {
        None => return Err(AppError::NotFound),
        Some("archived") => return Err(AppError::field("name", "an archived sequence cannot be changed")),
        Some(_) => {}
    }
    sqlx::query(
        "UPDATE fm_sequences SET name = $3, window_days = $4, window_start = $5, window_end = $6,
                auto_enroll_min_score = $7, updated_at = now()
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(&name)
    .bind(i16::from(window.days))
    .bind(i16::from(window.start_hour))
    .bind(i16::from(window.end_hour))
    .bind(auto_enroll)
    .execute(&mut *tx)
    .await?;
    ssr::write_steps(&mut tx, user.id, id, &steps).await?;
    if status.as_deref() == Some("active") {
        ssr::check_can_send(&mut tx, user.id, id, services.sms_available).await?;
    }
    // Changed steps apply from each enrollment's next send: recompute when that is.
    let open: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM fm_enrollments WHERE sequence_id = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(id)
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?;
    engine::reschedule(&mut tx, &open).await?;
    tx.commit().await?;
    if !edit.is_empty() {
        leptos_axum::redirect(&format!("/pro/sequences/{id}#steps"));
    }
    Ok(())
}

/// Activate, pause or archive. Activating checks what sending needs.
#[server(prefix = "/api/pro", endpoint = "sequence-status")]
pub async fn set_sequence_status(id: String, status: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    if !["active", "paused", "archived"].contains(&status.as_str()) {
        return Err(AppError::field("status", "choose activate, pause or archive"));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM fm_sequences WHERE id = $1 AND user_id = $2 FOR UPDATE")
            .bind(id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or(AppError::NotFound)?;
    if current == "archived" {
        return Err(AppError::field("status", "this sequence is archived"));
    }
    if status == "active" {
        ssr::check_can_send(&mut tx, user.id, id, services.sms_available).await?;
    }
    sqlx::query("UPDATE fm_sequences SET status = $3, updated_at = now() WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.id)
        .bind(&status)
        .execute(&mut *tx)
        .await?;
    if status == "archived" {
        sqlx::query(
            "UPDATE fm_enrollments SET state = 'stopped', stop_reason = 'manual', next_due_at = NULL, ended_at = now()
             WHERE sequence_id = $1 AND user_id = $2 AND state IN ('active', 'paused')",
        )
        .bind(id)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    }
    crate::platform::audit::record(
        &mut *tx,
        &crate::platform::request_info(),
        Some(user.id),
        "sequence.status",
        crate::platform::audit::Outcome::Success,
        serde_json::json!({ "id": id, "from": current, "to": status }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
    // FOR SHARE: an archive running now waits, so no enrollment lands in an archived sequence.
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM fm_sequences WHERE id = $1 AND user_id = $2 FOR SHARE")
            .bind(id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_deref() {
        None => return Err(AppError::NotFound),
        Some("active" | "paused") => {}
        Some(_) => return Err(AppError::field("leads", "activate the sequence before enrolling leads")),
    }
    let candidates: Vec<Uuid> = sqlx::query_scalar(
        "SELECT l.id FROM leads l
         WHERE l.user_id = $1 AND l.refunded_at IS NULL AND l.stage NOT IN ('won', 'lost')
           AND (l.id = ANY($2) OR l.scan_id = $3 OR l.score >= $4)",
    )
    .bind(user.id)
    .bind(&lead_ids)
    .bind(scan)
    .bind(min_score)
    .fetch_all(&mut *tx)
    .await?;
    let enrolled = ssr::enroll(&mut tx, user.id, id, &candidates).await?;
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
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM fm_enrollments WHERE id = $1 AND user_id = $2 FOR UPDATE")
            .bind(id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    let state = state.ok_or(AppError::NotFound)?;
    match (action.as_str(), state.as_str()) {
        ("pause", "active") => {
            sqlx::query(
                "UPDATE fm_enrollments SET state = 'paused', next_due_at = NULL WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        }
        ("resume", "paused") => {
            sqlx::query("UPDATE fm_enrollments SET state = 'active' WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            engine::reschedule(&mut tx, &[id]).await?;
        }
        ("stop", "active" | "paused") => {
            sqlx::query(
                "UPDATE fm_enrollments SET state = 'stopped', stop_reason = 'manual', next_due_at = NULL, ended_at = now()
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        }
        ("pause" | "resume" | "stop", _) => {
            return Err(AppError::field("action", format!("this enrollment is {state}")));
        }
        _ => return Err(AppError::field("action", "choose pause, resume or stop")),
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/pro", endpoint = "tasks", input = GetUrl)]
pub async fn load_tasks() -> Result<Vec<TaskRow>, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    ssr::tasks(&services.pool, user.id).await
}

pub const CALL_OUTCOMES: [(&str, &str); 5] = [
    ("reached", "Talked to them"),
    ("booked", "Booked an appointment"),
    ("voicemail", "Left a voicemail"),
    ("no_answer", "No answer"),
    ("not_interested", "Not interested: stop the sequence"),
];

/// Logs a task's outcome; the sequence goes on to its next step (or stops, when the
/// homeowner is not interested).
#[server(prefix = "/api/pro", endpoint = "task-done")]
pub async fn complete_task(
    enrollment: String,
    step: String,
    outcome: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let enrollment = crate::auth::guards::parse_id(&enrollment)?;
    let step = crate::auth::guards::parse_id(&step)?;
    let label = CALL_OUTCOMES
        .iter()
        .chain(&[("done", "Done")])
        .find(|(code, _)| *code == outcome)
        .map(|(_, label)| *label)
        .ok_or_else(|| AppError::field("outcome", "choose what happened"))?;
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::field("note", "use at most 1,000 characters"));
    }
    if note.chars().any(char::is_control) {
        return Err(AppError::field("note", "use letters, digits and punctuation only"));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let done: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE fm_enrollment_steps d SET outcome = 'task_done', done_at = now(), detail = $4
         FROM fm_enrollments e, fm_sequence_steps st
         WHERE d.enrollment_id = $1 AND d.step_id = $2 AND d.user_id = $3 AND d.outcome = 'task_open'
           AND e.id = d.enrollment_id AND e.user_id = $3 AND st.id = d.step_id
         RETURNING e.lead_id, st.kind",
    )
    .bind(enrollment)
    .bind(step)
    .bind(user.id)
    .bind(if note.is_empty() {
        label.to_owned()
    } else {
        format!("{label}: {note}")
    })
    .fetch_optional(&mut *tx)
    .await?;
    let (lead, kind) = done.ok_or(AppError::NotFound)?;
    if kind == "call" {
        crate::platform::usage::record(
            &mut *tx,
            Some(user.id),
            crate::platform::usage::Event::CallStarted,
            serde_json::json!({ "lead": lead, "outcome": outcome }),
        )
        .await?;
    }
    match outcome.as_str() {
        "not_interested" => {
            engine::stop_for_lead(&mut tx, user.id, lead, "manual").await?;
        }
        "booked" => {
            sqlx::query("UPDATE leads SET stage = 'appointment', stage_at = now() WHERE id = $1 AND user_id = $2 AND stage IN ('new', 'contacted')")
                .bind(lead)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            engine::stop_for_lead(&mut tx, user.id, lead, "manual").await?;
        }
        _ => {
            sqlx::query("UPDATE fm_enrollments SET last_step_at = now() WHERE id = $1 AND user_id = $2")
                .bind(enrollment)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            engine::reschedule(&mut tx, &[enrollment]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/pro", endpoint = "lead-outreach", input = GetUrl)]
pub async fn load_lead_outreach(id: String) -> Result<LeadOutreachData, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    ssr::lead_outreach(&services.pool, user.id, id).await
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
    let updated = sqlx::query(
        "UPDATE leads SET sms_consent_at = CASE WHEN $3 THEN coalesce(sms_consent_at, now()) END WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .bind(consent)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    crate::platform::audit::record(
        &mut *tx,
        &crate::platform::request_info(),
        Some(user.id),
        "lead.sms_consent",
        crate::platform::audit::Outcome::Success,
        serde_json::json!({ "id": id, "consent": consent }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn invalid(errors: Vec<domain::FieldError>) -> AppError {
    AppError::Invalid {
        fields: errors
            .into_iter()
            .map(|e| crate::error::FieldError {
                field: e.field,
                message: e.message,
            })
            .collect(),
    }
}

#[cfg(feature = "ssr")]
#[allow(clippy::type_complexity)] // rows read as tuples, named where they are used
pub mod ssr {
    use domain::fishmouth::sequence::{DelayUnit, MergeData, Step, StepInput, StepKind};
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use super::*;
    use crate::platform::format_time;

    /// What a running sequence needs: the postal address and company name every marketing
    /// email must carry (CAN-SPAM), and an SMS provider for text steps.
    pub async fn check_can_send(
        conn: &mut PgConnection,
        user_id: Uuid,
        id: Uuid,
        sms_available: bool,
    ) -> Result<(), AppError> {
        let (emails, texts, postal): (i64, i64, bool) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE kind = 'email'), count(*) FILTER (WHERE kind = 'sms'),
                    coalesce((SELECT length(trim(postal_address)) > 0 AND length(trim(company_name)) > 0 FROM fm_profiles WHERE user_id = $2), false)
             FROM fm_sequence_steps WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL",
        )
        .bind(id)
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
        if emails > 0 && !postal {
            return Err(AppError::field(
                "status",
                "add your company name and postal address (at /pro/welcome) first: the law requires them in every marketing email",
            ));
        }
        if texts > 0 && !sms_available {
            return Err(AppError::field(
                "status",
                "text messages are not set up on this server; remove the text steps",
            ));
        }
        Ok(())
    }

    /// Writes the saved steps in order: a step keeps its id (and so what enrollments did
    /// with it); one no longer in the list is marked removed, never deleted.
    pub async fn write_steps(
        conn: &mut PgConnection,
        user_id: Uuid,
        sequence_id: Uuid,
        steps: &[Step],
    ) -> Result<(), sqlx::Error> {
        let existing: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM fm_sequence_steps WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL",
        )
        .bind(sequence_id)
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut kept = Vec::with_capacity(steps.len());
        for (position, step) in steps.iter().enumerate() {
            let position = i16::try_from(position).unwrap_or(i16::MAX);
            let id = step
                .id
                .as_deref()
                .and_then(|id| Uuid::parse_str(id).ok())
                .filter(|id| existing.contains(id) && !kept.contains(id));
            match id {
                Some(id) => {
                    sqlx::query(
                        "UPDATE fm_sequence_steps SET position = $2, kind = $3, delay_minutes = $4, subject = $5, body = $6
                         WHERE id = $1 AND user_id = $7",
                    )
                    .bind(id)
                    .bind(position)
                    .bind(step.kind.as_str())
                    .bind(step.delay_minutes)
                    .bind(&step.subject)
                    .bind(&step.body)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                    kept.push(id);
                }
                None => {
                    let id = Uuid::new_v4();
                    sqlx::query(
                        "INSERT INTO fm_sequence_steps (id, sequence_id, user_id, position, kind, delay_minutes, subject, body)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(id)
                    .bind(sequence_id)
                    .bind(user_id)
                    .bind(position)
                    .bind(step.kind.as_str())
                    .bind(step.delay_minutes)
                    .bind(&step.subject)
                    .bind(&step.body)
                    .execute(&mut *conn)
                    .await?;
                    kept.push(id);
                }
            }
        }
        sqlx::query(
            "UPDATE fm_sequence_steps SET removed_at = now()
             WHERE sequence_id = $1 AND user_id = $3 AND removed_at IS NULL AND id <> ALL($2)",
        )
        .bind(sequence_id)
        .bind(&kept)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Enrolls leads (already checked to be hers) and schedules their first step.
    /// A lead already open in the sequence is skipped. Returns the new enrollments.
    pub async fn enroll(
        conn: &mut PgConnection,
        user_id: Uuid,
        sequence_id: Uuid,
        leads: &[Uuid],
    ) -> Result<Vec<Uuid>, sqlx::Error> {
        if leads.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO fm_enrollments (id, user_id, sequence_id, lead_id, unsubscribe_token)
             SELECT gen_random_uuid(), $1, $2, lead, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
             FROM UNNEST($3::uuid[]) AS lead
             ON CONFLICT (sequence_id, lead_id) WHERE state IN ('active', 'paused') DO NOTHING
             RETURNING id",
        )
        .bind(user_id)
        .bind(sequence_id)
        .bind(leads)
        .fetch_all(&mut *conn)
        .await?;
        super::engine::reschedule(conn, &ids).await?;
        Ok(ids)
    }

    /// New leads scoring at or above an active sequence's threshold join it as they are bought.
    pub async fn auto_enroll(conn: &mut PgConnection, user_id: Uuid, leads: &[Uuid]) -> Result<usize, sqlx::Error> {
        let sequences: Vec<(Uuid, i16)> = sqlx::query_as(
            "SELECT id, auto_enroll_min_score FROM fm_sequences
             WHERE user_id = $1 AND status = 'active' AND auto_enroll_min_score IS NOT NULL",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut total = 0;
        for (sequence, min) in sequences {
            let chosen: Vec<Uuid> = sqlx::query_scalar(
                "SELECT id FROM leads WHERE id = ANY($1) AND user_id = $2 AND score >= $3 AND refunded_at IS NULL",
            )
            .bind(leads)
            .bind(user_id)
            .bind(min)
            .fetch_all(&mut *conn)
            .await?;
            total += enroll(conn, user_id, sequence, &chosen).await?.len();
        }
        Ok(total)
    }

    pub async fn load(pool: &PgPool, user_id: Uuid, id: Uuid) -> Result<SequenceData, AppError> {
        let row: Option<(String, String, i16, i16, i16, Option<i16>)> = sqlx::query_as(
            "SELECT name, status, window_days, window_start, window_end, auto_enroll_min_score
             FROM fm_sequences WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
        let (name, status, days, start, end, auto_enroll) = row.ok_or(AppError::NotFound)?;
        let steps: Vec<(Uuid, String, i32, String, String)> = sqlx::query_as(
            "SELECT id, kind, delay_minutes, subject, body FROM fm_sequence_steps
             WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL ORDER BY position",
        )
        .bind(id)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let steps = steps
            .into_iter()
            .map(|(id, kind, delay, subject, body)| {
                let (amount, unit) = DelayUnit::split(delay);
                StepInput {
                    id: id.to_string(),
                    kind,
                    delay_amount: amount.to_string(),
                    delay_unit: unit.as_str().to_owned(),
                    subject,
                    body,
                }
            })
            .collect();
        let (company, postal, rep_name): (String, String, String) = sqlx::query_as(
            "SELECT coalesce(p.company_name, ''), coalesce(p.postal_address, ''), u.display_name
             FROM users u LEFT JOIN fm_profiles p ON p.user_id = u.id WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await?;
        let leads: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
            "SELECT l.id, p.address, p.owner_name FROM leads l JOIN properties p ON p.id = l.property_id
             WHERE l.user_id = $1 AND l.refunded_at IS NULL ORDER BY l.score DESC, l.id LIMIT 50",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let preview = leads
            .into_iter()
            .map(|(id, address, owner_name)| PreviewLead {
                id,
                label: match &owner_name {
                    Some(owner) => format!("{address} ({owner})"),
                    None => address.clone(),
                },
                data: MergeData {
                    owner_name,
                    address,
                    company: company.clone(),
                    rep_name: rep_name.clone(),
                },
            })
            .collect();
        let scans: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT s.id, s.label FROM scans s WHERE s.user_id = $1 AND EXISTS (SELECT 1 FROM leads l WHERE l.scan_id = s.id)
             ORDER BY s.created_at DESC LIMIT 20",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let enrollments: Vec<(Uuid, Uuid, String, String, Option<String>, Option<time::OffsetDateTime>)> =
            sqlx::query_as(
                "SELECT e.id, e.lead_id, p.address, e.state, e.stop_reason, e.next_due_at
             FROM fm_enrollments e JOIN leads l ON l.id = e.lead_id JOIN properties p ON p.id = l.property_id
             WHERE e.sequence_id = $1 AND e.user_id = $2
             ORDER BY e.state IN ('active', 'paused') DESC, e.enrolled_at DESC LIMIT 100",
            )
            .bind(id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
        Ok(SequenceData {
            id,
            name,
            status,
            window: engine::window_of(days, start, end),
            auto_enroll,
            steps,
            preview,
            scans,
            report: report(pool, user_id, id).await?,
            enrollments: enrollments
                .into_iter()
                .map(|(id, lead_id, address, state, reason, next)| EnrollmentRow {
                    id,
                    lead_id,
                    address,
                    state,
                    reason,
                    next: next.map(format_time),
                })
                .collect(),
            postal_address_missing: postal.trim().is_empty(),
        })
    }

    /// Counts per sequence and per step. "Sent" is what the outbox delivered; "queued"
    /// still waits in it; "failed" it gave up on or cancelled after an opt-out.
    pub async fn report(pool: &PgPool, user_id: Uuid, id: Uuid) -> Result<Report, sqlx::Error> {
        let (enrolled, active, paused, finished, replied, opted_out, bounced, stopped_other): (i64, i64, i64, i64, i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT count(*), count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE state = 'paused'),
                        count(*) FILTER (WHERE state = 'finished'),
                        count(*) FILTER (WHERE stop_reason = 'replied'), count(*) FILTER (WHERE stop_reason = 'opted_out'),
                        count(*) FILTER (WHERE stop_reason = 'bounced'),
                        count(*) FILTER (WHERE stop_reason IN ('won', 'lost', 'manual'))
                 FROM fm_enrollments WHERE sequence_id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user_id)
            .fetch_one(pool)
            .await?;
        let steps: Vec<(String, String, bool, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT st.kind, CASE WHEN st.kind = 'email' THEN st.subject ELSE left(st.body, 60) END, st.removed_at IS NOT NULL,
                    count(o.id) FILTER (WHERE o.status = 'sent'),
                    count(o.id) FILTER (WHERE o.status IN ('pending', 'sending')),
                    count(o.id) FILTER (WHERE o.status IN ('failed', 'cancelled')),
                    count(d.step_id) FILTER (WHERE d.outcome = 'skipped'),
                    count(d.step_id) FILTER (WHERE d.outcome = 'task_open'),
                    count(d.step_id) FILTER (WHERE d.outcome = 'task_done')
             FROM fm_sequence_steps st
             LEFT JOIN fm_enrollment_steps d ON d.step_id = st.id
             LEFT JOIN outbox o ON o.idempotency_key = d.outbox_key
             WHERE st.sequence_id = $1 AND st.user_id = $2
               AND (st.removed_at IS NULL OR d.step_id IS NOT NULL)
             GROUP BY st.id, st.position, st.removed_at
             ORDER BY st.removed_at IS NOT NULL, st.position",
        )
        .bind(id)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        Ok(Report {
            enrolled,
            active,
            paused,
            finished,
            replied,
            opted_out,
            bounced,
            stopped_other,
            steps: steps
                .into_iter()
                .map(
                    |(kind, summary, removed, sent, queued, failed, skipped, tasks_open, tasks_done)| StepReport {
                        kind: StepKind::parse(&kind).map_or(kind, |k| k.label().to_owned()),
                        summary,
                        removed,
                        sent,
                        queued,
                        failed,
                        skipped,
                        tasks_open,
                        tasks_done,
                    },
                )
                .collect(),
        })
    }

    pub async fn tasks(pool: &PgPool, user_id: Uuid) -> Result<Vec<TaskRow>, AppError> {
        let rows: Vec<(Uuid, Uuid, Uuid, String, String, String, Option<String>, Option<String>, String, time::OffsetDateTime, String, String, String)> = sqlx::query_as(
            "SELECT d.enrollment_id, d.step_id, e.lead_id, st.kind, s.name, p.address, p.owner_name, p.phone, st.body, d.created_at,
                    p.timezone, coalesce(fp.company_name, ''), u.display_name
             FROM fm_enrollment_steps d
             JOIN fm_enrollments e ON e.id = d.enrollment_id
             JOIN fm_sequences s ON s.id = e.sequence_id
             JOIN fm_sequence_steps st ON st.id = d.step_id
             JOIN leads l ON l.id = e.lead_id
             JOIN properties p ON p.id = l.property_id
             JOIN users u ON u.id = d.user_id
             LEFT JOIN fm_profiles fp ON fp.user_id = d.user_id
             WHERE d.user_id = $1 AND d.outcome = 'task_open' AND e.state IN ('active', 'paused')
             ORDER BY d.created_at LIMIT 200",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let now = jiff::Timestamp::now();
        Ok(rows
            .into_iter()
            .map(
                |(
                    enrollment_id,
                    step_id,
                    lead_id,
                    kind,
                    sequence,
                    address,
                    owner,
                    phone,
                    body,
                    opened,
                    tz,
                    company,
                    rep,
                )| {
                    let (zone, state) = engine::zone_and_state(&tz, &address);
                    let local = zone.to_datetime(now);
                    let allowed = domain::fishmouth::schedule::allowed_hours(state, local.weekday());
                    let hour = u8::try_from(local.hour()).unwrap_or(0);
                    let data = MergeData {
                        owner_name: owner.clone(),
                        address: address.clone(),
                        company,
                        rep_name: rep,
                    };
                    TaskRow {
                        enrollment_id,
                        step_id,
                        lead_id,
                        kind,
                        sequence,
                        script: domain::fishmouth::sequence::render(&body, &data),
                        address,
                        owner,
                        phone,
                        opened: format_time(opened),
                        local_time: format!("{:02}:{:02}", local.hour(), local.minute()),
                        callable_now: hour >= allowed.start && hour < allowed.end,
                    }
                },
            )
            .collect())
    }

    pub async fn lead_outreach(pool: &PgPool, user_id: Uuid, lead_id: Uuid) -> Result<LeadOutreachData, AppError> {
        let lead: Option<(bool, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT l.sms_consent_at IS NOT NULL, p.phone, lower(p.email) FROM leads l JOIN properties p ON p.id = l.property_id
             WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL",
        )
        .bind(lead_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
        let (sms_consent, phone, email) = lead.ok_or(AppError::NotFound)?;
        let enrollments: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(
            "SELECT e.id, s.name, e.state, e.stop_reason FROM fm_enrollments e JOIN fm_sequences s ON s.id = e.sequence_id
             WHERE e.lead_id = $1 AND e.user_id = $2 ORDER BY e.enrolled_at DESC",
        )
        .bind(lead_id)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let sequences: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, name FROM fm_sequences WHERE user_id = $1 AND status IN ('active', 'paused') ORDER BY name",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        // Everything sent, queued, skipped or done for this lead, and everything that came back.
        let events: Vec<(time::OffsetDateTime, String, String)> = sqlx::query_as(
            "SELECT at, what, detail FROM (
                 SELECT e.enrolled_at AS at, 'Enrolled in ' || s.name AS what, '' AS detail
                 FROM fm_enrollments e JOIN fm_sequences s ON s.id = e.sequence_id WHERE e.lead_id = $1 AND e.user_id = $2
               UNION ALL
                 SELECT e.ended_at, 'Sequence ' || s.name || ' ' || e.state, coalesce(replace(e.stop_reason, '_', ' '), '')
                 FROM fm_enrollments e JOIN fm_sequences s ON s.id = e.sequence_id
                 WHERE e.lead_id = $1 AND e.user_id = $2 AND e.ended_at IS NOT NULL
               UNION ALL
                 SELECT d.created_at,
                        CASE st.kind WHEN 'email' THEN 'Email' WHEN 'sms' THEN 'Text message' WHEN 'call' THEN 'Call task' ELSE 'Task' END
                          || ' ' || CASE d.outcome WHEN 'queued' THEN coalesce(o.status, 'queued') ELSE replace(d.outcome, '_', ' ') END,
                        concat_ws(' · ', nullif(st.subject, ''), d.detail, o.delivery_status, o.last_error)
                 FROM fm_enrollment_steps d JOIN fm_enrollments e ON e.id = d.enrollment_id
                 JOIN fm_sequence_steps st ON st.id = d.step_id
                 LEFT JOIN outbox o ON o.idempotency_key = d.outbox_key
                 WHERE e.lead_id = $1 AND d.user_id = $2
               UNION ALL
                 SELECT received_at, CASE channel WHEN 'sms' THEN 'Text ' ELSE 'Email ' END || replace(kind, '_', ' '), body
                 FROM fm_inbound WHERE lead_id = $1 AND user_id = $2
             ) t ORDER BY at DESC LIMIT 200",
        )
        .bind(lead_id)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let opted_out: Vec<String> = sqlx::query_scalar(
            "SELECT channel FROM fm_opt_outs WHERE user_id = $1 AND ((channel = 'sms' AND address = $2) OR (channel = 'email' AND address = $3))",
        )
        .bind(user_id)
        .bind(phone)
        .bind(email)
        .fetch_all(pool)
        .await?;
        Ok(LeadOutreachData {
            sms_consent,
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
}
