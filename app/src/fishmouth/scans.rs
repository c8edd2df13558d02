//! Area scans: she draws or types an area, a worker finds the homes inside and scores
//! each one, and the page shows progress until the scored leads are ready to buy.
//! The request never waits for the scan: it is a job in the `scans` table.

use domain::JobStatus;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use domain::fishmouth::place::Located;

use crate::components::{Field, FormError, LinkRow, Loaded, Submit, last_error, retrying, successes};
use crate::error::AppError;

/// Scans allowed per user (the seed's MAX_SCANS_PER_DAY, and a burst limit).
pub const SCANS_PER_DAY: i64 = 50;
pub const SCANS_PER_MINUTE: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSummary {
    pub id: Uuid,
    pub label: String,
    pub status: JobStatus,
    pub total: i32,
    pub processed: i32,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanView {
    pub scan: ScanSummary,
    pub premium: i64,
    pub standard: i64,
    pub free: i64,
    /// Leads scoring 60+ she does not own yet, and what they cost together.
    pub to_buy: i64,
    pub to_buy_price: String,
    pub owned: i64,
    pub top: Vec<ResultRow>,
    pub sample: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    pub address: String,
    pub score: i16,
    pub tier: String,
    pub reasons: Vec<String>,
}

/// The map under the scan form: the data's extent, hail reports and a thinned set of homes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapData {
    pub bbox: Option<domain::fishmouth::geo::BoundingBox>,
    pub homes: Vec<(f64, f64)>,
    pub hail: Vec<(f64, f64, f64)>,
    pub tiles_url: Option<String>,
    pub sample: bool,
}

#[server(prefix = "/api/pro", endpoint = "start-scan")]
pub async fn start_scan(
    #[server(default)] shape: String,
    #[server(default)] place: String,
    #[server(default)] lat: String,
    #[server(default)] lon: String,
    #[server(default)] radius_miles: String,
    #[server(default)] polygon: String,
) -> Result<Uuid, AppError> {
    use domain::fishmouth::geo::{Area, parse_circle, parse_polygon};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let circle_around = |p: &domain::fishmouth::place::Located, radius: &str| {
        parse_circle(&p.point.lat.to_string(), &p.point.lon.to_string(), radius)
    };
    let (area, place_label) = match shape.as_str() {
        "polygon" => (parse_polygon(&polygon), None),
        // A place typed in wins over the latitude and longitude beside it.
        _ if !place.trim().is_empty() => {
            let fishmouth = crate::fishmouth::ssr::fishmouth()?;
            let found =
                super::places::ssr::find(&services.pool, fishmouth.geocoder.as_deref(), user.id, &place).await?;
            if found.places.len() > 1 {
                let labels: Vec<_> = found.places.iter().map(|p| p.label.as_str()).collect();
                return Err(AppError::field(
                    "place",
                    format!(
                        "More than one place matches: {}. Type the one you mean, with its city or ZIP code.",
                        labels.join("; ")
                    ),
                ));
            }
            let radius = found.radius_miles.map_or(radius_miles.clone(), |r| r.to_string());
            let place = &found.places[0];
            (circle_around(place, &radius), Some(place.label.clone()))
        }
        _ => (parse_circle(&lat, &lon, &radius_miles), None),
    };
    let area = area.map_err(|e| AppError::field(e.field, e.message))?;
    let label = match (&area, place_label) {
        (Area::Circle { radius_miles, .. }, Some(place)) => format!("{radius_miles} mi around {place}"),
        (Area::Circle { center, radius_miles }, None) => {
            format!("{radius_miles} mi around {:.4}, {:.4}", center.lat, center.lon)
        }
        (Area::Polygon(points), _) => format!(
            "Drawn area, {} corners, {:.1} sq mi",
            points.len(),
            area.area_sq_miles()
        ),
    };
    let mut tx = services.pool.begin().await?;
    let (last_minute, last_day) = store::recent_scans(&mut tx, user.id).await?;
    if last_day >= SCANS_PER_DAY {
        return Err(AppError::LimitReached {
            message: format!(
                "You have run {SCANS_PER_DAY} scans in the last 24 hours, the daily limit. Your earlier scans and leads are all still here."
            ),
            retry_after_secs: 3600,
        });
    }
    if last_minute >= SCANS_PER_MINUTE {
        return Err(AppError::LimitReached {
            message: format!("{SCANS_PER_MINUTE} scans a minute at most: please wait a minute before the next one."),
            retry_after_secs: 60,
        });
    }
    let id = Uuid::new_v4();
    let area = serde_json::to_value(&area).map_err(|e| anyhow::anyhow!(e))?;
    store::insert_scan(&mut *tx, id, user.id, area, &label).await?;
    crate::platform::usage::record(
        &mut *tx,
        Some(user.id),
        crate::platform::usage::Event::ScanCreated,
        serde_json::json!({ "scan": id }),
    )
    .await?;
    let detail = serde_json::json!({ "scan": id });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "pro.scan_created",
        detail,
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/pro/scans/{id}"));
    Ok(id)
}

