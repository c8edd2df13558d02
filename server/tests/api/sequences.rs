//! Sequences: the builder's rules over HTTP, the engine's exactly-once delivery under
//! concurrent and crashing workers, opt-outs racing a send, edits under enrolled leads,
//! and the real peers: SMTP with RFC 8058 headers, a fake Telnyx, signed webhooks.

use std::{sync::Arc, time::Duration};

use app::fishmouth::sequences::engine::Engine;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::fishmouth::contractor;
use crate::helpers::{TestApp, inbound_sms, spawn_app, spawn_app_with, telnyx_public, telnyx_webhook};

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.expect("request")
}

pub(crate) async fn pool(app: &TestApp) -> PgPool {
    PgPool::connect(&app.database_url()).await.expect("pool")
}

pub(crate) fn engine(pool: &PgPool, app: &TestApp) -> Engine {
    Engine::new(pool.clone(), Default::default(), &app.address, Some("sasa.test".into()))
}

/// A time zone where it is now 12:00-15:59, so quiet hours never hold a test up: after
/// Texas's noon on a Sunday and an hour before the test sequences' window ends at 17:00.
pub(crate) async fn daytime_zone(db: &mut PgConnection) -> String {
    zone_where_the_hour_is(db, 12.0..16.0).await
}

/// A time zone where the hour now is in `hours`. The zones leave no gap of four hours in the
/// UTC day, with or without daylight saving.
pub(crate) async fn zone_where_the_hour_is(db: &mut PgConnection, hours: std::ops::Range<f64>) -> String {
    for zone in [
        "America/Chicago",
        "Europe/Berlin",
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Pacific/Auckland",
        "America/New_York",
        "Pacific/Honolulu",
        "Asia/Dubai",
        "Atlantic/Azores",
        "Atlantic/South_Georgia",
    ] {
        let hour: f64 = sqlx::query_scalar("SELECT extract(hour FROM now() AT TIME ZONE $1)::float8")
            .bind(zone)
            .fetch_one(&mut *db)
            .await
            .expect("hour");
        if hours.contains(&hour) {
            return zone.to_owned();
        }
    }
    panic!("no zone in the list has an hour in {hours:?} now");
}

pub(crate) async fn user_id(db: &mut PgConnection, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .expect("user")
}

/// `n` homes with phones and emails in a daytime zone in Texas, bought as leads with
/// consent to text. Returns the lead ids in order.
pub(crate) async fn leads(db: &mut PgConnection, user: Uuid, n: i32, zone: &str) -> Vec<Uuid> {
    sqlx::query(
        "INSERT INTO properties (parcel_id, address, lat, lon, timezone, source, phone, email, owner_name)
         SELECT 'P' || $1::text || i, i || ' Elm St, Dallas, TX 75201', 32.7, -96.8, $2, 'import',
                '+1214' || lpad(i::text, 7, '0'), 'owner' || i || '.' || $1::text || '@example.com', 'SMITH, JANE'
         FROM generate_series(1, $3) i",
    )
    .bind(user.simple().to_string())
    .bind(zone)
    .bind(n)
    .execute(&mut *db)
    .await
    .expect("properties");
    sqlx::query_scalar(
        "INSERT INTO leads (id, user_id, property_id, score, factors, reasons, confidence, price_cents, sms_consent_at)
         SELECT gen_random_uuid(), $1, id, 85, '{}', '[]', 50, 0, now() FROM properties
         WHERE parcel_id LIKE 'P' || $2 || '%' ORDER BY id
         RETURNING id",
    )
    .bind(user)
    .bind(user.simple().to_string())
    .fetch_all(&mut *db)
    .await
    .expect("leads")
}

/// An active sequence, open every day and hour, with these (kind, delay minutes, body) steps.
pub(crate) async fn sequence(db: &mut PgConnection, user: Uuid, steps: &[(&str, i32, &str)]) -> (Uuid, Vec<Uuid>) {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO fm_sequences (id, user_id, name, status, window_days, window_start, window_end)
         VALUES ($1, $2, 'Test', 'active', 127, 0, 24)",
    )
    .bind(id)
    .bind(user)
    .execute(&mut *db)
    .await
    .expect("sequence");
    let mut ids = Vec::new();
    for (position, (kind, delay, body)) in steps.iter().enumerate() {
        let step = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO fm_sequence_steps (id, sequence_id, user_id, position, kind, delay_minutes, subject, body)
             VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 = 'email' THEN 'Hello {{first_name}}' ELSE '' END, $7)",
        )
        .bind(step)
        .bind(id)
        .bind(user)
        .bind(i16::try_from(position).expect("position"))
        .bind(kind)
        .bind(delay)
        .bind(body)
        .execute(&mut *db)
        .await
        .expect("step");
        ids.push(step);
    }
    (id, ids)
}

/// Enrolls the leads with their first step due a second ago.
pub(crate) async fn enroll_due(db: &mut PgConnection, user: Uuid, sequence: Uuid, leads: &[Uuid]) {
    enroll(db, user, sequence, leads, "now() - interval '1 second'").await;
}

/// Enrolled, with the first step a day away: the app's own engine leaves them active.
pub(crate) async fn enroll_waiting(db: &mut PgConnection, user: Uuid, sequence: Uuid, leads: &[Uuid]) {
    enroll(db, user, sequence, leads, "now() + interval '1 day'").await;
}

async fn enroll(db: &mut PgConnection, user: Uuid, sequence: Uuid, leads: &[Uuid], due: &str) {
    sqlx::query(&format!(
        "INSERT INTO fm_enrollments (id, user_id, sequence_id, lead_id, unsubscribe_token, next_due_at)
         SELECT gen_random_uuid(), $1, $2, lead, replace(gen_random_uuid()::text, '-', ''), {due}
         FROM UNNEST($3::uuid[]) AS lead"
    ))
    .bind(user)
    .bind(sequence)
    .bind(leads)
    .execute(db)
    .await
    .expect("enroll");
}

/// Her company and postal address, which marketing email must carry.
pub(crate) async fn with_company(db: &mut sqlx::PgConnection, user: uuid::Uuid) {
    sqlx::query("INSERT INTO fm_profiles (user_id, company_name, postal_address) VALUES ($1, 'Roofco', '1 Main St, Dallas, TX 75201')")
        .bind(user)
        .execute(db)
        .await
        .expect("profile");
}

