//! Every SasaMum query: her profile and onboarding, pregnancies, logs, contractions, visits
//! and their reminders, the PIN, and the week-by-week content. Each query about her rows is
//! scoped by her id, so another account's ids are simply not found. Server only.

use domain::pregnancy::{Dating, anc::VisitStatus, danger::DangerSign};
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

/// The version of the health-data consent text shown in onboarding.
pub const CONSENT_VERSION: &str = "2026-11-health-v1";

// Profile and onboarding.

/// Everything her dashboard shows, in one statement: the onboarding step ('consent' before she
/// has a profile), the active pregnancy, the content of the week she is in on `today` (her own
/// day), in `language`, and how her last ended pregnancy ended.
pub struct Dashboard {
    pub step: String,
    pub pregnancy: Option<Dating>,
    pub week: Option<super::WeekContent>,
    pub last_outcome: Option<String>,
    pub baby: Option<DashboardBaby>,
}

/// Her youngest baby still followed, with the doses marked given.
pub struct DashboardBaby {
    pub name: Option<String>,
    pub born_on: Date,
    pub given: Vec<String>,
}

pub async fn dashboard(pool: &PgPool, user_id: Uuid, today: Date, language: &str) -> Result<Dashboard, sqlx::Error> {
    // The week as `Dating::age_on` counts it (before the LMP: week 0), clamped to the weeks
    // that have content.
    let row = sqlx::query!(
        r#"SELECT coalesce(m.onboarding_step, 'consent') AS "step!", p.lmp AS "lmp?", p.due_date AS "due_date?",
                  w.baby AS "baby?", w.body AS "body?", w.todo AS "todo?",
                  (SELECT outcome FROM pregnancies e WHERE e.user_id = $1 AND e.ended_on IS NOT NULL
                   ORDER BY e.ended_on DESC, e.created_at DESC LIMIT 1) AS last_outcome,
                  b.name AS baby_name, b.born_on AS "baby_born?",
                  ARRAY(SELECT v.dose FROM vaccinations v WHERE v.baby_id = b.id) AS "given!"
           FROM (SELECT $1::uuid AS user_id) me
           LEFT JOIN mum_profiles m ON m.user_id = me.user_id
           LEFT JOIN LATERAL (SELECT id, name, born_on FROM babies
                              WHERE user_id = me.user_id AND born_on > $2::date - $4::integer
                              ORDER BY born_on DESC, created_at DESC LIMIT 1) b ON true
           LEFT JOIN pregnancies p ON p.user_id = me.user_id AND p.ended_on IS NULL
           LEFT JOIN pregnancy_weeks w
                  ON w.week = least(greatest(($2::date - p.lmp) / 7, 4), 42) AND w.language = $3"#,
        user_id,
        today,
        language,
        FOLLOWED_DAYS,
    )
    .fetch_one(pool)
    .await?;
    Ok(Dashboard {
        step: row.step,
        pregnancy: row
            .lmp
            .zip(row.due_date)
            .map(|(lmp, due_date)| Dating { lmp, due_date }),
        week: match (row.baby, row.body, row.todo) {
            (Some(baby), Some(body), Some(todo)) => Some(super::WeekContent { baby, body, todo }),
            _ => None,
        },
        last_outcome: row.last_outcome,
        baby: row.baby_born.map(|born_on| DashboardBaby {
            name: row.baby_name,
            born_on,
            given: row.given,
        }),
    })
}

/// How many days after birth a baby is followed, as SQL takes it.
const FOLLOWED_DAYS: i32 = domain::postnatal::FOLLOWED_DAYS as i32;

