//! Every query of the outreach sequences: the builder's sequences and steps, enrollments, the
//! reps' tasks, the report, a lead's outreach panel, the engine's due steps, and what comes
//! back from homeowners (replies, opt-outs, bounces, delivery reports). Each query about a
//! contractor's rows is scoped by her id; the engine's and the webhooks' work across
//! contractors, on rows that carry their owner. Server only.

use domain::fishmouth::schedule::SendingWindow;
use domain::fishmouth::sequence::{EnrollmentState, MergeData, SequenceStatus, Step, render};
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EnrollmentRow, Report, SequenceSummary, StepReport, TaskRow};
use crate::platform::format_time;

// Sequences and their steps: the builder.

/// Her sequences as the list shows them, archived ones last, then the latest changed first.
pub async fn sequences(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<SequenceSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.name, s.status AS "status: SequenceStatus",
                (SELECT count(*) FROM fm_sequence_steps st WHERE st.sequence_id = s.id AND st.removed_at IS NULL) AS "steps!",
                (SELECT count(*) FROM fm_enrollments e WHERE e.sequence_id = s.id) AS "enrolled!",
                (SELECT count(*) FROM fm_enrollments e WHERE e.sequence_id = s.id AND e.state = 'active') AS "active!",
                s.updated_at
         FROM fm_sequences s WHERE s.user_id = $1
         ORDER BY s.status = 'archived', s.updated_at DESC"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|s| SequenceSummary {
            id: s.id,
            name: s.name,
            status: s.status,
            steps: s.steps,
            enrolled: s.enrolled,
            active: s.active,
            updated: format_time(s.updated_at),
        })
        .collect())
}

