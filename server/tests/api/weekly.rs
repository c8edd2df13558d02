//! Weekly messages: her day and time in her zone, the week's message in her language (from
//! her week, however late she joined), exactly once per week with several workers at once,
//! STOP, and her consent to them.

use app::mum::WeeklyWorker;
use reqwest::{Client, StatusCode};
use sqlx::PgPool;

use crate::helpers::{TestApp, inbound_sms, spawn_app, spawn_app_texting, telnyx_webhook};
use crate::mum::{onboarded, post};

/// Her weekly messages on: `day` 1 (Monday) to 7, at `at`.
async fn turn_on(app: &TestApp, her: &Client, day: &str, at: &str) {
    let on = post(
        app,
        her,
        "/api/mum/weekly-settings",
        &[("weekly", "yes"), ("day", day), ("time", at)],
    )
    .await;
    assert_eq!(on.status(), StatusCode::OK, "{}", on.text().await.unwrap_or_default());
}

async fn make_due(app: &TestApp) {
    sqlx::query(
        "UPDATE mum_profiles SET next_weekly_at = now() - interval '1 second' WHERE next_weekly_at IS NOT NULL",
    )
    .execute(&mut app.db().await)
    .await
    .expect("make due");
}

/// Her next weekly message, on her wall clock: (ISO weekday, "HH:MM"), and how far ahead.
async fn next_local(app: &TestApp, email: &str) -> (i32, String, f64) {
    sqlx::query_as(
        "SELECT extract(isodow FROM p.next_weekly_at AT TIME ZONE u.timezone)::int,
                to_char(p.next_weekly_at AT TIME ZONE u.timezone, 'HH24:MI'),
                extract(epoch FROM p.next_weekly_at - now())::float8
         FROM mum_profiles p JOIN users u ON u.id = p.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&mut app.db().await)
    .await
    .expect("next")
}

/// The weekly messages in the outbox: (idempotency key, channel, recipient, text).
async fn sent(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT idempotency_key, channel, recipient, body_text FROM outbox
         WHERE idempotency_key LIKE 'weekly:%' ORDER BY id",
    )
    .fetch_all(&mut app.db().await)
    .await
    .expect("outbox")
}

async fn set_user(app: &TestApp, email: &str, timezone: &str, language: &str) {
    sqlx::query("UPDATE users SET timezone = $2, language = $3 WHERE email = $1")
        .bind(email)
        .bind(timezone)
        .bind(language)
        .execute(&mut app.db().await)
        .await
        .expect("user");
}

#[tokio::test]
async fn her_week_arrives_on_her_day_at_her_time_in_her_zone_from_the_week_she_joined() {
    let app = spawn_app().await;
    // One in Nairobi, 20 weeks and 3 days along; one in New York who joins late, at 28 weeks,
    // and reads Kiswahili.
    let nairobi = onboarded(&app, "nairobi@example.com", 20 * 7 + 3).await;
    let late = onboarded(&app, "late@example.com", 28 * 7 + 3).await;
    set_user(&app, "late@example.com", "America/New_York", "sw").await;
    turn_on(&app, &nairobi, "3", "09:30").await;
    turn_on(&app, &late, "7", "18:05").await;

    for (email, day, at) in [("nairobi@example.com", 3, "09:30"), ("late@example.com", 7, "18:05")] {
        let (weekday, clock, ahead) = next_local(&app, email).await;
        assert_eq!(
            (weekday, clock.as_str()),
            (day, at),
            "{email}: her day and time on her clock"
        );
        assert!(
            ahead > 0.0 && ahead <= 7.0 * 86_400.0,
            "{email}: within the coming week ({ahead} s)"
        );
    }
    // Turning them on sent a confirmation that says how to stop them, and nothing else yet.
    assert!(sent(&app).await.is_empty());
    assert_eq!(app.count("outbox WHERE idempotency_key LIKE 'weekly-on:%'").await, 2);
    assert_eq!(
        app.count("consents WHERE purpose = 'weekly_messages' AND withdrawn_at IS NULL")
            .await,
        2
    );

    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    let messages = sent(&app).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let text = |to: &str| {
        messages
            .iter()
            .find(|(_, _, recipient, _)| recipient == to)
            .map(|(key, channel, _, text)| (key.clone(), channel.clone(), text.clone()))
            .expect("her message")
    };
    let (key, channel, body) = text("nairobi@example.com");
    assert!(key.ends_with(":pregnancy:20"), "{key}");
    assert_eq!(channel, "email");
    assert!(
        body.contains("A clinic visit is due about now"),
        "week 20's message: {body}"
    );
    let (key, _, body) = text("late@example.com");
    assert!(key.ends_with(":pregnancy:28"), "the week she is in, not week 4: {key}");
    assert!(
        body.contains("Mtoto akicheza kidogo kuliko kawaida"),
        "in Kiswahili: {body}"
    );
    assert_eq!(
        app.count("weekly_messages").await,
        2,
        "no backlog of the weeks before she joined"
    );

    // The next one is a week on, at her day and time again; due again within the same week
    // (she moved her day), nothing more goes.
    for (email, day) in [("nairobi@example.com", 3), ("late@example.com", 7)] {
        let (weekday, _, ahead) = next_local(&app, email).await;
        assert_eq!(weekday, day);
        assert!(ahead > 0.0, "{email} rescheduled");
    }
    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    assert_eq!(sent(&app).await.len(), 2, "one message per week");
}