pub async fn set_step(tx: &mut PgConnection, user_id: Uuid, step: &str) -> Result<(), sqlx::Error> {
    let event = crate::platform::usage::Event::OnboardingStep;
    let detail = serde_json::json!({ "product": "sasamum", "step": step });
    crate::platform::usage::record(&mut *tx, Some(user_id), event, detail).await?;
    sqlx::query!(
        "INSERT INTO mum_profiles (user_id, onboarding_step) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET onboarding_step = $2, updated_at = now()",
        user_id,
        step,
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn grant_consent(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO consents (user_id, purpose, version) VALUES ($1, 'health_data', $2)",
        user_id,
        CONSENT_VERSION,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Onboarding may be repeated: the dates she gives last replace the active pregnancy's.
pub async fn replace_active_pregnancy(
    tx: &mut PgConnection,
    user_id: Uuid,
    dating: Dating,
    method: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO pregnancies (id, user_id, lmp, due_date, dating_method) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) WHERE ended_on IS NULL
         DO UPDATE SET lmp = EXCLUDED.lmp, due_date = EXCLUDED.due_date, dating_method = EXCLUDED.dating_method",
        Uuid::new_v4(),
        user_id,
        dating.lmp,
        dating.due_date,
        method,
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn record_ultrasound(
    tx: &mut PgConnection,
    user_id: Uuid,
    scan: Option<(time::Date, domain::pregnancy::GestationalAge)>,
) -> Result<(), sqlx::Error> {
    let (day, days) = match scan {
        Some((day, age)) => (
            Some(day),
            Some(i32::try_from(age.weeks() * 7 + age.days_into_week()).unwrap_or(0)),
        ),
        None => (None, None),
    };
    sqlx::query!(
        "UPDATE pregnancies SET ultrasound_on = $2, ultrasound_days = $3 WHERE user_id = $1 AND ended_on IS NULL",
        user_id,
        day,
        days,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Her pregnancy in progress, if any: its id and dates.
pub async fn active_pregnancy(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<(Uuid, Dating)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, lmp, due_date FROM pregnancies WHERE user_id = $1 AND ended_on IS NULL",
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            r.id,
            Dating {
                lmp: r.lmp,
                due_date: r.due_date,
            },
        )
    }))
}

pub async fn set_reminders(
    tx: &mut PgConnection,
    user_id: Uuid,
    time: time::Time,
    emergency_phone: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE mum_profiles SET reminder_time = $2, emergency_phone = $3, updated_at = now() WHERE user_id = $1",
        user_id,
        time,
        emergency_phone,
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn emergency_phone(pool: &PgPool, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT emergency_phone FROM mum_profiles WHERE user_id = $1", user_id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// Ends her active pregnancy and gives its id; `None` if there is none, or it began after `date`.
pub async fn end_active_pregnancy(
    tx: &mut PgConnection,
    user_id: Uuid,
    outcome: domain::pregnancy::outcome::Outcome,
    date: time::Date,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE pregnancies SET ended_on = $3, outcome = $2
         WHERE user_id = $1 AND ended_on IS NULL AND lmp <= $3
         RETURNING id",
        user_id,
        outcome.code(),
        date,
    )
    .fetch_optional(tx)
    .await
}

/// Her pregnancy records, newest first: id, due date, ended.
pub async fn pregnancies(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(Uuid, Date, Option<Date>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, due_date, ended_on FROM pregnancies WHERE user_id = $1 ORDER BY created_at DESC",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.due_date, r.ended_on)).collect())
}

/// Deletes one of her pregnancy records with its logs, visits and reminders (ON DELETE
/// CASCADE); false when it is not hers. Deleting the one in progress sends SasaMum back to
/// asking for her dates.
pub async fn delete_pregnancy(tx: &mut PgConnection, id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let was_active = sqlx::query_scalar!(
        r#"DELETE FROM pregnancies WHERE id = $1 AND user_id = $2 RETURNING ended_on IS NULL AS "active!""#,
        id,
        user_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(was_active) = was_active else {
        return Ok(false);
    };
    if was_active {
        sqlx::query!(
            "UPDATE mum_profiles SET onboarding_step = 'dates', updated_at = now()
             WHERE user_id = $1 AND onboarding_step IN ('done', 'reminders')",
            user_id,
        )
        .execute(tx)
        .await?;
    }
    Ok(true)
}

/// Without her health-data consent SasaMum keeps nothing new: it asks again from its consent
/// step, her pending reminders and weekly messages stop, and her companion no longer sees
/// anything. Without her consent to weekly messages, they stop.
pub async fn consent_withdrawn(tx: &mut PgConnection, user_id: Uuid, purpose: &str) -> Result<(), sqlx::Error> {
    // Weekly messages stop either way: they speak of her health data.
    set_weekly(tx, user_id, None).await?;
    if purpose != "health_data" {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE mum_profiles SET onboarding_step = 'consent', updated_at = now() WHERE user_id = $1",
        user_id,
    )
    .execute(&mut *tx)
    .await?;
    remove_companion(tx, user_id).await?;
    cancel_reminders(tx, user_id).await
}

/// Pregnancy reminders stop the moment it ends.
pub async fn cancel_reminders(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE reminders SET status = 'cancelled' WHERE user_id = $1 AND status = 'pending'",
        user_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Records a danger report; its id.
pub async fn record_danger(tx: &mut PgConnection, user_id: Uuid, sign: DangerSign) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO danger_reports (user_id, pregnancy_id, signs)
         VALUES ($1, (SELECT id FROM pregnancies WHERE user_id = $1 AND ended_on IS NULL), ARRAY[$2])
         RETURNING id",
        user_id,
        sign.code(),
    )
    .fetch_one(tx)
    .await
}

/// Email or text reminders, and the number texts go to.
pub async fn set_reminder_channel(
    tx: &mut PgConnection,
    user_id: Uuid,
    channel: &str,
    phone: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE mum_profiles SET reminder_channel = $2, reminder_phone = $3 WHERE user_id = $1",
        user_id,
        channel,
        phone,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The hour her visit reminders go out.
pub async fn reminder_time(tx: &mut PgConnection, user_id: Uuid) -> Result<Option<Time>, sqlx::Error> {
    sqlx::query_scalar!("SELECT reminder_time FROM mum_profiles WHERE user_id = $1", user_id)
        .fetch_optional(tx)
        .await
}

// The PIN lock.

pub async fn pin_hash(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT pin_hash FROM mum_profiles WHERE user_id = $1", user_id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// Sets, changes (a hash) or removes (None) her PIN.
pub async fn set_pin_hash(db: impl PgExecutor<'_>, user_id: Uuid, hash: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO mum_profiles (user_id, pin_hash) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET pin_hash = EXCLUDED.pin_hash, updated_at = now()",
        user_id,
        hash,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// This session stays unlocked for the next 30 minutes.
pub async fn unlock_session(db: impl PgExecutor<'_>, user_id: Uuid, session_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET pin_unlocked_until = now() + interval '30 minutes' WHERE id = $1 AND user_id = $2",
        session_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Locks this session now.
pub async fn lock_session(db: impl PgExecutor<'_>, user_id: Uuid, session_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET pin_unlocked_until = NULL WHERE id = $1 AND user_id = $2",
        session_id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A new PIN locks her other sessions at once; the one that set it stays open.
pub async fn lock_other_sessions(db: impl PgExecutor<'_>, user_id: Uuid, keep: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET pin_unlocked_until = CASE WHEN id = $2 THEN now() + interval '30 minutes' END
         WHERE user_id = $1",
        user_id,
        keep,
    )
    .execute(db)
    .await?;
    Ok(())
}

// Logs. Each new entry belongs to her pregnancy in progress (if any).

/// A symptom entry as stored: id, day, symptom codes, sealed note.
pub type SymptomRow = (Uuid, Date, Vec<String>, Option<Vec<u8>>);

pub async fn insert_symptoms(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    day: Date,
    codes: &[&str],
    sealed_note: Option<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO symptom_logs (id, user_id, pregnancy_id, logged_on, symptoms, note_ciphertext)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), $3, $4, $5)",
        id,
        user_id,
        day,
        codes as &[&str],
        sealed_note,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Rows changed: 0 when the entry is not hers.
pub async fn update_symptoms(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    codes: &[&str],
    sealed_note: Option<Vec<u8>>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE symptom_logs SET symptoms = $3, note_ciphertext = $4 WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        codes as &[&str],
        sealed_note,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn insert_weight(db: impl PgExecutor<'_>, user_id: Uuid, day: Date, grams: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO weight_logs (id, user_id, pregnancy_id, logged_on, grams)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), $3, $4)",
        Uuid::new_v4(),
        user_id,
        day,
        grams,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_weight(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid, grams: i32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE weight_logs SET grams = $3 WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        grams,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn insert_movement(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    day: Date,
    movement: &str,
    count: Option<i32>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO movement_logs (id, user_id, pregnancy_id, logged_on, movement, count)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), $3, $4, $5)",
        Uuid::new_v4(),
        user_id,
        day,
        movement,
        count,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_movement(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    movement: &str,
    count: Option<i32>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE movement_logs SET movement = $3, count = $4 WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        movement,
        count,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Her symptom entries, newest first: `limit` of them after skipping `skip`.
pub async fn symptoms(pool: &PgPool, user_id: Uuid, skip: i64, limit: i64) -> Result<Vec<SymptomRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, logged_on, symptoms, note_ciphertext FROM symptom_logs WHERE user_id = $1
         ORDER BY created_at DESC, id OFFSET $2 LIMIT $3",
        user_id,
        skip,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.logged_on, r.symptoms, r.note_ciphertext))
        .collect())
}

/// Her latest 200 weights, in date order for the chart: id, day, grams.
pub async fn weights(pool: &PgPool, user_id: Uuid) -> Result<Vec<(Uuid, Date, i32)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", logged_on AS "logged_on!", grams AS "grams!" FROM (
               SELECT id, logged_on, grams, created_at FROM weight_logs WHERE user_id = $1
               ORDER BY logged_on DESC, created_at DESC LIMIT 200
           ) latest ORDER BY logged_on, created_at"#,
        user_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.logged_on, r.grams)).collect())
}