/// A new draft sequence of hers (its steps are written by `insert_step`).
pub async fn insert_sequence(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    window: &SendingWindow,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_sequences (id, user_id, name, window_days, window_start, window_end) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        user_id,
        name,
        i16::from(window.days),
        i16::from(window.start_hour),
        i16::from(window.end_hour),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How `status` locks her sequence's row until the transaction ends.
pub enum Lock {
    /// Alone: a save, or a change of status.
    Update,
    /// Shared: an archive running now waits, so no enrollment lands in an archived sequence.
    Share,
}

/// Her sequence's status, its row locked; None when it is not hers.
pub async fn status(
    tx: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    lock: Lock,
) -> Result<Option<SequenceStatus>, sqlx::Error> {
    let query = match lock {
        Lock::Update => sqlx::query_scalar!(
            r#"SELECT status AS "status: SequenceStatus" FROM fm_sequences WHERE id = $1 AND user_id = $2 FOR UPDATE"#,
            id,
            user_id,
        ),
        Lock::Share => sqlx::query_scalar!(
            r#"SELECT status AS "status: SequenceStatus" FROM fm_sequences WHERE id = $1 AND user_id = $2 FOR SHARE"#,
            id,
            user_id,
        ),
    };
    query.fetch_optional(tx).await
}

/// Saves her sequence's name, sending window and automatic enrollment score.
pub async fn update_sequence(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    window: &SendingWindow,
    auto_enroll_min_score: Option<i16>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_sequences SET name = $3, window_days = $4, window_start = $5, window_end = $6,
                auto_enroll_min_score = $7, updated_at = now()
         WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        name,
        i16::from(window.days),
        i16::from(window.start_hour),
        i16::from(window.end_hour),
        auto_enroll_min_score,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    status: SequenceStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_sequences SET status = $3, updated_at = now() WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        status as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What sending her sequence needs: how many email and text steps it has, and whether her
/// profile holds a company name and a postal address.
pub struct SendingNeeds {
    pub emails: i64,
    pub texts: i64,
    pub has_postal_address: bool,
}

pub async fn sending_needs(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<SendingNeeds, sqlx::Error> {
    sqlx::query_as!(
        SendingNeeds,
        r#"SELECT count(*) FILTER (WHERE kind = 'email') AS "emails!", count(*) FILTER (WHERE kind = 'sms') AS "texts!",
                coalesce((SELECT length(trim(postal_address)) > 0 AND length(trim(company_name)) > 0 FROM fm_profiles WHERE user_id = $2), false) AS "has_postal_address!"
         FROM fm_sequence_steps WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL"#,
        id,
        user_id,
    )
    .fetch_one(db)
    .await
}

/// The ids of her sequence's steps not removed.
pub async fn live_step_ids(
    db: impl PgExecutor<'_>,
    sequence_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM fm_sequence_steps WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL",
        sequence_id,
        user_id,
    )
    .fetch_all(db)
    .await
}

/// Rewrites a step she keeps, at its new `position`.
pub async fn update_step(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    position: i16,
    step: &Step,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_sequence_steps SET position = $2, kind = $3, delay_minutes = $4, subject = $5, body = $6,
                variant_subject = $8, variant_body = $9
         WHERE id = $1 AND user_id = $7",
        id,
        position,
        step.kind.as_str(),
        step.delay_minutes,
        step.subject,
        step.body,
        user_id,
        step.variant_subject,
        step.variant_body,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds a step to her sequence at `position`.
pub async fn insert_step(
    db: impl PgExecutor<'_>,
    id: Uuid,
    sequence_id: Uuid,
    user_id: Uuid,
    position: i16,
    step: &Step,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_sequence_steps (id, sequence_id, user_id, position, kind, delay_minutes, subject, body,
                                        variant_subject, variant_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        sequence_id,
        user_id,
        position,
        step.kind.as_str(),
        step.delay_minutes,
        step.subject,
        step.body,
        step.variant_subject,
        step.variant_body,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks removed (never deletes: enrollments keep what they did with them) her sequence's
/// steps other than `kept`.
pub async fn remove_steps_except(
    db: impl PgExecutor<'_>,
    sequence_id: Uuid,
    user_id: Uuid,
    kept: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_sequence_steps SET removed_at = now()
         WHERE sequence_id = $1 AND user_id = $3 AND removed_at IS NULL AND id <> ALL($2)",
        sequence_id,
        kept,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One of her sequences' settings.
pub struct SequenceSettings {
    pub name: String,
    pub status: SequenceStatus,
    pub window_days: i16,
    pub window_start: i16,
    pub window_end: i16,
    pub auto_enroll_min_score: Option<i16>,
}

pub async fn sequence(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> Result<Option<SequenceSettings>, sqlx::Error> {
    sqlx::query_as!(
        SequenceSettings,
        r#"SELECT name, status AS "status: SequenceStatus", window_days, window_start, window_end, auto_enroll_min_score
           FROM fm_sequences WHERE id = $1 AND user_id = $2"#,
        id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// A step as the builder shows it.
pub struct StepRow {
    pub id: Uuid,
    pub kind: String,
    pub delay_minutes: i32,
    pub subject: String,
    pub body: String,
    pub variant_subject: String,
    pub variant_body: String,
}

/// Her sequence's steps not removed, in order.
pub async fn steps(db: impl PgExecutor<'_>, sequence_id: Uuid, user_id: Uuid) -> Result<Vec<StepRow>, sqlx::Error> {
    sqlx::query_as!(
        StepRow,
        "SELECT id, kind, delay_minutes, subject, body, variant_subject, variant_body FROM fm_sequence_steps
         WHERE sequence_id = $1 AND user_id = $2 AND removed_at IS NULL ORDER BY position",
        sequence_id,
        user_id,
    )
    .fetch_all(db)
    .await
}

/// Who her messages come from: company name, postal address (each '' when not given) and
/// her own name.
pub async fn sender(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(String, String, String), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT coalesce(p.company_name, '') AS "company!", coalesce(p.postal_address, '') AS "postal_address!", u.display_name
           FROM users u LEFT JOIN fm_profiles p ON p.user_id = u.id WHERE u.id = $1"#,
        user_id,
    )
    .fetch_one(db)
    .await?;
    Ok((r.company, r.postal_address, r.display_name))
}

/// The leads the builder previews a template against: her 50 best (id, address, owner).
pub async fn preview_leads(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(Uuid, String, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT l.id, p.address, p.owner_name FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE l.user_id = $1 AND l.refunded_at IS NULL ORDER BY l.score DESC, l.id LIMIT 50",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.address, r.owner_name)).collect())
}

/// Her latest 20 scans she has leads from: id, label.
pub async fn scans_with_leads(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT s.id, s.label FROM scans s WHERE s.user_id = $1 AND EXISTS (SELECT 1 FROM leads l WHERE l.scan_id = s.id)
         ORDER BY s.created_at DESC LIMIT 20",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.label)).collect())
}

// Enrollments.

/// Her leads that may join a sequence: those chosen, of `scan`, or scoring `min_score` or
/// more; never refunded, won or lost.
pub async fn enrollable_leads(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    lead_ids: &[Uuid],
    scan: Option<Uuid>,
    min_score: Option<i16>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT l.id FROM leads l
         WHERE l.user_id = $1 AND l.refunded_at IS NULL AND l.stage NOT IN ('won', 'lost')
           AND (l.id = ANY($2) OR l.scan_id = $3 OR l.score >= $4)",
        user_id,
        lead_ids,
        scan,
        min_score,
    )
    .fetch_all(db)
    .await
}

/// Enrolls the leads in her sequence, each with its own unsubscribe token; a lead already
/// open in it is skipped. Returns the new enrollments.
pub async fn insert_enrollments(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    sequence_id: Uuid,
    leads: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO fm_enrollments (id, user_id, sequence_id, lead_id, unsubscribe_token)
         SELECT gen_random_uuid(), $1, $2, lead, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
         FROM UNNEST($3::uuid[]) AS lead
         ON CONFLICT (sequence_id, lead_id) WHERE state IN ('active', 'paused') DO NOTHING
         RETURNING id",
        user_id,
        sequence_id,
        leads,
    )
    .fetch_all(db)
    .await
}

/// Her active sequences that enroll new leads: id, the score a lead needs.
pub async fn auto_enrolling(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<(Uuid, i16)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, auto_enroll_min_score AS "min_score!" FROM fm_sequences
           WHERE user_id = $1 AND status = 'active' AND auto_enroll_min_score IS NOT NULL"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.min_score)).collect())
}

/// Of these leads, hers scoring `min_score` or more and not refunded.
pub async fn leads_scoring(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    leads: &[Uuid],
    min_score: i16,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM leads WHERE id = ANY($1) AND user_id = $2 AND score >= $3 AND refunded_at IS NULL",
        leads,
        user_id,
        min_score,
    )
    .fetch_all(db)
    .await
}

/// Her sequence's active enrollments.
pub async fn active_enrollments(
    db: impl PgExecutor<'_>,
    sequence_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM fm_enrollments WHERE sequence_id = $1 AND user_id = $2 AND state = 'active'",
        sequence_id,
        user_id,
    )
    .fetch_all(db)
    .await
}

/// Stops by hand every open enrollment of her sequence (it is being archived).
pub async fn stop_sequence_enrollments(
    db: impl PgExecutor<'_>,
    sequence_id: Uuid,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments SET state = 'stopped', stop_reason = 'manual', next_due_at = NULL, ended_at = now()
         WHERE sequence_id = $1 AND user_id = $2 AND state IN ('active', 'paused')",
        sequence_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her enrollment's state, its row locked until the transaction ends; None when it is not hers.
pub async fn enrollment_state_for_update(
    tx: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
) -> Result<Option<EnrollmentState>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT state AS "state: EnrollmentState" FROM fm_enrollments WHERE id = $1 AND user_id = $2 FOR UPDATE"#,
        id,
        user_id,
    )
    .fetch_optional(tx)
    .await
}

/// Pauses her enrollment: nothing is due until it resumes.
pub async fn pause_enrollment(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments SET state = 'paused', next_due_at = NULL WHERE id = $1 AND user_id = $2",
        id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Makes her enrollment active again (when its next step is due is set apart).
pub async fn resume_enrollment(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments SET state = 'active' WHERE id = $1 AND user_id = $2",
        id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stops her enrollment by hand.
pub async fn stop_enrollment(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments SET state = 'stopped', stop_reason = 'manual', next_due_at = NULL, ended_at = now()
         WHERE id = $1 AND user_id = $2",
        id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her sequence's latest 100 enrollments, the open ones first, as its page lists them.
pub async fn sequence_enrollments(
    db: impl PgExecutor<'_>,
    sequence_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<EnrollmentRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT e.id, e.lead_id, p.address, e.state AS "state: EnrollmentState", e.stop_reason, e.next_due_at
           FROM fm_enrollments e JOIN leads l ON l.id = e.lead_id JOIN properties p ON p.id = l.property_id
           WHERE e.sequence_id = $1 AND e.user_id = $2
           ORDER BY e.state IN ('active', 'paused') DESC, e.enrolled_at DESC LIMIT 100"#,
        sequence_id,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| EnrollmentRow {
            id: e.id,
            lead_id: e.lead_id,
            address: e.address,
            state: e.state,
            reason: e.stop_reason,
            next: e.next_due_at.map(format_time),
        })
        .collect())
}

/// When the first of her active enrollments' next steps is due (None without any).
pub async fn next_due(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT min(next_due_at) FROM fm_enrollments WHERE user_id = $1 AND state = 'active'",
        user_id,
    )
    .fetch_one(db)
    .await
}

// The report.

/// Her sequence's report: its enrollments, all, by state and the stopped ones by why; then
/// what each step did, its steps in order, then the removed ones that did something (`kind`
/// as stored). "Sent" is what the outbox delivered; "queued" still waits in it; "failed" it
/// gave up on or cancelled after an opt-out.
pub async fn report(pool: &PgPool, sequence_id: Uuid, user_id: Uuid) -> Result<Report, sqlx::Error> {
    let c = sqlx::query!(
        r#"SELECT count(*) AS "enrolled!", count(*) FILTER (WHERE state = 'active') AS "active!",
                count(*) FILTER (WHERE state = 'paused') AS "paused!",
                count(*) FILTER (WHERE state = 'finished') AS "finished!",
                count(*) FILTER (WHERE stop_reason = 'replied') AS "replied!",
                count(*) FILTER (WHERE stop_reason = 'opted_out') AS "opted_out!",
                count(*) FILTER (WHERE stop_reason = 'bounced') AS "bounced!",
                count(*) FILTER (WHERE stop_reason IN ('won', 'lost', 'manual')) AS "stopped_other!"
           FROM fm_enrollments WHERE sequence_id = $1 AND user_id = $2"#,
        sequence_id,
        user_id,
    )
    .fetch_one(pool)
    .await?;
    let steps = sqlx::query_as!(
        StepReport,
        r#"SELECT st.kind, CASE WHEN st.kind = 'email' THEN st.subject ELSE left(st.body, 60) END AS "summary!",
                st.removed_at IS NOT NULL AS "removed!",
                count(o.id) FILTER (WHERE o.status = 'sent') AS "sent!",
                count(o.id) FILTER (WHERE o.status IN ('pending', 'sending')) AS "queued!",
                count(o.id) FILTER (WHERE o.status IN ('failed', 'cancelled')) AS "failed!",
                count(d.step_id) FILTER (WHERE d.outcome = 'skipped') AS "skipped!",
                count(d.step_id) FILTER (WHERE d.outcome = 'task_open') AS "tasks_open!",
                count(d.step_id) FILTER (WHERE d.outcome = 'task_done') AS "tasks_done!",
                (SELECT count(DISTINCT k.enrollment_id) FROM fm_links k
                 WHERE k.step_id = st.id AND k.first_clicked_at IS NOT NULL) AS "clicked!",
                count(d.step_id) FILTER (WHERE d.first_opened_at IS NOT NULL) AS "opened!",
                (st.variant_subject <> '' OR st.variant_body <> '') AS "ab_test!",
                count(d.step_id) FILTER (WHERE d.version = 'a' AND d.outcome = 'queued') AS "a_sent!",
                count(d.step_id) FILTER (WHERE d.version = 'a' AND d.outcome = 'queued' AND r.replied) AS "a_replied!",
                count(d.step_id) FILTER (WHERE d.version = 'b' AND d.outcome = 'queued') AS "b_sent!",
                count(d.step_id) FILTER (WHERE d.version = 'b' AND d.outcome = 'queued' AND r.replied) AS "b_replied!"
           FROM fm_sequence_steps st
           LEFT JOIN fm_enrollment_steps d ON d.step_id = st.id
           LEFT JOIN outbox o ON o.idempotency_key = d.outbox_key
           -- Whether the lead replied after this step reached them (A/B tests compare this).
           LEFT JOIN LATERAL (
               SELECT EXISTS (SELECT 1 FROM fm_enrollments e JOIN fm_inbound i ON i.lead_id = e.lead_id AND i.user_id = e.user_id
                              WHERE e.id = d.enrollment_id AND i.kind = 'reply' AND i.received_at >= d.created_at) AS replied
           ) r ON d.version IS NOT NULL
           WHERE st.sequence_id = $1 AND st.user_id = $2
             AND (st.removed_at IS NULL OR d.step_id IS NOT NULL)
           GROUP BY st.id, st.position, st.removed_at
           ORDER BY st.removed_at IS NOT NULL, st.position"#,
        sequence_id,
        user_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(Report {
        enrolled: c.enrolled,
        active: c.active,
        paused: c.paused,
        finished: c.finished,
        replied: c.replied,
        opted_out: c.opted_out,
        bounced: c.bounced,
        stopped_other: c.stopped_other,
        steps,
    })
}

// The reps' tasks.

/// Her open tasks of enrollments still open, oldest first (at most 200), each with its
/// script filled in and its lead's time zone: the lead's time now and whether it may be
/// called are left to the caller (`local_time` empty, `callable_now` false).
pub async fn open_tasks(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<(TaskRow, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT d.enrollment_id, d.step_id, e.lead_id, st.kind, s.name AS sequence, p.address, p.owner_name, p.phone,
                st.body, d.created_at AS opened_at, p.timezone, coalesce(fp.company_name, '') AS "company!",
                u.display_name AS rep_name
           FROM fm_enrollment_steps d
           JOIN fm_enrollments e ON e.id = d.enrollment_id
           JOIN fm_sequences s ON s.id = e.sequence_id
           JOIN fm_sequence_steps st ON st.id = d.step_id
           JOIN leads l ON l.id = e.lead_id
           JOIN properties p ON p.id = l.property_id
           JOIN users u ON u.id = d.user_id
           LEFT JOIN fm_profiles fp ON fp.user_id = d.user_id
           WHERE d.user_id = $1 AND d.outcome = 'task_open' AND e.state IN ('active', 'paused')
           ORDER BY d.created_at LIMIT 200"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let data = MergeData {
                owner_name: t.owner_name.clone(),
                address: t.address.clone(),
                company: t.company,
                rep_name: t.rep_name,
            };
            let task = TaskRow {
                enrollment_id: t.enrollment_id,
                step_id: t.step_id,
                lead_id: t.lead_id,
                kind: t.kind,
                sequence: t.sequence,
                address: t.address,
                owner: t.owner_name,
                phone: t.phone,
                script: render(&t.body, &data),
                opened: format_time(t.opened_at),
                local_time: String::new(),
                callable_now: false,
            };
            (task, t.timezone)
        })
        .collect())
}

/// Closes her open task with `detail` (what happened); returns its lead and the step's kind,
/// or None when there is no such open task of hers.
pub async fn complete_task(
    db: impl PgExecutor<'_>,
    enrollment_id: Uuid,
    step_id: Uuid,
    user_id: Uuid,
    detail: &str,
) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "UPDATE fm_enrollment_steps d SET outcome = 'task_done', done_at = now(), detail = $4
         FROM fm_enrollments e, fm_sequence_steps st
         WHERE d.enrollment_id = $1 AND d.step_id = $2 AND d.user_id = $3 AND d.outcome = 'task_open'
           AND e.id = d.enrollment_id AND e.user_id = $3 AND st.id = d.step_id
         RETURNING e.lead_id, st.kind",
        enrollment_id,
        step_id,
        user_id,
        detail,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.lead_id, r.kind)))
}

