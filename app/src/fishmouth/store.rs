//! Fish Mouth's queries: onboarding, leads, buying them, refunds, the wallet, dashboards and
//! scans. Each query about a contractor's rows is scoped by her id. Server only. (The property
//! data's queries are in `properties/store.rs`, the sequences' in `sequences/store.rs`.)

use domain::fishmouth::{
    LeadStage, RefundStatus,
    pricing::{PREMIUM_FROM_SCORE, SOLD_FROM_SCORE},
};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder, types::Json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::LeadFilter;
use crate::error::AppError;
use domain::fishmouth::{geo::BoundingBox, property::HailReport};

// Her company and onboarding.

/// Her profile, created on first sight: onboarding step, whether it is done, company name,
/// service area, postal address.
pub type Profile = (String, bool, Option<String>, Option<String>, Option<String>);

pub async fn profile(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Profile, sqlx::Error> {
    let r = sqlx::query!(
        "INSERT INTO fm_profiles (user_id) VALUES ($1)
         ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
         RETURNING onboarding_step, onboarding_done, company_name, service_area, postal_address",
        user_id,
    )
    .fetch_one(db)
    .await?;
    Ok((
        r.onboarding_step,
        r.onboarding_done,
        r.company_name,
        r.service_area,
        r.postal_address,
    ))
}

pub async fn company_name(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT company_name FROM fm_profiles WHERE user_id = $1", user_id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// What every message she sends must carry (CAN-SPAM: a postal address).
pub struct Company<'a> {
    pub name: &'a str,
    pub service_area: &'a str,
    pub postal_address: &'a str,
}

/// Saves her company; onboarding moves on from its first step.
pub async fn save_company(db: impl PgExecutor<'_>, user_id: Uuid, company: Company<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO fm_profiles (user_id, company_name, service_area, postal_address, onboarding_step)
         VALUES ($1, $2, $3, $4, 'verify')
         ON CONFLICT (user_id) DO UPDATE SET company_name = $2, service_area = $3, postal_address = $4,
             onboarding_step = CASE WHEN fm_profiles.onboarding_step = 'welcome' THEN 'verify' ELSE fm_profiles.onboarding_step END,
             updated_at = now()",
        user_id,
        company.name,
        company.service_area,
        company.postal_address,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_onboarding_step(db: impl PgExecutor<'_>, user_id: Uuid, step: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_profiles SET onboarding_step = $2, updated_at = now() WHERE user_id = $1",
        user_id,
        step,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn finish_onboarding(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fm_profiles SET onboarding_done = true, updated_at = now() WHERE user_id = $1",
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn scan_count(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM scans WHERE user_id = $1"#, user_id)
        .fetch_one(db)
        .await
}

// The dashboards.

/// Her dashboard's figures in one statement.
pub struct ContractorSummary {
    pub company: Option<String>,
    pub onboarding_done: bool,
    /// Leads per stage code (stages without leads are left out).
    pub stages: serde_json::Value,
    /// Money out for leads, net of refunds.
    pub spend: i64,
    pub balance: i64,
    /// Her outreach: leads in a sequence now, homeowners' replies in the last 7 days, replies
    /// not yet done, and calls or tasks waiting for a rep.
    pub in_sequences: i64,
    pub replies_week: i64,
    pub replies_open: i64,
    pub tasks_open: i64,
}

pub async fn contractor_summary(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<ContractorSummary, sqlx::Error> {
    sqlx::query_as!(
        ContractorSummary,
        r#"SELECT f.company_name AS company, coalesce(f.onboarding_done, false) AS "onboarding_done!",
                  (SELECT coalesce(jsonb_object_agg(stage, n), '{}') FROM (
                       SELECT stage, count(*) AS n FROM leads
                       WHERE user_id = $1 AND refunded_at IS NULL GROUP BY stage
                   ) per_stage) AS "stages!",
                  (SELECT coalesce(-sum(amount_cents), 0)::bigint FROM wallet_ledger
                   WHERE user_id = $1 AND kind IN ('lead_charge', 'refund', 'roof_image')) AS "spend!",
                  coalesce((SELECT balance_cents FROM wallets WHERE user_id = $1), 0) AS "balance!",
                  (SELECT count(*) FROM fm_enrollments WHERE user_id = $1 AND state = 'active') AS "in_sequences!",
                  (SELECT count(*) FROM fm_inbound WHERE user_id = $1 AND kind = 'reply'
                   AND received_at > now() - interval '7 days') AS "replies_week!",
                  (SELECT count(*) FROM fm_inbound WHERE user_id = $1 AND kind = 'reply' AND done_at IS NULL) AS "replies_open!",
                  (SELECT count(*) FROM fm_enrollment_steps WHERE user_id = $1 AND outcome = 'task_open') AS "tasks_open!"
           FROM (SELECT $1::uuid AS user_id) me
           LEFT JOIN fm_profiles f ON f.user_id = me.user_id"#,
        user_id,
    )
    .fetch_one(db)
    .await
}

/// Sign-ups on each of the last 14 days.
pub async fn signups_per_day(db: impl PgExecutor<'_>) -> Result<Vec<(time::Date, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT d::date AS "day!", (SELECT count(*) FROM users WHERE created_at::date = d::date) AS "count!"
           FROM generate_series(current_date - 13, current_date, interval '1 day') d ORDER BY 1"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.day, r.count)).collect())
}

/// Accounts used in the last 30 days.
pub async fn active_accounts(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(DISTINCT user_id) AS "count!" FROM sessions WHERE last_used_at > now() - interval '30 days'"#
    )
    .fetch_one(db)
    .await
}

#[derive(Clone, Copy)]
pub enum Period {
    /// The last 14 days.
    Day,
    /// The last 12 months.
    Month,
}

/// Wallet top-ups per day or month: ("2026-12-05" or "2026-12", cents).
pub async fn top_ups_per(db: impl PgExecutor<'_>, period: Period) -> Result<Vec<(String, i64)>, sqlx::Error> {
    // The unit the series steps by, how many units back it starts, the label's format.
    let (unit, earlier, label) = match period {
        Period::Day => ("day", 13, "YYYY-MM-DD"),
        Period::Month => ("month", 11, "YYYY-MM"),
    };
    let rows = sqlx::query!(
        r#"SELECT to_char(d, $3) AS "period!", coalesce((SELECT sum(amount_cents) FROM wallet_ledger WHERE kind = 'top_up'
                  AND date_trunc($1, created_at) = d), 0)::bigint AS "cents!"
           FROM generate_series(date_trunc($1, now()) - $2::int * ('1 ' || $1)::interval, date_trunc($1, now()),
                                ('1 ' || $1)::interval) d ORDER BY d"#,
        unit,
        earlier,
        label,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.period, r.cents)).collect())
}