/// Her weights, newest first: `limit` of them after skipping `skip` (id, day, grams).
pub async fn weight_entries(
    pool: &PgPool,
    user_id: Uuid,
    skip: i64,
    limit: i64,
) -> Result<Vec<(Uuid, Date, i32)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, logged_on, grams FROM weight_logs WHERE user_id = $1
         ORDER BY logged_on DESC, created_at DESC, id OFFSET $2 LIMIT $3",
        user_id,
        skip,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.logged_on, r.grams)).collect())
}

/// Her movement entries, newest first: `limit` of them after skipping `skip` (id, day,
/// movement code, count).
pub async fn movements(
    pool: &PgPool,
    user_id: Uuid,
    skip: i64,
    limit: i64,
) -> Result<Vec<(Uuid, Date, String, Option<i32>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, logged_on, movement, count FROM movement_logs WHERE user_id = $1
         ORDER BY created_at DESC, id OFFSET $2 LIMIT $3",
        user_id,
        skip,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.logged_on, r.movement, r.count))
        .collect())
}

/// The kinds of entry she can delete, each its own table.
#[derive(Clone, Copy)]
pub enum Log {
    Symptom,
    Weight,
    Movement,
    Contraction,
}

/// Rows deleted: 0 when the entry is not hers.
pub async fn delete_log(db: impl PgExecutor<'_>, log: Log, id: Uuid, user_id: Uuid) -> Result<u64, sqlx::Error> {
    let delete = match log {
        Log::Symptom => sqlx::query!("DELETE FROM symptom_logs WHERE id = $1 AND user_id = $2", id, user_id),
        Log::Weight => sqlx::query!("DELETE FROM weight_logs WHERE id = $1 AND user_id = $2", id, user_id),
        Log::Movement => sqlx::query!("DELETE FROM movement_logs WHERE id = $1 AND user_id = $2", id, user_id),
        Log::Contraction => sqlx::query!("DELETE FROM contractions WHERE id = $1 AND user_id = $2", id, user_id),
    };
    Ok(delete.execute(db).await?.rows_affected())
}