/// Moves her lead to "appointment", unless it is past that stage already.
pub async fn book_appointment(db: impl PgExecutor<'_>, lead_id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET stage = 'appointment', stage_at = now() WHERE id = $1 AND user_id = $2 AND stage IN ('new', 'contacted')",
        lead_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her enrollment took a step now: its next step's delay counts from here.
pub async fn mark_stepped(db: impl PgExecutor<'_>, enrollment_id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments SET last_step_at = now() WHERE id = $1 AND user_id = $2",
        enrollment_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

// A lead's outreach panel.

/// How her lead can be reached: whether texting it is consented, its phone, its email
/// (lower case).
pub struct LeadContact {
    pub sms_consent: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// None when the lead is not hers, or refunded.
pub async fn lead_contact(
    db: impl PgExecutor<'_>,
    lead_id: Uuid,
    user_id: Uuid,
) -> Result<Option<LeadContact>, sqlx::Error> {
    sqlx::query_as!(
        LeadContact,
        r#"SELECT l.sms_consent_at IS NOT NULL AS "sms_consent!", p.phone, lower(p.email) AS email
           FROM leads l JOIN properties p ON p.id = l.property_id
           WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL"#,
        lead_id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// Her lead's enrollments, newest first: id, sequence name, state, why it stopped.
pub async fn lead_enrollments(
    db: impl PgExecutor<'_>,
    lead_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<(Uuid, String, String, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT e.id, s.name, e.state, e.stop_reason FROM fm_enrollments e JOIN fm_sequences s ON s.id = e.sequence_id
         WHERE e.lead_id = $1 AND e.user_id = $2 ORDER BY e.enrolled_at DESC",
        lead_id,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.name, r.state, r.stop_reason))
        .collect())
}

/// Her sequences a lead can be enrolled in (active or paused), by name: id, name.
pub async fn open_sequences(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name FROM fm_sequences WHERE user_id = $1 AND status IN ('active', 'paused') ORDER BY name",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// Everything sent, queued, skipped or done for her lead, and everything that came back
/// for it or from its phone or email (a STOP is the phone's, whichever lead it was filed
/// under), newest first (at most 200): when, what, detail.
pub async fn lead_timeline(
    db: impl PgExecutor<'_>,
    lead_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<(OffsetDateTime, String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT at AS "at!", what AS "what!", detail AS "detail!" FROM (
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
             SELECT i.received_at, CASE i.channel WHEN 'sms' THEN 'Text ' ELSE 'Email ' END || replace(i.kind, '_', ' '), i.body
             FROM fm_inbound i
             LEFT JOIN (leads l JOIN properties p ON p.id = l.property_id) ON l.id = $1 AND l.user_id = $2
             WHERE i.user_id = $2 AND (i.lead_id = $1 OR (i.channel = 'sms' AND i.address = p.phone)
                                       OR (i.channel = 'email' AND lower(i.address) = lower(p.email)))
         ) t ORDER BY at DESC LIMIT 200"#,
        lead_id,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.at, r.what, r.detail)).collect())
}

/// The channels ('sms', 'email') on which this phone or email has opted out with her.
pub async fn opted_out_channels(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT channel FROM fm_opt_outs WHERE user_id = $1 AND ((channel = 'sms' AND address = $2) OR (channel = 'email' AND address = $3))",
        user_id,
        phone,
        email,
    )
    .fetch_all(db)
    .await
}

/// Records (keeping its first date) or withdraws the homeowner's consent to be texted;
/// false when the lead is not hers.
pub async fn set_sms_consent(
    db: impl PgExecutor<'_>,
    lead_id: Uuid,
    user_id: Uuid,
    consent: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE leads SET sms_consent_at = CASE WHEN $3 THEN coalesce(sms_consent_at, now()) END WHERE id = $1 AND user_id = $2",
        lead_id,
        user_id,
        consent,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

// The engine: due steps, written to the outbox.

/// An enrollment whose next step is due, with all the engine needs to send it.
pub struct Due {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub unsubscribe_token: String,
    pub lag_secs: f64,
    pub window_days: i16,
    pub window_start: i16,
    pub window_end: i16,
    pub address: String,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub timezone: String,
    pub sms_consent: bool,
    pub company: String,
    pub postal_address: String,
    pub rep_name: String,
    pub opted_out: bool,
    pub step_id: Option<Uuid>,
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub variant_subject: Option<String>,
    pub variant_body: Option<String>,
    pub next_delay: Option<i32>,
    /// She counts opens of her email.
    pub track_opens: bool,
}

/// Locks up to `limit` enrollments due at `at` that no other worker holds (FOR UPDATE SKIP
/// LOCKED), the longest due first.
pub async fn claim_due(tx: &mut PgConnection, limit: i64, at: OffsetDateTime) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "
SELECT e.id FROM fm_enrollments e
WHERE e.state = 'active' AND e.next_due_at <= $2
  AND EXISTS (SELECT 1 FROM fm_sequences s WHERE s.id = e.sequence_id AND s.status = 'active')
ORDER BY e.next_due_at
LIMIT $1
FOR UPDATE OF e SKIP LOCKED",
        limit,
        at,
    )
    .fetch_all(tx)
    .await
}