/// Her sequence `id` as the builder reads it, with its report.
pub(crate) async fn sequence_json(app: &TestApp, client: &Client, id: &dyn std::fmt::Display) -> Value {
    client
        .get(app.url(&format!("/api/pro/sequence?id={id}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

pub(crate) async fn run_until_idle(engine: &Engine) -> usize {
    let mut total = 0;
    loop {
        let batch = engine.run_once(500).await.expect("engine");
        if batch.lags.is_empty() {
            return total;
        }
        total += batch.lags.len();
    }
}

/// Waits until no step is due: the app's own engine (a worker beside the test's) may
/// still be committing a batch.
async fn settle(db: &mut PgConnection) {
    for _ in 0..200 {
        if scalar(
            db,
            "SELECT count(*) FROM fm_enrollments WHERE state = 'active' AND next_due_at <= now()",
        )
        .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("steps are still due after 10 s");
}

async fn scalar(db: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

#[tokio::test]
async fn the_builder_checks_every_field_and_is_scoped_to_its_owner() {
    let app = spawn_app().await;
    let pro = contractor(&app, "builder@example.com").await;
    let created = post(&app, &pro, "/api/pro/sequence-create", &[("name", "Storm follow-up")]).await;
    assert_eq!(created.status(), StatusCode::OK);
    let id: String = created.json().await.expect("id");
    let too_long = "x".repeat(101);
    let bad_name = post(&app, &pro, "/api/pro/sequence-create", &[("name", &too_long)]).await;
    assert_eq!(bad_name.status(), StatusCode::BAD_REQUEST);

    let save = |steps: Vec<(&'static str, String)>| {
        let mut form: Vec<(String, String)> = vec![
            ("id".into(), id.clone()),
            ("name".into(), "Storm follow-up".into()),
            ("window[days][0]".into(), "0".into()),
            ("window[days][2]".into(), "2".into()),
            ("window[start]".into(), "9".into()),
            ("window[end]".into(), "17".into()),
        ];
        form.extend(steps.into_iter().map(|(k, v)| (k.to_owned(), v)));
        form
    };
    let valid = vec![
        ("steps[0][kind]", "email".to_owned()),
        ("steps[0][delay_amount]", "0".to_owned()),
        ("steps[0][delay_unit]", "days".to_owned()),
        ("steps[0][subject]", "Hail near {{street}}".to_owned()),
        (
            "steps[0][body]",
            "Hi {{first_name}}, {{rep_name}} from {{company}}.".to_owned(),
        ),
        ("steps[1][kind]", "sms".to_owned()),
        ("steps[1][delay_amount]", "3".to_owned()),
        ("steps[1][delay_unit]", "days".to_owned()),
        ("steps[1][body]", "Hi {{first_name}}, free roof check?".to_owned()),
        ("steps[2][kind]", "call".to_owned()),
        ("steps[2][delay_amount]", "2".to_owned()),
        ("steps[2][delay_unit]", "hours".to_owned()),
        ("steps[2][body]", "Ask about {{address}}".to_owned()),
    ];
    let mut unknown = valid.clone();
    unknown[8].1 = "Hi {{nickname}}".into();
    let refused = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&save(unknown))
        .send()
        .await
        .expect("save");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["fields"][0]["field"], "steps[1].body", "{body}");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("{{nickname}}")
    );
    let mut db = app.db().await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_sequence_steps WHERE removed_at IS NULL"
        )
        .await,
        1,
        "nothing saved"
    );

    let saved = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&save(valid.clone()))
        .send()
        .await
        .expect("save");
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap_or_default()
    );
    let loaded = sequence_json(&app, &pro, &id).await;
    assert_eq!(loaded["steps"].as_array().map(Vec::len), Some(3));
    assert_eq!(loaded["steps"][1]["delay_amount"], "3");
    assert_eq!(loaded["window"]["days"], 0b101);

    // The page's no-JS buttons: the server applies the change and saves.
    let mut with_edit = save(valid.clone());
    with_edit.push(("edit".into(), "duplicate:1".into()));
    let edited = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&with_edit)
        .send()
        .await
        .expect("edit");
    assert!(
        edited.status().is_success() || edited.status().is_redirection(),
        "{}",
        edited.status()
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_sequence_steps WHERE removed_at IS NULL"
        )
        .await,
        4
    );

    // Activation needs the postal address that every marketing email must carry.
    let no_address = post(
        &app,
        &pro,
        "/api/pro/sequence-status",
        &[("id", &id), ("status", "active")],
    )
    .await;
    assert_eq!(no_address.status(), StatusCode::BAD_REQUEST);
    assert!(no_address.text().await.unwrap_or_default().contains("postal address"));
    let owner = user_id(&mut db, "builder@example.com").await;
    sqlx::query("INSERT INTO fm_profiles (user_id, company_name, postal_address) VALUES ($1, 'Lone Star Roofing', '1 Main St, Dallas, TX 75201')")
        .bind(owner)
        .execute(&mut db)
        .await
        .expect("profile");
    let active = post(
        &app,
        &pro,
        "/api/pro/sequence-status",
        &[("id", &id), ("status", "active")],
    )
    .await;
    assert_eq!(active.status(), StatusCode::OK);

    // Another contractor sees nothing and changes nothing.
    let other = contractor(&app, "other-builder@example.com").await;
    let peek = other
        .get(app.url(&format!("/api/pro/sequence?id={id}")))
        .send()
        .await
        .expect("peek");
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
    let meddle = other
        .post(app.url("/api/pro/sequence-save"))
        .form(&save(valid))
        .send()
        .await
        .expect("meddle");
    assert_eq!(meddle.status(), StatusCode::NOT_FOUND);
    let pause = post(
        &app,
        &other,
        "/api/pro/sequence-status",
        &[("id", &id), ("status", "paused")],
    )
    .await;
    assert_eq!(pause.status(), StatusCode::NOT_FOUND);
    let list: Value = other
        .get(app.url("/api/pro/sequences"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["sequences"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        list["templates"].as_array().map(Vec::len),
        Some(3),
        "the ready sequences"
    );
    let copy = post(
        &app,
        &other,
        "/api/pro/sequence-create",
        &[("template", "storm-follow-up")],
    )
    .await;
    assert_eq!(copy.status(), StatusCode::OK);
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM usage_events WHERE event = 'sequence_created'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn four_workers_at_once_never_send_past_a_contractors_daily_cap() {
    let app = spawn_app().await;
    contractor(&app, "capped@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "capped@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 1_200, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("email", 0, "Hi {{first_name}}")]).await;
    enroll_due(&mut db, user, seq, &leads).await;
    let pool = pool(&app).await;
    // Small batches, so the four overlap on her allowance many times over.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let engine = engine(&pool, &app);
            tokio::spawn(async move { while !engine.run_once(50).await.expect("engine").lags.is_empty() {} })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    settle(&mut db).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        domain::sending::DAILY_CAP
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_enrollments WHERE state = 'active' AND next_due_at > now() + interval '50 minutes'"
        )
        .await,
        1_200 - domain::sending::DAILY_CAP
    );
}

#[tokio::test]
async fn four_workers_over_ten_thousand_due_steps_queue_exactly_ten_thousand_messages() {
    let app = spawn_app().await;
    contractor(&app, "bulk@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "bulk@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 10_000, &zone).await;
    let (seq, _) = sequence(
        &mut db,
        user,
        &[("sms", 0, "Hi {{first_name}}"), ("sms", 1440, "Again")],
    )
    .await;
    enroll_due(&mut db, user, seq, &leads).await;
    let pool = pool(&app).await;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let engine = engine(&pool, &app);
            tokio::spawn(async move { run_until_idle(&engine).await })
        })
        .collect();
    let mut claimed = 0;
    for worker in workers {
        claimed += worker.await.expect("worker");
    }
    // The app's own engine runs too: a fifth worker may still be finishing a batch.
    assert!(claimed <= 10_000);
    settle(&mut db).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        10_000
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(DISTINCT recipient) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        10_000
    );
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_enrollment_steps").await,
        10_000
    );
    let first = "Hi Jane\nReply STOP to opt out.";
    let bodies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%' AND (body_text = $1 OR status = 'sent')",
    )
    .bind(first)
    .fetch_one(&mut db)
    .await
    .expect("bodies");
    assert_eq!(bodies, 10_000, "merge fields filled and the opt-out line added");
    // Every enrollment now waits a day for its second step.
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_enrollments WHERE state = 'active' AND next_due_at > now() + interval '23 hours'"
        )
        .await,
        10_000
    );
}

#[tokio::test]
async fn workers_killed_mid_batch_neither_lose_nor_duplicate_a_step() {
    let app = spawn_app().await;
    contractor(&app, "crash@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "crash@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 3_000, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("sms", 0, "One"), ("sms", 0, "Two")]).await;
    enroll_due(&mut db, user, seq, &leads).await;
    let pool = pool(&app).await;
    // Abort workers at staggered moments, many times over.
    for round in 0..30u64 {
        let engine = engine(&pool, &app);
        let worker = tokio::spawn(async move { engine.run_once(200).await });
        tokio::time::sleep(Duration::from_millis(round % 7)).await;
        worker.abort();
        let _ = worker.await;
    }
    // And cut the connection of a worker inside its transaction.
    for _ in 0..5 {
        let engine = engine(&pool, &app);
        let worker = tokio::spawn(async move { engine.run_once(500).await });
        let mut admin = PgConnection::connect(&app.database_url()).await.expect("connect");
        for _ in 0..50 {
            let killed: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
                   AND query LIKE '%fm_enrollment%'",
            )
            .fetch_all(&mut admin)
            .await
            .expect("terminate");
            if !killed.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let _ = worker.await;
    }
    let healthy = engine(&pool, &app);
    run_until_idle(&healthy).await;
    run_until_idle(&healthy).await;
    settle(&mut db).await;
    // Two steps each, every one exactly once.
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        6_000
    );
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM (SELECT recipient FROM outbox WHERE idempotency_key LIKE 'seq:%' GROUP BY recipient HAVING count(*) <> 2) x").await, 0);
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_enrollments WHERE state = 'finished'").await,
        3_000
    );
}