// The contraction timer.

/// Starts one; the unique index allows one running contraction, so a second tap changes nothing.
pub async fn start_contraction(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO contractions (id, user_id, pregnancy_id, started_at)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), now())
         ON CONFLICT (user_id) WHERE ended_at IS NULL DO NOTHING",
        Uuid::new_v4(),
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn stop_contraction(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE contractions SET ended_at = greatest(now(), started_at + interval '1 second')
         WHERE user_id = $1 AND ended_at IS NULL",
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets a finished contraction's length; rows changed (0: not hers, or still running).
pub async fn set_contraction_length(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    seconds: i32,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE contractions SET ended_at = started_at + make_interval(secs => $3)
         WHERE id = $1 AND user_id = $2 AND ended_at IS NOT NULL",
        id,
        user_id,
        f64::from(seconds),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Her contractions of the last 12 hours (what labour timing needs), oldest first: id, and
/// start and end in Unix seconds (no end: running).
pub async fn recent_contractions(pool: &PgPool, user_id: Uuid) -> Result<Vec<(Uuid, i64, Option<i64>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, extract(epoch FROM started_at)::bigint AS "started!", extract(epoch FROM ended_at)::bigint AS ended
           FROM contractions WHERE user_id = $1 AND started_at > now() - interval '12 hours'
           ORDER BY started_at"#,
        user_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.started, r.ended)).collect())
}

// Clinic visits and their reminders.

/// A booked visit: id, contact week, title, local start, place, status.
pub type Booked = (
    Uuid,
    Option<i32>,
    String,
    PrimitiveDateTime,
    Option<String>,
    VisitStatus,
);

pub async fn visits(pool: &PgPool, user_id: Uuid, pregnancy_id: Uuid) -> Result<Vec<Booked>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, contact_week, title, local_start, place, status AS "status: VisitStatus" FROM appointments
           WHERE user_id = $1 AND pregnancy_id = $2 ORDER BY local_start"#,
        user_id,
        pregnancy_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.contact_week, r.title, r.local_start, r.place, r.status))
        .collect())
}

pub struct NewVisit<'a> {
    pub user_id: Uuid,
    pub pregnancy_id: Uuid,
    /// The WHO contact week it books, if it is one: booking it again moves it.
    pub week: Option<i32>,
    pub title: &'a str,
    pub local_start: PrimitiveDateTime,
    pub place: Option<&'a str>,
}

/// Books a visit (or moves the booked contact of that week); returns its id.
pub async fn save_visit(tx: &mut PgConnection, visit: NewVisit<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO appointments (id, user_id, pregnancy_id, contact_week, title, local_start, place)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (pregnancy_id, contact_week) DO UPDATE
             SET local_start = EXCLUDED.local_start, place = EXCLUDED.place, status = 'planned'
         RETURNING id",
        Uuid::new_v4(),
        visit.user_id,
        visit.pregnancy_id,
        visit.week,
        visit.title,
        visit.local_start,
        visit.place,
    )
    .fetch_one(tx)
    .await
}

/// Marks a visit attended or missed and cancels its pending reminders; false when it is not hers.
pub async fn mark_visit(
    tx: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    status: VisitStatus,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "UPDATE appointments SET status = $3 WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        status as _,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE reminders SET status = 'cancelled' WHERE appointment_id = $1 AND user_id = $2 AND status = 'pending'",
        id,
        user_id,
    )
    .execute(tx)
    .await?;
    Ok(true)
}