/// What the claimed enrollments need, read by a second statement: its fresh snapshot sees
/// every step a worker committed before we took the lock (one statement could not).
pub async fn load_due(tx: &mut PgConnection, claimed: &[Uuid], at: OffsetDateTime) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as!(
        Due,
        r#"
SELECT e.id, e.user_id, e.lead_id, e.unsubscribe_token,
       extract(epoch FROM $2 - e.next_due_at)::float8 AS "lag_secs!",
       s.window_days, s.window_start, s.window_end,
       p.address, p.owner_name, p.phone, lower(p.email) AS email, p.timezone,
       l.sms_consent_at IS NOT NULL AS "sms_consent!",
       coalesce(fp.company_name, '') AS "company!", coalesce(fp.postal_address, '') AS "postal_address!",
       u.display_name AS rep_name,
       EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = e.user_id
               AND ((o.channel = 'sms' AND o.address = p.phone) OR (o.channel = 'email' AND o.address = lower(p.email)))) AS "opted_out!",
       cur.id AS "step_id?", cur.kind AS "kind?", cur.subject AS "subject?", cur.body AS "body?",
       cur.variant_subject AS "variant_subject?", cur.variant_body AS "variant_body?", nxt.delay_minutes AS "next_delay?",
       coalesce(fp.track_opens, false) AS "track_opens!"
FROM fm_enrollments e
JOIN fm_sequences s ON s.id = e.sequence_id
JOIN leads l ON l.id = e.lead_id
JOIN properties p ON p.id = l.property_id
JOIN users u ON u.id = e.user_id
LEFT JOIN fm_profiles fp ON fp.user_id = e.user_id
LEFT JOIN LATERAL (
    SELECT st.id, st.kind, st.subject, st.body, st.variant_subject, st.variant_body FROM fm_sequence_steps st
    WHERE st.sequence_id = e.sequence_id AND st.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM fm_enrollment_steps d WHERE d.enrollment_id = e.id AND d.step_id = st.id)
    ORDER BY st.position LIMIT 1
) cur ON true
LEFT JOIN LATERAL (
    SELECT st.delay_minutes FROM fm_sequence_steps st
    WHERE st.sequence_id = e.sequence_id AND st.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM fm_enrollment_steps d WHERE d.enrollment_id = e.id AND d.step_id = st.id)
    ORDER BY st.position OFFSET 1 LIMIT 1
) nxt ON true
WHERE e.id = ANY($1)"#,
        claimed,
        at,
    )
    .fetch_all(tx)
    .await
}

/// Sequence messages for the outbox, column by column (one UNNEST each).
#[derive(Default)]
pub struct Messages {
    /// `seq:<enrollment>:<step>`: a message is queued once whatever happens.
    pub keys: Vec<String>,
    pub user_ids: Vec<Uuid>,
    /// `email` or `sms`.
    pub channels: Vec<&'static str>,
    pub recipients: Vec<String>,
    pub subjects: Vec<String>,
    pub texts: Vec<String>,
    pub htmls: Vec<String>,
    pub list_unsubscribes: Vec<Option<String>>,
    pub reply_tos: Vec<Option<String>>,
    /// The last moment it may go (the end of the hours it is allowed in).
    pub not_after: Vec<OffsetDateTime>,
    /// The name it goes under: "<rep> at <company>" (`domain::fishmouth::sequence::sender_name`).
    pub senders: Vec<String>,
}

