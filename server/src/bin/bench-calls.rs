//! Call assistant benchmark: prints figures, asserts nothing.
//!
//!   cargo run --release -p server --bin bench-calls -- postgres://postgres@127.0.0.1:5433/postgres
//!
//! One instance, in a database of its own, with the protocol peers of `server/tests/api` on
//! loopback: Telnyx's media WebSocket played by homeowners who answer, Deepgram hearing them,
//! ElevenLabs speaking, the built-in rules replying. For 25, 50, 100, 200 and 400 calls at once, every call a whole conversation
//! (opening, "yes", slots, "the second one", booking, hang-up):
//! - how many of them booked their inspection (the calls it carried), and the wall time;
//! - our own time per reply: from the final transcript of her sentence to the first audio
//!   byte sent back, with the voice's wait for its first audio taken out (the rules' time is
//!   ours and stays in; goal: p99 under 20 ms),
//!   next to the baseline of the same wait measured on a single call in the same run.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use server::{Application, config::Settings};
use sqlx::PgPool;
use uuid::Uuid;

#[path = "../../tests/api/fake_voice.rs"]
#[allow(dead_code)]
mod fake_voice;

use fake_voice::{Act, Answer, FakeCalls, FakeDeepgram, FakeElevenLabs, Scenario, homeowner_wav};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin = std::env::args()
        .nth(1)
        .context("usage: bench-calls <postgres admin url>")?;
    server::db::with_scratch_database(&admin, "bench_calls", |url| async move { run(&url).await }).await
}

