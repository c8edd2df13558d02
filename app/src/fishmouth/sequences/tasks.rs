//! The reps' task list: the calls and tasks sequences open, each with its script and the
//! lead's local time, and logging what happened, after which the sequence goes on.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::{engine, store};
use crate::error::AppError;

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

#[server(prefix = "/api/pro", endpoint = "tasks", input = GetUrl)]
pub async fn load_tasks() -> Result<Vec<TaskRow>, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    tasks(&services.pool, user.id).await
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
    let detail = if note.is_empty() {
        label.to_owned()
    } else {
        format!("{label}: {note}")
    };
    let (lead, kind) = store::complete_task(&mut *tx, enrollment, step, user.id, &detail)
        .await?
        .ok_or(AppError::NotFound)?;
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
            store::book_appointment(&mut *tx, lead, user.id).await?;
            engine::stop_for_lead(&mut tx, user.id, lead, "manual").await?;
        }
        _ => {
            store::mark_stepped(&mut *tx, enrollment, user.id).await?;
            engine::reschedule(&mut tx, &[enrollment]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Her open tasks, oldest first, each with its script filled in and whether the lead may
/// be called now, in the lead's own time zone and state.
#[cfg(feature = "ssr")]
async fn tasks(pool: &sqlx::PgPool, user_id: Uuid) -> Result<Vec<TaskRow>, AppError> {
    let now = jiff::Timestamp::now();
    Ok(store::open_tasks(pool, user_id)
        .await?
        .into_iter()
        .map(|(task, timezone)| {
            let (zone, state) = engine::zone_and_state(&timezone, &task.address);
            let local = zone.to_datetime(now);
            let allowed = domain::fishmouth::schedule::allowed_hours(state, local.weekday());
            let hour = u8::try_from(local.hour()).unwrap_or(0);
            TaskRow {
                local_time: format!("{:02}:{:02}", local.hour(), local.minute()),
                callable_now: hour >= allowed.start && hour < allowed.end,
                ..task
            }
        })
        .collect())
}