/// Queues the messages, each under its sender's name (a text from her own number, an email
/// from her own domain); one already queued under its key is left as it is.
pub async fn queue_messages(db: impl PgExecutor<'_>, m: &Messages) -> Result<(), sqlx::Error> {
    // A text goes from the contractor's own number once she has one (else the shared one),
    // an email from her own domain once it is verified (else MAIL_FROM's).
    sqlx::query!(
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, list_unsubscribe, reply_to, not_after, sender_name, from_number, from_address)
         SELECT m.*, n.phone_number, d.local_part || '@' || d.domain
         FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[])
             AS m (k, u, c, r, s, t, h, l, rt, na, sn)
         LEFT JOIN fm_numbers n ON n.user_id = m.u AND m.c = 'sms' AND n.status = 'active'
         LEFT JOIN sending_domains d ON d.user_id = m.u AND m.c = 'email' AND d.verified_at IS NOT NULL
         ON CONFLICT (idempotency_key) DO NOTHING",
        &m.keys,
        &m.user_ids,
        &m.channels as &[&str],
        &m.recipients,
        &m.subjects,
        &m.texts,
        &m.htmls,
        &m.list_unsubscribes as &[Option<String>],
        &m.reply_tos as &[Option<String>],
        &m.not_after,
        &m.senders,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A contractor's sequence email in the last 24 hours, how long her domain has been verified,
/// and whether her email is paused.
pub struct EmailAllowance {
    pub user_id: Uuid,
    /// Whole days since her own domain was verified; None: she sends from the platform's.
    pub days_verified: Option<i64>,
    pub sent: i64,
    /// Why her email is paused (complaints or bounces), until an operator resumes it.
    pub paused: Option<String>,
}

/// Takes these contractors' email allowances for this transaction, in id order so two batches
/// never wait on each other in a circle. Without it, concurrent batches each count only
/// committed messages and could spend the same allowance twice. (Seed 1: scans use seed 0.)
pub async fn lock_email_allowances(tx: &mut PgConnection, sorted_user_ids: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended(id::text, 1))
         FROM (SELECT id FROM UNNEST($1::uuid[]) AS u (id) ORDER BY id) AS sorted",
        sorted_user_ids
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(())
}

pub async fn email_allowances(db: impl PgExecutor<'_>, user_ids: &[Uuid]) -> Result<Vec<EmailAllowance>, sqlx::Error> {
    sqlx::query_as!(
        EmailAllowance,
        r#"SELECT u.id AS "user_id!",
                  floor(extract(epoch FROM now() - d.verified_at) / 86400)::int8 AS days_verified,
                  (SELECT count(*) FROM outbox o
                   WHERE o.user_id = u.id AND o.channel = 'email' AND o.idempotency_key LIKE 'seq:%'
                     AND o.created_at > now() - interval '24 hours') AS "sent!",
                  p.email_paused_why AS paused
           FROM UNNEST($1::uuid[]) AS u (id)
           LEFT JOIN sending_domains d ON d.user_id = u.id AND d.verified_at IS NOT NULL
           LEFT JOIN fm_profiles p ON p.user_id = u.id AND p.email_paused_at IS NOT NULL"#,
        user_ids
    )
    .fetch_all(db)
    .await
}

/// Her sequence email of the last 30 days, and how much of it bounced or drew a complaint.
pub async fn reputation(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(i64, i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM outbox WHERE user_id = $1 AND channel = 'email' AND idempotency_key LIKE 'seq:%'
                     AND status = 'sent' AND created_at > now() - interval '30 days') AS "sent!",
                  count(*) FILTER (WHERE kind = 'bounce') AS "bounces!",
                  count(*) FILTER (WHERE kind = 'complaint') AS "complaints!"
           FROM fm_inbound WHERE user_id = $1 AND channel = 'email' AND received_at > now() - interval '30 days'"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok((row.sent, row.bounces, row.complaints))
}

/// Pauses her email, keeping the first reason given.
pub async fn pause_email(db: impl PgExecutor<'_>, user_id: Uuid, why: &str) -> Result<bool, sqlx::Error> {
    let paused = sqlx::query!(
        "INSERT INTO fm_profiles (user_id, email_paused_at, email_paused_why) VALUES ($1, now(), $2)
         ON CONFLICT (user_id) DO UPDATE SET email_paused_at = now(), email_paused_why = $2
         WHERE fm_profiles.email_paused_at IS NULL",
        user_id,
        why
    )
    .execute(db)
    .await?;
    Ok(paused.rows_affected() == 1)
}

/// An operator resumes the email of the contractor signed up as `email`; false: no such
/// contractor, or her email was not paused.
pub async fn resume_email(db: impl PgExecutor<'_>, email: &str) -> Result<bool, sqlx::Error> {
    let resumed = sqlx::query!(
        "UPDATE fm_profiles p SET email_paused_at = NULL, email_paused_why = NULL
         FROM users u WHERE u.id = p.user_id AND u.email = $1 AND p.email_paused_at IS NOT NULL",
        email
    )
    .execute(db)
    .await?;
    Ok(resumed.rows_affected() == 1)
}

/// A sequence email the outbox sent: whose, to whom, for which lead and enrollment.
pub struct SentEmail {
    pub user_id: Uuid,
    pub key: String,
    pub recipient: String,
    pub lead_id: Option<Uuid>,
    pub enrollment_id: Option<Uuid>,
}

pub async fn sent_email(db: impl PgExecutor<'_>, outbox_id: i64) -> Result<Option<SentEmail>, sqlx::Error> {
    sqlx::query_as!(
        SentEmail,
        r#"SELECT o.user_id AS "user_id!", o.idempotency_key AS key, o.recipient,
                  e.lead_id AS "lead_id?", e.id AS "enrollment_id?"
           FROM outbox o
           LEFT JOIN fm_enrollment_steps s ON s.outbox_key = o.idempotency_key
           LEFT JOIN fm_enrollments e ON e.id = s.enrollment_id
           WHERE o.id = $1 AND o.channel = 'email' AND o.user_id IS NOT NULL
             AND (o.idempotency_key LIKE 'seq:%' OR o.idempotency_key LIKE 'inbox-answer:%')"#,
        outbox_id
    )
    .fetch_optional(db)
    .await
}

/// Holds a queued message until `at` (a text answered outside the hours it may go in).
pub async fn send_not_before(db: impl PgExecutor<'_>, key: &str, at: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET next_attempt_at = $2 WHERE idempotency_key = $1 AND status = 'pending'",
        key,
        at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Tracked links of the messages queued, column by column.
#[derive(Default)]
pub struct Links {
    pub tokens: Vec<String>,
    pub user_ids: Vec<Uuid>,
    pub enrollment_ids: Vec<Uuid>,
    pub step_ids: Vec<Uuid>,
    pub urls: Vec<String>,
}

pub async fn insert_links(db: impl PgExecutor<'_>, l: &Links) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_links (token, user_id, enrollment_id, step_id, url)
         SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[])",
        &l.tokens,
        &l.user_ids,
        &l.enrollment_ids,
        &l.step_ids,
        &l.urls,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Counts a click of a tracked link and gives its address; None for an unknown token.
pub async fn click(db: impl PgExecutor<'_>, token: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE fm_links SET clicks = clicks + 1, first_clicked_at = coalesce(first_clicked_at, now())
         WHERE token = $1 RETURNING url",
        token
    )
    .fetch_optional(db)
    .await
}

