//! Leads: bought from a scan in one transaction against the wallet, never twice for the
//! same parcel; then worked through the pipeline with notes, and refunded within 48 hours
//! when the contact is invalid or the lead a duplicate.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use super::{LeadFilter, STAGES};
use crate::components::{FormError, last_error, retrying, successes, toast_on_success};
use crate::error::AppError;

#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: Uuid,
    pub address: String,
    pub owner: Option<String>,
    pub score: i16,
    pub tier: String,
    pub stage: String,
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
    pub stage: String,
    pub price: String,
    pub bought: String,
    pub refundable: bool,
    /// A refund asked for and waiting, or declined (with the operator's note).
    pub refund_status: Option<String>,
    pub facts: Vec<(String, String)>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub storms: Vec<String>,
    pub notes: Vec<(String, String)>,
    pub sample: bool,
}

/// Buys the scan's leads scoring 60+ that she does not own yet, in one transaction:
/// the wallet is charged for them all or for none.
#[server(prefix = "/api/pro", endpoint = "buy-leads")]
pub async fn buy_leads(scan_id: String) -> Result<i64, AppError> {
    use domain::fishmouth::pricing::SOLD_FROM_SCORE;
    let scan_id = Uuid::parse_str(scan_id.trim()).map_err(|_| AppError::field("scan_id", "not a scan"))?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    store::lock_wallet(&mut tx, user.id).await?;
    match store::scan_finished(&mut *tx, scan_id, user.id).await? {
        None => return Err(AppError::NotFound),
        Some(false) => return Err(AppError::field("scan_id", "this scan has not finished yet")),
        Some(true) => {}
    }
    let (count, cents) = store::leads_for_sale(&mut *tx, scan_id, user.id, SOLD_FROM_SCORE).await?;
    if count == 0 {
        return Err(AppError::field(
            "scan_id",
            format!("you already own every lead of this scan scoring {SOLD_FROM_SCORE} or more"),
        ));
    }
    // Free leads (the generated sample in production) take nothing and leave no ledger row.
    if cents > 0 {
        super::wallet::charge(&mut tx, user.id, cents, &format!("{count} leads from scan {scan_id}")).await?;
    }
    let bought = store::buy_leads(&mut *tx, scan_id, user.id, SOLD_FROM_SCORE).await?;
    super::sequences::ssr::auto_enroll(&mut tx, user.id, &bought).await?;
    crate::platform::usage::record(
        &mut *tx,
        Some(user.id),
        crate::platform::usage::Event::LeadsBought,
        serde_json::json!({ "scan": scan_id, "count": count }),
    )
    .await?;
    crate::platform::audit::record(
        &mut *tx,
        &crate::platform::request_info(),
        Some(user.id),
        "pro.leads_bought",
        crate::platform::audit::Outcome::Success,
        serde_json::json!({ "scan": scan_id, "count": count, "cents": cents }),
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}

#[server(prefix = "/api/pro", endpoint = "leads", input = GetUrl)]
pub async fn list_leads(#[server(default)] filter: LeadFilter) -> Result<LeadsPageData, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let page = filter.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let mut count = store::leads_query(
        user.id,
        &filter,
        "SELECT count(*) FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    let total: i64 = count.build_query_scalar().fetch_one(&services.pool).await?;
    let mut query = store::leads_query(
        user.id,
        &filter,
        "SELECT l.id, p.address, p.owner_name, l.score, l.stage, l.bought_at FROM leads l JOIN properties p ON p.id = l.property_id",
    )?;
    query.push(store::order_by(&filter.sort));
    query
        .push(" LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind((page - 1) * PAGE_SIZE);
    let rows: Vec<(Uuid, String, Option<String>, i16, String, time::OffsetDateTime)> =
        query.build_query_as().fetch_all(&services.pool).await?;
    Ok(LeadsPageData {
        rows: rows.into_iter().map(row).collect(),
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })
}

#[server(prefix = "/api/pro", endpoint = "lead", input = GetUrl)]
pub async fn load_lead(id: String) -> Result<LeadDetail, AppError> {
    use domain::fishmouth::pricing::{REFUND_WINDOW_HOURS, format_cents, tier};
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let pool = &services.pool;
    // A refunded lead is no longer hers: not found.
    let row = store::lead(pool, id, user.id).await?.ok_or(AppError::NotFound)?;
    let (property_id, score, confidence, factors, reasons, stage, price, bought, refund_status, refund_decision) = row;
    let viewed = crate::platform::usage::Event::LeadViewed;
    crate::platform::usage::record(pool, Some(user.id), viewed, serde_json::json!({ "lead": id })).await?;
    let home = super::properties::property(pool, property_id)
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
    let hail = super::properties::hail_in(pool, &point, margin * 2.0, since).await?;
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
        refund_status: match refund_status.as_deref() {
            Some("pending") => Some("Refund asked for: an operator will decide within two working days.".to_owned()),
            Some("denied") => Some(format!("Refund declined: {}", refund_decision.unwrap_or_default())),
            _ => None,
        },
        facts,
        phone: p.phone.clone(),
        email: p.email.clone(),
        storms: storms
            .iter()
            .map(|h| format!("{} · {:.2} in hail", h.date, h.size_in))
            .collect(),
        notes: notes.into_iter().map(|(at, body)| (stamp(at), body)).collect(),
        sample: super::properties::has_sample(pool).await?,
    })
}