/// Every lead sold: (count, cents, refunded count, refunded cents).
pub async fn lead_sales(db: impl PgExecutor<'_>) -> Result<(i64, i64, i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) AS "count!", coalesce(sum(price_cents), 0)::bigint AS "cents!",
                  count(*) FILTER (WHERE refunded_at IS NOT NULL) AS "refunded!",
                  coalesce(sum(price_cents) FILTER (WHERE refunded_at IS NOT NULL), 0)::bigint AS "refunded_cents!"
           FROM leads"#
    )
    .fetch_one(db)
    .await?;
    Ok((r.count, r.cents, r.refunded, r.refunded_cents))
}

/// Product usage in the last 30 days, by event (first-party, from usage_events).
pub async fn usage_per_event(db: impl PgExecutor<'_>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT event, count(*) AS "count!" FROM usage_events WHERE occurred_at > now() - interval '30 days'
           GROUP BY event ORDER BY event"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.event, r.count)).collect())
}

// Area scans.

/// A scan: id, label, status, homes in it, homes scored so far, created.
pub type ScanRow = (Uuid, String, domain::JobStatus, i32, i32, OffsetDateTime);

/// Her scans in the last minute and the last day. Her scans are counted one request at a
/// time (a lock for this transaction), so two tabs cannot both slip under a limit.
pub async fn recent_scans(tx: &mut PgConnection, user_id: Uuid) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE created_at > now() - interval '1 minute') AS "minute!",
                  count(*) FILTER (WHERE created_at > now() - interval '1 day') AS "day!"
           FROM scans WHERE user_id = $1"#,
        user_id,
    )
    .fetch_one(tx)
    .await?;
    Ok((r.minute, r.day))
}

/// Queues her scan of `area` (the geo::Area as JSON).
pub async fn insert_scan(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    area: serde_json::Value,
    label: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO scans (id, user_id, area, label) VALUES ($1, $2, $3, $4)",
        id,
        user_id,
        area,
        label,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her latest `limit` scans, newest first.
pub async fn scans(db: impl PgExecutor<'_>, user_id: Uuid, limit: i64) -> Result<Vec<ScanRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, label, status AS "status: domain::JobStatus", total, processed, created_at
           FROM scans WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2"#,
        user_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.label, r.status, r.total, r.processed, r.created_at))
        .collect())
}

pub async fn scan(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<Option<ScanRow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, label, status AS "status: domain::JobStatus", total, processed, created_at
           FROM scans WHERE id = $1 AND user_id = $2"#,
        id,
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.label, r.status, r.total, r.processed, r.created_at)))
}