/// Drops a visit's pending reminders before new ones are planned.
pub async fn clear_pending_reminders(tx: &mut PgConnection, appointment_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM reminders WHERE appointment_id = $1 AND status = 'pending'",
        appointment_id,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// One reminder of a visit (`kind`: day_before or morning), due at `due`.
pub async fn plan_reminder(
    tx: &mut PgConnection,
    appointment_id: Uuid,
    user_id: Uuid,
    kind: &str,
    due: time::OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO reminders (appointment_id, user_id, kind, due_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (appointment_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, status = 'pending'",
        appointment_id,
        user_id,
        kind,
        due,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A reminder that is due, with what its message needs: a visit's title, place and start,
/// or a baby's care item (`kind` 'care') and name.
pub struct DueReminder {
    pub id: i64,
    pub user_id: Uuid,
    pub kind: String,
    /// None for a mother registered by a health worker: texts only.
    pub email: Option<String>,
    pub language: String,
    pub channel: String,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub place: Option<String>,
    pub local_start: Option<PrimitiveDateTime>,
    pub care: Option<String>,
    pub baby_name: Option<String>,
}

/// Claims up to 50 due reminders for this transaction (SKIP LOCKED: other workers take others).
pub async fn claim_due_reminders(tx: &mut PgConnection) -> Result<Vec<DueReminder>, sqlx::Error> {
    sqlx::query_as!(
        DueReminder,
        r#"SELECT r.id, r.user_id, r.kind, u.email, u.language,
                CASE WHEN p.sms_stopped_at IS NULL THEN p.reminder_channel ELSE 'email' END AS "channel!",
                p.reminder_phone AS phone, a.title AS "title?", a.place, a.local_start AS "local_start?",
                r.care, b.name AS baby_name
         FROM reminders r
         LEFT JOIN appointments a ON a.id = r.appointment_id
         LEFT JOIN babies b ON b.id = r.baby_id
         JOIN users u ON u.id = r.user_id
         LEFT JOIN mum_profiles p ON p.user_id = r.user_id
         WHERE r.status = 'pending' AND r.due_at <= now()
         ORDER BY r.due_at
         LIMIT 50
         FOR UPDATE OF r SKIP LOCKED"#
    )
    .fetch_all(tx)
    .await
}

pub async fn mark_reminder_sent(tx: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE reminders SET status = 'sent' WHERE id = $1", id)
        .execute(tx)
        .await?;
    Ok(())
}

// The week-by-week content.

/// One week's text in one language, as the data file has it.
pub struct WeekText<'a> {
    pub week: i32,
    pub language: &'a str,
    pub baby: &'a str,
    pub body: &'a str,
    pub todo: &'a str,
    pub reviewed: bool,
}

/// Writes one week's text; 0 when the row already says the same.
pub async fn upsert_week(tx: &mut PgConnection, text: WeekText<'_>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO pregnancy_weeks (week, language, baby, body, todo, reviewed_by_health_worker)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (week, language) DO UPDATE
         SET baby = $3, body = $4, todo = $5, reviewed_by_health_worker = $6
         WHERE (pregnancy_weeks.baby, pregnancy_weeks.body, pregnancy_weeks.todo, pregnancy_weeks.reviewed_by_health_worker)
               IS DISTINCT FROM ($3, $4, $5, $6)",
        text.week,
        text.language,
        text.baby,
        text.body,
        text.todo,
        text.reviewed,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

// After birth.

/// A baby of hers, as her care page shows it.
pub struct BabyRow {
    pub id: Uuid,
    pub name: Option<String>,
    pub born_on: Date,
    pub weight_grams: Option<i32>,
}

pub struct NewBaby<'a> {
    pub user_id: Uuid,
    pub pregnancy_id: Uuid,
    pub born_on: Date,
    pub name: Option<&'a str>,
    pub weight_grams: Option<i32>,
}

pub async fn record_baby(tx: &mut PgConnection, baby: NewBaby<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO babies (id, user_id, pregnancy_id, born_on, name, weight_grams)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        Uuid::new_v4(),
        baby.user_id,
        baby.pregnancy_id,
        baby.born_on,
        baby.name,
        baby.weight_grams,
    )
    .fetch_one(tx)
    .await
}

/// Her babies still followed on `today`, oldest record first, and the doses each was given.
pub async fn babies(
    pool: &PgPool,
    user_id: Uuid,
    today: Date,
) -> Result<(Vec<BabyRow>, Vec<(Uuid, String, Date)>), sqlx::Error> {
    let babies = sqlx::query_as!(
        BabyRow,
        "SELECT id, name, born_on, weight_grams FROM babies
         WHERE user_id = $1 AND born_on > $2::date - $3::integer
         ORDER BY born_on DESC, created_at",
        user_id,
        today,
        FOLLOWED_DAYS,
    )
    .fetch_all(pool)
    .await?;
    let given = sqlx::query!(
        "SELECT baby_id, dose, given_on FROM vaccinations WHERE user_id = $1",
        user_id
    )
    .fetch_all(pool)
    .await?;
    Ok((
        babies,
        given.into_iter().map(|r| (r.baby_id, r.dose, r.given_on)).collect(),
    ))
}

/// Her latest birth still followed: its pregnancy and day, for a twin added later.
pub async fn latest_birth(pool: &PgPool, user_id: Uuid, today: Date) -> Result<Option<(Uuid, Date)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT pregnancy_id, born_on FROM babies
         WHERE user_id = $1 AND born_on > $2::date - $3::integer
         ORDER BY born_on DESC, created_at DESC LIMIT 1",
        user_id,
        today,
        FOLLOWED_DAYS,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.pregnancy_id, r.born_on)))
}