#[tokio::test]
async fn an_opt_out_that_arrives_while_a_step_is_being_queued_stops_that_send_or_the_next() {
    let app = spawn_app_with(&[("TELNYX_PUBLIC_KEY", &telnyx_public())]).await;
    contractor(&app, "race@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "race@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let lead = leads(&mut db, user, 1, &zone).await;
    let (seq, steps) = sequence(&mut db, user, &[("sms", 0, "First"), ("sms", 0, "Second")]).await;
    let phone: String = sqlx::query_scalar("SELECT phone FROM properties LIMIT 1")
        .fetch_one(&mut db)
        .await
        .expect("phone");

    // Hold the outbox so an engine that has claimed the step stops inside its transaction.
    let mut blocker = PgConnection::connect(&app.database_url()).await.expect("connect");
    sqlx::query("BEGIN").execute(&mut blocker).await.expect("begin");
    sqlx::query("LOCK TABLE outbox IN EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");
    enroll_due(&mut db, user, seq, &lead).await;
    let pool = pool(&app).await;
    let worker = {
        let engine = engine(&pool, &app);
        tokio::spawn(async move { engine.run_once(10).await })
    };
    wait_for_lock_waiters(&mut db, 1, "INSERT INTO outbox").await;
    // STOP arrives now; its update of the enrollment waits for the engine.
    let stop = tokio::spawn(telnyx_webhook(app.address.clone(), inbound_sms(&phone, "STOP"), true));
    wait_for_lock_waiters(&mut db, 1, "UPDATE fm_enrollments").await;
    sqlx::query("COMMIT").execute(&mut blocker).await.expect("release");
    let _ = worker.await.expect("worker");
    assert_eq!(stop.await.expect("stop"), StatusCode::OK);

    let (state, reason): (String, Option<String>) = sqlx::query_as("SELECT state, stop_reason FROM fm_enrollments")
        .fetch_one(&mut db)
        .await
        .expect("enrollment");
    assert_eq!((state.as_str(), reason.as_deref()), ("stopped", Some("opted_out")));
    let first: String = sqlx::query_scalar("SELECT status FROM outbox WHERE idempotency_key LIKE '%' || $1::text")
        .bind(steps[0])
        .fetch_one(&mut db)
        .await
        .expect("first message");
    assert!(first == "cancelled" || first == "sent", "{first}");
    run_until_idle(&engine(&pool, &app)).await;
    let second: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE '%' || $1::text")
        .bind(steps[1])
        .fetch_one(&mut db)
        .await
        .expect("second");
    assert_eq!(second, 0, "nothing after the opt-out");
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_opt_outs WHERE channel = 'sms'").await,
        1
    );
}

async fn wait_for_lock_waiters(db: &mut PgConnection, n: i64, query_prefix: &str) {
    for _ in 0..500 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND ltrim(query) LIKE $1 || '%'",
        )
        .bind(query_prefix)
        .fetch_one(&mut *db)
        .await
        .expect("waiters");
        if waiting >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no {n} waiting on a lock ({query_prefix})");
}

#[tokio::test]
async fn editing_a_sequence_keeps_every_enrollment_valid() {
    let app = spawn_app().await;
    let pro = contractor(&app, "editor@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "editor@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 20, &zone).await;
    let (seq, steps) = sequence(&mut db, user, &[("sms", 0, "A"), ("sms", 60, "B"), ("sms", 60, "C")]).await;
    // Half the leads have done step A; the other half enrol after the edit.
    enroll_due(&mut db, user, seq, &leads[..10]).await;
    let pool = pool(&app).await;
    run_until_idle(&engine(&pool, &app)).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        10
    );

    // Remove B, change C, move a new step D in front of C, through the builder.
    let form: Vec<(String, String)> = vec![
        ("id".into(), seq.to_string()),
        ("name".into(), "Edited".into()),
        ("window[days][0]".into(), "0".into()),
        ("window[days][1]".into(), "1".into()),
        ("window[days][2]".into(), "2".into()),
        ("window[days][3]".into(), "3".into()),
        ("window[days][4]".into(), "4".into()),
        ("window[days][5]".into(), "5".into()),
        ("window[days][6]".into(), "6".into()),
        ("window[start]".into(), "0".into()),
        ("window[end]".into(), "24".into()),
        ("steps[0][id]".into(), steps[0].to_string()),
        ("steps[0][kind]".into(), "sms".into()),
        ("steps[0][delay_amount]".into(), "0".into()),
        ("steps[0][delay_unit]".into(), "minutes".into()),
        ("steps[0][body]".into(), "A changed".into()),
        ("steps[1][kind]".into(), "sms".into()),
        ("steps[1][delay_amount]".into(), "5".into()),
        ("steps[1][delay_unit]".into(), "minutes".into()),
        ("steps[1][body]".into(), "D new".into()),
        ("steps[2][id]".into(), steps[2].to_string()),
        ("steps[2][kind]".into(), "sms".into()),
        ("steps[2][delay_amount]".into(), "1".into()),
        ("steps[2][delay_unit]".into(), "hours".into()),
        ("steps[2][body]".into(), "C changed".into()),
    ];
    let saved = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&form)
        .send()
        .await
        .expect("save");
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap_or_default()
    );
    // Each of the ten is active and due five minutes after its step A, for step D.
    let due: Vec<(String, f64)> =
        sqlx::query_as("SELECT state, extract(epoch FROM next_due_at - last_step_at)::float8 FROM fm_enrollments")
            .fetch_all(&mut db)
            .await
            .expect("due");
    assert_eq!(due.len(), 10);
    assert!(
        due.iter().all(|(s, gap)| s == "active" && (*gap - 300.0).abs() < 1.0),
        "{due:?}"
    );
    enroll_due(&mut db, user, seq, &leads[10..]).await;

    // Run everything to the end, as if time passed.
    for _ in 0..5 {
        sqlx::query("UPDATE fm_enrollments SET next_due_at = now() - interval '1 second' WHERE state = 'active'")
            .execute(&mut db)
            .await
            .expect("time passes");
        run_until_idle(&engine(&pool, &app)).await;
    }
    let bodies: Vec<(String, i64)> = sqlx::query_as(
        // The app's own outbox worker may have sent some meanwhile: a sent body lives on only
        // in the development mailbox.
        "SELECT split_part(coalesce(m.body_text, o.body_text), E'\\n', 1), count(*)
         FROM outbox o LEFT JOIN dev_mailbox m ON m.outbox_id = o.id
         WHERE o.idempotency_key LIKE 'seq:%' GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await
    .expect("bodies");
    // The first ten got the old A once (never the new A), then D and C; the rest the new ones.
    assert_eq!(
        bodies,
        [
            ("A".to_owned(), 10),
            ("A changed".to_owned(), 10),
            ("C changed".to_owned(), 20),
            ("D new".to_owned(), 20)
        ]
    );
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_enrollments WHERE state = 'finished'").await,
        20
    );
    assert_eq!(
        scalar(
            &mut db,
            &format!(
                "SELECT count(*) FROM fm_enrollment_steps WHERE step_id = '{}'",
                steps[1]
            )
        )
        .await,
        0,
        "the removed step was never sent"
    );
    // The report still shows the step that was sent before it was removed? B was not; A was.
    let report = sequence_json(&app, &pro, &seq).await;
    assert_eq!(report["report"]["finished"], 20);
    assert_eq!(
        report["report"]["steps"][0]["queued"].as_i64().unwrap_or(0)
            + report["report"]["steps"][0]["sent"].as_i64().unwrap_or(0),
        20
    );
}