/// A scan's homes by tier and what is left to buy: (premium, standard, free, for sale, their
/// cents, already hers).
pub async fn scan_tally(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> Result<(i64, i64, i64, i64, i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE r.score >= $3) AS "premium!",
                  count(*) FILTER (WHERE r.score >= $4 AND r.score < $3) AS "standard!",
                  count(*) FILTER (WHERE r.score < $4) AS "free!",
                  count(*) FILTER (WHERE r.score >= $4 AND l.id IS NULL) AS "for_sale!",
                  coalesce(sum(r.price_cents) FILTER (WHERE r.score >= $4 AND l.id IS NULL), 0)::bigint AS "cents!",
                  count(l.id) AS "hers!"
           FROM scan_results r
           LEFT JOIN leads l ON l.user_id = r.user_id AND l.property_id = r.property_id
           WHERE r.scan_id = $1 AND r.user_id = $2"#,
        id,
        user_id,
        i16::from(PREMIUM_FROM_SCORE),
        i16::from(SOLD_FROM_SCORE),
    )
    .fetch_one(db)
    .await?;
    Ok((r.premium, r.standard, r.free, r.for_sale, r.cents, r.hers))
}

/// A scan's 20 best homes: address, score, reasons.
pub async fn top_results(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> Result<Vec<(String, i16, Json<Vec<String>>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT p.address, r.score, r.reasons AS "reasons: Json<Vec<String>>"
           FROM scan_results r JOIN properties p ON p.id = r.property_id
           WHERE r.scan_id = $1 AND r.user_id = $2 ORDER BY r.score DESC, p.address LIMIT 20"#,
        id,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.address, r.score, r.reasons)).collect())
}

// The live map: what is in view, grouped into cells `cell` degrees wide. These run as
// one-off statements (not persistent): a prepared statement's generic plan cannot see how
// much of the data a view holds, and walked 58,000 homes to group 10,000 leads (107 ms
// against 15 ms planned for the view).

/// A cell of the map: count, middle (latitude, longitude), best score, and for a cell of
/// one row its lead id and address.
pub type MapCell = (i32, f64, f64, Option<i16>, Option<Uuid>, Option<String>);

/// The homes she may scan (the shared data and her own list) in view, one row per cell.
pub async fn map_homes(
    db: impl PgExecutor<'_>,
    viewer: Uuid,
    view: &BoundingBox,
    cell: f64,
) -> Result<Vec<MapCell>, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*)::int, avg(lat), avg(lon), NULL::smallint, NULL::uuid, NULL::text FROM properties
         WHERE lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5 AND (owner_id IS NULL OR owner_id = $1)
         GROUP BY floor(lat / $6), floor(lon / $6)",
    )
    .bind(viewer)
    .bind(view.min_lat)
    .bind(view.max_lat)
    .bind(view.min_lon)
    .bind(view.max_lon)
    .bind(cell)
    .persistent(false)
    .fetch_all(db)
    .await
}

/// Her leads matching the list's filter in view: each cell's best score, and the lead
/// itself when it stands alone (min() of one row is that row: cheaper than sorting each cell).
/// Her leads are read first (MATERIALIZED): with fresh leads and stale statistics the planner
/// otherwise walked every home in view to find them.
pub async fn map_leads(
    db: &sqlx::PgPool,
    user_id: Uuid,
    f: &LeadFilter,
    view: &BoundingBox,
    cell: f64,
) -> Result<Vec<MapCell>, AppError> {
    let mut q = leads_query(
        user_id,
        f,
        "WITH mine AS MATERIALIZED (
             SELECT l.id, l.score, p.lat, p.lon, p.address FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    q.push(
        ") SELECT count(*)::int, avg(lat), avg(lon), max(score),
                  CASE WHEN count(*) = 1 THEN min(id::text)::uuid END, CASE WHEN count(*) = 1 THEN min(address) END
           FROM mine WHERE lat BETWEEN ",
    )
    .push_bind(view.min_lat)
    .push(" AND ")
    .push_bind(view.max_lat)
    .push(" AND lon BETWEEN ")
    .push_bind(view.min_lon)
    .push(" AND ")
    .push_bind(view.max_lon)
    .push(" GROUP BY floor(lat / ")
    .push_bind(cell)
    .push("), floor(lon / ")
    .push_bind(cell)
    .push(")");
    Ok(q.build_query_as().persistent(false).fetch_all(db).await?)
}

/// Where her leads matching the list's filter are (None without any).
pub async fn leads_extent(db: &sqlx::PgPool, user_id: Uuid, f: &LeadFilter) -> Result<Option<BoundingBox>, AppError> {
    let mut q = leads_query(
        user_id,
        f,
        "SELECT min(p.lat), max(p.lat), min(p.lon), max(p.lon) FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    let extent: (Option<f64>, Option<f64>, Option<f64>, Option<f64>) = q.build_query_as().fetch_one(db).await?;
    Ok(bounds(extent))
}

/// Where one of her scans' scored homes are (None when it found none).
pub async fn scan_extent(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    scan: Uuid,
) -> Result<Option<BoundingBox>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT min(p.lat) AS min_lat, max(p.lat) AS max_lat, min(p.lon) AS min_lon, max(p.lon) AS max_lon
         FROM scan_results r JOIN properties p ON p.id = r.property_id WHERE r.scan_id = $1 AND r.user_id = $2",
        scan,
        user_id,
    )
    .fetch_one(db)
    .await?;
    Ok(bounds((r.min_lat, r.max_lat, r.min_lon, r.max_lon)))
}

