use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::helpers::spawn_app;
use crate::mum::{nairobi_today, onboarded, post};

async fn list_visits(app: &crate::helpers::TestApp, her: &reqwest::Client) -> Value {
    her.get(app.url("/api/mum/visits"))
        .send()
        .await
        .expect("visits")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booked_visit_gets_two_reminders_each_sent_exactly_once_even_with_two_workers() {
    let app = spawn_app().await;
    let her = onboarded(&app, "visits@example.com", 70).await;
    let day = (nairobi_today() + Duration::days(3)).to_string();
    let booked = post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[
            ("week", "12"),
            ("date", &day),
            ("time", "10:30"),
            ("place", "Kibera clinic"),
        ],
    )
    .await;
    assert_eq!(booked.status(), StatusCode::OK);
    let visits = list_visits(&app, &her).await;
    let week12 = visits
        .as_array()
        .expect("list")
        .iter()
        .find(|v| v["week"] == 12)
        .expect("week 12")
        .clone();
    assert_eq!(
        (week12["time"].as_str(), week12["status"].as_str()),
        (Some("10:30"), Some("planned"))
    );

    let mut db = app.db().await;
    let pending = app.count("reminders WHERE status = 'pending'").await;
    assert_eq!(pending, 2, "the day before and the morning of the visit");
    sqlx::query("UPDATE reminders SET due_at = now() - interval '1 second'")
        .execute(&mut db)
        .await
        .expect("make due");

    // Two workers at the same moment: each reminder is claimed by one of them.
    let (a, b) = tokio::join!(app.reminders.run_once(), app.reminders.run_once());
    assert_eq!(a.expect("worker a") + b.expect("worker b"), 2);
    assert_eq!(app.reminders.run_once().await.expect("again"), 0);
    let queued = app.count("outbox WHERE idempotency_key LIKE 'reminder:%'").await;
    assert_eq!(queued, 2);

    // Both arrive over SMTP (after the verification email), once each.
    let first = app.mail.message_to("visits@example.com", 2).await;
    let second = app.mail.message_to("visits@example.com", 3).await;
    for message in [&first, &second] {
        assert!(
            message.data.contains("Clinic visit (week 12)") && message.data.contains("Kibera clinic"),
            "{}",
            message.data
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(app.mail.count_to("visits@example.com"), 3);
}

#[tokio::test]
async fn ending_the_pregnancy_cancels_pending_reminders() {
    let app = spawn_app().await;
    let her = onboarded(&app, "cancel@example.com", 70).await;
    let day = (nairobi_today() + Duration::days(5)).to_string();
    post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[("week", "12"), ("date", &day), ("time", "09:00")],
    )
    .await;
    let today = nairobi_today().to_string();
    assert_eq!(
        post(
            &app,
            &her,
            "/api/mum/end",
            &[("outcome", "miscarriage"), ("date", &today)]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM reminders")
        .fetch_all(&mut app.db().await)
        .await
        .expect("rows");
    assert_eq!(statuses, ["cancelled", "cancelled"]);
    assert_eq!(app.reminders.run_once().await.expect("worker"), 0);
}

#[tokio::test]
async fn her_visits_are_hers_and_bad_input_names_the_field() {
    let app = spawn_app().await;
    let her = onboarded(&app, "own@example.com", 70).await;
    let day = (nairobi_today() + Duration::days(2)).to_string();
    let past = (nairobi_today() - Duration::days(1)).to_string();
    for (form, field) in [
        (
            vec![("title", "Scan"), ("date", past.as_str()), ("time", "10:00")],
            "date",
        ),
        (
            vec![("title", "Scan"), ("date", day.as_str()), ("time", "25:00")],
            "time",
        ),
        (vec![("title", ""), ("date", day.as_str()), ("time", "10:00")], "title"),
    ] {
        let refused = post(&app, &her, "/api/mum/save-visit", &form).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
    }
    assert_eq!(
        post(
            &app,
            &her,
            "/api/mum/save-visit",
            &[("title", "Ultrasound scan"), ("date", &day), ("time", "11:00")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let visits = list_visits(&app, &her).await;
    let scan = visits
        .as_array()
        .expect("list")
        .iter()
        .find(|v| v["title"] == "Ultrasound scan")
        .expect("her own")
        .clone();
    let id = scan["id"].as_str().expect("id").to_owned();

    let other = onboarded(&app, "other-visits@example.com", 70).await;
    let refused = post(
        &app,
        &other,
        "/api/mum/mark-visit",
        &[("id", &id), ("status", "missed")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        post(
            &app,
            &her,
            "/api/mum/mark-visit",
            &[("id", &id), ("status", "attended")]
        )
        .await
        .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn sms_reminders_go_through_telnyx_once() {
    use axum::{Json, Router, http::HeaderMap, routing::post as route_post};
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(String, serde_json::Value)>::new()));
    let fake = {
        let received = received.clone();
        Router::new().route(
            "/v2/messages",
            route_post(move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                let received = received.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    received.lock().await.push((auth, body));
                    Json(serde_json::json!({ "data": { "id": "msg_1" } }))
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, fake).await });
    let app = crate::helpers::spawn_app_with(&[
        ("TELNYX_API_KEY", "KEY_test"),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", base.as_str()),
    ])
    .await;
    let her = onboarded(&app, "texts@example.com", 70).await;
    let no_phone = post(
        &app,
        &her,
        "/api/mum/reminders",
        &[("reminder_time", "07:00"), ("reminder_channel", "sms")],
    )
    .await;
    assert_eq!(no_phone.status(), StatusCode::BAD_REQUEST);
    let chose = post(
        &app,
        &her,
        "/api/mum/reminders",
        &[
            ("reminder_time", "07:00"),
            ("reminder_channel", "sms"),
            ("reminder_phone", "0712 345 678"),
        ],
    )
    .await;
    assert_eq!(chose.status(), StatusCode::OK);
    let day = (nairobi_today() + Duration::days(3)).to_string();
    let booked = post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[
            ("week", "12"),
            ("date", &day),
            ("time", "10:30"),
            ("place", "Kibera clinic"),
        ],
    )
    .await;
    assert_eq!(booked.status(), StatusCode::OK);
    sqlx::query("UPDATE reminders SET due_at = now() - interval '1 second'")
        .execute(&mut app.db().await)
        .await
        .expect("make due");
    let (a, b) = tokio::join!(app.reminders.run_once(), app.reminders.run_once());
    assert_eq!(a.expect("a") + b.expect("b"), 2);
    // The running outbox worker delivers them.
    for _ in 0..50 {
        if received.lock().await.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let texts = received.lock().await.clone();
    assert_eq!(texts.len(), 2, "each reminder once: {texts:?}");
    for (auth, body) in &texts {
        assert_eq!(auth, "Bearer KEY_test");
        assert_eq!(
            (body["from"].as_str(), body["to"].as_str()),
            (Some("+12145550100"), Some("+254712345678"))
        );
        let text = body["text"].as_str().unwrap_or_default();
        assert!(
            text.starts_with("SasaMum: Clinic visit (week 12)")
                && text.contains("Kibera clinic")
                && text.chars().count() <= 160,
            "{text}"
        );
    }
    assert_eq!(
        app.mail.count_to("texts@example.com"),
        1,
        "only the verification email: the reminders were texts"
    );
}
