//! Page benchmark: prints figures, asserts nothing.
//!
//!   cargo run --release -p server --bin bench-pages -- postgres://postgres@127.0.0.1:5433/postgres [SECONDS]
//!
//! In a database of its own (created and dropped here): the server, in this process, with a
//! mother who has 200 log entries and a contractor with 10,000 leads; and beside it the
//! baseline, a bare axum + sqlx server that runs one indexed query and answers with the same
//! page's HTML through the same compression and connection handling. For each page, signed in
//! where it needs it, with `Accept: text/html` and `Accept-Encoding: br`:
//! - requests/s and p50/p99 latency at 32 connections for SECONDS (wrk, 5 s by default), the
//!   page's then the baseline's, and their ratio;
//! - SQL statements per request, counted by PostgreSQL (pg_stat_statements, which
//!   scripts/db.sh loads) over 50 sequential requests;
//! - bytes on the wire (the compressed body).

use std::{net::SocketAddr, process::Command, sync::Arc};

mod common;

use anyhow::{Context, bail};
use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use reqwest::cookie::CookieStore;
use server::{Application, config::Settings};
use sqlx::{PgPool, postgres::PgPoolOptions};
use tower_http::compression::CompressionLayer;
use uuid::Uuid;

const CONNECTIONS: u32 = 32;
const COUNTED_REQUESTS: i64 = 50;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let admin = args
        .next()
        .context("usage: bench-pages <postgres admin url> [seconds]")?;
    let seconds: u32 = args.next().map_or(Ok(5), |s| s.parse())?;
    server::db::with_scratch_database(&admin, "bench_pages", |url| async move { run(&url, seconds).await }).await
}

struct Page {
    path: &'static str,
    /// The session it is asked for with: None for a visitor.
    cookie: Option<String>,
}

async fn run(url: &str, seconds: u32) -> anyhow::Result<()> {
    let leptos_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
    let mut settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "LEPTOS_CONFIG" => Some(leptos_toml.to_owned()),
        "SAMPLE_HOMES" => Some("12000".to_owned()),
        "SIGNUPS_PER_IP_HOUR" => Some("1000".to_owned()),
        "CLIENT_REQUESTS_PER_MINUTE" => Some("10000000".to_owned()),
        "APP_ENV" => Some("development".to_owned()),
        _ => None,
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    settings.leptos.site_addr = "127.0.0.1:0".parse()?;
    settings.leptos.hash_files = false;
    let app = Application::build(settings).await?;
    let base = format!("http://{}", app.local_addr());
    let pool = PgPool::connect(url).await?;
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&pool)
        .await
        .context("pg_stat_statements (scripts/db.sh loads it)")?;

    let (mother, mother_id) = session(&base, &pool, "mother@example.com", "sasamum").await?;
    seed_mother(&mother.1, &base).await?;
    let (contractor, contractor_id) = session(&base, &pool, "contractor@example.com", "fishmouth").await?;
    let leads = seed_leads(&pool, contractor_id).await?;
    println!("seeded: a mother ({mother_id}) with 200 log entries, a contractor with {leads} leads");

    let pages = [
        Page {
            path: "/",
            cookie: None,
        },
        Page {
            path: "/login",
            cookie: None,
        },
        Page {
            path: "/mum",
            cookie: Some(mother.0.clone()),
        },
        Page {
            path: "/mum/log",
            cookie: Some(mother.0.clone()),
        },
        Page {
            path: "/pro",
            cookie: Some(contractor.0.clone()),
        },
        Page {
            path: "/pro/leads",
            cookie: Some(contractor.0.clone()),
        },
    ];
    let baseline = Baseline::start(url).await?;
    println!(
        "\n{CONNECTIONS} connections, {seconds} s each (wrk); the baseline answers the same HTML after one indexed query\n"
    );
    println!(
        "{:<12} {:>9} {:>8} {:>8} │ {:>9} {:>8} {:>8} │ {:>6} │ {:>5} {:>9}",
        "page", "req/s", "p50 ms", "p99 ms", "base r/s", "p50 ms", "p99 ms", "ratio", "SQL", "br bytes"
    );
    for page in &pages {
        let (status, html, wire) = fetch(&base, page).await?;
        if status != 200 {
            bail!("{} answered {status}", page.path);
        }
        let statements = statements_per_request(&pool, &base, page).await?;
        let ours = wrk(&format!("{base}{}", page.path), page.cookie.as_deref(), seconds)?;
        baseline.serve(html);
        let bare = wrk(&format!("{}/", baseline.base), None, seconds)?;
        println!(
            "{:<12} {:>9.0} {:>8.2} {:>8.2} │ {:>9.0} {:>8.2} {:>8.2} │ {:>5.2}x │ {:>5.1} {:>9}",
            page.path,
            ours.requests_per_second,
            ours.p50_ms,
            ours.p99_ms,
            bare.requests_per_second,
            bare.p50_ms,
            bare.p99_ms,
            ours.requests_per_second / bare.requests_per_second,
            statements,
            wire
        );
    }
    Ok(())
}