#[tokio::test]
async fn a_visit_in_the_coming_week_is_in_the_message_and_after_birth_the_baby_weeks_follow() {
    let app = spawn_app().await;
    let her = onboarded(&app, "visit@example.com", 20 * 7).await;
    let day = (crate::mum::nairobi_today() + time::Duration::days(2)).to_string();
    let booked = post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[("week", "20"), ("date", &day), ("time", "10:30")],
    )
    .await;
    assert_eq!(booked.status(), StatusCode::OK);
    turn_on(&app, &her, "1", "08:00").await;
    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    let body = &sent(&app).await[0].3;
    assert!(body.contains("Your visit: ") && body.contains("10:30"), "{body}");

    // Her baby is born: the messages carry on, from the baby's first week.
    let today = crate::mum::nairobi_today().to_string();
    let born = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "live_birth"), ("date", &today)],
    )
    .await;
    assert_eq!(born.status(), StatusCode::OK);
    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    let messages = sent(&app).await;
    assert_eq!(messages.len(), 2);
    assert!(messages[1].0.ends_with(":baby:1"), "{}", messages[1].0);
    assert!(
        messages[1].3.contains("does not feed"),
        "the newborn's danger signs: {}",
        messages[1].3
    );
}

#[tokio::test]
async fn several_workers_at_once_send_each_mothers_week_exactly_once() {
    let app = spawn_app().await;
    const MOTHERS: i64 = 8;
    for n in 0..MOTHERS {
        let her = onboarded(&app, &format!("m{n}@example.com"), 10 * 7 + n * 7).await;
        turn_on(&app, &her, "5", "07:00").await;
    }
    // Two instances (two pools), each with two workers, over three rounds of "due".
    let (a, b) = (pool(&app).await, pool(&app).await);
    for _ in 0..3 {
        make_due(&app).await;
        let [w, x, y, z] = [&a, &a, &b, &b].map(|p| WeeklyWorker::new((*p).clone()));
        let runs = tokio::join!(w.run_once(), x.run_once(), y.run_once(), z.run_once());
        for run in [runs.0, runs.1, runs.2, runs.3] {
            run.expect("worker");
        }
    }
    let messages = sent(&app).await;
    assert_eq!(messages.len() as i64, MOTHERS);
    let mut keys: Vec<&String> = messages.iter().map(|m| &m.0).collect();
    keys.dedup();
    assert_eq!(keys.len() as i64, MOTHERS, "one key each");
    assert_eq!(app.count("weekly_messages").await, MOTHERS);
}

