//! Fish Mouth benchmark: prints figures, asserts nothing.
//!
//!   cargo run --release -p server --bin bench-fishmouth -- postgres://postgres@127.0.0.1:5433/postgres
//!
//! In a database of its own (created and dropped here) with 200,000 generated homes:
//! 1. a scan (find + score + insert) over areas holding about 10,000 and 50,000 homes, each
//!    next to a baseline measured in the same run: copying the same homes into scan_results
//!    with one INSERT … SELECT and no scoring, the floor of writing that many results;
//! 2. what a contractor usually asks: a 2-mile circle typed in, and a drawn six-cornered area
//!    of about the same size, each as "find" (the homes inside, suppression checked: the part
//!    that grows with the data) and as the whole scan, median of five, against the 300 ms goal;
//! 3. the leads list with 10,000 leads: the server-rendered page and its API call, p50 and
//!    p99 over 200 requests, next to /healthz as the baseline of a request that does nothing;
//! 4. the live map's data endpoint: those 10,000 leads and the 200,000 homes, all in view and
//!    as a desktop screen shows them, grouped into clusters by zoom, p50 and p99 against the
//!    100 ms goal.

use std::time::{Duration, Instant};

mod common;

use anyhow::Context;
use domain::fishmouth::geo::Area;
use server::{Application, config::Settings};
use sqlx::PgPool;
use uuid::Uuid;

const HOMES: usize = 200_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin = std::env::args()
        .nth(1)
        .context("usage: bench-fishmouth <postgres admin url>")?;
    server::db::with_scratch_database(&admin, "bench_fm", |url| async move { run(&url).await }).await
}