/// A signed-in client and the `Cookie` header of its session, and the account's id.
async fn session(
    base: &str,
    pool: &PgPool,
    email: &str,
    product: &str,
) -> anyhow::Result<((String, reqwest::Client), Uuid)> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar.clone()).build()?;
    let id = common::signed_in(&client, base, pool, email, product).await?;
    let cookie = jar
        .cookies(&base.parse()?)
        .context("a session cookie")?
        .to_str()?
        .to_owned();
    Ok(((cookie, client), id))
}

/// Her onboarding, then 200 entries through the same API the log page posts to.
async fn seed_mother(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let post = |path: &str, form: Vec<(&str, String)>| {
        let request = client.post(format!("{base}{path}")).form(&form);
        async move { request.send().await?.error_for_status().map(drop) }
    };
    let lmp = (time::OffsetDateTime::now_utc().date() - time::Duration::days(150)).to_string();
    post("/api/mum/consent", vec![("agree", "yes".into())]).await?;
    post("/api/mum/dates", vec![("method", "lmp".into()), ("date", lmp)]).await?;
    post("/api/mum/reminders", vec![("reminder_time", "08:00".into())]).await?;
    for n in 0..200 {
        match n % 3 {
            0 => {
                post(
                    "/api/mum/symptoms",
                    vec![("symptoms[]", "nausea".into()), ("note", format!("entry {n}"))],
                )
                .await?
            }
            1 => {
                post(
                    "/api/mum/weight",
                    vec![("weight_kg", format!("{}.{}", 60 + n / 20, n % 10))],
                )
                .await?
            }
            _ => {
                post(
                    "/api/mum/movement",
                    vec![("movement", "usual".into()), ("count", "10".into())],
                )
                .await?
            }
        }
    }
    Ok(())
}

/// 10,000 leads of hers, from a scan of the homes nearest Dallas.
async fn seed_leads(pool: &PgPool, user: Uuid) -> anyhow::Result<i64> {
    let area = serde_json::to_value(common::square_holding(pool, 10_500).await?)?;
    let scan = Uuid::new_v4();
    sqlx::query("INSERT INTO scans (id, user_id, area, label, status) VALUES ($1, $2, $3, 'bench', 'running')")
        .bind(scan)
        .bind(user)
        .bind(&area)
        .execute(pool)
        .await?;
    app::fishmouth::scans::ssr::run(pool, scan, user, area, false).await?;
    sqlx::query(
        "INSERT INTO leads (id, user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents)
         SELECT gen_random_uuid(), user_id, property_id, scan_id, score, factors, reasons, confidence, price_cents
         FROM scan_results WHERE scan_id = $1 ORDER BY property_id LIMIT 10000",
    )
    .bind(scan)
    .execute(pool)
    .await?;
    Ok(sqlx::query_scalar("SELECT count(*) FROM leads WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?)
}

fn client() -> anyhow::Result<reqwest::Client> {
    // reqwest here decodes no brotli: bodies arrive as they went over the wire.
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

fn request(client: &reqwest::Client, url: String, page: &Page, encoding: &str) -> reqwest::RequestBuilder {
    let request = client
        .get(url)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_ENCODING, encoding);
    match &page.cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    }
}

/// The page's status, its HTML, and its size compressed as a phone receives it.
async fn fetch(base: &str, page: &Page) -> anyhow::Result<(u16, String, usize)> {
    let client = client()?;
    let url = format!("{base}{}", page.path);
    let wire = request(&client, url.clone(), page, "br").send().await?;
    let status = wire.status().as_u16();
    let wire = wire.bytes().await?.len();
    let html = request(&client, url, page, "identity").send().await?.text().await?;
    Ok((status, html, wire))
}

/// Statements the database ran per request of this page, over [`COUNTED_REQUESTS`] in a row.
async fn statements_per_request(pool: &PgPool, base: &str, page: &Page) -> anyhow::Result<f64> {
    let client = client()?;
    let reset =
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)";
    sqlx::query(reset).execute(pool).await?;
    for _ in 0..COUNTED_REQUESTS {
        request(&client, format!("{base}{}", page.path), page, "br")
            .send()
            .await?
            .bytes()
            .await?;
    }
    let calls: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'",
    )
    .fetch_one(pool)
    .await?;
    Ok(calls as f64 / COUNTED_REQUESTS as f64)
}

