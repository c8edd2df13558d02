//! Working the leads she bought: the filtered list, one lead in full, its stage and its notes.

use domain::fishmouth::LeadStage;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fishmouth::LeadFilter;
#[cfg(feature = "ssr")]
use crate::fishmouth::store;

#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: Uuid,
    pub address: String,
    pub owner: Option<String>,
    pub score: i16,
    pub tier: String,
    pub stage: LeadStage,
    pub bought: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadsPageData {
    pub rows: Vec<LeadRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub id: Uuid,
    pub address: String,
    pub score: i16,
    pub tier: String,
    pub confidence: i16,
    pub factors: domain::fishmouth::scoring::Factors,
    pub reasons: Vec<String>,
    pub stage: LeadStage,
    pub price: String,
    pub bought: String,
    pub refundable: bool,
    /// A refund asked for and waiting, or declined (with the operator's note).
    pub refund_status: Option<String>,
    pub facts: Vec<(String, String)>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub storms: Vec<String>,
    /// The roof as an aerial image showed it, when it was read.
    pub roof: Option<crate::fishmouth::roofs::RoofView>,
    /// What reading the roof from an image costs, in cents (None: not offered here).
    pub roof_price_cents: Option<i64>,
    pub notes: Vec<(String, String)>,
    pub sample: bool,
}

#[server(prefix = "/api/pro", endpoint = "leads", input = GetUrl)]
pub async fn list_leads(#[server(default)] filter: LeadFilter) -> Result<LeadsPageData, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let page = filter.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let (total, rows) = store::lead_list(&services.pool, user.id, &filter, page, PAGE_SIZE).await?;
    Ok(LeadsPageData {
        rows: rows.into_iter().map(row).collect(),
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

#[server(prefix = "/api/pro", endpoint = "lead", input = GetUrl)]
pub async fn load_lead(id: String) -> Result<LeadDetail, AppError> {
    use domain::fishmouth::{
        RefundStatus,
        pricing::{REFUND_WINDOW_HOURS, format_cents, tier},
    };
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let pool = &services.pool;
    // A refunded lead is no longer hers: not found.
    let row = store::lead(pool, id, user.id).await?.ok_or(AppError::NotFound)?;
    let (property_id, score, confidence, factors, reasons, stage, price, bought, refund_status, refund_decision) = row;
    store::mark_opened(pool, id, user.id).await?;
    let home = crate::fishmouth::properties::property(pool, property_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = &home.property;
    let since = time::OffsetDateTime::now_utc().date() - time::Duration::days(3 * 365);
    let margin = domain::fishmouth::scoring::HAIL_RADIUS_MILES / domain::fishmouth::geo::MILES_PER_DEGREE;
    let point = domain::fishmouth::geo::BoundingBox {
        min_lat: p.lat,
        max_lat: p.lat,
        min_lon: p.lon,
        max_lon: p.lon,
    };
    let hail = crate::fishmouth::properties::hail_in(pool, &point, margin * 2.0, since).await?;
    let mut storms: Vec<_> = domain::fishmouth::scoring::hail_near(p, &hail)
        .into_iter()
        .cloned()
        .collect();
    storms.sort_by_key(|h| std::cmp::Reverse(h.date));
    let notes = store::lead_notes(pool, id, user.id).await?;
    let stamp = crate::platform::format_time;
    let fact =
        |label: &str, value: Option<String>| (label.to_owned(), value.unwrap_or_else(|| "not on record".to_owned()));
    let facts = vec![
        fact("Parcel", Some(p.parcel_id.clone())),
        fact("Owner", p.owner_name.clone()),
        fact("Year built", p.year_built.map(|y| y.to_string())),
        fact("Last roof permit", p.roof_permit_year.map(|y| y.to_string())),
        fact("Roof material", p.roof_material.map(|m| m.label().to_owned())),
        fact("Reported condition", p.condition.map(|c| c.label().to_owned())),
        fact("Building size", p.building_sqft.map(|s| format!("{s} sq ft"))),
        fact("Assessed value", p.assessed_value.map(|v| format_cents(v * 100))),
        fact("Time zone", Some(p.timezone.clone())),
    ];
    let refundable = refund_status.is_none()
        && price > 0
        && time::OffsetDateTime::now_utc() - bought < time::Duration::hours(REFUND_WINDOW_HOURS);
    Ok(LeadDetail {
        id,
        address: p.address.clone(),
        score,
        tier: tier(u8::try_from(score).unwrap_or(0)).label().to_owned(),
        confidence,
        factors: factors.0,
        reasons: reasons.0,
        stage,
        price: format_cents(i64::from(price)),
        bought: stamp(bought),
        refundable,
        refund_status: match refund_status {
            Some(RefundStatus::Pending) => {
                Some("Refund asked for: an operator will decide within two working days.".to_owned())
            }
            Some(RefundStatus::Denied) => Some(format!("Refund declined: {}", refund_decision.unwrap_or_default())),
            Some(RefundStatus::Refunded) | None => None,
        },
        facts,
        phone: p.phone.clone(),
        email: p.email.clone(),
        storms: storms
            .iter()
            .map(|h| format!("{} · {:.2} in hail", h.date, h.size_in))
            .collect(),
        notes: notes.into_iter().map(|(at, body)| (stamp(at), body)).collect(),
        sample: crate::fishmouth::properties::has_sample(pool).await?,
        roof: crate::fishmouth::roofs::ssr::for_lead(pool, id, property_id).await?,
        roof_price_cents: {
            let roofs = &crate::fishmouth::ssr::fishmouth()?.roofs;
            roofs.offered().then_some(roofs.price_cents)
        },
    })
}

#[server(prefix = "/api/pro", endpoint = "lead-stage")]
pub async fn set_stage(id: String, stage: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let Some(stage) = LeadStage::parse(&stage) else {
        return Err(AppError::field(
            "stage",
            "choose new, contacted, appointment, quoted, won or lost",
        ));
    };
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    if !store::set_stage(&mut *tx, id, user.id, stage).await? {
        return Err(AppError::NotFound);
    }
    // A won or lost lead hears nothing more from the sequences.
    if stage.is_closed() {
        crate::fishmouth::sequences::engine::stop_for_lead(&mut tx, user.id, id, stage.as_str()).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/pro", endpoint = "lead-note")]
pub async fn add_note(id: String, body: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(AppError::field("body", "write a note of 1 to 2,000 characters"));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    if !store::add_note(&services.pool, id, user.id, body).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn row((id, address, owner, score, stage, bought): store::LeadListRow) -> LeadRow {
    LeadRow {
        id,
        address,
        owner,
        score,
        tier: domain::fishmouth::pricing::tier(u8::try_from(score).unwrap_or(0))
            .label()
            .to_owned(),
        stage,
        bought: bought.date().to_string(),
    }
}