/// min/max latitude then longitude, as aggregates answer them, to a box.
fn bounds(
    (min_lat, max_lat, min_lon, max_lon): (Option<f64>, Option<f64>, Option<f64>, Option<f64>),
) -> Option<BoundingBox> {
    Some(BoundingBox {
        min_lat: min_lat?,
        max_lat: max_lat?,
        min_lon: min_lon?,
        max_lon: max_lon?,
    })
}

/// One of her scans' scored homes in view: each cell's best score, and for a home alone
/// in its cell its address and, once she bought it, her lead.
pub async fn map_scan(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    view: &BoundingBox,
    cell: f64,
    scan: Uuid,
) -> Result<Vec<MapCell>, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*)::int, avg(p.lat), avg(p.lon), max(r.score),
                CASE WHEN count(*) = 1 THEN min(l.id::text)::uuid END, CASE WHEN count(*) = 1 THEN min(p.address) END
         FROM scan_results r JOIN properties p ON p.id = r.property_id
         LEFT JOIN leads l ON l.user_id = r.user_id AND l.property_id = r.property_id AND l.refunded_at IS NULL
         WHERE r.scan_id = $7 AND r.user_id = $1
           AND p.lat BETWEEN $2 AND $3 AND p.lon BETWEEN $4 AND $5
         GROUP BY floor(p.lat / $6), floor(p.lon / $6)",
    )
    .bind(user_id)
    .bind(view.min_lat)
    .bind(view.max_lat)
    .bind(view.min_lon)
    .bind(view.max_lon)
    .bind(cell)
    .bind(scan)
    .persistent(false)
    .fetch_all(db)
    .await
}

/// Hail reported in view, the newest 500.
pub async fn map_hail(db: impl PgExecutor<'_>, view: &BoundingBox) -> Result<Vec<HailReport>, sqlx::Error> {
    sqlx::query_as!(
        HailReport,
        r#"SELECT lat, lon, magnitude_in AS size_in, event_date AS date FROM storm_events
           WHERE event_type = 'Hail' AND lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4
           ORDER BY event_date DESC LIMIT 500"#,
        view.min_lat,
        view.max_lat,
        view.min_lon,
        view.max_lon,
    )
    .fetch_all(db)
    .await
}

/// Where the homes she may scan are (None without homes).
pub async fn homes_extent(db: impl PgExecutor<'_>, viewer: Uuid) -> Result<Option<BoundingBox>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT min(lat) AS min_lat, max(lat) AS max_lat, min(lon) AS min_lon, max(lon) AS max_lon FROM properties
         WHERE owner_id IS NULL OR owner_id = $1",
        viewer,
    )
    .fetch_one(db)
    .await?;
    Ok(bounds((r.min_lat, r.max_lat, r.min_lon, r.max_lon)))
}

/// A thinned picture of where the homes she may scan are (the shared data and her own
/// list): about 1,500 dots whatever the data's size.
pub async fn home_dots(db: impl PgExecutor<'_>, viewer: Uuid) -> Result<Vec<(f64, f64)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT lat, lon FROM properties
         WHERE (owner_id IS NULL OR owner_id = $1)
           AND id % greatest(1, (SELECT count(*) FROM properties) / 1500) = 0 LIMIT 1500",
        viewer,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.lat, r.lon)).collect())
}

/// The latest 600 hail reports: latitude, longitude, size in inches.
pub async fn recent_hail(db: impl PgExecutor<'_>) -> Result<Vec<(f64, f64, f64)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT lat, lon, magnitude_in FROM storm_events WHERE event_type = 'Hail' ORDER BY event_date DESC LIMIT 600"
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.lat, r.lon, r.magnitude_in)).collect())
}

