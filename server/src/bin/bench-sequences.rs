//! Sequence engine benchmark: prints figures, asserts nothing.
//!
//!   cargo run --release -p server --bin bench-sequences -- postgres://postgres@127.0.0.1:5433/postgres
//!
//! In a database of its own (created and dropped here), 20,000 leads of 20 contractors (1,000
//! each: every contractor's daily email cap), enrolled in their email-then-text sequences:
//! 1. a burst: every first step due at once, drained by 1 and by 4 workers; due steps
//!    queued into the outbox per second, next to a baseline measured in the same run:
//!    inserting the same number of ready-made outbox rows, 500 per statement, with no
//!    claiming, rendering or scheduling (the floor of writing that many messages);
//! 2. steady load: steps coming due over 10 seconds, with the engine polling every 500 ms
//!    as the server runs it; the lag from each step's due time to its claim, p50 and p99.

use std::time::{Duration, Instant};

use anyhow::Context;
use app::fishmouth::sequences::engine::Engine;
use server::workers::run_jobs;
use sqlx::{Executor, PgPool, postgres::PgPoolOptions};
use uuid::Uuid;

const LEADS: i32 = 20_000;
/// Each with LEADS / CONTRACTORS leads, at most her daily cap, so every first email may go.
const CONTRACTORS: i32 = 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin = std::env::args()
        .nth(1)
        .context("usage: bench-sequences <postgres admin url>")?;
    server::db::with_scratch_database(&admin, "bench_seq", |url| async move { run(&url).await }).await
}

async fn run(url: &str) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
    server::db::migrate(&pool).await?;
    let user = seed(&pool).await?;
    let engine = Engine::new(
        pool.clone(),
        Default::default(),
        "https://bench.example",
        Some("bench.example".into()),
    );

    println!("burst: {LEADS} first steps (email) of {CONTRACTORS} contractors due at once");
    let baseline = baseline(&pool, user).await?;
    println!(
        "  baseline, bare outbox INSERT of {LEADS} rows: {:>8.0} rows/s",
        baseline
    );
    for workers in [1usize, 4] {
        reset(&pool, "now() - interval '1 second'").await?;
        let started = Instant::now();
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let engine = engine.clone();
                tokio::spawn(async move {
                    let mut lags = Vec::new();
                    loop {
                        match engine.run_once(500).await {
                            Ok(batch) if batch.lags.is_empty() => return Ok(lags),
                            Ok(batch) => lags.extend(batch.lags),
                            Err(e) => return Err(e),
                        }
                    }
                })
            })
            .collect();
        let mut steps = 0;
        for handle in handles {
            steps += handle.await??.len();
        }
        let elapsed = started.elapsed().as_secs_f64();
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(&pool)
            .await?;
        let rate = steps as f64 / elapsed;
        println!(
            "  engine, {workers} worker(s): {steps} steps, {queued} messages in {elapsed:.2} s = {rate:>8.0} steps/s ({:.2}x the baseline's time per row)",
            baseline / rate
        );
    }

    println!("steady: {LEADS} steps due evenly over 10 s, engine polling every 500 ms");
    reset(&pool, "now() + (random() * interval '10 seconds')").await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let steady = engine.clone();
    let worker = tokio::spawn(async move {
        run_jobs("sequences", Duration::from_millis(500), stopped, || async {
            Ok(steady.run_batch().await?)
        })
        .await;
    });
    for _ in 0..300 {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM fm_enrollment_steps")
            .fetch_one(&pool)
            .await?;
        if done >= i64::from(LEADS) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(true);
    worker.await?;
    // Lag: when the step was recorded against when it came due.
    let lags: Vec<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM d.created_at - b.due)::float8 FROM fm_enrollment_steps d JOIN bench_due b ON b.id = d.enrollment_id ORDER BY 1",
    )
    .fetch_all(&pool)
    .await?;
    let at = |q: f64| {
        lags.get(((lags.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "  lag from due to claim over {} steps: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (the poll interval is 500 ms)",
        lags.len(),
        at(0.5) * 1000.0,
        at(0.99) * 1000.0,
        at(1.0) * 1000.0
    );
    Ok(())
}

/// CONTRACTORS contractors, and LEADS homes in a zone where it is afternoon now, bought with
/// consent to text (LEADS / CONTRACTORS each), enrolled in each contractor's active two-step
/// sequence open at all hours. Returns the first contractor.
async fn seed(pool: &PgPool) -> anyhow::Result<Uuid> {
    assert!(i64::from(LEADS / CONTRACTORS) <= domain::sending::DAILY_CAP);
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, product, language, timezone, email_verified_at)
         SELECT gen_random_uuid(), 'bench' || i || '@example.com', 'x', 'Sam', 'fishmouth', 'en', 'America/Chicago', now()
         FROM generate_series(1, $1) i",
    )
    .bind(CONTRACTORS)
    .execute(pool)
    .await?;
    pool.execute(
        "INSERT INTO fm_profiles (user_id, company_name, postal_address)
         SELECT id, 'Bench Roofing', '1 Main St, Dallas, TX 75201' FROM users",
    )
    .await?;
    let mut zone = "America/Chicago".to_owned();
    for candidate in [
        "America/Chicago",
        "America/New_York",
        "Europe/Berlin",
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Pacific/Auckland",
    ] {
        let hour: f64 = sqlx::query_scalar("SELECT extract(hour FROM now() AT TIME ZONE $1)::float8")
            .bind(candidate)
            .fetch_one(pool)
            .await?;
        // Between 13:00 and 19:00 every state's law allows texts on any day, Sundays included
        // (Texas: from 12:00), so the run measures the engine whatever day it is.
        if (13.0..19.0).contains(&hour) {
            zone = candidate.to_owned();
            break;
        }
    }
    sqlx::query(
        "INSERT INTO properties (parcel_id, address, lat, lon, timezone, source, phone, email, owner_name)
         SELECT 'B' || i, i || ' Elm St, Dallas, TX 75201', 32.7, -96.8, $1, 'import', '+1214' || lpad(i::text, 7, '0'),
                'owner' || i || '@example.com', 'SMITH, JANE'
         FROM generate_series(1, $2) i",
    )
    .bind(&zone)
    .bind(LEADS)
    .execute(pool)
    .await?;
    // Home i goes to contractor i mod CONTRACTORS.
    pool.execute(
        "INSERT INTO leads (id, user_id, property_id, score, factors, reasons, confidence, price_cents, sms_consent_at)
         SELECT gen_random_uuid(), u.id, p.id, 85, '{}', '[]', 50, 0, now()
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM properties) p
         JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total FROM users) u
           ON u.n = p.n % u.total + 1",
    )
    .await?;
    pool.execute(
        "INSERT INTO fm_sequences (id, user_id, name, status, window_days, window_start, window_end)
         SELECT gen_random_uuid(), id, 'Bench', 'active', 127, 0, 24 FROM users",
    )
    .await?;
    for (position, kind, delay, subject, body) in [
        (
            0i16,
            "email",
            0,
            "Hail near {{street}}",
            "Hi {{first_name}},\n\nHail was reported near {{address}}. A free check?\n\n{{rep_name}}\n{{company}}",
        ),
        (
            1,
            "sms",
            1440,
            "",
            "Hi {{first_name}}, {{rep_name}} from {{company}}: free roof check?",
        ),
    ] {
        sqlx::query(
            "INSERT INTO fm_sequence_steps (id, sequence_id, user_id, position, kind, delay_minutes, subject, body)
             SELECT gen_random_uuid(), id, user_id, $1, $2, $3, $4, $5 FROM fm_sequences",
        )
        .bind(position)
        .bind(kind)
        .bind(delay)
        .bind(subject)
        .bind(body)
        .execute(pool)
        .await?;
    }
    pool.execute(
        "INSERT INTO fm_enrollments (id, user_id, sequence_id, lead_id, unsubscribe_token)
         SELECT gen_random_uuid(), l.user_id, s.id, l.id, replace(gen_random_uuid()::text, '-', '')
         FROM leads l JOIN fm_sequences s ON s.user_id = l.user_id",
    )
    .await?;
    pool.execute("CREATE TABLE bench_due (id uuid PRIMARY KEY, due timestamptz NOT NULL)")
        .await?;
    Ok(sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await?)
}