/// A bare axum + sqlx server: one indexed query, then the HTML it was last given.
struct Baseline {
    base: String,
    html: Arc<std::sync::RwLock<String>>,
}

#[derive(Clone)]
struct BaselineState {
    pool: PgPool,
    user: Uuid,
    html: Arc<std::sync::RwLock<String>>,
}

impl Baseline {
    async fn start(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .test_before_acquire(false)
            .connect(url)
            .await?;
        let user = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
            .fetch_one(&pool)
            .await?;
        let html = Arc::new(std::sync::RwLock::new(String::new()));
        let state = BaselineState {
            pool,
            user,
            html: html.clone(),
        };
        let router = Router::new()
            .route("/", get(baseline_page))
            .with_state(state)
            .layer(CompressionLayer::new().br(true).gzip(true));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(server::serve::serve(
            axum::serve::ListenerExt::tap_io(listener, server::serve::no_delay),
            router,
            server::serve::ConnectionLimits::default(),
            std::future::pending(),
        ));
        Ok(Self { base, html })
    }

    fn serve(&self, html: String) {
        *self.html.write().expect("baseline html") = html;
    }
}

async fn baseline_page(State(state): State<BaselineState>) -> impl IntoResponse {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(state.user)
        .fetch_optional(&state.pool)
        .await
        .ok()
        .flatten();
    let html = state.html.read().expect("baseline html").clone();
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        email.map(|_| html).unwrap_or_default(),
    )
}

struct Measured {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// wrk at [`CONNECTIONS`] connections on two threads, its figures read from `--latency`.
fn wrk(url: &str, cookie: Option<&str>, seconds: u32) -> anyhow::Result<Measured> {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{seconds}s"),
        "--latency",
        "-H",
        "Accept: text/html",
        "-H",
        "Accept-Encoding: br",
    ]);
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command
        .arg(url)
        .output()
        .context("wrk (scripts/setup.sh --browser installs it)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if text.contains("Non-2xx") {
        bail!("{url}: some answers were not 2xx:\n{text}");
    }
    let figure = |label: &str| -> anyhow::Result<f64> {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .with_context(|| format!("wrk printed no {label}:\n{text}"))?;
        let value = line.trim_start()[label.len()..]
            .split_whitespace()
            .next()
            .unwrap_or_default();
        Ok(match value {
            v if v.ends_with("us") => v.trim_end_matches("us").parse::<f64>()? / 1000.0,
            v if v.ends_with("ms") => v.trim_end_matches("ms").parse::<f64>()?,
            v if v.ends_with('s') => v.trim_end_matches('s').parse::<f64>()? * 1000.0,
            v => v.parse::<f64>()?,
        })
    };
    Ok(Measured {
        requests_per_second: figure("Requests/sec:")?,
        p50_ms: figure("50%")?,
        p99_ms: figure("99%")?,
    })
}
