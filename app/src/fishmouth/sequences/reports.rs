//! A sequence's report: its enrollments by state and why they stopped, and what each step
//! did (sent, queued, failed, skipped, tasks open and done).

use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;

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

/// Counts per sequence and per step. "Sent" is what the outbox delivered; "queued"
/// still waits in it; "failed" it gave up on or cancelled after an opt-out.
#[cfg(feature = "ssr")]
pub(super) async fn sequence_report(pool: &sqlx::PgPool, user_id: Uuid, id: Uuid) -> Result<Report, sqlx::Error> {
    use domain::fishmouth::sequence::StepKind;
    let counts = store::enrollment_counts(pool, id, user_id).await?;
    let steps = store::step_counts(pool, id, user_id).await?;
    Ok(Report {
        enrolled: counts.enrolled,
        active: counts.active,
        paused: counts.paused,
        finished: counts.finished,
        replied: counts.replied,
        opted_out: counts.opted_out,
        bounced: counts.bounced,
        stopped_other: counts.stopped_other,
        steps: steps
            .into_iter()
            .map(|step| StepReport {
                kind: StepKind::parse(&step.kind).map_or(step.kind, |k| k.label().to_owned()),
                summary: step.summary,
                removed: step.removed,
                sent: step.sent,
                queued: step.queued,
                failed: step.failed,
                skipped: step.skipped,
                tasks_open: step.tasks_open,
                tasks_done: step.tasks_done,
            })
            .collect(),
    })
}