/// When her baby was born; `None` when the baby is not hers.
pub async fn baby_born(db: impl PgExecutor<'_>, user_id: Uuid, baby_id: Uuid) -> Result<Option<Date>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT born_on FROM babies WHERE id = $1 AND user_id = $2",
        baby_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Marks a dose given (again: the new date replaces the old).
pub async fn mark_dose(
    tx: &mut PgConnection,
    user_id: Uuid,
    baby_id: Uuid,
    dose: &str,
    given_on: Date,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO vaccinations (baby_id, user_id, dose, given_on) VALUES ($1, $2, $3, $4)
         ON CONFLICT (baby_id, dose) DO UPDATE SET given_on = EXCLUDED.given_on",
        baby_id,
        user_id,
        dose,
        given_on,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Takes back a "given" mark; 0 when there was none of hers.
pub async fn unmark_dose(tx: &mut PgConnection, user_id: Uuid, baby_id: Uuid, dose: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM vaccinations WHERE baby_id = $1 AND user_id = $2 AND dose = $3",
        baby_id,
        user_id,
        dose,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

/// The doses of her baby marked given.
pub async fn given_doses(tx: &mut PgConnection, baby_id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT dose FROM vaccinations WHERE baby_id = $1", baby_id)
        .fetch_all(tx)
        .await
}

/// One reminder of a baby's care item, once per baby and item.
pub async fn plan_care_reminder(
    tx: &mut PgConnection,
    baby_id: Uuid,
    user_id: Uuid,
    care: &str,
    due: time::OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO reminders (baby_id, user_id, kind, care, due_at) VALUES ($1, $2, 'care', $3, $4)
         ON CONFLICT (baby_id, care) DO NOTHING",
        baby_id,
        user_id,
        care,
        due,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Cancels a care item's pending reminder: everything it reminds of is done.
pub async fn cancel_care_reminder(tx: &mut PgConnection, baby_id: Uuid, care: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE reminders SET status = 'cancelled' WHERE baby_id = $1 AND care = $2 AND status = 'pending'",
        baby_id,
        care,
    )
    .execute(tx)
    .await?;
    Ok(())
}

// Her companion.

/// The person she shares with: as invited, and once accepted, their account's name.
pub struct CompanionRow {
    pub contact: String,
    pub relationship: String,
    pub share_logs: bool,
    pub created_at: time::OffsetDateTime,
    pub accepted_at: Option<time::OffsetDateTime>,
    pub invite_expires_at: time::OffsetDateTime,
    pub name: Option<String>,
}

pub async fn companion(pool: &PgPool, user_id: Uuid) -> Result<Option<CompanionRow>, sqlx::Error> {
    sqlx::query_as!(
        CompanionRow,
        r#"SELECT c.contact, c.relationship, c.share_logs, c.created_at, c.accepted_at, c.invite_expires_at,
                  u.display_name AS "name?"
           FROM companions c LEFT JOIN users u ON u.id = c.companion_id
           WHERE c.user_id = $1"#,
        user_id
    )
    .fetch_optional(pool)
    .await
}

pub struct NewCompanion<'a> {
    pub user_id: Uuid,
    pub contact: &'a str,
    pub relationship: &'a str,
    pub share_logs: bool,
    pub token_hash: &'a [u8],
}

/// Invites her one companion; a new invitation replaces whoever she shared with before.
pub async fn invite_companion(tx: &mut PgConnection, invite: NewCompanion<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM companions WHERE user_id = $1", invite.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO companions (id, user_id, contact, relationship, share_logs, token_hash, invite_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + interval '7 days')",
        Uuid::new_v4(),
        invite.user_id,
        invite.contact,
        invite.relationship,
        invite.share_logs,
        invite.token_hash,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Stops sharing with her companion (or cancels the invitation); false when there was none.
pub async fn remove_companion(tx: &mut PgConnection, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM companions WHERE user_id = $1", user_id)
        .execute(tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn set_companion_sharing(
    tx: &mut PgConnection,
    user_id: Uuid,
    share_logs: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE companions SET share_logs = $2 WHERE user_id = $1",
        user_id,
        share_logs
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The mother (id and name) whose open invitation this token is.
pub async fn invitation(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT u.id, u.display_name FROM companions c JOIN users u ON u.id = c.user_id
         WHERE c.token_hash = $1 AND c.accepted_at IS NULL AND c.invite_expires_at > now()",
        token_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.display_name)))
}

/// Accepts the invitation for `companion_id`; the token is spent. The mother's id, or `None`
/// when the token is unknown, spent, expired, or her own.
pub async fn accept_invitation(
    tx: &mut PgConnection,
    token_hash: &[u8],
    companion_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE companions SET companion_id = $2, accepted_at = now(), token_hash = NULL
         WHERE token_hash = $1 AND accepted_at IS NULL AND invite_expires_at > now() AND user_id <> $2
         RETURNING user_id",
        token_hash,
        companion_id,
    )
    .fetch_optional(tx)
    .await
}

/// Who shared with this companion: the mother's id, name and whether her logs are shared.
pub async fn shared_with(pool: &PgPool, companion_id: Uuid) -> Result<Vec<(Uuid, String, bool)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT u.id, u.display_name, c.share_logs FROM companions c JOIN users u ON u.id = c.user_id
         WHERE c.companion_id = $1 ORDER BY c.accepted_at",
        companion_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.display_name, r.share_logs)).collect())
}

/// Where her danger alerts go, once her companion accepted.
pub struct AlertTo {
    pub email: String,
    pub language: String,
    /// Her name, as the alert says it.
    pub mother: String,
}