/// Counts an open of the email whose pixel is `token`; false for an unknown token.
pub async fn open(db: impl PgExecutor<'_>, token: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_enrollment_steps SET opens = opens + 1, first_opened_at = coalesce(first_opened_at, now())
         WHERE open_token = $1",
        token
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether she counts opens of her sequence email.
pub async fn track_opens(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT track_opens FROM fm_profiles WHERE user_id = $1", user_id)
            .fetch_optional(db)
            .await?
            .unwrap_or(false),
    )
}

pub async fn set_track_opens(db: impl PgExecutor<'_>, user_id: Uuid, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_profiles (user_id, track_opens) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET track_opens = $2",
        user_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The assistant's calls that AI call steps place, column by column.
#[derive(Default)]
pub struct CallsQueued {
    pub ids: Vec<Uuid>,
    pub user_ids: Vec<Uuid>,
    pub lead_ids: Vec<Uuid>,
    pub enrollment_ids: Vec<Uuid>,
    pub step_ids: Vec<Uuid>,
    pub phones: Vec<String>,
    pub media_tokens: Vec<String>,
    pub goals: Vec<String>,
}

/// Queues the calls, due on the real clock (the dialler's, which development never moves);
/// (enrollment, step) is unique, so a step places one call, ever.
pub async fn queue_calls(db: impl PgExecutor<'_>, c: &CallsQueued) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_calls (id, user_id, lead_id, enrollment_id, step_id, phone, media_token, goal)
         SELECT i, u, l, e, s, p, t, g
         FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[])
              AS t(i, u, l, e, s, p, t, g)
         ON CONFLICT (enrollment_id, step_id) WHERE step_id IS NOT NULL DO NOTHING",
        &c.ids,
        &c.user_ids,
        &c.lead_ids,
        &c.enrollment_ids,
        &c.step_ids,
        &c.phones,
        &c.media_tokens,
        &c.goals,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Steps the enrollments took, column by column.
#[derive(Default)]
pub struct StepsTaken {
    pub enrollment_ids: Vec<Uuid>,
    pub step_ids: Vec<Uuid>,
    pub user_ids: Vec<Uuid>,
    /// `queued`, `skipped` or `task_open`.
    pub outcomes: Vec<&'static str>,
    /// Why a step was skipped.
    pub details: Vec<Option<String>>,
    /// The outbox key of a queued message.
    pub outbox_keys: Vec<Option<String>>,
    /// `a` or `b` of an A/B step; None for a step without versions.
    pub versions: Vec<Option<&'static str>>,
    /// The token of the email's open pixel, when she counts opens.
    pub open_tokens: Vec<Option<String>>,
}

/// Records the steps taken `now`; each is done then, except an open task.
pub async fn record_steps(db: impl PgExecutor<'_>, s: &StepsTaken, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_enrollment_steps (enrollment_id, step_id, user_id, outcome, detail, outbox_key, created_at, done_at, version, open_token)
         SELECT e, s, u, o, d, k, $7::timestamptz, CASE WHEN o = 'task_open' THEN NULL ELSE $7 END, v, t
         FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $8::text[], $9::text[])
              AS t(e, s, u, o, d, k, v, t)",
        &s.enrollment_ids,
        &s.step_ids,
        &s.user_ids,
        &s.outcomes as &[&str],
        &s.details as &[Option<String>],
        &s.outbox_keys as &[Option<String>],
        now,
        &s.versions as &[Option<&str>],
        &s.open_tokens as &[Option<String>],
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Where enrollments go next, column by column.
#[derive(Default)]
pub struct EnrollmentUpdates {
    pub ids: Vec<Uuid>,
    /// `active`, `finished` or `stopped`.
    pub states: Vec<&'static str>,
    pub stop_reasons: Vec<Option<&'static str>>,
    pub next_due: Vec<Option<OffsetDateTime>>,
    /// Whether the enrollment took a step (so its next delay counts from `now`).
    pub stepped: Vec<bool>,
}

/// Moves the enrollments on, as of `now`: a finished or stopped one ends then.
pub async fn update_enrollments(
    db: impl PgExecutor<'_>,
    u: &EnrollmentUpdates,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments e
         SET state = v.state, stop_reason = v.reason, next_due_at = v.next,
             last_step_at = CASE WHEN v.stepped THEN $6 ELSE e.last_step_at END,
             ended_at = CASE WHEN v.state IN ('finished', 'stopped') THEN $6 END
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[]) AS v(id, state, reason, next, stepped)
         WHERE e.id = v.id",
        &u.ids,
        &u.states as &[&str],
        &u.stop_reasons as &[Option<&str>],
        &u.next_due as &[Option<OffsetDateTime>],
        &u.stepped,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Locks those of these enrollments that are active, in id order; returns them.
pub async fn lock_active(tx: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM fm_enrollments WHERE id = ANY($1) AND state = 'active' ORDER BY id FOR UPDATE",
        ids,
    )
    .fetch_all(tx)
    .await
}

/// An enrollment being rescheduled: when it last took a step, whether a task of it is
/// open, the delay of its next step (None: nothing left), and where and when it may send.
pub struct Pending {
    pub id: Uuid,
    pub last_step_at: OffsetDateTime,
    pub waiting: bool,
    pub delay: Option<i32>,
    pub window_days: i16,
    pub window_start: i16,
    pub window_end: i16,
    pub timezone: String,
    pub address: String,
}

pub async fn pending(tx: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<Pending>, sqlx::Error> {
    sqlx::query_as!(
        Pending,
        r#"SELECT e.id, e.last_step_at,
                EXISTS (SELECT 1 FROM fm_enrollment_steps d WHERE d.enrollment_id = e.id AND d.outcome = 'task_open') AS "waiting!",
                cur.delay_minutes AS "delay?", s.window_days, s.window_start, s.window_end, p.timezone, p.address
           FROM fm_enrollments e
           JOIN fm_sequences s ON s.id = e.sequence_id
           JOIN leads l ON l.id = e.lead_id
           JOIN properties p ON p.id = l.property_id
           LEFT JOIN LATERAL (
               SELECT st.delay_minutes FROM fm_sequence_steps st
               WHERE st.sequence_id = e.sequence_id AND st.removed_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM fm_enrollment_steps d WHERE d.enrollment_id = e.id AND d.step_id = st.id)
               ORDER BY st.position LIMIT 1
           ) cur ON true
           WHERE e.id = ANY($1)"#,
        ids,
    )
    .fetch_all(tx)
    .await
}