/// Every enrollment back at its first step, due at `due` (an SQL expression).
async fn reset(pool: &PgPool, due: &str) -> anyhow::Result<()> {
    pool.execute("TRUNCATE outbox, dev_mailbox, fm_enrollment_steps, bench_due")
        .await?;
    sqlx::query(&format!(
        "UPDATE fm_enrollments SET state = 'active', stop_reason = NULL, ended_at = NULL, last_step_at = enrolled_at, next_due_at = {due}"
    ))
    .execute(pool)
    .await?;
    pool.execute("INSERT INTO bench_due SELECT id, next_due_at FROM fm_enrollments")
        .await?;
    pool.execute("VACUUM ANALYZE fm_enrollments").await?;
    Ok(())
}

/// Rows per second for plain INSERTs of finished outbox rows, 500 per statement.
async fn baseline(pool: &PgPool, user: Uuid) -> anyhow::Result<f64> {
    pool.execute("TRUNCATE outbox, dev_mailbox").await?;
    let rows: Vec<(String, String, String, String)> = (0..LEADS)
        .map(|i| {
            (
                format!("bench:{i}"),
                format!("owner{i}@example.com"),
                "Hail near 1 Elm St".to_owned(),
                format!("Hi Jane,\n\nHail was reported near {i} Elm St. A free check?\n\nSam\nBench Roofing\n"),
            )
        })
        .collect();
    let started = Instant::now();
    for chunk in rows.chunks(500) {
        let keys: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let to: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
        let subject: Vec<&str> = chunk.iter().map(|r| r.2.as_str()).collect();
        let body: Vec<&str> = chunk.iter().map(|r| r.3.as_str()).collect();
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html)
             SELECT k, $1, 'email', t, s, b, b FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[]) AS x(k, t, s, b)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(user)
        .bind(&keys)
        .bind(&to)
        .bind(&subject)
        .bind(&body)
        .execute(pool)
        .await?;
    }
    Ok(f64::from(LEADS) / started.elapsed().as_secs_f64())
}