pub async fn companion_to_alert(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<AlertTo>, sqlx::Error> {
    sqlx::query_as!(
        AlertTo,
        r#"SELECT u.email AS "email!", u.language, m.display_name AS mother
           FROM companions c JOIN users u ON u.id = c.companion_id JOIN users m ON m.id = c.user_id
           WHERE c.user_id = $1 AND u.email IS NOT NULL"#,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Her time zone, for her day as her companion sees it.
pub async fn timezone(pool: &PgPool, user_id: Uuid) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!("SELECT timezone FROM users WHERE id = $1", user_id)
        .fetch_one(pool)
        .await
}

/// Her danger reports of the last 30 days, newest first.
pub async fn recent_danger_reports(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Vec<(time::OffsetDateTime, Vec<String>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT reported_at, signs FROM danger_reports
         WHERE user_id = $1 AND reported_at > now() - interval '30 days' ORDER BY reported_at DESC LIMIT 20",
        user_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.reported_at, r.signs)).collect())
}

// Texts she sends us.

/// A mother whose reminder number is this one.
pub struct PhoneMother {
    pub user_id: Uuid,
    pub language: String,
    pub emergency_phone: Option<String>,
}

pub async fn mothers_with_phone(db: impl PgExecutor<'_>, phone: &str) -> Result<Vec<PhoneMother>, sqlx::Error> {
    sqlx::query_as!(
        PhoneMother,
        "SELECT u.id AS user_id, u.language, p.emergency_phone
         FROM mum_profiles p JOIN users u ON u.id = p.user_id
         WHERE p.reminder_phone = $1",
        phone
    )
    .fetch_all(db)
    .await
}

/// STOP (true) or START (false) from her phone.
pub async fn set_sms_stopped(tx: &mut PgConnection, user_id: Uuid, stopped: bool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE mum_profiles SET sms_stopped_at = CASE WHEN $2 THEN coalesce(sms_stopped_at, now()) END,
                updated_at = now()
         WHERE user_id = $1",
        user_id,
        stopped
    )
    .execute(tx)
    .await?;
    Ok(())
}

// Weekly messages.

/// Her weekly-message settings: the day (1 Monday .. 7 Sunday; `None` while she does not get
/// them) and time, and where her messages go.
pub struct WeeklySettings {
    pub day: Option<i16>,
    pub time: Time,
    pub channel: String,
    pub phone: Option<String>,
    pub stopped: bool,
}

