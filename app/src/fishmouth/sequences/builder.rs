//! The builder: her list of sequences, a new one (empty or from a ready template), the
//! sequence page with its steps and preview, saving it, and its status (activate, pause,
//! archive).

use domain::fishmouth::{
    schedule::SendingWindow,
    sequence::{MergeData, SequenceStatus, StepInput},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{EnrollmentRow, Report};
#[cfg(feature = "ssr")]
use super::{engine, store, templates};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceSummary {
    pub id: Uuid,
    pub name: String,
    pub status: SequenceStatus,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceData {
    pub id: Uuid,
    pub name: String,
    pub status: SequenceStatus,
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

#[server(prefix = "/api/pro", endpoint = "sequences", input = GetUrl)]
pub async fn load_sequences() -> Result<SequenceList, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    Ok(SequenceList {
        sequences: store::sequences(&services.pool, user.id).await?,
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
    let steps = parse_steps(&steps).map_err(AppError::from)?;
    let id = Uuid::new_v4();
    let mut tx = services.pool.begin().await?;
    store::insert_sequence(&mut *tx, id, user.id, &name, &window).await?;
    write_steps(&mut tx, user.id, id, &steps).await?;
    let detail = serde_json::json!({ "id": id, "template": template });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "sequence.create",
        detail,
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
    load(&services.pool, user.id, id).await
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
        edit.apply(&mut steps).map_err(|e| AppError::from(vec![e]))?;
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
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut tx = services.pool.begin().await?;
    let status = store::status(&mut tx, id, user.id, store::Lock::Update).await?;
    match status {
        None => return Err(AppError::NotFound),
        Some(SequenceStatus::Archived) => {
            return Err(AppError::field("name", "an archived sequence cannot be changed"));
        }
        Some(_) => {}
    }
    store::update_sequence(&mut *tx, id, user.id, &name, &window, auto_enroll).await?;
    write_steps(&mut tx, user.id, id, &steps).await?;
    if status == Some(SequenceStatus::Active) {
        check_can_send(&mut tx, user.id, id, services.sms_available).await?;
    }
    // Changed steps apply from each enrollment's next send: recompute when that is.
    let open = store::active_enrollments(&mut *tx, id, user.id).await?;
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
    let Some(status) = SequenceStatus::parse(&status).filter(|s| *s != SequenceStatus::Draft) else {
        return Err(AppError::field("status", "choose activate, pause or archive"));
    };
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    let current = store::status(&mut tx, id, user.id, store::Lock::Update)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == SequenceStatus::Archived {
        return Err(AppError::field("status", "this sequence is archived"));
    }
    if status == SequenceStatus::Active {
        check_can_send(&mut tx, user.id, id, services.sms_available).await?;
    }
    store::set_status(&mut *tx, id, user.id, status).await?;
    if status == SequenceStatus::Archived {
        store::stop_sequence_enrollments(&mut *tx, id, user.id).await?;
    }
    let detail = serde_json::json!({ "id": id, "from": current, "to": status });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "sequence.status",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a running sequence needs: the postal address and company name every marketing
/// email must carry (CAN-SPAM), and an SMS provider for text steps.
#[cfg(feature = "ssr")]
async fn check_can_send(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    id: Uuid,
    sms_available: bool,
) -> Result<(), AppError> {
    let needs = store::sending_needs(&mut *conn, id, user_id).await?;
    if needs.emails > 0 && !needs.has_postal_address {
        return Err(AppError::field(
            "status",
            "add your company name and postal address (at /pro/welcome) first: the law requires them in every marketing email",
        ));
    }
    if needs.texts > 0 && !sms_available {
        return Err(AppError::field(
            "status",
            "text messages are not set up on this server; remove the text steps",
        ));
    }
    Ok(())
}

/// Writes the saved steps in order: a step keeps its id (and so what enrollments did
/// with it); one no longer in the list is marked removed, never deleted.
#[cfg(feature = "ssr")]
async fn write_steps(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    sequence_id: Uuid,
    steps: &[domain::fishmouth::sequence::Step],
) -> Result<(), sqlx::Error> {
    let existing = store::live_step_ids(&mut *conn, sequence_id, user_id).await?;
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
                store::update_step(&mut *conn, id, user_id, position, step).await?;
                kept.push(id);
            }
            None => {
                let id = Uuid::new_v4();
                store::insert_step(&mut *conn, id, sequence_id, user_id, position, step).await?;
                kept.push(id);
            }
        }
    }
    store::remove_steps_except(&mut *conn, sequence_id, user_id, &kept).await
}

/// The sequence page: its settings and steps, the leads to preview against, the scans to
/// enroll from, its report and its enrollments.
#[cfg(feature = "ssr")]
async fn load(pool: &sqlx::PgPool, user_id: Uuid, id: Uuid) -> Result<SequenceData, AppError> {
    use domain::fishmouth::sequence::DelayUnit;
    let sequence = store::sequence(pool, id, user_id).await?.ok_or(AppError::NotFound)?;
    let steps = store::steps(pool, id, user_id)
        .await?
        .into_iter()
        .map(|step| {
            let (amount, unit) = DelayUnit::split(step.delay_minutes);
            StepInput {
                id: step.id.to_string(),
                kind: step.kind,
                delay_amount: amount.to_string(),
                delay_unit: unit.as_str().to_owned(),
                subject: step.subject,
                body: step.body,
                variant_subject: step.variant_subject,
                variant_body: step.variant_body,
            }
        })
        .collect();
    let (company, postal, rep_name) = store::sender(pool, user_id).await?;
    let preview = store::preview_leads(pool, user_id)
        .await?
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
    let scans = store::scans_with_leads(pool, user_id).await?;
    Ok(SequenceData {
        id,
        name: sequence.name,
        status: sequence.status,
        window: engine::window_of(sequence.window_days, sequence.window_start, sequence.window_end),
        auto_enroll: sequence.auto_enroll_min_score,
        steps,
        preview,
        scans,
        report: super::reports::sequence_report(pool, user_id, id).await?,
        enrollments: store::sequence_enrollments(pool, id, user_id).await?,
        postal_address_missing: postal.trim().is_empty(),
    })
}