/// Claims the oldest waiting scan (or one a crashed worker left running for 10 minutes):
/// id, contractor, area. SKIP LOCKED hands each scan to one worker.
pub async fn claim_scan(db: impl PgExecutor<'_>) -> Result<Option<(Uuid, Uuid, serde_json::Value)>, sqlx::Error> {
    let row = sqlx::query!(
        "UPDATE scans SET status = 'running', started_at = now(), processed = 0
         WHERE id = (
             SELECT id FROM scans
             WHERE status = 'queued' OR (status = 'running' AND started_at < now() - interval '10 minutes')
             ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING id, user_id, area"
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.user_id, r.area)))
}

/// Ends a scan as failed, with the message she sees.
pub async fn fail_scan(db: impl PgExecutor<'_>, id: Uuid, message: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE scans SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
        id,
        message,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Clears what an earlier attempt wrote and records how many homes the scan covers.
pub async fn start_results(pool: &sqlx::PgPool, id: Uuid, total: i32) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM scan_results WHERE scan_id = $1", id)
        .execute(pool)
        .await?;
    sqlx::query!("UPDATE scans SET total = $2 WHERE id = $1", id, total)
        .execute(pool)
        .await?;
    Ok(())
}

/// One batch of scored homes, column by column.
pub struct ScoredHomes<'a> {
    pub property_ids: &'a [i64],
    pub scores: &'a [i16],
    pub factors: &'a [serde_json::Value],
    pub reasons: &'a [serde_json::Value],
    pub confidences: &'a [i16],
    pub prices: &'a [i32],
}

pub async fn insert_results(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    homes: ScoredHomes<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO scan_results (scan_id, property_id, user_id, score, factors, reasons, confidence, price_cents)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::uuid[], $4::smallint[], $5::jsonb[], $6::jsonb[], $7::smallint[], $8::int[])",
        id,
        homes.property_ids,
        &vec![user_id; homes.property_ids.len()],
        homes.scores,
        homes.factors,
        homes.reasons,
        homes.confidences,
        homes.prices,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn scan_progress(db: impl PgExecutor<'_>, id: Uuid, processed: i32) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE scans SET processed = $2 WHERE id = $1", id, processed)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish_scan(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE scans SET status = 'done', finished_at = now() WHERE id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

// Outreach.

/// Of these messages (outbox ids, each with its contractor and recipient address), the ids
/// whose recipient has opted out with that contractor.
pub async fn opted_out(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    user_ids: &[Uuid],
    addresses: &[&str],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT m.id AS "id!" FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS m(id, user_id, address)
           WHERE EXISTS (SELECT 1 FROM fm_opt_outs o WHERE o.user_id = m.user_id AND o.address = m.address)"#,
        ids,
        user_ids,
        addresses as &[&str],
    )
    .fetch_all(db)
    .await
}

// Buying the leads of a scan.

/// Her wallet row, created if need be and locked: her purchases run one at a time, and the
/// second sees what the first bought.
pub async fn lock_wallet(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO wallets (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("SELECT 1 AS one FROM wallets WHERE user_id = $1 FOR UPDATE", user_id)
        .fetch_optional(tx)
        .await?;
    Ok(())
}

/// Whether her scan has finished; None when it is not hers.
pub async fn scan_finished(db: impl PgExecutor<'_>, scan_id: Uuid, user_id: Uuid) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT status = 'done' AS "done!" FROM scans WHERE id = $1 AND user_id = $2"#,
        scan_id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// How many of the scan's homes scoring `from_score` or more she does not own yet, and
/// what they cost together.
pub async fn leads_for_sale(
    db: impl PgExecutor<'_>,
    scan_id: Uuid,
    user_id: Uuid,
    from_score: u8,
) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) AS "count!", coalesce(sum(r.price_cents), 0)::bigint AS "cents!" FROM scan_results r
           WHERE r.scan_id = $1 AND r.user_id = $2 AND r.score >= $3
             AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.user_id = $2 AND l.property_id = r.property_id)"#,
        scan_id,
        user_id,
        i16::from(from_score),
    )
    .fetch_one(db)
    .await?;
    Ok((r.count, r.cents))
}

/// Makes those homes her leads; returns the new leads' ids.
pub async fn buy_leads(
    db: impl PgExecutor<'_>,
    scan_id: Uuid,
    user_id: Uuid,
    from_score: u8,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO leads (id, user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents)
         SELECT gen_random_uuid(), r.user_id, r.property_id, r.scan_id, r.score, r.factors, r.reasons, r.confidence, r.price_cents
         FROM scan_results r
         WHERE r.scan_id = $1 AND r.user_id = $2 AND r.score >= $3
         ON CONFLICT (user_id, property_id) DO NOTHING
         RETURNING id",
        scan_id,
        user_id,
        i16::from(from_score),
    )
    .fetch_all(db)
    .await
}

// Her leads. A refunded lead was given back: every read leaves it out, its homeowner no
// longer hers to see.