#[server(prefix = "/api/pro", endpoint = "scans", input = GetUrl)]
pub async fn list_scans() -> Result<Vec<ScanSummary>, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let rows = store::scans(&services.pool, user.id, 100).await?;
    Ok(rows.into_iter().map(ssr::summary).collect())
}

#[server(prefix = "/api/pro", endpoint = "scan", input = GetUrl)]
pub async fn load_scan(id: String) -> Result<ScanView, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let pool = &services.pool;
    let row = store::scan(pool, id, user.id).await?.ok_or(AppError::NotFound)?;
    let (premium, standard, free, to_buy, to_buy_cents, owned) = store::scan_tally(pool, id, user.id).await?;
    let top = store::top_results(pool, id, user.id).await?;
    Ok(ScanView {
        scan: ssr::summary(row),
        premium,
        standard,
        free,
        to_buy,
        to_buy_price: domain::fishmouth::pricing::format_cents(to_buy_cents),
        owned,
        top: top
            .into_iter()
            .map(|(address, score, reasons)| ResultRow {
                address,
                score,
                tier: domain::fishmouth::pricing::tier(u8::try_from(score).unwrap_or(0))
                    .label()
                    .to_owned(),
                reasons: reasons.0,
            })
            .collect(),
        sample: super::properties::has_sample(pool).await?,
    })
}