pub async fn weekly_settings(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<WeeklySettings>, sqlx::Error> {
    sqlx::query_as!(
        WeeklySettings,
        r#"SELECT weekly_day AS day, weekly_time AS time, reminder_channel AS channel, reminder_phone AS phone,
                  sms_stopped_at IS NOT NULL AS "stopped!"
           FROM mum_profiles WHERE user_id = $1"#,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Starts (with the next time the worker looks) or stops her weekly messages, and keeps her
/// consent to them in step: granted once while they are on, withdrawn when they stop.
pub async fn set_weekly(
    tx: &mut PgConnection,
    user_id: Uuid,
    schedule: Option<(i16, Time, OffsetDateTime)>,
) -> Result<(), sqlx::Error> {
    let (day, at, next) = match schedule {
        Some((day, at, next)) => (Some(day), Some(at), Some(next)),
        None => (None, None, None),
    };
    sqlx::query!(
        "UPDATE mum_profiles SET weekly_day = $2, weekly_time = coalesce($3, weekly_time), next_weekly_at = $4,
                updated_at = now()
         WHERE user_id = $1",
        user_id,
        day,
        at,
        next
    )
    .execute(&mut *tx)
    .await?;
    if schedule.is_some() {
        sqlx::query!(
            "INSERT INTO consents (user_id, purpose, version)
             SELECT $1, 'weekly_messages', $2
             WHERE NOT EXISTS (SELECT 1 FROM consents
                               WHERE user_id = $1 AND purpose = 'weekly_messages' AND withdrawn_at IS NULL)",
            user_id,
            WEEKLY_CONSENT_VERSION,
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!(
            "UPDATE consents SET withdrawn_at = now()
             WHERE user_id = $1 AND purpose = 'weekly_messages' AND withdrawn_at IS NULL",
            user_id
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

pub const WEEKLY_CONSENT_VERSION: &str = "2026-12-weekly-1";

/// A mother whose weekly message is due, claimed (SKIP LOCKED) for this transaction.
pub struct DueWeekly {
    pub user_id: Uuid,
    /// None for a mother registered by a health worker: texts only.
    pub email: Option<String>,
    pub language: String,
    pub timezone: String,
    pub day: i16,
    pub time: Time,
    /// Text messages, unless she has none or replied STOP: then email.
    pub channel: String,
    pub phone: Option<String>,
}

pub async fn claim_due_weekly(tx: &mut PgConnection) -> Result<Vec<DueWeekly>, sqlx::Error> {
    sqlx::query_as!(
        DueWeekly,
        r#"SELECT u.id AS user_id, u.email, u.language, u.timezone, p.weekly_day AS "day!", p.weekly_time AS time,
                  CASE WHEN p.sms_stopped_at IS NULL THEN p.reminder_channel ELSE 'email' END AS "channel!",
                  p.reminder_phone AS phone
           FROM mum_profiles p JOIN users u ON u.id = p.user_id
           WHERE p.next_weekly_at <= now()
           ORDER BY p.next_weekly_at
           LIMIT 100
           FOR UPDATE OF p SKIP LOCKED"#
    )
    .fetch_all(tx)
    .await
}

/// What her weekly message is about: the pregnancy she is in, else the last one, if it ended
/// with a birth (then `born` is set).
pub struct WeeklySubject {
    pub pregnancy_id: Uuid,
    pub lmp: Date,
    pub born: Option<Date>,
}

pub async fn weekly_subject(tx: &mut PgConnection, user_id: Uuid) -> Result<Option<WeeklySubject>, sqlx::Error> {
    let latest = sqlx::query!(
        "SELECT id, lmp, ended_on, outcome FROM pregnancies WHERE user_id = $1
         ORDER BY ended_on IS NULL DESC, created_at DESC LIMIT 1",
        user_id
    )
    .fetch_optional(tx)
    .await?;
    Ok(latest.and_then(|p| match (p.ended_on, p.outcome.as_deref()) {
        (None, _) => Some(WeeklySubject {
            pregnancy_id: p.id,
            lmp: p.lmp,
            born: None,
        }),
        (Some(born), Some("live_birth")) => Some(WeeklySubject {
            pregnancy_id: p.id,
            lmp: p.lmp,
            born: Some(born),
        }),
        _ => None,
    }))
}

/// Her next planned visit between two wall-clock times.
pub async fn visit_between(
    tx: &mut PgConnection,
    pregnancy_id: Uuid,
    from: PrimitiveDateTime,
    to: PrimitiveDateTime,
) -> Result<Option<PrimitiveDateTime>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT local_start FROM appointments
         WHERE pregnancy_id = $1 AND status = 'planned' AND local_start >= $2 AND local_start < $3
         ORDER BY local_start LIMIT 1",
        pregnancy_id,
        from,
        to
    )
    .fetch_optional(tx)
    .await
}

/// Records the week's message; false when a worker already sent it.
pub async fn record_weekly(
    tx: &mut PgConnection,
    user_id: Uuid,
    pregnancy_id: Uuid,
    phase: &str,
    week: i16,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO weekly_messages (pregnancy_id, phase, week, user_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        pregnancy_id,
        phase,
        week,
        user_id
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn schedule_weekly(tx: &mut PgConnection, user_id: Uuid, next: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE mum_profiles SET next_weekly_at = $2 WHERE user_id = $1",
        user_id,
        next
    )
    .execute(tx)
    .await?;
    Ok(())
}

// Mothers a health worker registers, for text messages only.

/// Records the rest of a text-only mother's registration: her profile (texts to `phone`, at
/// `remind_at`), her consent to her health data as the health worker recorded it, and who
/// registered her where.
pub async fn register_text_only(
    tx: &mut PgConnection,
    user_id: Uuid,
    health_worker_id: Uuid,
    phone: &str,
    remind_at: Time,
    facility: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO mum_profiles (user_id, onboarding_step, reminder_channel, reminder_phone, reminder_time)
         VALUES ($1, 'done', 'sms', $2, $3)",
        user_id,
        phone,
        remind_at
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO consents (user_id, purpose, version, recorded_by) VALUES ($1, 'health_data', $2, $3)",
        user_id,
        CONSENT_VERSION,
        health_worker_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO assisted_registrations (user_id, health_worker_id, facility) VALUES ($1, $2, $3)",
        user_id,
        health_worker_id,
        facility
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks her consents as recorded by the health worker (the weekly messages' too).
pub async fn consents_recorded_by(
    tx: &mut PgConnection,
    user_id: Uuid,
    health_worker_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE consents SET recorded_by = $2 WHERE user_id = $1 AND withdrawn_at IS NULL",
        user_id,
        health_worker_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A mother this health worker registered, newest first.
pub struct Registered {
    pub name: String,
    pub phone: Option<String>,
    pub lmp: Option<Date>,
    pub weekly: bool,
    pub stopped: bool,
    pub created_at: OffsetDateTime,
}

pub async fn registered_by(db: impl PgExecutor<'_>, health_worker_id: Uuid) -> Result<Vec<Registered>, sqlx::Error> {
    sqlx::query_as!(
        Registered,
        r#"SELECT u.display_name AS name, p.reminder_phone AS phone,
                  (SELECT lmp FROM pregnancies WHERE user_id = u.id AND ended_on IS NULL) AS lmp,
                  p.next_weekly_at IS NOT NULL AS "weekly!", p.sms_stopped_at IS NOT NULL AS "stopped!", r.created_at
           FROM assisted_registrations r
           JOIN users u ON u.id = r.user_id
           JOIN mum_profiles p ON p.user_id = r.user_id
           WHERE r.health_worker_id = $1
           ORDER BY r.created_at DESC LIMIT 200"#,
        health_worker_id
    )
    .fetch_all(db)
    .await
}