/// A row of her leads list: id, address, owner, score, stage, bought.
pub type LeadListRow = (Uuid, String, Option<String>, i16, LeadStage, OffsetDateTime);

/// One page of her leads matching `f`, and how many match in all.
pub async fn lead_list(
    db: &sqlx::PgPool,
    user_id: Uuid,
    f: &LeadFilter,
    page: i64,
    page_size: i64,
) -> Result<(i64, Vec<LeadListRow>), AppError> {
    // The homes are joined only when a search reads them: counting 10,000 leads is then a tenth
    // of the work.
    let count_base = if f.q.trim().is_empty() {
        "SELECT count(*) FROM leads l"
    } else {
        "SELECT count(*) FROM leads l JOIN properties p ON p.id = l.property_id"
    };
    let mut count = leads_query(user_id, f, count_base)?;
    let total: i64 = count.build_query_scalar().fetch_one(db).await?;
    let mut query = leads_query(
        user_id,
        f,
        "SELECT l.id, p.address, p.owner_name, l.score, l.stage, l.bought_at FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    query.push(order_by(&f.sort));
    query
        .push(" LIMIT ")
        .push_bind(page_size)
        .push(" OFFSET ")
        .push_bind((page - 1) * page_size);
    Ok((total, query.build_query_as().fetch_all(db).await?))
}

/// Every lead of hers matching `f`, one JSON object each, for the CSV download.
pub async fn lead_records(
    db: &sqlx::PgPool,
    user_id: Uuid,
    f: &LeadFilter,
) -> Result<Vec<serde_json::Value>, AppError> {
    let mut query = leads_query(
        user_id,
        f,
        "SELECT jsonb_build_object('id', l.id, 'address', p.address, 'owner', p.owner_name, 'phone', p.phone,
                'email', p.email, 'score', l.score, 'stage', l.stage, 'bought', l.bought_at::date, 'parcel_id', p.parcel_id)
         FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    query.push(order_by(&f.sort));
    Ok(query.build_query_scalar().fetch_all(db).await?)
}

/// `base` (selecting from `leads l JOIN properties p`) restricted to her leads and the
/// filter, which is checked here field by field. Every value is a bound parameter.
fn leads_query<'a>(user_id: Uuid, f: &'a LeadFilter, base: &str) -> Result<QueryBuilder<'a, Postgres>, AppError> {
    let mut q = QueryBuilder::new(base);
    // A refunded lead was given back: its homeowner is not hers to see any more.
    q.push(" WHERE l.refunded_at IS NULL AND l.user_id = ")
        .push_bind(user_id);
    if let Ok(min) = f.min_score.trim().parse::<i16>() {
        if !(0..=100).contains(&min) {
            return Err(AppError::field("min_score", "a score from 0 to 100"));
        }
        q.push(" AND l.score >= ").push_bind(min);
    } else if !f.min_score.trim().is_empty() {
        return Err(AppError::field("min_score", "a score from 0 to 100"));
    }
    match f.tier.as_str() {
        "" => {}
        "premium" => {
            q.push(" AND l.score >= ").push_bind(i16::from(PREMIUM_FROM_SCORE));
        }
        "standard" => {
            q.push(" AND l.score >= ")
                .push_bind(i16::from(SOLD_FROM_SCORE))
                .push(" AND l.score < ")
                .push_bind(i16::from(PREMIUM_FROM_SCORE));
        }
        _ => return Err(AppError::field("tier", "choose premium or standard")),
    }
    if !f.stage.is_empty() {
        let stage = LeadStage::parse(&f.stage).ok_or_else(|| AppError::field("stage", "not a pipeline stage"))?;
        q.push(" AND l.stage = ").push_bind(stage);
    }
    if !f.scan.trim().is_empty() {
        let scan = Uuid::parse_str(f.scan.trim()).map_err(|_| AppError::field("scan", "not a scan"))?;
        q.push(" AND l.scan_id = ").push_bind(scan);
    }
    if !f.since.trim().is_empty() {
        let since = domain::parse_iso_date(&f.since).map_err(|e| AppError::field("since", e.to_string()))?;
        q.push(" AND l.bought_at >= ").push_bind(since);
    }
    let search = f.q.trim();
    if !search.is_empty() {
        let pattern = format!(
            "%{}%",
            search.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        q.push(" AND (p.address ILIKE ").push_bind(pattern.clone());
        q.push(" OR p.owner_name ILIKE ").push_bind(pattern).push(")");
    }
    Ok(q)
}

fn order_by(sort: &str) -> &'static str {
    match sort {
        "newest" => " ORDER BY l.bought_at DESC, l.id",
        "address" => " ORDER BY p.address, l.id",
        _ => " ORDER BY l.score DESC, l.bought_at DESC, l.id",
    }
}