async fn run(url: &str) -> anyhow::Result<()> {
    use base64::Engine as _;
    let telnyx = FakeCalls::start().await;
    let deepgram = FakeDeepgram::start(&["Yes, sure.", "The second one, please."]).await;
    let voice = FakeElevenLabs::start().await;
    let public = base64::engine::general_purpose::STANDARD.encode(fake_voice::telnyx_key().verifying_key().to_bytes());
    let leptos_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
    let mut settings = Settings::from_lookup(|name| {
        Some(match name {
            "DATABASE_URL" => url.to_owned(),
            "LEPTOS_CONFIG" => leptos_toml.to_owned(),
            "SAMPLE_HOMES" => "0".to_owned(),
            "APP_ENV" => "development".to_owned(),
            "DATABASE_MAX_CONNECTIONS" => "40".to_owned(),
            "TELNYX_API_KEY" => fake_voice::TELNYX_KEY.to_owned(),
            "TELNYX_FROM_NUMBER" => "+12145550100".to_owned(),
            "TELNYX_API_BASE" => telnyx.base.clone(),
            "TELNYX_PUBLIC_KEY" => public.clone(),
            "TELNYX_CONNECTION_ID" => fake_voice::CONNECTION_ID.to_owned(),
            "DEEPGRAM_API_KEY" => fake_voice::DEEPGRAM_KEY.to_owned(),
            "DEEPGRAM_URL" => deepgram.url.clone(),
            "ELEVENLABS_API_KEY" => fake_voice::ELEVENLABS_KEY.to_owned(),
            "ELEVENLABS_API_BASE" => voice.base.clone(),
            _ => return None,
        })
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    settings.leptos.site_addr = "127.0.0.1:0".parse()?;
    settings.leptos.hash_files = false;
    let app = Application::build(settings).await?;
    let base = format!("http://{}", app.local_addr());
    let turns = app.products().fishmouth.voice.clone().context("calls are set up")?;
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    *telnyx.app.lock().await = base.clone();
    let pool = PgPool::connect(url).await?;
    let user = contractor(&pool).await?;

    println!("calls at once | booked | wall time | our time per reply p50 / p99 (providers' waits excluded)");
    let mut ended = 0;
    let mut baseline_p99 = None;
    for calls in [1usize, 25, 50, 100, 200, 400] {
        turns.turns.take();
        let started = Instant::now();
        let ids = place(&pool, &telnyx, user, calls).await?;
        ended += calls;
        telnyx.ended_within(ended, Duration::from_secs(180)).await;
        let wall = started.elapsed();
        let booked: i64 = sqlx::query_scalar("SELECT count(*) FROM fm_calls WHERE id = ANY($1) AND outcome = 'booked'")
            .bind(&ids)
            .fetch_one(&pool)
            .await?;
        let mut times = turns.turns.take();
        times.sort_unstable();
        let at = |q: f64| {
            times
                .get(((times.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        let (p50, p99) = (at(0.5), at(0.99));
        let ratio = baseline_p99
            .map(|b: Duration| {
                format!(
                    " ({:.1}x the single call's p99)",
                    p99.as_secs_f64() / b.as_secs_f64().max(1e-6)
                )
            })
            .unwrap_or_else(|| " (the baseline)".to_owned());
        if calls == 1 {
            baseline_p99 = Some(p99);
        }
        println!(
            "{calls:>13} | {booked:>6} | {:>7.1} s | {:.2} ms / {:.2} ms over {} replies{ratio}",
            wall.as_secs_f64(),
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            times.len()
        );
    }
    Ok(())
}

/// A contractor with the assistant on, transcripts kept, and a wallet.
async fn contractor(pool: &PgPool) -> anyhow::Result<Uuid> {
    let user = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, product, language, timezone)
         VALUES ($1, 'bench-calls@example.com', 'no sign-in', 'Bench', 'fishmouth', 'en', 'America/Chicago')",
    )
    .bind(user)
    .execute(pool)
    .await
    .context("the contractor")?;
    sqlx::query("INSERT INTO fm_profiles (user_id, company_name) VALUES ($1, 'Lone Star Roofing')")
        .bind(user)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO fm_voice_settings (user_id, enabled, assistant_name, recording) VALUES ($1, true, 'Sam', true)",
    )
    .bind(user)
    .execute(pool)
    .await?;
    Ok(user)
}

/// `n` answered calls, each to a home of its own, already dialled: Telnyx opens their media
/// streams at once.
async fn place(pool: &PgPool, telnyx: &FakeCalls, user: Uuid, n: usize) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, token) = (Uuid::new_v4(), Uuid::new_v4().simple().to_string());
        let control = format!("v3:{}", Uuid::new_v4().simple());
        let phone = format!("+1214{:07}", id.as_u128() % 10_000_000);
        sqlx::query(
            "WITH home AS (
                 INSERT INTO properties (parcel_id, address, lat, lon, timezone, source, phone, owner_name)
                 VALUES ($1::text, '1 Elm St, Dallas, TX 75201', 32.7, -96.8, 'America/Chicago', 'import', $4, 'GARCIA, MARIA')
                 RETURNING id),
             lead AS (
                 INSERT INTO leads (id, user_id, property_id, score, factors, reasons, confidence, price_cents)
                 SELECT gen_random_uuid(), $2, id, 85, '{}', '[]', 50, 0 FROM home RETURNING id)
             INSERT INTO fm_calls (id, user_id, lead_id, phone, media_token, status, dialed_at, call_control_id)
             SELECT $1, $2, id, $4, $3, 'dialing', now(), $5 FROM lead",
        )
        .bind(id)
        .bind(user)
        .bind(&token)
        .bind(&phone)
        .bind(&control)
        .execute(pool)
        .await
        .context("a call")?;
        let dial = json!({
            "to": phone, "from": "+12145550100",
            "stream_url": format!("wss://app/webhooks/telnyx/media/{token}"),
            "client_state": id.to_string(),
        });
        let scenario = Scenario {
            answer: Answer::Human,
            wav: homeowner_wav(2),
            acts: vec![Act::Say(0), Act::Say(1)],
        };
        telnyx.answer(control, dial, scenario);
        ids.push(id);
    }
    Ok(ids)
}