#[tokio::test]
async fn email_goes_over_smtp_with_one_click_unsubscribe_and_the_postal_address() {
    let app = spawn_app().await;
    contractor(&app, "mailer@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "mailer@example.com").await;
    sqlx::query("INSERT INTO fm_profiles (user_id, company_name, postal_address) VALUES ($1, 'Lone Star Roofing', '1 Main St, Dallas, TX 75201')")
        .bind(user)
        .execute(&mut db)
        .await
        .expect("profile");
    let zone = daytime_zone(&mut db).await;
    let lead = leads(&mut db, user, 1, &zone).await;
    let (seq, _) = sequence(
        &mut db,
        user,
        &[
            ("email", 0, "Hi {{first_name}}, about {{street}}."),
            // An hour later: she unsubscribes while it waits (at 0 the engine could send it
            // and finish the enrollment first).
            ("email", 60, "Second"),
        ],
    )
    .await;
    let email: String = sqlx::query_scalar("SELECT email FROM properties LIMIT 1")
        .fetch_one(&mut db)
        .await
        .expect("email");
    // Through the API: enrollment schedules the first step in the lead's zone.
    let pro = crate::helpers::new_client();
    assert_eq!(
        app.login(&pro, "mailer@example.com", crate::helpers::PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let enrolled = post(
        &app,
        &pro,
        "/api/pro/sequence-enroll",
        &[("id", &seq.to_string()), ("leads[0]", &lead[0].to_string())],
    )
    .await;
    assert_eq!(enrolled.status(), StatusCode::OK);
    assert_eq!(enrolled.json::<i64>().await.expect("count"), 1);
    let again = post(
        &app,
        &pro,
        "/api/pro/sequence-enroll",
        &[("id", &seq.to_string()), ("leads[0]", &lead[0].to_string())],
    )
    .await;
    assert_eq!(
        again.json::<i64>().await.expect("count"),
        0,
        "one open enrollment per lead and sequence"
    );

    // The app's own engine and outbox worker deliver it to the SMTP server on loopback.
    let message = app.mail.message_to(&email, 1).await;
    assert!(message.data.contains("Hi Jane, about 1 Elm St."), "{}", message.data);
    assert!(message.data.contains("1 Main St, Dallas, TX 75201"), "postal address");
    // From the rep at the company (CAN-SPAM), at the platform's sending address.
    let from = message
        .data
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("from:"))
        .expect("From");
    assert!(from.contains(" at Lone Star Roofing") && from.contains('<'), "{from}");
    assert!(!from.contains("Fish Mouth"), "{from}");
    assert!(
        message
            .data
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        message.data
    );
    let marker = "List-Unsubscribe: <";
    let start = message.data.find(marker).expect("List-Unsubscribe header") + marker.len();
    let url: String = message.data[start..].chars().take_while(|c| *c != '>').collect();
    // PUBLIC_URL of the test app is its default; the path is what we follow.
    let path = url
        .find("/unsubscribe/")
        .map(|i| url[i..].to_owned())
        .expect("an unsubscribe address");
    assert!(url.starts_with("http"), "{url}");
    let url = app.url(&path);
    assert!(
        message.data.contains("Reply-To: reply+"),
        "replies come back to us: {}",
        message.data
    );

    // RFC 8058: a bare POST with no cookies unsubscribes.
    let done = reqwest::Client::new()
        .post(&url)
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("one click");
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_opt_outs WHERE channel = 'email'").await,
        1
    );
    let (state, reason): (String, Option<String>) = sqlx::query_as("SELECT state, stop_reason FROM fm_enrollments")
        .fetch_one(&mut db)
        .await
        .expect("enrollment");
    assert_eq!((state.as_str(), reason.as_deref()), ("stopped", Some("opted_out")));
    let token = url.rsplit('/').next().expect("token");
    let page = app.get(&format!("/u/{token}")).await.text().await.expect("page");
    assert!(page.contains("You are unsubscribed"), "the link keeps working");
    // Never emailed again: enrolling once more sends nothing.
    post(
        &app,
        &pro,
        "/api/pro/sequence-enroll",
        &[("id", &seq.to_string()), ("leads[0]", &lead[0].to_string())],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.mail.count_to(&email), 1);
}

#[tokio::test]
async fn texts_go_to_telnyx_only_with_consent_and_webhooks_must_be_signed() {
    use axum::{Json, Router, routing::post as route_post};
    let received = Arc::new(tokio::sync::Mutex::new(Vec::<Value>::new()));
    let fake = {
        let received = received.clone();
        Router::new().route(
            "/v2/messages",
            route_post(move |Json(body): Json<Value>| {
                let received = received.clone();
                async move {
                    received.lock().await.push(body);
                    Json(serde_json::json!({ "data": { "id": "msg_seq_1" } }))
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, fake).await });
    let public = telnyx_public();
    let app = spawn_app_with(&[
        ("TELNYX_API_KEY", "KEY_test"),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", base.as_str()),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
    ])
    .await;
    let pro = contractor(&app, "texter@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "texter@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 3, &zone).await;
    sqlx::query("UPDATE leads SET sms_consent_at = NULL WHERE id = $1")
        .bind(leads[2])
        .execute(&mut db)
        .await
        .expect("no consent");
    let (seq, _) = sequence(
        &mut db,
        user,
        &[
            ("sms", 0, "Hi {{first_name}} from {{company}}"),
            ("sms", 1, "Follow-up"),
        ],
    )
    .await;
    let (other_seq, _) = sequence(&mut db, user, &[("sms", 600, "Other sequence")]).await;
    enroll_due(&mut db, user, seq, &leads).await;
    enroll_due(&mut db, user, other_seq, &leads[..1]).await;
    sqlx::query("UPDATE fm_enrollments SET next_due_at = now() + interval '1 day' WHERE sequence_id = $1")
        .bind(other_seq)
        .execute(&mut db)
        .await
        .expect("later");
    let pool = pool(&app).await;
    run_until_idle(&engine(&pool, &app)).await;
    for _ in 0..50 {
        if received.lock().await.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let texts = received.lock().await.clone();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| {
        t["text"]
            .as_str()
            .unwrap_or_default()
            .ends_with("Reply STOP to opt out.")
    }));
    let skipped: String = sqlx::query_scalar("SELECT detail FROM fm_enrollment_steps WHERE outcome = 'skipped'")
        .fetch_one(&mut db)
        .await
        .expect("skipped");
    assert!(skipped.contains("consent"), "{skipped}");
    // The delivery report ties back to the message by Telnyx's id.
    let status = telnyx_webhook(
        app.address.clone(),
        serde_json::json!({ "data": { "id": "evt-d1", "event_type": "message.finalized",
        "payload": { "id": "msg_seq_1", "to": [{ "phone_number": "+12140000001", "status": "delivered" }] } } }),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE delivery_status = 'delivered'"
        )
        .await,
        2
    );

    let phones: Vec<String> = sqlx::query_scalar("SELECT p.phone FROM leads l JOIN properties p ON p.id = l.property_id WHERE l.id = ANY($1) ORDER BY l.id = $2 DESC, l.id = $3 DESC")
        .bind(&leads)
        .bind(leads[0])
        .bind(leads[1])
        .fetch_all(&mut db)
        .await
        .expect("phones");
    // Unsigned: refused, nothing changes.
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phones[0], "STOP"), false).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM fm_opt_outs").await, 0);
    // The third home shares the first one's phone (one owner, two homes).
    sqlx::query("UPDATE properties SET phone = $1 WHERE id = (SELECT property_id FROM leads WHERE id = $2)")
        .bind(&phones[0])
        .bind(leads[2])
        .execute(&mut db)
        .await
        .expect("shared phone");
    // Signed STOP: every sequence of this contractor stops for that number at once.
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phones[0], "Stop"), true).await,
        StatusCode::OK
    );
    // It is filed under one lead, and both leads' histories show it: the STOP is the phone's.
    for lead in [leads[0], leads[2]] {
        let outreach: Value = pro
            .get(app.url(&format!("/api/pro/lead-outreach?id={lead}")))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let timeline = outreach["timeline"].to_string();
        assert!(timeline.contains("Text opt out"), "{lead}: {timeline}");
        assert_eq!(outreach["opted_out"], serde_json::json!(["sms"]), "{lead}");
    }
    let stopped: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT sequence_id, stop_reason FROM fm_enrollments WHERE lead_id = $1 ORDER BY sequence_id")
            .bind(leads[0])
            .fetch_all(&mut db)
            .await
            .expect("stopped");
    assert_eq!(stopped.len(), 2);
    assert!(stopped.iter().all(|(_, r)| r == "opted_out"), "{stopped:?}");
    // A reply from the second lead stops their sequence as replied.
    assert_eq!(
        telnyx_webhook(
            app.address.clone(),
            inbound_sms(&phones[1], "Yes, call me Tuesday"),
            true
        )
        .await,
        StatusCode::OK
    );
    let reason: Option<String> = sqlx::query_scalar("SELECT stop_reason FROM fm_enrollments WHERE lead_id = $1")
        .bind(leads[1])
        .fetch_one(&mut db)
        .await
        .expect("reason");
    assert_eq!(reason.as_deref(), Some("replied"));
    // START opts back in (it does not re-enroll).
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phones[0], "START"), true).await,
        StatusCode::OK
    );
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM fm_opt_outs").await, 0);
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM fm_inbound").await, 3);
}