/// One lead as its page shows it: property, score, confidence, factors, reasons, stage,
/// price, bought, refund status, the operator's refund decision.
pub type LeadRecord = (
    i64,
    i16,
    i16,
    Json<domain::fishmouth::scoring::Factors>,
    Json<Vec<String>>,
    LeadStage,
    i32,
    OffsetDateTime,
    Option<RefundStatus>,
    Option<String>,
);

/// Counts her lead as opened (the `lead_viewed` usage event) the first time only, so later views
/// of the page write nothing.
pub async fn mark_opened(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "WITH first AS (
             UPDATE leads SET first_viewed_at = now()
             WHERE id = $1 AND user_id = $2 AND first_viewed_at IS NULL RETURNING id
         )
         INSERT INTO usage_events (user_id, event, detail)
         SELECT $2, $3, jsonb_build_object('lead', id) FROM first",
        id,
        user_id,
        crate::platform::usage::Event::LeadViewed.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn lead(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<Option<LeadRecord>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT property_id, score, confidence, factors AS "factors: Json<domain::fishmouth::scoring::Factors>",
                  reasons AS "reasons: Json<Vec<String>>", stage AS "stage: LeadStage", price_cents, bought_at,
                  refund_status AS "refund_status: RefundStatus", refund_decision
           FROM leads WHERE id = $1 AND user_id = $2 AND refunded_at IS NULL"#,
        id,
        user_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            r.property_id,
            r.score,
            r.confidence,
            r.factors,
            r.reasons,
            r.stage,
            r.price_cents,
            r.bought_at,
            r.refund_status,
            r.refund_decision,
        )
    }))
}

/// Her notes on a lead, newest first.
pub async fn lead_notes(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> Result<Vec<(OffsetDateTime, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT created_at, body FROM lead_notes WHERE lead_id = $1 AND user_id = $2 ORDER BY created_at DESC",
        id,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.created_at, r.body)).collect())
}

/// Moves a lead to `stage`; false when it is not hers.
pub async fn set_stage(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    stage: LeadStage,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE leads SET stage = $3, stage_at = now() WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        stage as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds her note to a lead; false when it is not hers.
pub async fn add_note(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid, body: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO lead_notes (lead_id, user_id, body) SELECT id, user_id, $3 FROM leads WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        body,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

// Refunds.

/// A lead that has been used: a sequence sent it something, a rep did its call task, or
/// she moved it past "new".
const CONTACTED: &str = "(l.stage <> 'new' OR EXISTS (
        SELECT 1 FROM fm_enrollments e JOIN fm_enrollment_steps es ON es.enrollment_id = e.id
        WHERE e.lead_id = l.id AND es.outcome IN ('queued', 'task_done')))";

/// Her purchases and refunds (done or asked) in the last 30 days.
const RECENT: &str = "(SELECT count(*) FROM leads b WHERE b.user_id = l.user_id AND b.price_cents > 0
           AND b.bought_at > now() - make_interval(days => 30)) AS bought_recently,
        (SELECT count(*) FROM leads r WHERE r.user_id = l.user_id AND r.refund_status = 'refunded'
           AND r.refund_requested_at > now() - make_interval(days => 30)) AS refunded_recently";

#[derive(sqlx::FromRow)]
pub struct LeadForRefund {
    pub price_cents: i32,
    pub status: Option<RefundStatus>,
    pub hours_since_bought: i64,
    pub contacted: bool,
    pub bought_recently: i64,
    pub refunded_recently: i64,
}