#[tokio::test]
async fn stop_moves_them_to_email_at_once_and_start_brings_the_texts_back() {
    let phone = "+254712000111";
    let app = spawn_app_texting().await;
    let her = onboarded(&app, "stop@example.com", 12 * 7).await;
    let on = post(
        &app,
        &her,
        "/api/mum/weekly-settings",
        &[
            ("weekly", "yes"),
            ("day", "2"),
            ("time", "08:00"),
            ("reminder_channel", "sms"),
            ("reminder_phone", "0712 000 111"),
        ],
    )
    .await;
    assert_eq!(on.status(), StatusCode::OK);
    let confirmation: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE idempotency_key LIKE 'weekly-on:%'")
            .fetch_one(&mut app.db().await)
            .await
            .expect("confirmation");
    assert!(confirmation.contains("Tuesday at 08:00") && confirmation.ends_with("Reply STOP to stop."));

    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(phone, "STOP"), true).await,
        StatusCode::OK
    );
    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    let messages = sent(&app).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0].1.as_str(), messages[0].2.as_str()),
        ("email", "stop@example.com")
    );

    // START: the next week's message is a text again (the week moves on a week).
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(phone, "anza"), true).await,
        StatusCode::OK
    );
    sqlx::query("UPDATE pregnancies SET lmp = lmp - 7, due_date = due_date - 7")
        .execute(&mut app.db().await)
        .await
        .expect("a week on");
    make_due(&app).await;
    WeeklyWorker::new(pool(&app).await).run_once().await.expect("worker");
    let messages = sent(&app).await;
    assert_eq!(messages.len(), 2);
    assert_eq!((messages[1].1.as_str(), messages[1].2.as_str()), ("sms", phone));
    assert!(messages[1].3.starts_with("SasaMum, week 13: "), "{}", messages[1].3);
}

#[tokio::test]
async fn bad_settings_name_the_field_and_withdrawing_consent_stops_them() {
    let app = spawn_app().await;
    let her = onboarded(&app, "consent@example.com", 15 * 7).await;
    for (form, field) in [
        (vec![("weekly", "yes"), ("day", "8"), ("time", "08:00")], "day"),
        (vec![("weekly", "yes"), ("day", "monday"), ("time", "08:00")], "day"),
        (vec![("weekly", "yes"), ("day", "1"), ("time", "25:00")], "time"),
        (
            vec![
                ("weekly", "yes"),
                ("day", "1"),
                ("time", "08:00"),
                ("reminder_channel", "pigeon"),
            ],
            "reminder_channel",
        ),
    ] {
        let bad = post(&app, &her, "/api/mum/weekly-settings", &form).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "{form:?}");
        assert!(
            bad.text().await.unwrap_or_default().contains(field),
            "{form:?} names {field}"
        );
    }
    assert_eq!(
        app.count("mum_profiles WHERE weekly_day IS NOT NULL").await,
        0,
        "nothing changed"
    );
    assert_eq!(app.count("consents WHERE purpose = 'weekly_messages'").await, 0);

    // Someone not signed in, or a mother without consent to her health data, gets nothing.
    let stranger = crate::helpers::new_client();
    let refused = post(
        &app,
        &stranger,
        "/api/mum/weekly-settings",
        &[("weekly", "yes"), ("day", "1"), ("time", "08:00")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    turn_on(&app, &her, "1", "08:00").await;
    let page: serde_json::Value = her
        .get(app.url("/api/mum/weekly"))
        .send()
        .await
        .expect("page")
        .json()
        .await
        .expect("json");
    assert_eq!(page["day"], 1);
    assert!(
        page["this_week"]
            .as_str()
            .is_some_and(|t| t.starts_with("SasaMum, week 15: ")),
        "{page}"
    );

    // Withdrawn in the privacy centre: they stop at once.
    let id: i64 = sqlx::query_scalar("SELECT id FROM consents WHERE purpose = 'weekly_messages'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("consent");
    let withdrawn = post(&app, &her, "/api/privacy/withdraw", &[("id", &id.to_string())]).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(app.count("mum_profiles WHERE next_weekly_at IS NOT NULL").await, 0);
    assert_eq!(
        app.count("mum_profiles WHERE onboarding_step = 'done'").await,
        1,
        "her health data stays"
    );

    // On again, then off from her page: the consent is withdrawn with them.
    turn_on(&app, &her, "4", "19:00").await;
    let off = post(
        &app,
        &her,
        "/api/mum/weekly-settings",
        &[("day", "4"), ("time", "19:00")],
    )
    .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(app.count("mum_profiles WHERE next_weekly_at IS NOT NULL").await, 0);
    assert_eq!(
        app.count("consents WHERE purpose = 'weekly_messages' AND withdrawn_at IS NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("audit_log WHERE action IN ('mum.weekly_on', 'mum.weekly_off')")
            .await,
        3
    );
}

async fn pool(app: &TestApp) -> PgPool {
    PgPool::connect(&app.database_url()).await.expect("pool")
}
