//! Every query of the call assistant: her settings, homeowners' consent to calls, and the
//! calls, each read through its owner (or, for Telnyx's webhooks and media stream, through
//! the call's own unguessable ids).

use domain::fishmouth::calls::{CallOutcome, CallStatus, VoiceSettings, VoicemailAction};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn settings(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<VoiceSettings>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT enabled, assistant_name, voice, greeting, goals, questions, slot_days, slot_hours, timezone,
                  voicemail_action AS "voicemail_action: VoicemailAction", voicemail_text, recording, max_attempts,
                  retention_days
           FROM fm_voice_settings WHERE user_id = $1"#,
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| VoiceSettings {
        enabled: r.enabled,
        assistant_name: r.assistant_name,
        voice: r.voice,
        greeting: r.greeting,
        goals: r.goals,
        questions: r.questions,
        slot_days: u8::try_from(r.slot_days).unwrap_or(0),
        slot_hours: r.slot_hours.into_iter().filter_map(|h| u8::try_from(h).ok()).collect(),
        timezone: r.timezone,
        voicemail_action: r.voicemail_action,
        voicemail_text: r.voicemail_text,
        recording: r.recording,
        max_attempts: u8::try_from(r.max_attempts).unwrap_or(1),
        retention_days: u16::try_from(r.retention_days).unwrap_or(90),
    }))
}