async fn run(url: &str) -> anyhow::Result<()> {
    let leptos_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
    let homes = HOMES.to_string();
    let mut settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "LEPTOS_CONFIG" => Some(leptos_toml.to_owned()),
        "SAMPLE_HOMES" => Some(homes.clone()),
        "SIGNUPS_PER_IP_HOUR" => Some("1000".to_owned()),
        "APP_ENV" => Some("development".to_owned()),
        "DATABASE_STATEMENT_TIMEOUT_MS" => Some("120000".to_owned()),
        _ => None,
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    settings.leptos.site_addr = "127.0.0.1:0".parse()?;
    settings.leptos.hash_files = false;
    let started = Instant::now();
    let app = Application::build(settings).await?;
    println!(
        "loaded {HOMES} generated homes and a year of hail in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let base = format!("http://{}", app.local_addr());
    let pool = PgPool::connect(url).await?;
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let user = common::signed_in(&client, &base, &pool, "bench@example.com", "fishmouth").await?;

    println!("\nscan = find the homes in the area + score each + insert the results");
    let mut biggest = None;
    for target in [10_000usize, 50_000] {
        let area = common::square_holding(&pool, target).await?;
        let (id, scan) = timed_scan(&pool, user, &area).await?;
        let scored: i64 = sqlx::query_scalar("SELECT count(*) FROM scan_results WHERE scan_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await?;
        let floor = baseline(&pool, user, &area).await?;
        println!(
            "{scored:>6} homes: scan {:>7.0} ms ({:>6.0} homes/s) · baseline insert-only {:>5.0} ms · ratio {:.1}x",
            ms(scan),
            scored as f64 / scan.as_secs_f64(),
            ms(floor),
            scan.as_secs_f64() / floor.as_secs_f64()
        );
        biggest = Some(id);
    }

    println!("\nin {HOMES} homes: median of 5 runs (goal: under 300 ms each)");
    let centre = domain::fishmouth::geo::Point {
        lat: 32.7767,
        lon: -96.7970,
    };
    // Six corners about 2 miles from the centre: a hand-drawn area of the circle's size.
    let hexagon = Area::Polygon(
        (0..6)
            .map(|i| {
                let angle = f64::from(i) * std::f64::consts::PI / 3.0;
                domain::fishmouth::geo::Point {
                    lat: centre.lat + 0.029 * angle.sin(),
                    lon: centre.lon + 0.035 * angle.cos(),
                }
            })
            .collect(),
    );
    let circle = Area::Circle {
        center: centre,
        radius_miles: 2.0,
    };
    for (label, area) in [("2-mile circle", circle), ("drawn hexagon", hexagon)] {
        let (mut finds, mut scans, mut found) = (Vec::new(), Vec::new(), 0);
        for _ in 0..5 {
            let t = Instant::now();
            let homes = app::fishmouth::properties::properties_in(&pool, &area.bounding_box(), user).await?;
            found = homes
                .iter()
                .filter(|h| {
                    area.contains(domain::fishmouth::geo::Point {
                        lat: h.property.lat,
                        lon: h.property.lon,
                    })
                })
                .count();
            finds.push(t.elapsed());
            scans.push(timed_scan(&pool, user, &area).await?.1);
        }
        finds.sort();
        scans.sort();
        println!(
            "{label:<14} {found:>6} homes: find {:>5.0} ms · whole scan {:>5.0} ms ({:.2}x the 300 ms goal)",
            ms(finds[2]),
            ms(scans[2]),
            ms(scans[2]) / 300.0
        );
    }

    // 10,000 leads of hers, from the big scan.
    let scan = biggest.context("a scan ran")?;
    sqlx::query(
        "INSERT INTO leads (id, user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents)
         SELECT gen_random_uuid(), user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents
         FROM scan_results WHERE scan_id = $1 ORDER BY property_id LIMIT 10000",
    )
    .bind(scan)
    .execute(&pool)
    .await?;
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await?;
    println!("\nleads list with {leads} leads, 200 sequential requests each");
    let health = latencies(&client, &format!("{base}/healthz")).await?;
    report("/healthz (baseline)", &health, &health);
    report(
        "GET /pro/leads (page, SSR)",
        &latencies(&client, &format!("{base}/pro/leads")).await?,
        &health,
    );
    report(
        "GET /api/pro/leads (API)",
        &latencies(&client, &format!("{base}/api/pro/leads")).await?,
        &health,
    );
    report(
        "GET /api/pro/leads, search + tier",
        &latencies(
            &client,
            &format!("{base}/api/pro/leads?filter[q]=Oak&filter[tier]=premium"),
        )
        .await?,
        &health,
    );

    // The live map's data: what a screen shows, grouped into clusters by zoom.
    println!("\nmap data (/api/pro/map-points), 200 sequential requests each (goal: under 100 ms)");
    let (south, north, west, east): (f64, f64, f64, f64) = sqlx::query_as(
        "SELECT min(p.lat), max(p.lat), min(p.lon), max(p.lon) FROM leads l JOIN properties p ON p.id = l.property_id",
    )
    .fetch_one(&pool)
    .await?;
    let (all_south, all_north, all_west, all_east): (f64, f64, f64, f64) =
        sqlx::query_as("SELECT min(lat), max(lat), min(lon), max(lon) FROM properties")
            .fetch_one(&pool)
            .await?;
    let map = |layer: &str, zoom: i32, (s, w, n, e): (f64, f64, f64, f64)| {
        format!("{base}/api/pro/map-points?layer={layer}&south={s}&west={w}&north={n}&east={e}&zoom={zoom}")
    };
    // A 1280 x 800 px desktop screen centred on (lat, lon): Web Mercator's 256 px per 360
    // degrees at zoom 0 (latitude taken as longitude degrees, as the cells are).
    let screen = |lat: f64, lon: f64, zoom: i32| {
        let per_px = 360.0 / (256.0 * 2f64.powi(zoom));
        (
            lat - 400.0 * per_px,
            lon - 640.0 * per_px,
            lat + 400.0 * per_px,
            lon + 640.0 * per_px,
        )
    };
    let (mid_lat, mid_lon) = ((south + north) / 2.0, (west + east) / 2.0);
    for (label, url) in [
        (
            format!("all {leads} leads, zoom 12"),
            map("leads", 12, (south, west, north, east)),
        ),
        (
            "leads on a screen, zoom 14".to_owned(),
            map("leads", 14, screen(mid_lat, mid_lon, 14)),
        ),
        (
            format!("all {HOMES} homes, zoom 9"),
            map("homes", 9, (all_south, all_west, all_north, all_east)),
        ),
        (
            "homes on a screen, zoom 11".to_owned(),
            map("homes", 11, screen(mid_lat, mid_lon, 11)),
        ),
        (
            "homes on a screen, zoom 14".to_owned(),
            map("homes", 14, screen(mid_lat, mid_lon, 14)),
        ),
    ] {
        let answer: serde_json::Value = client.get(&url).send().await?.error_for_status()?.json().await?;
        let groups = answer["groups"].as_array().context("groups")?;
        let counted: i64 = groups.iter().filter_map(|g| g["count"].as_i64()).sum();
        let times = latencies(&client, &url).await?;
        report(
            &format!("{label}: {counted} in {} groups", groups.len()),
            &times,
            &health,
        );
    }
    Ok(())
}

/// A scan of `area` as the worker runs it (find + score + insert): its id and how long it took.
async fn timed_scan(pool: &PgPool, user: Uuid, area: &Area) -> anyhow::Result<(Uuid, Duration)> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO scans (id, user_id, area, label, status) VALUES ($1, $2, $3, 'bench', 'running')")
        .bind(id)
        .bind(user)
        .bind(serde_json::to_value(area)?)
        .execute(pool)
        .await?;
    let t = Instant::now();
    app::fishmouth::scans::ssr::run(pool, id, user, serde_json::to_value(area)?, false).await?;
    Ok((id, t.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The same homes written as results with one statement and no scoring.
async fn baseline(pool: &PgPool, user: Uuid, area: &Area) -> anyhow::Result<Duration> {
    let bbox = area.bounding_box();
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO scans (id, user_id, area, label, status) VALUES ($1, $2, '{}', 'baseline', 'done')")
        .bind(id)
        .bind(user)
        .execute(pool)
        .await?;
    let t = Instant::now();
    sqlx::query(
        "INSERT INTO scan_results (scan_id, property_id, user_id, score, factors, reasons, confidence, price_cents)
         SELECT $1, id, $2, 50, '{}'::jsonb, '[]'::jsonb, 50, 0 FROM properties
         WHERE lat BETWEEN $3 AND $4 AND lon BETWEEN $5 AND $6",
    )
    .bind(id)
    .bind(user)
    .bind(bbox.min_lat)
    .bind(bbox.max_lat)
    .bind(bbox.min_lon)
    .bind(bbox.max_lon)
    .execute(pool)
    .await?;
    Ok(t.elapsed())
}

async fn latencies(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(200);
    for _ in 0..200 {
        let t = Instant::now();
        let response = client.get(url).send().await?;
        anyhow::ensure!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await?;
        out.push(t.elapsed());
    }
    out.sort();
    Ok(out)
}

fn report(label: &str, sorted: &[Duration], baseline: &[Duration]) {
    let pick = |v: &[Duration], q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label:<36} p50 {:>6.1} ms  p99 {:>6.1} ms  ({:.1}x the baseline p50)",
        ms(pick(sorted, 0.5)),
        ms(pick(sorted, 0.99)),
        pick(sorted, 0.5).as_secs_f64() / pick(baseline, 0.5).as_secs_f64()
    );
}