#[tokio::test]
async fn replies_by_email_and_won_leads_stop_their_sequences() {
    let app = spawn_app().await;
    let pro = contractor(&app, "replies@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "replies@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 2, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("sms", 600, "Later")]).await;
    // Not due: the app's engine would otherwise finish the one-step enrollment first.
    enroll_waiting(&mut db, user, seq, &leads).await;
    let token: Uuid = sqlx::query_scalar("SELECT id FROM fm_enrollments WHERE lead_id = $1")
        .bind(leads[0])
        .fetch_one(&mut db)
        .await
        .expect("enrollment");
    let token = token.simple();
    let body = serde_json::to_vec(&serde_json::json!({
        "from": "owner@example.com", "to": format!("Roofer <reply+{token}@sasa.test>"), "subject": "Re: Hail", "text": "Please come Tuesday"
    }))
    .expect("json");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let unsigned = reqwest::Client::new()
        .post(app.url("/webhooks/email"))
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let signature = app::fishmouth::stripe::sign("inbound_development_only_never_use_in_production", now, &body);
    let signed = reqwest::Client::new()
        .post(app.url("/webhooks/email"))
        .header("x-inbound-signature", signature)
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(signed.status(), StatusCode::OK);
    let reason: Option<String> = sqlx::query_scalar("SELECT stop_reason FROM fm_enrollments WHERE lead_id = $1")
        .bind(leads[0])
        .fetch_one(&mut db)
        .await
        .expect("reason");
    assert_eq!(reason.as_deref(), Some("replied"));

    let won = post(
        &app,
        &pro,
        "/api/pro/lead-stage",
        &[("id", &leads[1].to_string()), ("stage", "won")],
    )
    .await;
    assert_eq!(won.status(), StatusCode::OK);
    let reason: Option<String> = sqlx::query_scalar("SELECT stop_reason FROM fm_enrollments WHERE lead_id = $1")
        .bind(leads[1])
        .fetch_one(&mut db)
        .await
        .expect("reason");
    assert_eq!(reason.as_deref(), Some("won"));
    // The lead's timeline shows the reply.
    let outreach: Value = pro
        .get(app.url(&format!("/api/pro/lead-outreach?id={}", leads[0])))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let timeline = outreach["timeline"].to_string();
    assert!(
        timeline.contains("Email reply") && timeline.contains("Please come Tuesday"),
        "{timeline}"
    );
}

#[tokio::test]
async fn call_tasks_wait_for_the_rep_and_pausing_holds_an_enrollment() {
    let app = spawn_app().await;
    let pro = contractor(&app, "caller@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "caller@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let leads = leads(&mut db, user, 2, &zone).await;
    let (seq, steps) = sequence(
        &mut db,
        user,
        &[
            ("call", 0, "Call {{first_name}} about {{street}}"),
            ("sms", 0, "After the call"),
        ],
    )
    .await;
    enroll_due(&mut db, user, seq, &leads).await;
    let pool = pool(&app).await;
    run_until_idle(&engine(&pool, &app)).await;
    let tasks: Value = pro
        .get(app.url("/api/pro/tasks"))
        .send()
        .await
        .expect("tasks")
        .json()
        .await
        .expect("json");
    assert_eq!(tasks.as_array().map(Vec::len), Some(2));
    let scripts = tasks.to_string();
    assert!(
        scripts.contains("Call Jane about 1 Elm St") && scripts.contains("Call Jane about 2 Elm St"),
        "{scripts}"
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        0,
        "the text waits for the call"
    );

    let (first, second): (Uuid, Uuid) =
        sqlx::query_as("SELECT min(id::text)::uuid, max(id::text)::uuid FROM fm_enrollments")
            .fetch_one(&mut db)
            .await
            .expect("ids");
    let paused = post(
        &app,
        &pro,
        "/api/pro/enrollment",
        &[("id", &second.to_string()), ("action", "pause")],
    )
    .await;
    assert_eq!(paused.status(), StatusCode::OK);
    let other = contractor(&app, "not-the-caller@example.com").await;
    let meddle = post(
        &app,
        &other,
        "/api/pro/task-done",
        &[
            ("enrollment", &first.to_string()),
            ("step", &steps[0].to_string()),
            ("outcome", "reached"),
        ],
    )
    .await;
    assert_eq!(meddle.status(), StatusCode::NOT_FOUND);
    let bad = post(
        &app,
        &pro,
        "/api/pro/task-done",
        &[
            ("enrollment", &first.to_string()),
            ("step", &steps[0].to_string()),
            ("outcome", "exploded"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    for id in [first, second] {
        let done = post(
            &app,
            &pro,
            "/api/pro/task-done",
            &[
                ("enrollment", &id.to_string()),
                ("step", &steps[0].to_string()),
                ("outcome", "reached"),
            ],
        )
        .await;
        assert_eq!(done.status(), StatusCode::OK);
    }
    run_until_idle(&engine(&pool, &app)).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        1,
        "the paused one waits"
    );
    let resumed = post(
        &app,
        &pro,
        "/api/pro/enrollment",
        &[("id", &second.to_string()), ("action", "resume")],
    )
    .await;
    assert_eq!(resumed.status(), StatusCode::OK);
    run_until_idle(&engine(&pool, &app)).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_enrollments WHERE state = 'finished'").await,
        2
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM usage_events WHERE event = 'call_started'"
        )
        .await,
        2,
        "first-party usage"
    );
}

#[tokio::test]
async fn steps_due_at_night_in_the_leads_zone_wait_for_morning() {
    let app = spawn_app().await;
    contractor(&app, "night@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "night@example.com").await;
    // A zone where it is now between 22:00 and 06:00.
    let mut night = None;
    for offset in -12..=14 {
        let zone = if offset == 0 {
            "Etc/GMT".to_owned()
        } else {
            format!("Etc/GMT{:+}", -offset)
        };
        let hour: f64 = sqlx::query_scalar("SELECT extract(hour FROM now() AT TIME ZONE $1)::float8")
            .bind(&zone)
            .fetch_one(&mut db)
            .await
            .expect("hour");
        if !(6.0..22.0).contains(&hour) {
            night = Some(zone);
            break;
        }
    }
    let zone = night.expect("some zone is at night");
    let leads = leads(&mut db, user, 5, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("sms", 0, "Hello")]).await;
    enroll_due(&mut db, user, seq, &leads).await;
    let pool = pool(&app).await;
    run_until_idle(&engine(&pool, &app)).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'"
        )
        .await,
        0,
        "nothing at night"
    );
    // (weekday 0 to 6 from Sunday, hour) of each rescheduled step, in the lead's zone.
    let due: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT extract(dow FROM next_due_at AT TIME ZONE $1)::float8, extract(hour FROM next_due_at AT TIME ZONE $1)::float8
         FROM fm_enrollments",
    )
    .bind(&zone)
    .fetch_all(&mut db)
    .await
    .expect("due");
    assert!(
        due.iter()
            .all(|&(day, hour)| hour == if day == 0.0 { 12.0 } else { 9.0 }),
        "rescheduled to when Texas allows calls, 09:00 local or noon on a Sunday: {due:?}"
    );
}

#[tokio::test]
async fn new_leads_above_the_threshold_are_enrolled_as_they_are_bought() {
    let app = spawn_app_with(&[("SAMPLE_HOMES", "3000")]).await;
    let pro = contractor(&app, "auto@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "auto@example.com").await;
    let (seq, _) = sequence(&mut db, user, &[("call", 0, "Call them")]).await;
    sqlx::query("UPDATE fm_sequences SET auto_enroll_min_score = 80 WHERE id = $1")
        .bind(seq)
        .execute(&mut db)
        .await
        .expect("threshold");
    let scan = crate::fishmouth::finished_scan(&app, &pro, "10").await;
    assert_eq!(
        post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "10000")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &scan)])
            .await
            .status(),
        StatusCode::OK
    );
    let premium = scalar(&mut db, "SELECT count(*) FROM leads WHERE score >= 80").await;
    assert!(premium > 0 && premium < scalar(&mut db, "SELECT count(*) FROM leads").await);
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM fm_enrollments").await, premium);
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_enrollments e JOIN leads l ON l.id = e.lead_id WHERE l.score < 80"
        )
        .await,
        0
    );
    // Every enrollment has its first step scheduled.
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_enrollments WHERE next_due_at IS NULL").await,
        0
    );
}

