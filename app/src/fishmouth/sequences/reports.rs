//! A sequence's report: its enrollments by state and why they stopped, and what each step
//! did (sent, queued, failed, skipped, tasks open and done).

use domain::fishmouth::sequence::{Arm, Verdict, ab_verdict};
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
    /// Homeowners who opened a link of this step.
    pub clicked: i64,
    /// Emails of this step opened, as their pixel tells (only while she counts opens).
    pub opened: i64,
    /// The step tries a version B on half its leads: each version's sends and the leads
    /// who replied after it.
    pub ab_test: bool,
    pub a_sent: i64,
    pub a_replied: i64,
    pub b_sent: i64,
    pub b_replied: i64,
}

impl StepReport {
    /// What its A/B test shows so far; None when it has none.
    pub fn verdict(&self) -> Option<(Arm, Arm, Verdict)> {
        let (a, b) = (
            Arm {
                sent: self.a_sent,
                replied: self.a_replied,
            },
            Arm {
                sent: self.b_sent,
                replied: self.b_replied,
            },
        );
        (self.ab_test || a.sent + b.sent > 0).then(|| (a, b, ab_verdict(a, b)))
    }
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

/// Her sequence's report, each step's kind by its label.
#[cfg(feature = "ssr")]
pub(super) async fn sequence_report(pool: &sqlx::PgPool, user_id: Uuid, id: Uuid) -> Result<Report, sqlx::Error> {
    use domain::fishmouth::sequence::StepKind;
    let mut report = store::report(pool, id, user_id).await?;
    for step in &mut report.steps {
        if let Some(kind) = StepKind::parse(&step.kind) {
            step.kind = kind.label().to_owned();
        }
    }
    Ok(report)
}