#[server(prefix = "/api/pro", endpoint = "lead-stage")]
pub async fn set_stage(id: String, stage: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    if !STAGES.contains(&stage.as_str()) {
        return Err(AppError::field(
            "stage",
            "choose new, contacted, appointment, quoted, won or lost",
        ));
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    if !store::set_stage(&mut *tx, id, user.id, &stage).await? {
        return Err(AppError::NotFound);
    }
    // A won or lost lead hears nothing more from the sequences.
    if stage == "won" || stage == "lost" {
        super::sequences::engine::stop_for_lead(&mut tx, user.id, id, &stage).await?;
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
fn row(
    (id, address, owner, score, stage, bought): (Uuid, String, Option<String>, i16, String, time::OffsetDateTime),
) -> LeadRow {
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

/// `GET /pro/leads.csv?…`: the filtered leads as CSV, every page.
#[cfg(feature = "ssr")]
pub async fn export_csv(
    axum::extract::State(services): axum::extract::State<crate::platform::Services>,
    crate::auth::guards::Contractor { user }: crate::auth::guards::Contractor,
    axum::extract::Query(filter): axum::extract::Query<LeadFilter>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::StatusCode;
    // One JSON object a lead; the file lists its columns alphabetically.
    let mut query = match store::leads_query(
        user.id,
        &filter,
        "SELECT jsonb_build_object('id', l.id, 'address', p.address, 'owner', p.owner_name, 'phone', p.phone,
                'email', p.email, 'score', l.score, 'stage', l.stage, 'bought', l.bought_at::date, 'parcel_id', p.parcel_id)
         FROM leads l JOIN properties p ON p.id = l.property_id",
    ) {
        Ok(q) => q,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    query.push(store::order_by(&filter.sort));
    let Ok(records) = query
        .build_query_scalar::<serde_json::Value>()
        .fetch_all(&services.pool)
        .await
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        [
            (http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"fishmouth-leads.csv\"",
            ),
            (http::header::CACHE_CONTROL, "no-store"),
        ],
        crate::privacy::export::to_csv(&records),
    )
        .into_response()
}

/// `/pro/leads`: filters that work as a plain GET form, sorting, paging and CSV export.
#[component]
pub fn LeadsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        LeadFilter {
            min_score: get("min_score"),
            tier: get("tier"),
            stage: get("stage"),
            scan: get("scan"),
            since: get("since"),
            q: get("q"),
            sort: get("sort"),
            page: get("page"),
        }
    };
    let leads = Resource::new(filter, retrying(list_leads));
    view! {
        <Title text="Leads"/>
        <h1>"Leads"</h1>
        <form method="get" action="/pro/leads" class="card filters">
            <div class="field-row">
                <div class="field"><label>"Search address or owner" <input name="q" value=move || filter().q/></label></div>
                <div class="field"><label>"Minimum score" <input name="min_score" inputmode="numeric" value=move || filter().min_score/></label></div>
                <div class="field"><label>"Tier"
                    <select name="tier">
                        {[("", "Any"), ("premium", "Premium (80+)"), ("standard", "Standard (60–79)")].map(|(v, l)| view! {
                            <option value=v selected=move || filter().tier == v>{l}</option>
                        })}
                    </select>
                </label></div>
                <div class="field"><label>"Stage"
                    <select name="stage">
                        <option value="">"Any"</option>
                        {STAGES.map(|s| view! { <option value=s selected=move || filter().stage == s>{s}</option> })}
                    </select>
                </label></div>
                <div class="field"><label>"Bought since" <input type="date" name="since" value=move || filter().since/></label></div>
                <div class="field"><label>"Sort"
                    <select name="sort">
                        {[("score", "Score"), ("newest", "Newest"), ("address", "Address")].map(|(v, l)| view! {
                            <option value=v selected=move || filter().sort == v>{l}</option>
                        })}
                    </select>
                </label></div>
            </div>
            <input type="hidden" name="scan" value=move || filter().scan/>
            <button type="submit" class="button">"Filter"</button>
            " "
            <a class="button button-ghost" href=move || format!("/pro/leads.csv?{}", query_string(&filter())) download>"Export CSV"</a>
        </form>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                leads.await.map(|data| {
                    let current = filter();
                    let link = move |page: i64| {
                        let mut f = current.clone();
                        f.page = page.to_string();
                        format!("/pro/leads?{}", query_string(&f))
                    };
                    view! {
                        <p class="hint">{format!("{} leads", data.total)}</p>
                        <table class="leads">
                            <thead><tr><th scope="col">"Score"</th><th scope="col">"Address"</th><th scope="col">"Stage"</th><th scope="col">"Bought"</th></tr></thead>
                            <tbody>
                                {data.rows.into_iter().map(|l| view! {
                                    <tr>
                                        <td><strong>{l.score}</strong> <span class="hint">{l.tier}</span></td>
                                        <td><a href=format!("/pro/leads/{}", l.id)>{l.address}</a> <span class="hint">{l.owner}</span></td>
                                        <td><span class="badge" data-stage=l.stage.clone()>{l.stage.clone()}</span></td>
                                        <td>{l.bought}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager" aria-label="Pages">
                            {(data.page > 1).then(|| view! { <a href=link(data.page - 1)>"Previous"</a> })}
                            <span>{format!("Page {} of {}", data.page, data.pages.max(1))}</span>
                            {(data.page < data.pages).then(|| view! { <a href=link(data.page + 1)>"Next"</a> })}
                        </nav>
                    }
                })
            })}
        </Transition>
    }
}

fn query_string(f: &LeadFilter) -> String {
    [
        ("q", &f.q),
        ("min_score", &f.min_score),
        ("tier", &f.tier),
        ("stage", &f.stage),
        ("scan", &f.scan),
        ("since", &f.since),
        ("sort", &f.sort),
        ("page", &f.page),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", encode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/pro/leads/:id`
#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let stage = ServerAction::<SetStage>::new();
    let note = ServerAction::<AddNote>::new();
    let refund = ServerAction::<super::refunds::RequestRefund>::new();
    let saved = [
        successes(stage.value()),
        successes(note.value()),
        successes(refund.value()),
    ];
    let lead = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                saved.iter().map(|s| s.get()).sum::<usize>(),
            )
        },
        retrying(|(id, _)| load_lead(id)),
    );
    let error = Signal::derive(move || {
        last_error(stage.value())
            .get()
            .or_else(|| last_error(note.value()).get())
            .or_else(|| last_error(refund.value()).get())
    });
    toast_on_success(stage.value(), "Stage changed");
    toast_on_success(note.value(), "Note added");
    toast_on_success(refund.value(), "Refund asked for");
    // Refunded at once, the server sends her to her leads: this one is no longer hers.
    let outreach = super::sequences::use_lead_outreach(move || params.read().get("id").unwrap_or_default());
    view! {
        <Title text="Lead"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                lead.await.map(|l| {
                    let (stage_id, note_id, refund_id) = (l.id.to_string(), l.id.to_string(), l.id.to_string());
                    view! {
                        <h1>{l.address.clone()}</h1>
                        {l.sample.then(|| view! { <p class="badge">"Sample data: a generated home, not a real person"</p> })}
                        <FormError error/>
                        <section class="card">
                            <p class="score-big"><strong>{l.score}</strong> " / 100 · " {l.tier.clone()} " · confidence " {l.confidence} "%"</p>
                            <ul class="factors">
                                <Factor label="Roof condition (42%)" value=l.factors.condition/>
                                <Factor label="Roof age (25%)" value=l.factors.age/>
                                <Factor label="Home value (15%)" value=l.factors.value/>
                                <Factor label="Storm damage (10%)" value=l.factors.damage/>
                                <Factor label="Contact details (8%)" value=l.factors.contact/>
                            </ul>
                            <ul>{l.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                        </section>
                        <section class="card">
                            <h2>"Stage"</h2>
                            <ActionForm action=stage>
                                <input type="hidden" name="id" value=stage_id/>
                                <div class="stage-buttons">
                                    {STAGES.map(|s| view! {
                                        <button type="submit" name="stage" value=s class="button button-ghost" aria-pressed=(l.stage == s).to_string()>{s}</button>
                                    })}
                                </div>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>"Contact"</h2>
                            {match l.phone.clone() {
                                Some(phone) => view! { <p><a href=format!("tel:{phone}")>{phone.clone()}</a></p> }.into_any(),
                                None => view! { <p class="hint">"No phone on record"</p> }.into_any(),
                            }}
                            {l.email.clone().map(|e| view! { <p><a href=format!("mailto:{e}")>{e.clone()}</a></p> })}
                            <p class="hint">"Skip-traced numbers carry no consent to call or text: follow the calling rules in your sequences."</p>
                        </section>
                        <section class="card">
                            <h2>"Property"</h2>
                            <dl class="milestones">
                                {l.facts.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                            </dl>
                            <h3>"Hail within 3 miles, last 3 years"</h3>
                            {if l.storms.is_empty() {
                                view! { <p class="hint">"None reported."</p> }.into_any()
                            } else {
                                view! { <ul>{l.storms.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                        <super::sequences::LeadOutreach lead=l.id state=outreach/>
                        <section class="card">
                            <h2>"Notes"</h2>
                            <ActionForm action=note>
                                <input type="hidden" name="id" value=note_id/>
                                <div class="field"><label>"New note" <textarea name="body" rows="3" maxlength="2000" required=true></textarea></label></div>
                                <button type="submit" class="button">"Add note"</button>
                            </ActionForm>
                            <ul class="log-list">
                                {l.notes.iter().map(|(at, body)| view! { <li class="log-entry"><p class="hint">{at.clone()}</p><p>{body.clone()}</p></li> }).collect_view()}
                            </ul>
                        </section>
                        <section class="card">
                            <h2>"Refund"</h2>
                            <p class="hint">{format!("Bought {} for {}.", l.bought, l.price)}</p>
                            {match (l.refund_status.clone(), l.refundable) {
                                (Some(status), _) => view! { <p>{status}</p> }.into_any(),
                                (None, true) => view! {
                                    <ActionForm action=refund>
                                        <input type="hidden" name="id" value=refund_id/>
                                        <div class="field"><label>"Why is this lead not usable?"
                                            <select name="reason">
                                                <option value="invalid_contact">"The contact details are wrong"</option>
                                                <option value="duplicate">"I already had this lead"</option>
                                                <option value="out_of_area">"It is outside my service area"</option>
                                            </select>
                                        </label></div>
                                        <div class="field"><label>"Anything the reviewer should know (optional)"
                                            <textarea name="note" rows="2" maxlength="1000"></textarea></label></div>
                                        <p class="hint">"Refunded at once within your monthly allowance (a tenth of the leads you bought in 30 days) if you have not contacted the homeowner; otherwise an operator decides."</p>
                                        <button type="submit" class="button button-ghost">"Ask for a refund"</button>
                                    </ActionForm>
                                }.into_any(),
                                (None, false) => view! { <p class="hint">"Refunds are possible within 48 hours of buying a paid lead."</p> }.into_any(),
                            }}
                        </section>
                        <p class="form-footer"><a href="/pro/leads">"All leads"</a></p>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
fn Factor(label: &'static str, value: u8) -> impl IntoView {
    view! {
        <li class="factor">
            <span>{label}</span>
            <meter min="0" max="100" value=value>{value}</meter>
            <strong>{value}</strong>
        </li>
    }
}