/// Sets the enrollments' state and when their next step is due; `last_step_at` does not
/// move (`stepped` is not read, nor are `stop_reasons`), and a finished one ends now.
pub async fn set_schedules(db: impl PgExecutor<'_>, u: &EnrollmentUpdates) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments e
         SET state = v.state, next_due_at = v.next,
             ended_at = CASE WHEN v.state = 'finished' THEN now() END
         FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[]) AS v(id, state, next)
         WHERE e.id = v.id",
        &u.ids,
        &u.states as &[&str],
        &u.next_due as &[Option<OffsetDateTime>],
    )
    .execute(db)
    .await?;
    Ok(())
}

// Stopping: opt-outs, replies, won or lost leads, bounces.

/// Records that `address` wants nothing more from her on `channel` (once), and suppresses
/// it: no contractor is sold it as a lead again.
pub async fn insert_opt_out(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    channel: &str,
    address: &str,
    source: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "WITH opt_out AS (
             INSERT INTO fm_opt_outs (user_id, channel, address, source) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, channel, address) DO NOTHING)
         INSERT INTO fm_suppressions (kind, value, reason)
         VALUES (CASE $2 WHEN 'sms' THEN 'phone' ELSE 'email' END, CASE $2 WHEN 'sms' THEN $3 ELSE lower($3) END, $4)
         ON CONFLICT (kind, value) DO NOTHING",
        user_id,
        channel,
        address,
        source,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels her sequence messages to `address` still waiting in the outbox.
pub async fn cancel_waiting_messages(db: impl PgExecutor<'_>, user_id: Uuid, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'cancelled', last_error = 'the recipient opted out'
         WHERE status = 'pending' AND user_id = $1 AND recipient = $2 AND idempotency_key LIKE 'seq:%'",
        user_id,
        address,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stops every open enrollment of this contractor whose lead has this phone or email.
pub async fn stop_for_contact(
    conn: &mut PgConnection,
    user_id: Uuid,
    channel: &str,
    address: &str,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_enrollments e SET state = 'stopped', stop_reason = $4, next_due_at = NULL, ended_at = now()
         FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE e.lead_id = l.id AND e.user_id = $1 AND e.state IN ('active', 'paused')
           AND CASE WHEN $2 = 'sms' THEN p.phone = $3 ELSE lower(p.email) = $3 END",
        user_id,
        channel,
        address,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Stops one lead's open enrollments (a stage change to won or lost, or a reply by email).
pub async fn stop_for_lead(
    conn: &mut PgConnection,
    user_id: Uuid,
    lead_id: Uuid,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_enrollments SET state = 'stopped', stop_reason = $3, next_due_at = NULL, ended_at = now()
         WHERE user_id = $1 AND lead_id = $2 AND state IN ('active', 'paused')",
        user_id,
        lead_id,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Stops, as bounced, the open enrollment whose message went out under `outbox_key`.
pub async fn stop_bounced(db: impl PgExecutor<'_>, outbox_key: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_enrollments e SET state = 'stopped', stop_reason = 'bounced', next_due_at = NULL, ended_at = now()
         FROM fm_enrollment_steps d
         WHERE d.outbox_key = $1 AND e.id = d.enrollment_id AND e.state IN ('active', 'paused')",
        outbox_key,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Shows the bounce of the message under `outbox_key` on its lead's timeline (once), with
/// the first 500 characters of why.
pub async fn record_bounce(db: impl PgExecutor<'_>, outbox_key: &str, why: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_inbound (user_id, lead_id, enrollment_id, channel, kind, address, body, event_id)
         SELECT e.user_id, e.lead_id, e.id, o.channel, 'bounce', o.recipient, left($2, 500), 'bounce:' || o.id
         FROM outbox o JOIN fm_enrollment_steps d ON d.outbox_key = o.idempotency_key JOIN fm_enrollments e ON e.id = d.enrollment_id
         WHERE o.idempotency_key = $1
         ON CONFLICT (user_id, event_id) DO NOTHING",
        outbox_key,
        why,
    )
    .execute(db)
    .await?;
    Ok(())
}

// What comes back: unsubscribe links, texts, delivery reports, email replies.

/// The enrollment an unsubscribe token belongs to, with its lead's email (lower case).
pub struct Unsubscribing {
    pub enrollment_id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub email: Option<String>,
}

pub async fn enrollment_by_token(db: impl PgExecutor<'_>, token: &str) -> Result<Option<Unsubscribing>, sqlx::Error> {
    sqlx::query_as!(
        Unsubscribing,
        "SELECT e.id AS enrollment_id, e.user_id, e.lead_id, lower(p.email) AS email FROM fm_enrollments e
         JOIN leads l ON l.id = e.lead_id JOIN properties p ON p.id = l.property_id
         WHERE e.unsubscribe_token = $1",
        token,
    )
    .fetch_optional(db)
    .await
}

/// The company whose emails the token unsubscribes from, and whether it is done already.
pub async fn unsubscribe_status(db: impl PgExecutor<'_>, token: &str) -> Result<Option<(String, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT coalesce(fp.company_name, 'this sender') AS "company!",
                EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = e.user_id AND o.channel = 'email' AND o.address = lower(p.email)) AS "done!"
           FROM fm_enrollments e JOIN leads l ON l.id = e.lead_id JOIN properties p ON p.id = l.property_id
           LEFT JOIN fm_profiles fp ON fp.user_id = e.user_id
           WHERE e.unsubscribe_token = $1"#,
        token,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.company, r.done)))
}

/// The carrier's latest word on the message it knows as `provider_id`.
pub async fn set_delivery_status(db: impl PgExecutor<'_>, provider_id: &str, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET delivery_status = $2 WHERE provider_id = $1",
        provider_id,
        status,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The outbox keys of the sequence messages the provider knows as `provider_id`.
pub async fn sequence_keys(db: impl PgExecutor<'_>, provider_id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT idempotency_key FROM outbox WHERE provider_id = $1 AND idempotency_key LIKE 'seq:%'",
        provider_id,
    )
    .fetch_all(db)
    .await
}

/// The contractor whose sequence texted this phone last.
pub async fn last_texted(db: impl PgExecutor<'_>, phone: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT user_id AS "user_id!" FROM outbox
           WHERE channel = 'sms' AND recipient = $1 AND from_number IS NULL AND user_id IS NOT NULL
             AND (idempotency_key LIKE 'seq:%' OR idempotency_key LIKE 'inbox-answer:%')
           ORDER BY coalesce(sent_at, created_at) DESC, id DESC LIMIT 1"#,
        phone,
    )
    .fetch_optional(db)
    .await
}

/// Every contractor who holds this phone as a lead or whose sequence texted it.
pub async fn contractors_of_phone(db: impl PgExecutor<'_>, phone: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT user_id AS "user_id!" FROM leads l JOIN properties p ON p.id = l.property_id WHERE p.phone = $1
           UNION SELECT DISTINCT user_id FROM outbox
           WHERE channel = 'sms' AND recipient = $1 AND idempotency_key LIKE 'seq:%' AND user_id IS NOT NULL"#,
        phone,
    )
    .fetch_all(db)
    .await
}

/// Her latest lead (not refunded) with this phone.
pub async fn lead_with_phone(db: impl PgExecutor<'_>, user_id: Uuid, phone: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT l.id FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE l.user_id = $1 AND p.phone = $2 AND l.refunded_at IS NULL ORDER BY l.bought_at DESC LIMIT 1",
        user_id,
        phone,
    )
    .fetch_optional(db)
    .await
}