#[server(prefix = "/api/pro", endpoint = "map", input = GetUrl)]
pub async fn load_map() -> Result<MapData, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let pool = &services.pool;
    let bbox = store::homes_extent(pool, user.id).await?;
    let homes = store::home_dots(pool, user.id).await?;
    let hail = store::recent_hail(pool).await?;
    Ok(MapData {
        bbox,
        homes,
        hail,
        tiles_url: fishmouth.map_tiles_url.clone(),
        sample: super::properties::has_sample(pool).await?,
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::HashMap;

    use domain::fishmouth::{
        geo::Area,
        pricing::price_cents,
        property::HailReport,
        scoring::{HAIL_RADIUS_MILES, PropertyDataAssessor, RoofAssessor, hail_near, score},
    };
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::ScanSummary;

    use super::super::store::{self, ScanRow, ScoredHomes};

    pub fn summary((id, label, status, total, processed, created): ScanRow) -> ScanSummary {
        ScanSummary {
            id,
            label,
            status,
            total,
            processed,
            created: crate::platform::format_time(created),
        }
    }

    /// Scored homes written per statement; progress is reported after each.
    const BATCH: usize = 2_000;
    /// Hail this far back still counts (it decays with a one-year half-life).
    const HAIL_YEARS: i64 = 3;

    /// Claims the oldest waiting scan and runs it. Returns false when none was waiting.
    /// Any number of workers may call this at once: SKIP LOCKED hands each scan to one.
    /// `samples_are_free`: generated sample homes score as usual but cost nothing (production,
    /// where credits are bought with money; development prices them, with development credits).
    pub async fn run_next(pool: &PgPool, samples_are_free: bool) -> anyhow::Result<bool> {
        let Some((id, user_id, area)) = store::claim_scan(pool).await? else {
            return Ok(false);
        };
        if let Err(e) = run(pool, id, user_id, area, samples_are_free).await {
            tracing::error!(scan = %id, error = %format!("{e:#}"), "scan failed");
            store::fail_scan(pool, id, "The scan could not finish. Please try again.").await?;
        }
        Ok(true)
    }

    /// Finds the homes inside the area, scores each, and writes the results in batches.
    pub async fn run(
        pool: &PgPool,
        id: Uuid,
        user_id: Uuid,
        area: serde_json::Value,
        samples_are_free: bool,
    ) -> anyhow::Result<()> {
        let area: Area = serde_json::from_value(area)?;
        let bbox = area.bounding_box();
        let homes: Vec<_> = super::super::properties::properties_in(pool, &bbox, user_id)
            .await?
            .into_iter()
            .filter(|home| {
                area.contains(domain::fishmouth::geo::Point {
                    lat: home.property.lat,
                    lon: home.property.lon,
                })
            })
            .collect();
        store::start_results(pool, id, i32::try_from(homes.len()).unwrap_or(i32::MAX)).await?;
        let today = time::OffsetDateTime::now_utc().date();
        let since = today - time::Duration::days(365 * HAIL_YEARS);
        let margin = HAIL_RADIUS_MILES / domain::fishmouth::geo::MILES_PER_DEGREE * 2.0;
        let hail = super::super::properties::hail_in(pool, &bbox, margin, since).await?;
        let grid = HailGrid::new(&hail);
        let assessor = PropertyDataAssessor;
        let mut done = 0usize;
        for chunk in homes.chunks(BATCH) {
            let mut property_ids = Vec::with_capacity(chunk.len());
            let mut scores = Vec::with_capacity(chunk.len());
            let mut factors = Vec::with_capacity(chunk.len());
            let mut reasons = Vec::with_capacity(chunk.len());
            let mut confidences = Vec::with_capacity(chunk.len());
            let mut prices = Vec::with_capacity(chunk.len());
            for home in chunk {
                let candidates = grid.around(home.property.lat, home.property.lon);
                let nearby: Vec<HailReport> = hail_near(&home.property, &candidates).into_iter().cloned().collect();
                let lead = score(&home.property, &nearby, today, &assessor as &dyn RoofAssessor);
                property_ids.push(home.id);
                scores.push(i16::from(lead.score));
                factors.push(serde_json::to_value(lead.factors)?);
                reasons.push(serde_json::to_value(&lead.reasons)?);
                confidences.push(i16::from(lead.confidence));
                // Her own list's homes are hers already: scoring them costs nothing.
                let price = if (home.sample && samples_are_free) || home.own {
                    0
                } else {
                    price_cents(lead.score)
                };
                prices.push(i32::try_from(price).unwrap_or(i32::MAX));
            }
            let scored = ScoredHomes {
                property_ids: &property_ids,
                scores: &scores,
                factors: &factors,
                reasons: &reasons,
                confidences: &confidences,
                prices: &prices,
            };
            store::insert_results(pool, id, user_id, scored).await?;
            done += chunk.len();
            store::scan_progress(pool, id, i32::try_from(done).unwrap_or(i32::MAX)).await?;
        }
        store::finish_scan(pool, id).await?;
        Ok(())
    }

    /// Hail reports bucketed by 0.05° cells, so each home checks only its neighbourhood.
    struct HailGrid<'a> {
        cells: HashMap<(i32, i32), Vec<&'a HailReport>>,
    }

    const CELL_DEG: f64 = 0.05;

    fn cell(lat: f64, lon: f64) -> (i32, i32) {
        ((lat / CELL_DEG).floor() as i32, (lon / CELL_DEG).floor() as i32)
    }

    impl<'a> HailGrid<'a> {
        fn new(reports: &'a [HailReport]) -> Self {
            let mut cells: HashMap<(i32, i32), Vec<&'a HailReport>> = HashMap::new();
            for report in reports {
                cells.entry(cell(report.lat, report.lon)).or_default().push(report);
            }
            Self { cells }
        }

        /// Reports in the cells that can hold one within the hail radius (±1 in latitude,
        /// ±2 in longitude, where cells are narrower in miles away from the equator).
        fn around(&self, lat: f64, lon: f64) -> Vec<HailReport> {
            let (row, col) = cell(lat, lon);
            let mut out = Vec::new();
            for r in row - 1..=row + 1 {
                for c in col - 2..=col + 2 {
                    if let Some(reports) = self.cells.get(&(r, c)) {
                        out.extend(reports.iter().map(|h| (*h).clone()));
                    }
                }
            }
            out
        }
    }
}

