//! After a live birth: the baby's record, its checks and vaccines, their reminders (each sent
//! once), the "given" marks (hers alone) and the danger signs of mother and newborn.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use time::Duration;

use crate::helpers::{TestApp, spawn_app};
use crate::mum::{nairobi_today, onboarded, post, state};

/// A mother at 39 weeks whose baby was born yesterday.
async fn after_birth(app: &TestApp, email: &str, name: &str) -> Client {
    let her = onboarded(app, email, 273).await;
    let born = (nairobi_today() - Duration::days(1)).to_string();
    let recorded = post(
        app,
        &her,
        "/api/mum/end",
        &[
            ("outcome", "live_birth"),
            ("date", &born),
            ("baby_name", name),
            ("baby_weight", "3,2"),
        ],
    )
    .await;
    assert_eq!(recorded.status(), StatusCode::OK);
    her
}

async fn care(app: &TestApp, her: &Client) -> Value {
    let response = her.get(app.url("/api/mum/baby")).send().await.expect("care");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

fn baby_id(care: &Value) -> String {
    care["babies"][0]["id"].as_str().expect("a baby").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_birth_opens_the_baby_schedule_and_each_reminder_is_sent_once() {
    let app = spawn_app().await;
    let her = after_birth(&app, "amani@example.com", "Amani").await;

    let screen = state(&app, &her).await;
    let baby = &screen["Baby"];
    assert_eq!(baby["baby_name"], "Amani");
    assert_eq!((baby["weeks"].as_u64(), baby["days"].as_u64()), (Some(0), Some(1)));
    assert_eq!(baby["next_check"][0], "Check in the first 24 hours");
    assert_eq!(baby["next_vaccines"]["doses"], "BCG, OPV 0");
    assert!(
        baby["week_content"]["baby"]
            .as_str()
            .expect("content")
            .contains("Breast milk alone")
    );

    let card = &care(&app, &her).await["babies"][0];
    assert_eq!(card["weight_grams"], 3200);
    let days: Vec<&str> = card["vaccination_days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["label"].as_str().expect("label"))
        .collect();
    assert_eq!(
        days,
        [
            "At birth",
            "At 6 weeks",
            "At 10 weeks",
            "At 14 weeks",
            "At 9 months",
            "At 18 months"
        ]
    );

    // One reminder per check and vaccination day still ahead, at 08:00 her time on its day.
    let mut db = app.db().await;
    let planned: Vec<(String, time::OffsetDateTime)> =
        sqlx::query_as("SELECT care, due_at FROM reminders WHERE status = 'pending' ORDER BY due_at, care")
            .fetch_all(&mut db)
            .await
            .expect("reminders");
    let keys: Vec<&str> = planned.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "pnc_day3", "pnc_7_14", "kepi_6w", "pnc_6w", "kepi_10w", "kepi_14w", "kepi_9m", "kepi_18m"
        ]
    );
    let tomorrow = nairobi_today() + Duration::days(1);
    assert_eq!(
        planned[0].1,
        tomorrow.with_hms(5, 0, 0).expect("time").assume_utc(),
        "08:00 in Nairobi"
    );

    // The first two fall due; two workers at once send each exactly once, naming the baby.
    sqlx::query("UPDATE reminders SET due_at = now() - interval '1 second' WHERE care IN ('pnc_day3', 'kepi_6w')")
        .execute(&mut db)
        .await
        .expect("make due");
    let (a, b) = tokio::join!(app.reminders.run_once(), app.reminders.run_once());
    assert_eq!(a.expect("worker a") + b.expect("worker b"), 2);
    assert_eq!(app.reminders.run_once().await.expect("again"), 0);
    let vaccines = app.mail.message_to("amani@example.com", 2).await;
    let check = app.mail.message_to("amani@example.com", 3).await;
    let both = format!("{}\n{}", vaccines.data, check.data);
    assert!(
        both.contains("Amani's vaccines are due today: OPV 1, Penta 1, PCV 1, Rota 1."),
        "{both}"
    );
    assert!(both.contains("Check on day 3: for you and Amani."), "{both}");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(app.mail.count_to("amani@example.com"), 3);

    // Deleting the pregnancy record takes the baby's record and reminders with it.
    let pregnancy: uuid::Uuid = sqlx::query_scalar("SELECT pregnancy_id FROM babies")
        .fetch_one(&mut db)
        .await
        .expect("baby");
    let deleted = post(
        &app,
        &her,
        "/api/privacy/delete-pregnancy",
        &[("id", &pregnancy.to_string()), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(app.count("babies").await + app.count("reminders").await, 0);
}

#[tokio::test]
async fn the_birth_form_checks_each_field_and_changes_nothing_on_a_mistake() {
    let app = spawn_app().await;
    let her = onboarded(&app, "born@example.com", 273).await;
    let today = nairobi_today().to_string();
    let long_name = "N".repeat(61);
    for (field, value, message) in [
        ("baby_weight", "12", "the weight in kilograms"),
        ("baby_weight", "three", "the weight in kilograms"),
        ("baby_name", long_name.as_str(), "at most 60 characters"),
    ] {
        let refused = post(
            &app,
            &her,
            "/api/mum/end",
            &[("outcome", "live_birth"), ("date", &today), (field, value)],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{field}={value}");
        let body = refused.text().await.expect("body");
        assert!(body.contains(field) && body.contains(message), "{body}");
    }
    let tomorrow = (nairobi_today() + Duration::days(1)).to_string();
    let future = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "live_birth"), ("date", &tomorrow)],
    )
    .await;
    assert_eq!(future.status(), StatusCode::BAD_REQUEST);
    assert!(state(&app, &her).await.get("Today").is_some(), "still pregnant");
    assert_eq!(app.count("babies").await, 0);

    // Name and weight are optional; without a name the pages say "your baby".
    let recorded = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "live_birth"), ("date", &today)],
    )
    .await;
    assert_eq!(recorded.status(), StatusCode::OK);
    let screen = state(&app, &her).await;
    assert_eq!(screen["Baby"]["baby_name"], Value::Null);
    assert_eq!(screen["Baby"]["weeks"], 0);
    let page = her
        .get(app.url("/mum"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Your baby is less than a day old"), "{page}");
}

#[tokio::test]
async fn a_loss_records_no_baby_whatever_the_form_carried() {
    let app = spawn_app().await;
    let her = onboarded(&app, "loss@example.com", 200).await;
    let today = nairobi_today().to_string();
    let ended = post(
        &app,
        &her,
        "/api/mum/end",
        &[
            ("outcome", "stillbirth"),
            ("date", &today),
            ("baby_name", "Neema"),
            ("baby_weight", "1.1"),
        ],
    )
    .await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(app.count("babies").await + app.count("reminders").await, 0);
    assert_eq!(state(&app, &her).await["Ended"]["loss"], true);
}

#[tokio::test]
async fn doses_are_marked_given_by_her_alone_and_a_complete_day_needs_no_reminder() {
    let app = spawn_app().await;
    let her = after_birth(&app, "doses@example.com", "Baraka").await;
    let other = after_birth(&app, "other@example.com", "Zawadi").await;
    let baby = baby_id(&care(&app, &her).await);

    let today = nairobi_today().to_string();
    let tomorrow = (nairobi_today() + Duration::days(1)).to_string();
    let before_birth = (nairobi_today() - Duration::days(5)).to_string();
    for (dose, date, field) in [
        ("bcg", tomorrow.as_str(), "date"),
        ("bcg", before_birth.as_str(), "date"),
        ("bcg", "2026-02-30", "date"),
        ("yellow_fever", today.as_str(), "doses"),
    ] {
        let refused = post(
            &app,
            &her,
            "/api/mum/doses-given",
            &[("baby", &baby), ("doses[]", dose), ("date", date)],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{dose} on {date}");
        assert!(refused.text().await.expect("body").contains(field));
    }
    let none_ticked = post(&app, &her, "/api/mum/doses-given", &[("baby", &baby), ("date", &today)]).await;
    assert_eq!(none_ticked.status(), StatusCode::BAD_REQUEST);
    let not_hers = post(
        &app,
        &other,
        "/api/mum/doses-given",
        &[("baby", &baby), ("doses[]", "bcg")],
    )
    .await;
    assert_eq!(not_hers.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("vaccinations").await, 0);

    // BCG given today (the date left empty).
    let given = post(
        &app,
        &her,
        "/api/mum/doses-given",
        &[("baby", &baby), ("doses[]", "bcg"), ("date", "")],
    )
    .await;
    assert_eq!(given.status(), StatusCode::OK);
    let card = &care(&app, &her).await["babies"][0];
    let birth = &card["vaccination_days"][0];
    assert!(birth["doses"][0]["given"].is_string());
    assert_eq!(
        (birth["done"].as_bool(), birth["doses"][1]["given"].is_null()),
        (Some(false), true)
    );
    assert_eq!(birth["late"], false, "a day old: the birth doses are not overdue yet");
    assert_eq!(state(&app, &her).await["Baby"]["next_vaccines"]["doses"], "OPV 0");
    // The other mother's baby has nothing marked.
    let theirs = &care(&app, &other).await["babies"][0];
    assert!(theirs["vaccination_days"][0]["doses"][0]["given"].is_null());

    // All four 6-week doses given early, in one form (her clinic moved the day): that day's
    // reminder is not sent.
    let day = [
        ("baby", baby.as_str()),
        ("doses[]", "opv1"),
        ("doses[]", "penta1"),
        ("doses[]", "pcv1"),
        ("doses[]", "rota1"),
        ("date", &today),
    ];
    assert_eq!(
        post(&app, &her, "/api/mum/doses-given", &day).await.status(),
        StatusCode::OK
    );
    let status: String = sqlx::query_scalar(
        "SELECT r.status FROM reminders r JOIN babies b ON b.id = r.baby_id WHERE b.name = 'Baraka' AND r.care = 'kepi_6w'",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("reminder");
    assert_eq!(status, "cancelled");

    // A mark made by mistake is taken back, by her only.
    let not_hers = post(
        &app,
        &other,
        "/api/mum/dose-not-given",
        &[("baby", &baby), ("dose", "bcg")],
    )
    .await;
    assert_eq!(not_hers.status(), StatusCode::NOT_FOUND);
    let undone = post(
        &app,
        &her,
        "/api/mum/dose-not-given",
        &[("baby", &baby), ("dose", "bcg")],
    )
    .await;
    assert_eq!(undone.status(), StatusCode::OK);
    assert_eq!(app.count("vaccinations").await, 4);
}

#[tokio::test]
async fn the_danger_signs_after_birth_go_through_the_urgent_flow() {
    let app = spawn_app().await;
    let her = after_birth(&app, "danger@example.com", "Imani").await;
    let page = her
        .get(app.url("/mum/danger/baby"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for sign in [
        "Baby breathes fast or with difficulty",
        "Heavy bleeding: a pad soaked in less than an hour",
    ] {
        assert!(page.contains(sign), "{sign}");
    }
    let reported = post(&app, &her, "/api/mum/danger", &[("sign", "newborn_breathing")]).await;
    assert_eq!(reported.status(), StatusCode::OK);
    assert_eq!(reported.headers()["location"], "/mum/danger/now?sign=newborn_breathing");
    let urgent = her
        .get(app.url("/mum/danger/now?sign=newborn_breathing"))
        .send()
        .await
        .expect("urgent");
    assert!(
        urgent
            .text()
            .await
            .expect("html")
            .contains("Baby breathes fast or with difficulty")
    );
    let signs: Vec<String> = sqlx::query_scalar("SELECT unnest(signs) FROM danger_reports")
        .fetch_all(&mut app.db().await)
        .await
        .expect("reports");
    assert_eq!(signs, ["newborn_breathing"]);
}

#[tokio::test]
async fn a_twin_gets_a_schedule_of_its_own() {
    let app = spawn_app().await;
    let still_pregnant = onboarded(&app, "pregnant@example.com", 200).await;
    let refused = post(&app, &still_pregnant, "/api/mum/add-baby", &[("baby_name", "Tumaini")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "no birth to add a twin to");

    let her = after_birth(&app, "twins@example.com", "Upendo").await;
    let bad = post(&app, &her, "/api/mum/add-baby", &[("baby_weight", "0.1")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let added = post(
        &app,
        &her,
        "/api/mum/add-baby",
        &[("baby_name", "Tumaini"), ("baby_weight", "2.9")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::OK);
    let babies = care(&app, &her).await["babies"].clone();
    let names: Vec<&str> = babies
        .as_array()
        .expect("babies")
        .iter()
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Upendo", "Tumaini"]);
    assert_eq!(babies[0]["born"], babies[1]["born"], "born the same day");
    let pending = app.count("reminders WHERE status = 'pending'").await;
    assert_eq!(pending, 2 * 8, "each twin's checks and vaccination days");
}