/// A START from this phone lifts the suppression its STOP made (not an operator's).
pub async fn lift_text_suppression(db: impl PgExecutor<'_>, phone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM fm_suppressions WHERE kind = 'phone' AND value = $1 AND reason = 'text message'",
        phone,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// This phone may be texted by her again (it asked to be, by text).
pub async fn opt_in_sms(db: impl PgExecutor<'_>, user_id: Uuid, phone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM fm_opt_outs WHERE user_id = $1 AND channel = 'sms' AND address = $2",
        user_id,
        phone,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An enrollment: its contractor and its lead.
pub async fn enrollment(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<(Uuid, Uuid, Uuid)>, sqlx::Error> {
    let row = sqlx::query!("SELECT id, user_id, lead_id FROM fm_enrollments WHERE id = $1", id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.id, r.user_id, r.lead_id)))
}

/// A lead's email (lower case), if it has one.
pub async fn lead_email(db: impl PgExecutor<'_>, lead_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT lower(p.email) FROM leads l JOIN properties p ON p.id = l.property_id WHERE l.id = $1",
        lead_id,
    )
    .fetch_one(db)
    .await
}

/// Something a homeowner sent back, as her lead's timeline shows it.
pub struct Inbound<'a> {
    pub user_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub enrollment_id: Option<Uuid>,
    /// `sms` or `email`.
    pub channel: &'a str,
    /// `reply`, `opt_out`, `opt_in`, `unsubscribe`, ...
    pub kind: &'a str,
    /// Who sent it.
    pub address: &'a str,
    pub body: &'a str,
    /// The provider's id of the event: a webhook delivered twice is recorded once.
    pub event_id: Option<&'a str>,
}

/// Records what came back; its id, or `None` when this event was recorded before.
pub async fn record_inbound(db: impl PgExecutor<'_>, inbound: Inbound<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO fm_inbound (user_id, lead_id, enrollment_id, channel, kind, address, body, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id",
        inbound.user_id,
        inbound.lead_id,
        inbound.enrollment_id,
        inbound.channel,
        inbound.kind,
        inbound.address,
        inbound.body,
        inbound.event_id,
    )
    .fetch_optional(db)
    .await
}

// The reply inbox.

/// A homeowner's reply in her inbox.
pub struct InboxRow {
    pub id: i64,
    pub lead_id: Option<Uuid>,
    pub channel: String,
    pub address: String,
    pub body: String,
    pub received_at: OffsetDateTime,
    pub read: bool,
    pub done: bool,
    pub street: Option<String>,
    pub owner: Option<String>,
}

/// Her replies, newest first: `unread`, `open` (waiting for her answer) or `all`.
pub async fn inbox(db: impl PgExecutor<'_>, user_id: Uuid, filter: &str) -> Result<Vec<InboxRow>, sqlx::Error> {
    sqlx::query_as!(
        InboxRow,
        r#"SELECT i.id, i.lead_id, i.channel, i.address, i.body, i.received_at,
                  i.read_at IS NOT NULL AS "read!", i.done_at IS NOT NULL AS "done!",
                  p.address AS "street?", p.owner_name AS "owner?"
           FROM fm_inbound i
           LEFT JOIN leads l ON l.id = i.lead_id AND l.user_id = i.user_id
           LEFT JOIN properties p ON p.id = l.property_id
           WHERE i.user_id = $1 AND i.kind = 'reply'
             AND ($2 = 'all' OR ($2 = 'unread' AND i.read_at IS NULL) OR ($2 = 'open' AND i.done_at IS NULL)
                  OR ($2 = 'booked' AND l.stage IN ('appointment', 'quoted', 'won')))
           ORDER BY i.received_at DESC, i.id DESC
           LIMIT 100"#,
        user_id,
        filter
    )
    .fetch_all(db)
    .await
}

/// How many of her replies she has not read.
pub async fn unread_replies(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM fm_inbound WHERE user_id = $1 AND kind = 'reply' AND read_at IS NULL"#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Marks one of her replies read, done (and read), or open again; false when it is not hers.
pub async fn mark_reply(db: impl PgExecutor<'_>, user_id: Uuid, id: i64, state: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE fm_inbound SET
             read_at = CASE WHEN $3 IN ('read', 'done') THEN coalesce(read_at, now()) ELSE read_at END,
             done_at = CASE $3 WHEN 'done' THEN coalesce(done_at, now()) WHEN 'open' THEN NULL ELSE done_at END
         WHERE id = $1 AND user_id = $2 AND kind = 'reply'",
        id,
        user_id,
        state
    )
    .execute(db)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Marks every reply she has read.
pub async fn mark_all_read(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<u64, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE fm_inbound SET read_at = now() WHERE user_id = $1 AND kind = 'reply' AND read_at IS NULL",
        user_id
    )
    .execute(db)
    .await?;
    Ok(changed.rows_affected())
}

/// What answering one of her replies needs: where it came from, its lead's home (zone and
/// address, for the hours texts are allowed), who she is, and whether they opted out.
pub struct ReplyContext {
    pub channel: String,
    pub address: String,
    pub body: String,
    pub enrollment_id: Option<Uuid>,
    pub street: Option<String>,
    pub timezone: Option<String>,
    pub company: String,
    pub postal_address: String,
    pub rep_name: String,
    pub opted_out: bool,
}

pub async fn reply_context(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    id: i64,
) -> Result<Option<ReplyContext>, sqlx::Error> {
    sqlx::query_as!(
        ReplyContext,
        r#"SELECT i.channel, i.address, i.body, i.enrollment_id, p.address AS "street?", p.timezone AS "timezone?",
                  coalesce(fp.company_name, '') AS "company!", coalesce(fp.postal_address, '') AS "postal_address!",
                  u.display_name AS rep_name,
                  EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = i.user_id AND o.channel = i.channel
                          AND o.address = CASE i.channel WHEN 'email' THEN lower(i.address) ELSE i.address END) AS "opted_out!"
           FROM fm_inbound i
           JOIN users u ON u.id = i.user_id
           LEFT JOIN leads l ON l.id = i.lead_id AND l.user_id = i.user_id
           LEFT JOIN properties p ON p.id = l.property_id
           LEFT JOIN fm_profiles fp ON fp.user_id = i.user_id
           WHERE i.id = $1 AND i.user_id = $2 AND i.kind = 'reply'"#,
        id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Where a new reply's alert goes: her email and company.
pub async fn reply_alert_to(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT email FROM users WHERE id = $1 AND disabled_at IS NULL", user_id)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
}

/// Steps due now across every active enrollment, and how long the oldest has waited in
/// seconds (the metrics page).
pub async fn due_steps(db: impl PgExecutor<'_>) -> Result<(i64, f64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) AS "due!", coalesce(extract(epoch FROM now() - min(next_due_at))::float8, 0) AS "lag!"
           FROM fm_enrollments WHERE state = 'active' AND next_due_at <= now()"#
    )
    .fetch_one(db)
    .await?;
    Ok((r.due, r.lag))
}