/// `/pro/scans`: a new scan (a circle typed in, or an area drawn on the map) and the history.
#[component]
pub fn ScansPage() -> impl IntoView {
    let start = ServerAction::<StartScan>::new();
    let error = last_error(start.value());
    let saved = successes(start.value());
    let scans = Resource::new(move || saved.get(), retrying(|_| list_scans()));
    let map = Resource::new(|| (), retrying(|_| load_map()));
    // The place search: typed words, and what they found.
    let place = RwSignal::new(String::new());
    let find = Action::new(|words: &String| super::places::find_place(words.clone()));
    let (lat_input, lon_input, radius_input) = (NodeRef::new(), NodeRef::new(), NodeRef::new());
    // Fills the circle's fields with the place found; their change event moves the map there.
    let pick = move |found: &Located, radius: Option<f64>| {
        let set = |input: NodeRef<leptos::html::Input>, value: String| {
            if let Some(input) = input.get_untracked() {
                input.set_value(&value);
                if let Ok(change) = leptos::web_sys::Event::new("change") {
                    let _ = input.dispatch_event(&change);
                }
            }
        };
        set(lat_input, format!("{:.5}", found.point.lat));
        set(lon_input, format!("{:.5}", found.point.lon));
        if let Some(r) = radius {
            set(radius_input, r.to_string());
        }
        place.set(found.label.clone());
    };
    Effect::new(move |_| {
        if let Some(Ok(found)) = find.value().get()
            && let [only] = found.places.as_slice()
        {
            pick(only, found.radius_miles);
        }
    });
    let place_error = move || match find.value().get() {
        Some(Err(e)) => e.message_for("place").or_else(|| Some(e.to_string())),
        _ => error.get().and_then(|e| e.message_for("place")),
    };
    view! {
        <Title text="Area scans"/>
        <h1>"Area scans"</h1>
        <section class="card">
            <h2>"Scan an area"</h2>
            <ActionForm action=start>
                <div class="field">
                    <label for="place">"Place"</label>
                    <p class="hint" id="place-hint">
                        "A ZIP code, a city or a street address, like “homes within 2 miles of 1200 Main St, Dallas”. Leave it empty to use the latitude and longitude below."
                    </p>
                    <div class="search-row">
                        <input id="place" name="place" type="search" autocomplete="off" enterkeyhint="search"
                            aria-describedby="place-hint place-error"
                            aria-invalid=move || place_error().is_some().then_some("true")
                            prop:value=move || place.get() on:input=move |ev| place.set(event_target_value(&ev))/>
                        <button type="button" class="button" disabled=move || find.pending().get()
                            on:click=move |_| { find.dispatch(place.get_untracked()); }>"Find"</button>
                    </div>
                    <p class="field-error" id="place-error" role="alert">{place_error}</p>
                    {move || find.value().get().and_then(Result::ok).map(|found| {
                        let radius = found.radius_miles;
                        let many = found.places.len() > 1;
                        view! {
                            <p class="hint" aria-live="polite">
                                {if many { format!("{} places match, from {}: pick one.", found.places.len(), found.source) }
                                 else { format!("Found {} in {}.", found.places[0].label, found.source) }}
                            </p>
                            {many.then(|| view! {
                                <ul class="choices place-choices">
                                    {found.places.into_iter().map(|p| {
                                        let label = p.label.clone();
                                        view! { <li><button type="button" class="link-button" on:click=move |_| pick(&p, radius)>{label}</button></li> }
                                    }).collect_view()}
                                </ul>
                            })}
                        }
                    })}
                </div>
                <fieldset class="choices">
                    <legend>"Area"</legend>
                    <label class="choice"><input type="radio" name="shape" value="circle" checked=true/>" A circle around the place, or the point below"</label>
                    <label class="choice"><input type="radio" name="shape" value="polygon"/>" The area I draw on the map"</label>
                </fieldset>
                <div class="field-row">
                    <Field label="Latitude" name="lat" value="32.7767".to_owned() inputmode="decimal" required=false error node_ref=lat_input/>
                    <Field label="Longitude" name="lon" value="-96.7970".to_owned() inputmode="decimal" required=false error node_ref=lon_input/>
                    <Field label="Radius in miles" name="radius_miles" value="2".to_owned() inputmode="decimal" required=false error node_ref=radius_input/>
                </div>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move { map.await.ok().map(|m| view! { <AreaMap data=m/> }) })}
                </Transition>
                <div class="field">
                    <label for="polygon">"Corners of the drawn area (lat,lon; lat,lon; …)"</label>
                    <p class="hint">"With “The area I draw” chosen, tap the map to add corners, or type them."</p>
                    <textarea id="polygon" name="polygon" rows="2"></textarea>
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("polygon"))}</p>
                </div>
                <Submit label="Start the scan" error/>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Scan history"</h2>
            <Loaded data=scans render={move |rows| view! {
                <ul class="log-list">
                    {rows.into_iter().map(|s| view! {
                        <li class="log-entry">
                            <a href=format!("/pro/scans/{}", s.id)>{s.label}</a>
                            <p class="hint">{format!("{} · {} · {} homes", s.created, s.status, s.total)}</p>
                        </li>
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}

/// The live map (pan, zoom, clustered homes; a tap sets the circle's middle or adds a corner)
/// over the data's extent as a plain projected plot: homes in grey, hail in orange. The plot
/// is what shows before the map script runs, and without JavaScript.
#[component]
fn AreaMap(data: MapData) -> impl IntoView {
    use domain::fishmouth::geo::{Point, project};
    let Some(bbox) = data.bbox else {
        return view! { <p class="hint">"No property data yet: "<a href="/pro/imports">"import a list of homes"</a>" (an assessor extract or your own customers)."</p> }.into_any();
    };
    const WIDTH: f64 = 320.0;
    let height = (WIDTH / bbox.aspect()).clamp(120.0, 480.0);
    let dot = move |lat: f64, lon: f64| project(Point { lat, lon }, &bbox, WIDTH, height);
    let homes = data
        .homes
        .iter()
        .map(|&(lat, lon)| {
            let (x, y) = dot(lat, lon);
            view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="0.8" class="map-home"/> }
        })
        .collect_view();
    let hail = data
        .hail
        .iter()
        .map(|&(lat, lon, size)| {
            let (x, y) = dot(lat, lon);
            view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=format!("{:.1}", 0.8 + size) class="map-hail"/> }
        })
        .collect_view();
    // Street tiles under the plot when configured (MAP_TILES_URL); stretched onto this
    // plot's linear projection, which at city scale differs from theirs by a hair.
    let tiles = data.tiles_url.clone().map(|template| {
        domain::fishmouth::geo::tiles_covering(&bbox, 3.0)
            .into_iter()
            .map(|tile| {
                let (x0, y0) = dot(tile.bounds.max_lat, tile.bounds.min_lon);
                let (x1, y1) = dot(tile.bounds.min_lat, tile.bounds.max_lon);
                let href = template
                    .replace("{z}", &tile.z.to_string())
                    .replace("{x}", &tile.x.to_string())
                    .replace("{y}", &tile.y.to_string());
                view! {
                    <image href=href x=format!("{x0:.1}") y=format!("{y0:.1}") width=format!("{:.1}", x1 - x0)
                        height=format!("{:.1}", y1 - y0) preserveAspectRatio="none"/>
                }
            })
            .collect_view()
    });
    view! {
        <figure class="area-map">
            <super::map::LiveMap layer="homes" label="Map of the homes you can scan, with hail reports" bbox draw=true/>
            <svg viewBox=format!("0 0 {WIDTH} {height:.0}") role="img" aria-label="Map of the property data: homes and hail reports">
                <rect width=WIDTH height=format!("{height:.0}") class="map-ground"/>
                {tiles}
                {homes}
                {hail}
            </svg>
            <figcaption class="hint">
                {if data.sample { "Sample data generated by Fish Mouth (not real homes). " } else { "" }}
                "Grey: homes (a number is homes close together: zoom in to see them apart). Orange: hail reports, sized by hailstone. Tap the map to set the circle's middle, or with “The area I draw” chosen, to add a corner."
                " "
                <button type="button" class="link-button" data-map-clear hidden>"Clear the drawn area"</button>
            </figcaption>
        </figure>
    }
    .into_any()
}

/// `/pro/scans/:id`: progress while the scan runs (polled), then the results and the purchase.
#[component]
pub fn ScanPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let buy = ServerAction::<super::BuyLeads>::new();
    let bought = successes(buy.value());
    let tick = RwSignal::new(0u32);
    let scan = Resource::new(
        move || (id(), tick.get(), bought.get()),
        retrying(|(id, _, _)| load_scan(id)),
    );
    let buy_error = last_error(buy.value());
    crate::components::toast_on_success(buy.value(), "Leads bought");
    // Poll while it runs; stop once done. Without JavaScript the page refreshes itself.
    Effect::new(move |_| {
        let running = scan
            .get()
            .and_then(Result::ok)
            .is_some_and(|s| s.scan.status.in_progress());
        if running {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_millis(700));
        }
    });
    view! {
        <Title text="Scan"/>
        <Loaded data=scan render={move |v| {
            let running = v.scan.status.in_progress();
            let percent = if v.scan.total > 0 { v.scan.processed * 100 / v.scan.total } else if running { 0 } else { 100 };
            view! {
                {running.then(|| view! { <noscript inner_html=crate::components::NOSCRIPT_REFRESH></noscript> })}
                <h1>{v.scan.label.clone()}</h1>
                {v.sample.then(|| view! { <p class="badge">"Sample data: generated homes, not real people"</p> })}
                <section class="card" aria-live="polite">
                    <p class="eyebrow" data-status=v.scan.status.as_str()>{status_text(v.scan.status)}</p>
                    <progress max="100" value=percent>{format!("{percent}%")}</progress>
                    <p>{format!("{} of {} homes scored", v.scan.processed, v.scan.total)}</p>
                </section>
                {(v.scan.status == JobStatus::Done).then(|| view! {
                    <section class="card">
                        <h2>"Leads"</h2>
                        <dl class="milestones">
                            <dt>"Premium (80+), $1.13 each"</dt><dd>{v.premium}</dd>
                            <dt>"Standard (60–79), $0.85 each"</dt><dd>{v.standard}</dd>
                            <dt>"Below 60, free"</dt><dd>{v.free}</dd>
                            <dt>"Already yours"</dt><dd>{v.owned}</dd>
                        </dl>
                        <ActionForm action=buy>
                            <input type="hidden" name="scan_id" value=v.scan.id.to_string()/>
                            <FormError error=buy_error/>
                            <button type="submit" class="button" disabled=v.to_buy == 0>
                                {format!("Buy {} leads scoring 60+ for {}", v.to_buy, v.to_buy_price)}
                            </button>
                        </ActionForm>
                        <LinkRow links=vec![
                            ("/pro/wallet".into(), "Wallet"),
                            (format!("/pro/leads?scan={}", v.scan.id), "Leads from this scan"),
                        ]/>
                    </section>
                    <section class="card">
                        <h2>"On the map"</h2>
                        <figure class="area-map">
                            <super::map::LiveMap layer="scan" label="Map of the scored homes" scan=v.scan.id/>
                            <figcaption class="hint map-legend">
                                <span class="band-premium">"Premium (80+)"</span>" "<span class="band-standard">"Standard (60–79)"</span>" "
                                <span class="band-low">"Below 60"</span>". A number is homes close together: tap to zoom in."
                            </figcaption>
                        </figure>
                    </section>
                    <section class="card">
                        <h2>"Top scores"</h2>
                        <ul class="log-list">
                            {v.top.into_iter().map(|r| view! {
                                <li class="log-entry">
                                    <p><strong>{r.score}</strong> " · " {r.tier} " · " {r.address}</p>
                                    <p class="hint">{r.reasons.join("; ")}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
            }
        }}/>
    }
}

fn status_text(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "Waiting to start…",
        JobStatus::Running => "Scoring homes…",
        JobStatus::Done => "Done",
        JobStatus::Failed => "The scan could not finish. Please try again.",
    }
}