#[tokio::test]
async fn a_reply_reaches_only_the_contractor_who_texted_but_stop_reaches_all() {
    let public = telnyx_public();
    let app = spawn_app_with(&[("TELNYX_PUBLIC_KEY", public.as_str())]).await;
    contractor(&app, "texted@example.com").await;
    contractor(&app, "silent@example.com").await;
    let mut db = app.db().await;
    let texted = user_id(&mut db, "texted@example.com").await;
    let silent = user_id(&mut db, "silent@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let mine = leads(&mut db, texted, 1, &zone).await;
    // The other contractor bought the same home (same phone) but never texted it.
    let theirs: Uuid = sqlx::query_scalar(
        "INSERT INTO leads (id, user_id, property_id, score, factors, reasons, confidence, price_cents)
         SELECT gen_random_uuid(), $1, property_id, 85, '{}', '[]', 50, 0 FROM leads WHERE id = $2 RETURNING id",
    )
    .bind(silent)
    .bind(mine[0])
    .fetch_one(&mut db)
    .await
    .expect("their lead");
    let (seq, _) = sequence(&mut db, texted, &[("sms", 0, "Hi"), ("sms", 600, "Later")]).await;
    let (their_seq, _) = sequence(&mut db, silent, &[("email", 600, "Later")]).await;
    enroll_due(&mut db, texted, seq, &mine).await;
    enroll_due(&mut db, silent, their_seq, &[theirs]).await;
    sqlx::query("UPDATE fm_enrollments SET next_due_at = now() + interval '1 day' WHERE sequence_id = $1")
        .bind(their_seq)
        .execute(&mut db)
        .await
        .expect("later");
    let pool = pool(&app).await;
    run_until_idle(&engine(&pool, &app)).await;
    let phone: String = sqlx::query_scalar("SELECT recipient FROM outbox WHERE idempotency_key LIKE 'seq:%'")
        .fetch_one(&mut db)
        .await
        .expect("texted");

    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phone, "Who is this?"), true).await,
        StatusCode::OK
    );
    let states: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT user_id, state FROM fm_enrollments ORDER BY user_id = $1 DESC")
            .bind(texted)
            .fetch_all(&mut db)
            .await
            .expect("states");
    assert_eq!(
        states,
        [(texted, "stopped".to_owned()), (silent, "active".to_owned())],
        "the reply was to the texter only"
    );
    assert_eq!(
        scalar(
            &mut db,
            &format!("SELECT count(*) FROM fm_inbound WHERE user_id = '{silent}'")
        )
        .await,
        0
    );

    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phone, "STOP"), true).await,
        StatusCode::OK
    );
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_opt_outs WHERE channel = 'sms'").await,
        2,
        "STOP opts out with both"
    );
    let theirs_now: String = sqlx::query_scalar("SELECT state FROM fm_enrollments WHERE user_id = $1")
        .bind(silent)
        .fetch_one(&mut db)
        .await
        .expect("theirs");
    assert_eq!(theirs_now, "stopped");
}

#[tokio::test]
async fn late_and_opted_out_messages_are_never_delivered() {
    let app = spawn_app().await;
    contractor(&app, "late@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "late@example.com").await;
    for (key, to, not_after) in [
        ("seq:late", "+12140000001", "now() - interval '1 minute'"),
        ("seq:opted", "+12140000002", "now() + interval '1 hour'"),
        ("seq:fine", "+12140000003", "now() + interval '1 hour'"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, not_after)
             VALUES ($1, $2, 'sms', $3, '', 'Hi', '', {not_after})"
        ))
        .bind(key)
        .bind(user)
        .bind(to)
        .execute(&mut db)
        .await
        .expect("message");
    }
    sqlx::query(
        "INSERT INTO fm_opt_outs (user_id, channel, address, source) VALUES ($1, 'sms', '+12140000002', 'test')",
    )
    .bind(user)
    .execute(&mut db)
    .await
    .expect("opt-out");
    // The app's outbox worker (development: texts go to the dev mailbox) runs every 500 ms.
    for _ in 0..50 {
        if scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key = 'seq:fine' AND status = 'sent'",
        )
        .await
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT idempotency_key, status FROM outbox WHERE idempotency_key LIKE 'seq:%' ORDER BY 1")
            .fetch_all(&mut db)
            .await
            .expect("statuses");
    assert_eq!(
        statuses,
        [
            ("seq:fine".to_owned(), "sent".to_owned()),
            ("seq:late".to_owned(), "cancelled".to_owned()),
            ("seq:opted".to_owned(), "cancelled".to_owned()),
        ]
    );
    // Withheld by Fish Mouth's delivery hook, not merely left waiting.
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM outbox WHERE idempotency_key = 'seq:opted' AND last_error = 'withheld'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM dev_mailbox WHERE recipient <> '+12140000003' AND subject = 'SMS'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn an_unsubscribe_written_in_a_reply_opts_the_address_out() {
    let app = spawn_app().await;
    let pro = contractor(&app, "reply-stop@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "reply-stop@example.com").await;
    let zone = daytime_zone(&mut db).await;
    let lead = leads(&mut db, user, 1, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("email", 600, "Later")]).await;
    enroll_due(&mut db, user, seq, &lead).await;
    let enrollment: Uuid = sqlx::query_scalar("SELECT id FROM fm_enrollments")
        .fetch_one(&mut db)
        .await
        .expect("id");
    let body = serde_json::to_vec(&serde_json::json!({
        "from": "owner@example.com", "to": format!("reply+{}@sasa.test", enrollment.simple()), "subject": "Re: Hail", "text": "\n Unsubscribe me please\n\n> quoted"
    }))
    .expect("json");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = app::fishmouth::stripe::sign("inbound_development_only_never_use_in_production", now, &body);
    let signed = reqwest::Client::new()
        .post(app.url("/webhooks/email"))
        .header("x-inbound-signature", signature)
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(signed.status(), StatusCode::OK);
    let inbound: Vec<(String, String)> = sqlx::query_as("SELECT kind, body FROM fm_inbound")
        .fetch_all(&mut db)
        .await
        .expect("inbound");
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_opt_outs WHERE channel = 'email'").await,
        1,
        "{inbound:?}"
    );

    // Bad input names its field and saves nothing; a running sequence keeps what sending needs.
    let form = |name: &str, kind: &str| -> Vec<(String, String)> {
        vec![
            ("id".into(), seq.to_string()),
            ("name".into(), name.into()),
            ("window[days][0]".into(), "0".into()),
            ("window[start]".into(), "9".into()),
            ("window[end]".into(), "17".into()),
            ("steps[0][kind]".into(), kind.into()),
            ("steps[0][delay_amount]".into(), "1".into()),
            ("steps[0][delay_unit]".into(), "days".into()),
            ("steps[0][subject]".into(), "Hello".into()),
            ("steps[0][body]".into(), "Hello".into()),
        ]
    };
    let nul = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&form("Bad\u{0}name", "sms"))
        .send()
        .await
        .expect("save");
    assert_eq!(nul.status(), StatusCode::BAD_REQUEST);
    assert!(nul.text().await.unwrap_or_default().contains("\"name\""));
    let no_address = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&form("Fine", "email"))
        .send()
        .await
        .expect("save");
    assert_eq!(
        no_address.status(),
        StatusCode::BAD_REQUEST,
        "email steps need the postal address"
    );
    assert_eq!(
        scalar(&mut db, "SELECT count(*) FROM fm_sequences WHERE name = 'Fine'").await,
        0,
        "nothing saved"
    );
}

/// Two contractors texted the same homeowner from the shared number: her reply belongs to the
/// one who texted last, and the other never reads it. Her STOP opts out with both, but only
/// that one reads what she wrote.
#[tokio::test]
async fn a_reply_to_the_shared_number_belongs_to_one_contractor_only() {
    let app = spawn_app().await;
    contractor(&app, "first@example.com").await;
    contractor(&app, "second@example.com").await;
    let mut db = app.db().await;
    let first = user_id(&mut db, "first@example.com").await;
    let second = user_id(&mut db, "second@example.com").await;
    let phone = "+12145550142";
    for (user, key, minutes_ago) in [(first, "seq:first", 60), (second, "seq:second", 5)] {
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, status, sent_at)
             VALUES ($1, $2, 'sms', $3, '', 'Hi from us', '', 'sent', now() - make_interval(mins => $4))",
        )
        .bind(key)
        .bind(user)
        .bind(phone)
        .bind(minutes_ago)
        .execute(&mut db)
        .await
        .expect("a text sent");
    }
    let pool = pool(&app).await;
    let inbound = |user: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT kind || ': ' || body FROM fm_inbound WHERE user_id = $1 ORDER BY id",
            )
            .bind(user)
            .fetch_all(&pool)
            .await
            .expect("inbound")
        }
    };
    app::fishmouth::sequences::inbound::receive_sms(&pool, &to_shared(phone, "Yes, my roof leaks: call me", "evt-1"))
        .await
        .expect("reply");
    assert_eq!(inbound(second).await, ["reply: Yes, my roof leaks: call me"]);
    assert!(inbound(first).await.is_empty(), "the other contractor never sees it");

    app::fishmouth::sequences::inbound::receive_sms(&pool, &to_shared(phone, "STOP texting me, second", "evt-2"))
        .await
        .expect("stop");
    assert_eq!(
        scalar(
            &mut db,
            "SELECT count(*) FROM fm_opt_outs WHERE channel = 'sms' AND address = '+12145550142'"
        )
        .await,
        2,
        "opted out with both"
    );
    assert_eq!(inbound(second).await[1], "opt_out: STOP texting me, second");
    let theirs = inbound(first).await;
    assert_eq!(theirs.len(), 1);
    assert!(
        theirs[0].starts_with("opt_out: ") && !theirs[0].contains("second"),
        "{theirs:?}"
    );
}