pub async fn save_settings(db: impl PgExecutor<'_>, user_id: Uuid, s: &VoiceSettings) -> Result<(), sqlx::Error> {
    let hours: Vec<i16> = s.slot_hours.iter().map(|h| i16::from(*h)).collect();
    sqlx::query!(
        "INSERT INTO fm_voice_settings (user_id, enabled, assistant_name, voice, greeting, goals, questions, slot_days,
             slot_hours, timezone, voicemail_action, voicemail_text, recording, max_attempts, retention_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (user_id) DO UPDATE SET enabled = $2, assistant_name = $3, voice = $4, greeting = $5, goals = $6,
             questions = $7, slot_days = $8, slot_hours = $9, timezone = $10, voicemail_action = $11,
             voicemail_text = $12, recording = $13, max_attempts = $14, retention_days = $15, updated_at = now()",
        user_id,
        s.enabled,
        s.assistant_name,
        s.voice,
        s.greeting,
        s.goals,
        s.questions,
        i16::from(s.slot_days),
        &hours,
        s.timezone,
        s.voicemail_action.as_str(),
        s.voicemail_text,
        s.recording,
        i16::from(s.max_attempts),
        i32::from(s.retention_days) as i16,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her lead as a call needs it: the number, the homeowner, the home and its zone.
pub struct LeadLine {
    pub phone: Option<String>,
    pub owner_name: Option<String>,
    pub address: String,
    pub timezone: String,
    pub email: Option<String>,
    pub sms_consent: bool,
}

pub async fn lead_line(db: impl PgExecutor<'_>, lead_id: Uuid, user_id: Uuid) -> Result<Option<LeadLine>, sqlx::Error> {
    sqlx::query_as!(
        LeadLine,
        r#"SELECT p.phone, p.owner_name, p.address, p.timezone, lower(p.email) AS email,
                  l.sms_consent_at IS NOT NULL AS "sms_consent!"
           FROM leads l JOIN properties p ON p.id = l.property_id
           WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL"#,
        lead_id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// A homeowner's live consent to calls from her.
pub struct Consent {
    pub phone: String,
    pub wording: String,
    pub source: String,
    pub given_at: OffsetDateTime,
}

pub async fn consent(db: impl PgExecutor<'_>, lead_id: Uuid, user_id: Uuid) -> Result<Option<Consent>, sqlx::Error> {
    sqlx::query_as!(
        Consent,
        "SELECT phone, wording, source, given_at FROM fm_call_consents
         WHERE lead_id = $1 AND user_id = $2 AND withdrawn_at IS NULL",
        lead_id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// Records her homeowner's written consent (replacing a live one); false when the lead is not hers.
pub async fn record_consent(
    conn: &mut PgConnection,
    lead_id: Uuid,
    user_id: Uuid,
    consent: &Consent,
) -> Result<bool, sqlx::Error> {
    withdraw_consent(&mut *conn, lead_id, user_id).await?;
    let done = sqlx::query!(
        "INSERT INTO fm_call_consents (user_id, lead_id, phone, wording, source, given_at)
         SELECT $2, l.id, $3, $4, $5, $6 FROM leads l WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL",
        lead_id,
        user_id,
        consent.phone,
        consent.wording,
        consent.source,
        consent.given_at,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn withdraw_consent(db: impl PgExecutor<'_>, lead_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_call_consents SET withdrawn_at = now() WHERE lead_id = $1 AND user_id = $2 AND withdrawn_at IS NULL",
        lead_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A call to place.
pub struct NewCall<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub phone: &'a str,
    pub media_token: &'a str,
    pub due_at: OffsetDateTime,
}

pub async fn queue(db: impl PgExecutor<'_>, call: NewCall<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token, due_at) VALUES ($1, $2, $3, $4, $5, $6)",
        call.id,
        call.user_id,
        call.lead_id,
        call.phone,
        call.media_token,
        call.due_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A queued call that is due, with everything the law and her settings ask before dialling.
pub struct DueCall {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub phone: String,
    pub media_token: String,
    pub address: String,
    pub timezone: String,
    pub enabled: bool,
    pub max_attempts: i16,
    pub consent: bool,
    pub opted_out: bool,
    pub attempts: i64,
    pub from_number: Option<String>,
}

/// Claims the oldest due call (FOR UPDATE SKIP LOCKED: every instance runs this).
pub async fn claim_due(conn: &mut PgConnection, now: OffsetDateTime) -> Result<Option<DueCall>, sqlx::Error> {
    sqlx::query_as!(
        DueCall,
        r#"WITH due AS (
               SELECT id FROM fm_calls WHERE status = 'queued' AND due_at <= $1
               ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           SELECT c.id, c.user_id, c.lead_id, c.phone, c.media_token, p.address, p.timezone,
                  coalesce(v.enabled, false) AS "enabled!", coalesce(v.max_attempts, 1::smallint) AS "max_attempts!",
                  EXISTS (SELECT 1 FROM fm_call_consents k WHERE k.lead_id = c.lead_id AND k.user_id = c.user_id
                          AND k.withdrawn_at IS NULL AND k.phone = c.phone) AS "consent!",
                  (EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = c.user_id AND o.channel IN ('sms', 'call')
                           AND o.address = c.phone)
                   OR EXISTS (SELECT 1 FROM fm_suppressions s WHERE s.kind = 'phone' AND s.value = c.phone)) AS "opted_out!",
                  (SELECT count(*) FROM fm_calls a WHERE a.lead_id = c.lead_id AND a.id <> c.id
                   AND a.dialed_at IS NOT NULL) AS "attempts!",
                  (SELECT n.phone_number FROM fm_numbers n WHERE n.user_id = c.user_id AND n.status = 'active')
                   AS from_number
           FROM due JOIN fm_calls c ON c.id = due.id
           JOIN leads l ON l.id = c.lead_id JOIN properties p ON p.id = l.property_id
           LEFT JOIN fm_voice_settings v ON v.user_id = c.user_id"#,
        now,
    )
    .fetch_optional(conn)
    .await
}

pub async fn postpone(db: impl PgExecutor<'_>, id: Uuid, until: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_calls SET due_at = $2 WHERE id = $1 AND status = 'queued'",
        id,
        until
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A call that will not be placed (or failed before it rang), with why.
pub async fn close(db: impl PgExecutor<'_>, id: Uuid, status: CallStatus, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_calls SET status = $2, detail = $3, ended_at = coalesce(ended_at, now()), cost_cents = coalesce(cost_cents, 0)
         WHERE id = $1",
        id,
        status.as_str(),
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks it dialling; false when another call to the same number is live (the unique index).
pub async fn start_dialing(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_calls SET status = 'dialing', dialed_at = now() WHERE id = $1 AND status = 'queued'
         AND NOT EXISTS (SELECT 1 FROM fm_calls o WHERE o.phone = fm_calls.phone AND o.id <> $1
                         AND o.status IN ('dialing', 'ringing', 'in_progress'))",
        id,
    )
    .execute(conn)
    .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        // Another instance dialled the same number in the same instant.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn set_control_id(db: impl PgExecutor<'_>, id: Uuid, control_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE fm_calls SET call_control_id = $2 WHERE id = $1", id, control_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Dialling calls that never got Telnyx's id (the instance stopped between the two): closed as
/// failed, never dialled again. Their ids, with owners, to give back what they held.
pub async fn stale_dialing(conn: &mut PgConnection, before: OffsetDateTime) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let rows = sqlx::query!(
        "UPDATE fm_calls SET status = 'failed', detail = 'the call could not be confirmed as placed', ended_at = now(),
             cost_cents = 0
         WHERE status = 'dialing' AND call_control_id IS NULL AND dialed_at < $1 RETURNING id, user_id",
        before,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.user_id)).collect())
}

/// Moves a live call forward from Telnyx's news; never back, never out of an ended state.
pub async fn advance(db: impl PgExecutor<'_>, control_id: &str, status: CallStatus) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_calls SET status = $2,
             answered_at = CASE WHEN $2 = 'in_progress' THEN coalesce(answered_at, now()) ELSE answered_at END
         WHERE call_control_id = $1
           AND CASE $2 WHEN 'ringing' THEN status = 'dialing'
                       WHEN 'in_progress' THEN status IN ('dialing', 'ringing') ELSE false END",
        control_id,
        status.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_answered_by(db: impl PgExecutor<'_>, control_id: &str, result: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_calls SET answered_by = $2 WHERE call_control_id = $1 AND answered_by IS NULL",
        control_id,
        result,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What a call came to when it ended.
pub struct Ended {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub duration_secs: i32,
}

/// Ends a live call once (Telnyx's hangup, whichever instance hears it): its final status and
/// length. None when it had already ended.
pub async fn end(conn: &mut PgConnection, control_id: &str, hangup_cause: &str) -> Result<Option<Ended>, sqlx::Error> {
    sqlx::query_as!(
        Ended,
        r#"UPDATE fm_calls SET ended_at = now(),
               status = CASE WHEN answered_by = 'machine' THEN 'voicemail'
                             WHEN answered_at IS NOT NULL THEN 'completed'
                             WHEN $2 IN ('timeout', 'user_busy', 'call_rejected', 'originator_cancel') THEN 'no_answer'
                             ELSE 'failed' END,
               detail = CASE WHEN answered_at IS NULL AND $2 NOT IN ('timeout', 'user_busy', 'call_rejected', 'originator_cancel')
                             THEN 'the call could not be connected (' || $2 || ')' ELSE detail END,
               duration_secs = CASE WHEN answered_at IS NULL THEN 0
                                    ELSE greatest(1, ceil(extract(epoch FROM now() - answered_at)))::int END
           WHERE call_control_id = $1 AND ended_at IS NULL
           RETURNING id, user_id, lead_id, duration_secs AS "duration_secs!""#,
        control_id,
        hangup_cause,
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_cost(db: impl PgExecutor<'_>, id: Uuid, cents: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE fm_calls SET cost_cents = $2 WHERE id = $1", id, cents as i32)
        .execute(db)
        .await?;
    Ok(())
}

/// What the media stream needs to hold the conversation.
pub struct MediaCall {
    pub id: Uuid,
    pub user_id: Uuid,
    pub lead_id: Uuid,
    pub phone: String,
    pub call_control_id: Option<String>,
    pub owner_name: Option<String>,
    pub address: String,
    pub company: String,
    /// Why the lead scored as it did (roof age, hail nearby...), for the agent.
    pub reasons: serde_json::Value,
    /// Its sequence step's aim ('' : her settings' goals).
    pub goal: String,
}

/// A live call by its media token (the secret in the stream URL).
pub async fn by_media_token(db: impl PgExecutor<'_>, token: &str) -> Result<Option<MediaCall>, sqlx::Error> {
    sqlx::query_as!(
        MediaCall,
        r#"SELECT c.id, c.user_id, c.lead_id, c.phone, c.call_control_id, p.owner_name, p.address,
                  coalesce(f.company_name, '') AS "company!", l.reasons, c.goal
           FROM fm_calls c JOIN leads l ON l.id = c.lead_id JOIN properties p ON p.id = l.property_id
           LEFT JOIN fm_profiles f ON f.user_id = c.user_id
           WHERE c.media_token = $1 AND c.status IN ('dialing', 'ringing', 'in_progress')"#,
        token,
    )
    .fetch_optional(db)
    .await
}

/// Who answered, once answering-machine detection has said.
pub async fn answered_by(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT answered_by FROM fm_calls WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The conversation's record, sealed, and what it came to.
pub async fn save_conversation(
    db: impl PgExecutor<'_>,
    id: Uuid,
    transcript: Option<&[u8]>,
    outcome: CallOutcome,
    booked: Option<(OffsetDateTime, &str)>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_calls SET transcript = $2, outcome = $3, booked_for = $4, booked_label = $5 WHERE id = $1",
        id,
        transcript,
        outcome.as_str(),
        booked.map(|(at, _)| at),
        booked.map(|(_, label)| label),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets her lead's stage to appointment (unless it is already further on) with a note.
pub async fn lead_booked(conn: &mut PgConnection, lead_id: Uuid, user_id: Uuid, note: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET stage = 'appointment', stage_at = now() WHERE id = $1 AND user_id = $2 AND stage IN ('new', 'contacted')",
        lead_id,
        user_id,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO lead_notes (lead_id, user_id, body) SELECT $1, $2, $3 FROM leads WHERE id = $1 AND user_id = $2",
        lead_id,
        user_id,
        note,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One row of her call list.
pub struct CallRow {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub address: String,
    pub status: CallStatus,
    pub outcome: Option<CallOutcome>,
    pub detail: Option<String>,
    pub booked_label: Option<String>,
    pub created_at: OffsetDateTime,
    pub duration_secs: Option<i32>,
    pub cost_cents: Option<i32>,
}

/// Her calls, newest first: all of them (the last 200), or one lead's.
pub async fn list(db: impl PgExecutor<'_>, user_id: Uuid, lead: Option<Uuid>) -> Result<Vec<CallRow>, sqlx::Error> {
    sqlx::query_as!(
        CallRow,
        r#"SELECT c.id, c.lead_id, p.address, c.status AS "status: CallStatus", c.outcome AS "outcome: CallOutcome",
                  c.detail, c.booked_label, c.created_at, c.duration_secs, c.cost_cents
           FROM fm_calls c JOIN leads l ON l.id = c.lead_id JOIN properties p ON p.id = l.property_id
           WHERE c.user_id = $1 AND ($2::uuid IS NULL OR c.lead_id = $2) ORDER BY c.created_at DESC LIMIT 200"#,
        user_id,
        lead,
    )
    .fetch_all(db)
    .await
}

/// One of her calls, with its sealed transcript.
pub async fn one(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> Result<Option<(CallRow, Option<Vec<u8>>)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT c.id, c.lead_id, p.address, c.status AS "status: CallStatus", c.outcome AS "outcome: CallOutcome",
                  c.detail, c.booked_label, c.created_at, c.duration_secs, c.cost_cents, c.transcript
           FROM fm_calls c JOIN leads l ON l.id = c.lead_id JOIN properties p ON p.id = l.property_id
           WHERE c.id = $1 AND c.user_id = $2"#,
        id,
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            CallRow {
                id: r.id,
                lead_id: r.lead_id,
                address: r.address,
                status: r.status,
                outcome: r.outcome,
                detail: r.detail,
                booked_label: r.booked_label,
                created_at: r.created_at,
                duration_secs: r.duration_secs,
                cost_cents: r.cost_cents,
            },
            r.transcript,
        )
    }))
}

/// Transcripts kept past their owner's retention: removed.
pub async fn forget_old_transcripts(pool: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE fm_calls c SET transcript = NULL FROM fm_voice_settings v
         WHERE v.user_id = c.user_id AND c.transcript IS NOT NULL
           AND c.ended_at < now() - make_interval(days => v.retention_days)",
    )
    .execute(pool)
    .await?;
    let defaulted = sqlx::query!(
        "UPDATE fm_calls c SET transcript = NULL WHERE c.transcript IS NOT NULL AND c.ended_at < now() - interval '90 days'
         AND NOT EXISTS (SELECT 1 FROM fm_voice_settings v WHERE v.user_id = c.user_id)",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() + defaulted.rows_affected())
}

/// Her number's "stop calling": recorded, and her queued calls to it cancelled.
pub async fn opt_out_calls(conn: &mut PgConnection, user_id: Uuid, phone: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_opt_outs (user_id, channel, address, source) VALUES ($1, 'call', $2, 'voice call')
         ON CONFLICT (user_id, channel, address) DO NOTHING",
        user_id,
        phone,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE fm_calls SET status = 'canceled', detail = 'the number opted out', ended_at = now(), cost_cents = 0
         WHERE user_id = $1 AND phone = $2 AND status = 'queued'",
        user_id,
        phone,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The facts a call from her page is checked against now (the worker checks them again).
pub struct CallFacts {
    pub consent: bool,
    pub opted_out: bool,
    pub attempts: i64,
    pub live: bool,
}

pub async fn call_facts(
    db: impl PgExecutor<'_>,
    lead_id: Uuid,
    user_id: Uuid,
    phone: &str,
) -> Result<CallFacts, sqlx::Error> {
    sqlx::query_as!(
        CallFacts,
        r#"SELECT
             EXISTS (SELECT 1 FROM fm_call_consents k WHERE k.lead_id = $1 AND k.user_id = $2 AND k.withdrawn_at IS NULL
                     AND k.phone = $3) AS "consent!",
             (EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = $2 AND o.channel IN ('sms', 'call') AND o.address = $3)
              OR EXISTS (SELECT 1 FROM fm_suppressions s WHERE s.kind = 'phone' AND s.value = $3)) AS "opted_out!",
             (SELECT count(*) FROM fm_calls a WHERE a.lead_id = $1 AND a.dialed_at IS NOT NULL) AS "attempts!",
             EXISTS (SELECT 1 FROM fm_calls a WHERE a.lead_id = $1 AND a.status IN ('queued', 'dialing', 'ringing', 'in_progress')) AS "live!""#,
        lead_id,
        user_id,
        phone,
    )
    .fetch_one(db)
    .await
}