pub async fn lead_for_refund(
    tx: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<LeadForRefund>, sqlx::Error> {
    // Her other refunds are counted under the lock of her wallet row, so two requests
    // at once cannot both slip under the limit.
    lock_wallet(&mut *tx, user_id).await?;
    sqlx::query_as(&format!(
        "SELECT l.price_cents, l.refund_status AS status,
                (extract(epoch FROM now() - l.bought_at) / 3600)::int8 AS hours_since_bought,
                {CONTACTED} AS contacted, {RECENT}
         FROM leads l WHERE l.id = $1 AND l.user_id = $2 AND l.refunded_at IS NULL FOR UPDATE OF l"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
}

/// Marks the lead refunded (by rule, or `decided` by an operator with a note): from now on
/// every read leaves it out.
pub async fn mark_refunded(
    tx: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
    reason: &str,
    decided: Option<(Uuid, &str)>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET refunded_at = now(), refund_status = 'refunded', refund_reason = $3,
                refund_requested_at = coalesce(refund_requested_at, now()),
                refund_decided_by = $4, refund_decision = nullif($5, '')
         WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        reason,
        decided.map(|(by, _)| by),
        decided.map_or("", |(_, note)| note),
    )
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn mark_refund_pending(
    tx: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
    reason: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET refund_status = 'pending', refund_reason = $3, refund_note = nullif($4, ''),
                refund_requested_at = now()
         WHERE id = $1 AND user_id = $2",
        id,
        user_id,
        reason,
        note,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A waiting request, locked: (contractor, price, reason).
pub async fn pending_refund(tx: &mut PgConnection, id: Uuid) -> Result<Option<(Uuid, i32, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT user_id, price_cents, refund_reason AS "refund_reason!" FROM leads
           WHERE id = $1 AND refund_status = 'pending' FOR UPDATE"#,
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| (r.user_id, r.price_cents, r.refund_reason)))
}

pub async fn decline_refund(tx: &mut PgConnection, id: Uuid, operator: Uuid, note: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE leads SET refund_status = 'denied', refund_decided_by = $2, refund_decision = $3
         WHERE id = $1 AND refund_status = 'pending'",
        id,
        operator,
        note,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A waiting refund request as the operator sees it: lead, contractor's email, address,
/// price, reason, her note, when asked, whether contacted, her purchases and refunds in 30 days.
pub type PendingRefundRow = (
    Uuid,
    String,
    String,
    i32,
    String,
    Option<String>,
    OffsetDateTime,
    bool,
    i64,
    i64,
);

/// The waiting refund requests, oldest first (at most 200).
pub async fn pending_refunds(db: impl PgExecutor<'_>) -> Result<Vec<PendingRefundRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT l.id, u.email, p.address, l.price_cents, l.refund_reason, l.refund_note, l.refund_requested_at,
                {CONTACTED}, {RECENT}
         FROM leads l JOIN users u ON u.id = l.user_id JOIN properties p ON p.id = l.property_id
         WHERE l.refund_status = 'pending' ORDER BY l.refund_requested_at LIMIT 200"
    ))
    .fetch_all(db)
    .await
}

// The wallet. Its balance never goes negative: a CHECK in the database and the conditional
// UPDATE in `debit`.

pub async fn balance(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT balance_cents FROM wallets WHERE user_id = $1", user_id)
            .fetch_optional(db)
            .await?
            .unwrap_or(0),
    )
}

/// Takes `cents` if her wallet holds them; the balance after, or None when it holds less.
pub async fn debit(db: impl PgExecutor<'_>, user_id: Uuid, cents: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE wallets SET balance_cents = balance_cents - $2, updated_at = now()
         WHERE user_id = $1 AND balance_cents >= $2 RETURNING balance_cents",
        user_id,
        cents,
    )
    .fetch_optional(db)
    .await
}

/// Adds `cents` (creating the wallet); the balance after, or None when the account is gone.
pub async fn deposit(db: impl PgExecutor<'_>, user_id: Uuid, cents: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO wallets (user_id, balance_cents) SELECT id, $2 FROM users WHERE id = $1
         ON CONFLICT (user_id) DO UPDATE SET balance_cents = wallets.balance_cents + $2, updated_at = now()
         RETURNING balance_cents",
        user_id,
        cents,
    )
    .fetch_optional(db)
    .await
}

/// One change to her wallet, as the ledger keeps it.
pub struct Entry<'a> {
    pub user_id: Uuid,
    /// `top_up`, `lead_charge`, `refund`, ...
    pub kind: &'a str,
    /// Negative for money taken.
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub reference: &'a str,
}

pub async fn add_to_ledger(db: impl PgExecutor<'_>, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO wallet_ledger (user_id, kind, amount_cents, balance_after_cents, reference) VALUES ($1, $2, $3, $4, $5)",
        entry.user_id,
        entry.kind,
        entry.amount_cents,
        entry.balance_after_cents,
        entry.reference,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Her latest 100 ledger rows, newest first: when, kind, amount, balance after, reference.
pub async fn ledger(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(time::OffsetDateTime, String, i64, i64, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT created_at, kind, amount_cents, balance_after_cents, reference FROM wallet_ledger
         WHERE user_id = $1 ORDER BY id DESC LIMIT 100",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.created_at, r.kind, r.amount_cents, r.balance_after_cents, r.reference))
        .collect())
}

/// Records a Stripe event once; false when it was seen before. `user_id` is kept only if
/// that account exists.
pub async fn record_stripe_event(
    db: impl PgExecutor<'_>,
    event_id: &str,
    kind: &str,
    user_id: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO stripe_events (id, type, user_id)
         SELECT $1, $2, (SELECT id FROM users WHERE id = $3)
         ON CONFLICT (id) DO NOTHING",
        event_id,
        kind,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Area scans queued or running, everyone's (the metrics page).
pub async fn scans_waiting(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM scans WHERE status IN ('queued', 'running')"#)
        .fetch_one(db)
        .await
}
