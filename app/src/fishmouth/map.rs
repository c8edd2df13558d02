//! The live map (Leaflet, driven by `public/map.js`) on the scan form, a scan's results and
//! the leads list. The page renders an empty `[data-live-map]` box; the script mounts a map
//! in it and asks [`map_points`] for what is in view, grouped into clusters on the server
//! (`domain::fishmouth::map`). Without JavaScript the box stays hidden and the page keeps
//! its plain picture or list.

// `map_points` takes its query string's eight fields as plain arguments; the `#[server]`
// macro's client half cannot carry an attribute of its own.
#![allow(clippy::too_many_arguments)]

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use domain::fishmouth::geo::BoundingBox;

/// Homes, leads or scored homes near each other on the screen: their middle and count.
/// A group of one carries its score and address, and its lead when she bought it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapGroup {
    pub lat: f64,
    pub lon: f64,
    pub count: i32,
    /// The best score in the group (leads and scan results; homes have none yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl MapGroup {
    #[cfg(feature = "ssr")]
    fn of((count, lat, lon, score, lead, address): super::store::MapCell) -> Self {
        // About a metre: enough for a map, and a third of the bytes of a full f64.
        let round = |x: f64| (x * 1e5).round() / 1e5;
        Self {
            lat: round(lat),
            lon: round(lon),
            count,
            score,
            lead,
            address,
        }
    }
}

/// A hail report in view: where, how big (inches), which day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HailDot {
    pub lat: f64,
    pub lon: f64,
    pub inches: f64,
    pub day: String,
}

/// What the map shows in its view: the groups of the asked layer and the hail there.
/// Asked without a view, it answers only where the layer's points are, to fit the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InView {
    pub groups: Vec<MapGroup>,
    pub hail: Vec<HailDot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<BoundingBox>,
    /// The street tiles' URL template (`MAP_TILES_URL`), when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiles: Option<String>,
}

/// The layers a map can ask for.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// The homes she may scan (scan form).
    Homes,
    /// Her bought leads matching the leads list's filter.
    Leads,
    /// One of her scans' scored homes (a scan's results).
    Scan(Uuid),
}

#[cfg(feature = "ssr")]
impl Layer {
    fn parse(layer: &str, scan: &str) -> Result<Self, AppError> {
        match (layer, scan.trim()) {
            ("homes", _) => Ok(Self::Homes),
            ("leads", _) => Ok(Self::Leads),
            ("scan", "") => Err(AppError::field("scan", "which scan to show")),
            ("scan", raw) => Uuid::parse_str(raw)
                .map(Self::Scan)
                .map_err(|_| AppError::field("scan", "not a scan id")),
            _ => Err(AppError::field("layer", "homes, leads or scan")),
        }
    }
}

/// `GET /api/pro/map-points?layer=…&south=…&west=…&north=…&east=…&zoom=…`, with `scan=…` for
/// a scan's results and `filter[…]=…` (the leads list's filter) for leads. Without the view's
/// edges and zoom it answers the layer's extent instead.
#[server(prefix = "/api/pro", endpoint = "map-points", input = GetUrl)]
pub async fn map_points(
    layer: String,
    #[server(default)] south: String,
    #[server(default)] west: String,
    #[server(default)] north: String,
    #[server(default)] east: String,
    #[server(default)] zoom: String,
    #[server(default)] scan: String,
    #[server(default)] filter: super::LeadFilter,
) -> Result<InView, AppError> {
    use super::store;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let layer = Layer::parse(&layer, &scan)?;
    let pool = &crate::platform::services()?.pool;
    let tiles = super::ssr::fishmouth()?.map_tiles_url.clone();
    if [&south, &west, &north, &east, &zoom]
        .iter()
        .all(|v| v.trim().is_empty())
    {
        let extent = match layer {
            Layer::Homes => store::homes_extent(pool, user.id).await?,
            Layer::Leads => store::leads_extent(pool, user.id, &filter).await?,
            Layer::Scan(scan) => store::scan_extent(pool, user.id, scan).await?,
        };
        return Ok(InView {
            groups: Vec::new(),
            hail: Vec::new(),
            extent,
            tiles,
        });
    }
    let view = domain::fishmouth::map::parse_view(&south, &west, &north, &east, &zoom)
        .map_err(|e| AppError::field(e.field, e.message))?;
    let cell = view.cell_degrees();
    let groups = match layer {
        Layer::Homes => store::map_homes(pool, user.id, &view.bbox, cell).await?,
        Layer::Leads => store::map_leads(pool, user.id, &filter, &view.bbox, cell).await?,
        Layer::Scan(scan) => store::map_scan(pool, user.id, &view.bbox, cell, scan).await?,
    };
    let hail = store::map_hail(pool, &view.bbox)
        .await?
        .into_iter()
        .map(|h| HailDot {
            lat: h.lat,
            lon: h.lon,
            inches: h.size_in,
            day: h.date.to_string(),
        })
        .collect();
    Ok(InView {
        groups: groups.into_iter().map(MapGroup::of).collect(),
        hail,
        extent: None,
        tiles,
    })
}

/// The box the map script mounts in, hidden until it does. It fits itself to `bbox`, or
/// to the layer's points. `query` is the leads list's query string (its filter); `draw`
/// lets a tap on the map fill the enclosing scan form's point or corners.
#[component]
pub fn LiveMap(
    layer: &'static str,
    label: &'static str,
    #[prop(optional)] bbox: Option<BoundingBox>,
    #[prop(optional)] scan: Option<Uuid>,
    #[prop(optional)] query: Option<String>,
    #[prop(optional)] draw: bool,
) -> impl IntoView {
    let bbox = bbox.map(|b| format!("{},{},{},{}", b.min_lat, b.min_lon, b.max_lat, b.max_lon));
    view! {
        <div class="live-map" role="region" aria-label=label data-live-map=layer data-bbox=bbox
            data-scan=scan.map(|s| s.to_string()) data-query=query data-draw=draw.then_some("true")></div>
    }
}