/// A text from `from` to the platform's shared number.
fn to_shared(from: &str, text: &str, event_id: &str) -> app::platform::telnyx::IncomingText {
    app::platform::telnyx::IncomingText {
        from: from.into(),
        to: "+12145550100".into(),
        to_shared: true,
        text: text.into(),
        event_id: event_id.into(),
    }
}

/// A homeowner's email reply to the enrollment of `lead`, through the signed inbound webhook.
pub(crate) async fn email_reply(
    app: &TestApp,
    db: &mut PgConnection,
    lead: Uuid,
    text: &str,
    message_id: &str,
) -> StatusCode {
    let token: Uuid = sqlx::query_scalar("SELECT id FROM fm_enrollments WHERE lead_id = $1")
        .bind(lead)
        .fetch_one(db)
        .await
        .expect("enrollment");
    let body = serde_json::to_vec(&serde_json::json!({
        "from": "owner@example.com", "to": format!("reply+{}@sasa.test", token.simple()),
        "subject": "Re: Hail", "text": text, "message_id": message_id
    }))
    .expect("json");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = app::fishmouth::stripe::sign("inbound_development_only_never_use_in_production", now, &body);
    reqwest::Client::new()
        .post(app.url("/webhooks/email"))
        .header("x-inbound-signature", signature)
        .body(body)
        .send()
        .await
        .expect("post")
        .status()
}

#[tokio::test]
async fn a_reply_reaches_only_its_contractors_inbox_and_alerts_them_once() {
    let app = spawn_app().await;
    let a = contractor(&app, "inbox-a@example.com").await;
    let b = contractor(&app, "inbox-b@example.com").await;
    let mut db = app.db().await;
    let zone = daytime_zone(&mut db).await;
    let user_a = user_id(&mut db, "inbox-a@example.com").await;
    let lead = leads(&mut db, user_a, 1, &zone).await;
    let (seq, _) = sequence(&mut db, user_a, &[("sms", 600, "Later")]).await;
    enroll_waiting(&mut db, user_a, seq, &lead).await;

    // The same reply delivered twice by the provider: one in the inbox, one alert.
    for _ in 0..2 {
        let status = email_reply(&app, &mut db, lead[0], "Please come Tuesday", "<r1@mail.example>").await;
        assert_eq!(status, StatusCode::OK);
    }
    let inbox = |client: &Client, show: &'static str| {
        let url = app.url(&format!("/api/pro/inbox?show={show}"));
        let client = client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("inbox")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let mine = inbox(&a, "open").await;
    assert_eq!(mine["unread"], 1);
    assert_eq!(mine["replies"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["replies"][0]["body"], "Re: Hail\nPlease come Tuesday");
    assert_eq!(mine["replies"][0]["lead_id"], lead[0].to_string());
    let alerts: Vec<(String, String)> =
        sqlx::query_as("SELECT recipient, subject FROM outbox WHERE idempotency_key LIKE 'reply-alert:%'")
            .fetch_all(&mut db)
            .await
            .expect("alerts");
    assert_eq!(
        alerts,
        [(
            "inbox-a@example.com".to_owned(),
            "New reply from owner@example.com".to_owned()
        )]
    );
    // The header's badge asks for the count once the page is live.
    let unread: Value = a
        .get(app.url("/api/pro/inbox-unread"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(unread, 1);
    let page = a
        .get(app.url("/pro/tasks"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"href="/pro/inbox""#),
        "the header links to it on every page"
    );

    // Another contractor sees nothing of it and cannot touch it.
    let theirs = inbox(&b, "all").await;
    assert_eq!(
        (theirs["unread"].as_i64(), theirs["replies"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let id = mine["replies"][0]["id"].as_i64().expect("id").to_string();
    let touched = post(&app, &b, "/api/pro/inbox-mark", &[("id", &id), ("state", "done")]).await;
    assert_eq!(touched.status(), StatusCode::NOT_FOUND);
    let bad = post(&app, &a, "/api/pro/inbox-mark", &[("id", &id), ("state", "archived")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap_or_default().contains("state"));

    // Read, then done: it leaves "needs reply" but stays in "all"; reopened, it is back.
    assert_eq!(
        post(&app, &a, "/api/pro/inbox-mark", &[("id", &id), ("state", "read")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(inbox(&a, "unread").await["replies"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        post(&app, &a, "/api/pro/inbox-mark", &[("id", &id), ("state", "done")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(inbox(&a, "open").await["replies"].as_array().map(Vec::len), Some(0));
    assert_eq!(inbox(&a, "all").await["replies"][0]["done"], true);
    assert_eq!(
        post(&app, &a, "/api/pro/inbox-mark", &[("id", &id), ("state", "open")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(inbox(&a, "open").await["replies"].as_array().map(Vec::len), Some(1));
    // Booked: the replies of leads she has an appointment with.
    assert_eq!(inbox(&a, "booked").await["replies"].as_array().map(Vec::len), Some(0));
    sqlx::query("UPDATE leads SET stage = 'appointment' WHERE id = $1")
        .bind(lead[0])
        .execute(&mut db)
        .await
        .expect("booked");
    assert_eq!(inbox(&a, "booked").await["replies"].as_array().map(Vec::len), Some(1));

    // Answered in place, by email: to the address it came from, under her name, with the
    // reply address that brings the next answer back; then it is done.
    let empty = post(&app, &a, "/api/pro/inbox-answer", &[("id", &id), ("body", "  ")]).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert!(empty.text().await.unwrap_or_default().contains("body"));
    let stranger = post(&app, &b, "/api/pro/inbox-answer", &[("id", &id), ("body", "Hi")]).await;
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    let sent = post(
        &app,
        &a,
        "/api/pro/inbox-answer",
        &[("id", &id), ("body", "See you Tuesday at 10.")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let (to, subject, reply_to, body): (String, String, Option<String>, String) = sqlx::query_as(
        "SELECT recipient, subject, reply_to, body_text FROM outbox WHERE idempotency_key LIKE 'inbox-answer:%'",
    )
    .fetch_one(&mut db)
    .await
    .expect("answer");
    assert_eq!((to.as_str(), subject.as_str()), ("owner@example.com", "Re: Hail"));
    assert!(
        reply_to.is_some_and(|r| r.starts_with("reply+")),
        "the next answer comes back"
    );
    assert!(body.starts_with("See you Tuesday at 10."));
    assert_eq!(
        inbox(&a, "open").await["replies"].as_array().map(Vec::len),
        Some(0),
        "done"
    );
    // Once they opt out, no answer goes.
    sqlx::query(
        "INSERT INTO fm_opt_outs (user_id, channel, address, source) VALUES ($1, 'email', 'owner@example.com', 'test')",
    )
    .bind(user_a)
    .execute(&mut db)
    .await
    .expect("opt out");
    let refused = post(
        &app,
        &a,
        "/api/pro/inbox-answer",
        &[("id", &id), ("body", "One more thing")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap_or_default().contains("opted out"));
    sqlx::query("DELETE FROM fm_opt_outs")
        .execute(&mut db)
        .await
        .expect("clean");

    // A second reply: unread again, and "mark all read" clears it.
    assert_eq!(
        email_reply(&app, &mut db, lead[0], "Or Wednesday", "<r2@mail.example>").await,
        StatusCode::OK
    );
    assert_eq!(inbox(&a, "all").await["unread"], 1);
    assert_eq!(
        post(&app, &a, "/api/pro/inbox-read-all", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(inbox(&a, "all").await["unread"], 0);
    assert_eq!(app.count("outbox WHERE idempotency_key LIKE 'reply-alert:%'").await, 2);
}

#[tokio::test]
async fn postmarks_inbound_json_is_a_reply_when_its_credentials_are_right() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let pro = contractor(&app, "postmark@example.com").await;
    let mut db = app.db().await;
    let zone = daytime_zone(&mut db).await;
    let user = user_id(&mut db, "postmark@example.com").await;
    let lead = leads(&mut db, user, 1, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("sms", 600, "Later")]).await;
    enroll_waiting(&mut db, user, seq, &lead).await;
    let token: Uuid = sqlx::query_scalar("SELECT id FROM fm_enrollments WHERE lead_id = $1")
        .bind(lead[0])
        .fetch_one(&mut db)
        .await
        .expect("enrollment");
    // Postmark's inbound JSON, as its documentation shows it (fields we do not read included).
    let body = serde_json::json!({
        "FromName": "Jane Owner", "MessageStream": "inbound", "From": "jane@example.com",
        "FromFull": { "Email": "jane@example.com", "Name": "Jane Owner", "MailboxHash": "" },
        "To": format!("reply+{}@sasa.test", token.simple()),
        "ToFull": [{ "Email": format!("reply+{}@sasa.test", token.simple()), "Name": "", "MailboxHash": token.simple().to_string() }],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [], "OriginalRecipient": format!("reply+{}@sasa.test", token.simple()),
        "Subject": "Re: Hail damage", "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b", "ReplyTo": "",
        "MailboxHash": token.simple().to_string(), "Date": "Fri, 1 Aug 2026 16:45:32 -04:00",
        "TextBody": "Yes, Thursday works.\n\n> On Tue, Sam wrote:\n> Hail hit your street",
        "HtmlBody": "<p>Yes, Thursday works.</p>", "StrippedTextReply": "Yes, Thursday works.",
        "Tag": "", "Headers": [{ "Name": "X-Spam-Status", "Value": "No" }], "Attachments": []
    });
    let send = |auth: Option<&'static str>| {
        let mut request = reqwest::Client::new()
            .post(app.url("/webhooks/email/postmark"))
            .json(&body);
        if let Some(auth) = auth {
            let encoded = base64::engine::general_purpose::STANDARD.encode(auth);
            request = request.header("authorization", format!("Basic {encoded}"));
        }
        async move { request.send().await.expect("post").status() }
    };
    assert_eq!(send(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(Some("postmark:wrong-password-of-some-length")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scalar(&mut db, "SELECT count(*) FROM fm_inbound").await, 0);
    let right = "postmark:inbound_development_only_never_use_in_production";
    assert_eq!(send(Some(right)).await, StatusCode::OK);
    assert_eq!(send(Some(right)).await, StatusCode::OK, "a retry is recorded once");
    let (from, text): (String, String) = sqlx::query_as("SELECT address, body FROM fm_inbound WHERE kind = 'reply'")
        .fetch_one(&mut db)
        .await
        .expect("reply");
    assert_eq!(from, "jane@example.com");
    assert_eq!(
        text, "Re: Hail damage\nYes, Thursday works.",
        "the reply without the quoted mail"
    );
    let inbox: Value = pro
        .get(app.url("/api/pro/inbox"))
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("json");
    assert_eq!(inbox["unread"], 1);
}

#[tokio::test]
async fn an_ab_step_sends_each_lead_one_version_and_the_report_compares_replies() {
    let app = spawn_app().await;
    let pro = contractor(&app, "ab@example.com").await;
    let created = post(&app, &pro, "/api/pro/sequence-create", &[("name", "Storm A/B")]).await;
    let id: String = created.json().await.expect("id");
    let form = |variant_body: &str| {
        vec![
            ("id", id.clone()),
            ("name", "Storm A/B".to_owned()),
            ("window[days][0]", "0".to_owned()),
            ("window[start]", "0".to_owned()),
            ("window[end]", "24".to_owned()),
            ("steps[0][kind]", "email".to_owned()),
            ("steps[0][delay_amount]", "0".to_owned()),
            ("steps[0][delay_unit]", "days".to_owned()),
            ("steps[0][subject]", "Hail near {{street}}".to_owned()),
            ("steps[0][body]", "Hi {{first_name}}, a free check?".to_owned()),
            (
                "steps[0][variant_subject]",
                "{{first_name}}, your roof after the storm".to_owned(),
            ),
            ("steps[0][variant_body]", variant_body.to_owned()),
        ]
    };
    // Version B is checked like version A, naming its own field; nothing is saved.
    let refused = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&form("Hi {{nickname}}"))
        .send()
        .await
        .expect("save");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["fields"][0]["field"], "steps[0].variant_body", "{body}");
    let saved = pro
        .post(app.url("/api/pro/sequence-save"))
        .form(&form(""))
        .send()
        .await
        .expect("save");
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap_or_default()
    );
    let page = sequence_json(&app, &pro, &id).await;
    assert_eq!(
        page["steps"][0]["variant_subject"],
        "{{first_name}}, your roof after the storm"
    );

    // 200 leads due at once: each gets one version, about half each.
    let mut db = app.db().await;
    let user = user_id(&mut db, "ab@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let lead_ids = leads(&mut db, user, 200, &zone).await;
    let seq = Uuid::parse_str(&id).expect("uuid");
    sqlx::query("UPDATE fm_sequences SET status = 'active', window_days = 127 WHERE id = $1")
        .bind(seq)
        .execute(&mut db)
        .await
        .expect("activate");
    enroll_due(&mut db, user, seq, &lead_ids).await;
    run_until_idle(&engine(&pool(&app).await, &app)).await;
    settle(&mut db).await;
    let split: Vec<(Option<String>, String, i64)> = sqlx::query_as(
        "SELECT d.version, left(o.subject, 9), count(*) FROM fm_enrollment_steps d
         JOIN outbox o ON o.idempotency_key = d.outbox_key GROUP BY 1, 2 ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await
    .expect("split");
    assert_eq!(split.len(), 2, "{split:?}");
    assert_eq!((split[0].0.as_deref(), split[0].1.as_str()), (Some("a"), "Hail near"));
    assert_eq!((split[1].0.as_deref(), split[1].1.as_str()), (Some("b"), "Jane, you"));
    assert_eq!(split[0].2 + split[1].2, 200);
    assert!(split[0].2 > 60 && split[1].2 > 60, "{split:?}");
    // On the wire, version B has its own subject and kept version A's text, left empty.
    let to: String = sqlx::query_scalar(
        "SELECT o.recipient FROM fm_enrollment_steps d JOIN outbox o ON o.idempotency_key = d.outbox_key
         WHERE d.version = 'b' ORDER BY o.id LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("a version B recipient");
    let raw = String::from_utf8_lossy(&app.mail.message_to(&to, 1).await.raw).into_owned();
    assert!(raw.contains("Subject: Jane, your roof after the storm"), "{raw}");
    assert!(raw.contains("Hi Jane, a free check?"), "{raw}");
    // Replies: 30 of B's leads and 3 of A's.
    for (version, n) in [("b", 30), ("a", 3)] {
        sqlx::query(
            "INSERT INTO fm_inbound (user_id, lead_id, enrollment_id, channel, kind, address, body)
             SELECT e.user_id, e.lead_id, e.id, 'email', 'reply', 'owner@example.com', 'Yes'
             FROM fm_enrollment_steps d JOIN fm_enrollments e ON e.id = d.enrollment_id
             WHERE d.version = $1 ORDER BY e.id LIMIT $2",
        )
        .bind(version)
        .bind(n)
        .execute(&mut db)
        .await
        .expect("replies");
    }
    let page = sequence_json(&app, &pro, &id).await;
    let step = &page["report"]["steps"][0];
    assert_eq!(step["ab_test"], true);
    assert_eq!(
        (step["a_sent"].as_i64(), step["b_sent"].as_i64()),
        (Some(split[0].2), Some(split[1].2))
    );
    assert_eq!(
        (step["a_replied"].as_i64(), step["b_replied"].as_i64()),
        (Some(3), Some(30))
    );
    let html = pro
        .get(app.url(&format!("/pro/sequences/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("B gets more replies."), "the report names the winner");
    // Another contractor sees none of it.
    let other = contractor(&app, "not-ab@example.com").await;
    let status = other
        .get(app.url(&format!("/api/pro/sequence?id={id}")))
        .send()
        .await
        .expect("get")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
