use reqwest::{Client, StatusCode};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::helpers::{PASSWORD, TestApp, new_client, spawn_app};

pub async fn mother(app: &TestApp, email: &str) -> Client {
    app.verified_user(email).await;
    let client = new_client();
    assert_eq!(app.login(&client, email, PASSWORD).await.status(), StatusCode::OK);
    client
}

pub async fn state(app: &TestApp, client: &Client) -> Value {
    client
        .get(app.url("/api/mum/state"))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json")
}

pub async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.expect("request")
}

/// A signed-in mother who has finished onboarding, her last period `lmp_days_ago` days ago.
pub async fn onboarded(app: &TestApp, email: &str, lmp_days_ago: i64) -> Client {
    let her = mother(app, email).await;
    post(app, &her, "/api/mum/consent", &[("agree", "yes")]).await;
    let lmp = (nairobi_today() - Duration::days(lmp_days_ago)).to_string();
    post(app, &her, "/api/mum/dates", &[("method", "lmp"), ("date", &lmp)]).await;
    post(app, &her, "/api/mum/reminders", &[("reminder_time", "08:00")]).await;
    her
}

/// Her today in Africa/Nairobi (UTC+3, no daylight saving).
pub fn nairobi_today() -> time::Date {
    (OffsetDateTime::now_utc() + Duration::hours(3)).date()
}

#[tokio::test]
async fn onboarding_resumes_step_by_step_and_ends_on_today() {
    let app = spawn_app().await;
    let her = mother(&app, "mum@example.com").await;
    assert_eq!(state(&app, &her).await, "Consent");

    // Nothing health-related is stored before consent.
    let lmp = (nairobi_today() - Duration::days(70)).to_string();
    let early = post(&app, &her, "/api/mum/dates", &[("method", "lmp"), ("date", &lmp)]).await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);

    let refused = post(&app, &her, "/api/mum/consent", &[]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        post(&app, &her, "/api/mum/consent", &[("agree", "yes")]).await.status(),
        StatusCode::OK
    );
    // Closing the browser here and coming back resumes at the dates step.
    assert_eq!(
        state(&app, &new_client_for(&app, "mum@example.com").await).await,
        "Dates"
    );

    assert_eq!(
        post(&app, &her, "/api/mum/dates", &[("method", "lmp"), ("date", &lmp)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        state(&app, &her).await["Reminders"]["sms"],
        true,
        "development keeps texts in the mailbox"
    );
    let reminders = post(
        &app,
        &her,
        "/api/mum/reminders",
        &[("reminder_time", "07:30"), ("emergency_phone", "+254 712 345678")],
    )
    .await;
    assert_eq!(reminders.status(), StatusCode::OK);

    let today = &state(&app, &her).await["Today"];
    assert_eq!(
        (
            today["weeks"].as_u64(),
            today["days"].as_u64(),
            today["trimester"].as_u64()
        ),
        (Some(10), Some(0), Some(1))
    );
    assert_eq!(today["days_to_due"], 210);
    assert_eq!(today["next_visit"]["week"], 12);
    assert_eq!(
        today["week_content"]["baby"],
        "Tiny nails begin to form. The baby is about 3 cm long."
    );

    // In Kiswahili once she switches her language.
    let profile = [
        ("display_name", "Amina"),
        ("language", "sw"),
        ("timezone", "Africa/Nairobi"),
    ];
    assert_eq!(
        post(&app, &her, "/api/account/profile", &profile).await.status(),
        StatusCode::OK
    );
    let today = &state(&app, &her).await["Today"];
    assert_eq!(today["language"], "sw");
    assert!(
        today["week_content"]["baby"]
            .as_str()
            .is_some_and(|b| b.starts_with("Kucha ndogo")),
        "{today}"
    );

    let mut db = app.db().await;
    let version: String = sqlx::query_scalar("SELECT version FROM consents")
        .fetch_one(&mut db)
        .await
        .expect("consent");
    assert_eq!(version, "2026-11-health-v1");
}

async fn new_client_for(app: &TestApp, email: &str) -> Client {
    let client = new_client();
    assert_eq!(app.login(&client, email, PASSWORD).await.status(), StatusCode::OK);
    client
}

#[tokio::test]
async fn bad_dates_and_phones_name_their_field_and_change_nothing() {
    let app = spawn_app().await;
    let her = mother(&app, "careful@example.com").await;
    post(&app, &her, "/api/mum/consent", &[("agree", "yes")]).await;
    let tomorrow = (nairobi_today() + Duration::days(1)).to_string();
    for (form, field) in [
        (vec![("method", "lmp"), ("date", tomorrow.as_str())], "date"),
        (vec![("method", "lmp"), ("date", "2026-02-30")], "date"),
        (vec![("method", "guess"), ("date", "2026-01-01")], "method"),
    ] {
        let response = post(&app, &her, "/api/mum/dates", &form).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
    }
    assert_eq!(state(&app, &her).await, "Dates");
    let pregnancies = app.count("pregnancies").await;
    assert_eq!(pregnancies, 0);
}

#[tokio::test]
async fn a_danger_sign_is_recorded_for_her_alone_and_points_to_the_urgent_screen() {
    let app = spawn_app().await;
    let her = mother(&app, "danger@example.com").await;
    post(&app, &her, "/api/mum/consent", &[("agree", "yes")]).await;
    let other = mother(&app, "other-mum@example.com").await;

    let response = post(&app, &her, "/api/mum/danger", &[("sign", "vaginal_bleeding")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["location"], "/mum/danger/now?sign=vaginal_bleeding");
    assert_eq!(
        post(&app, &her, "/api/mum/danger", &[("sign", "hiccups")])
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let reports: Vec<(String, Vec<String>)> =
        sqlx::query_as("SELECT u.email, d.signs FROM danger_reports d JOIN users u ON u.id = d.user_id")
            .fetch_all(&mut app.db().await)
            .await
            .expect("reports");
    assert_eq!(
        reports,
        [("danger@example.com".to_owned(), vec!["vaginal_bleeding".to_owned()])]
    );

    // Her emergency number is hers: the other mother sees the default.
    post(
        &app,
        &her,
        "/api/mum/reminders",
        &[("reminder_time", "08:00"), ("emergency_phone", "0712345678")],
    )
    .await;
    let mine: String = her
        .get(app.url("/api/mum/emergency-phone"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let theirs: String = other
        .get(app.url("/api/mum/emergency-phone"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!((mine.as_str(), theirs.as_str()), ("0712345678", "999"));
    assert_eq!(
        state(&app, &other).await,
        "Consent",
        "her progress is not someone else's"
    );
}

#[tokio::test]
async fn without_consent_the_urgent_screen_still_comes_but_nothing_is_kept() {
    let app = spawn_app().await;
    let her = mother(&app, "noconsent@example.com").await;
    let response = post(&app, &her, "/api/mum/danger", &[("sign", "convulsions")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["location"], "/mum/danger/now?sign=convulsions");
    let reports = app.count("danger_reports").await;
    assert_eq!(reports, 0);
}

#[tokio::test]
async fn a_loss_stops_the_weekly_content_and_a_new_pregnancy_starts_fresh() {
    let app = spawn_app().await;
    let her = onboarded(&app, "loss@example.com", 60).await;
    assert!(state(&app, &her).await.get("Today").is_some());

    let bad = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "twins"), ("date", &nairobi_today().to_string())],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let before_lmp = (nairobi_today() - Duration::days(61)).to_string();
    let too_early = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "miscarriage"), ("date", &before_lmp)],
    )
    .await;
    assert_eq!(too_early.status(), StatusCode::BAD_REQUEST);

    let ended = post(
        &app,
        &her,
        "/api/mum/end",
        &[("outcome", "miscarriage"), ("date", &nairobi_today().to_string())],
    )
    .await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(
        state(&app, &her).await,
        serde_json::json!({ "Ended": { "loss": true } })
    );

    // A new pregnancy asks for dates again; the ended one stays as history.
    assert_eq!(
        post(&app, &her, "/api/mum/new-pregnancy", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(state(&app, &her).await, "Dates");
    let history: Vec<(Option<String>,)> = sqlx::query_as("SELECT outcome FROM pregnancies")
        .fetch_all(&mut app.db().await)
        .await
        .expect("rows");
    assert_eq!(history, [(Some("miscarriage".to_owned()),)]);
}

#[tokio::test]
async fn symptoms_and_weights_are_hers_alone_and_notes_are_encrypted_at_rest() {
    let app = spawn_app().await;
    let her = mother(&app, "logs@example.com").await;
    let early = post(&app, &her, "/api/mum/symptoms", &[("symptoms[]", "nausea")]).await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN, "no consent, nothing stored");
    post(&app, &her, "/api/mum/consent", &[("agree", "yes")]).await;

    let logged = post(
        &app,
        &her,
        "/api/mum/symptoms",
        &[
            ("symptoms[]", "nausea"),
            ("symptoms[]", "back_pain"),
            ("note", "felt dizzy at the market"),
        ],
    )
    .await;
    assert_eq!(logged.status(), StatusCode::OK);
    assert_eq!(
        post(&app, &her, "/api/mum/weight", &[("weight_kg", "62.5")])
            .await
            .status(),
        StatusCode::OK
    );
    for (path, form, field) in [
        ("/api/mum/weight", vec![("weight_kg", "heavy")], "weight_kg"),
        ("/api/mum/symptoms", vec![("symptoms[]", "bleeding")], "symptoms"),
        ("/api/mum/symptoms", vec![("note", "  ")], "symptoms"),
    ] {
        let refused = post(&app, &her, path, &form).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{path} {form:?}");
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
    }

    let logs: Value = her
        .get(app.url("/api/mum/logs"))
        .send()
        .await
        .expect("logs")
        .json()
        .await
        .expect("json");
    assert_eq!(
        logs["symptoms"][0]["symptoms"],
        serde_json::json!(["nausea", "back_pain"])
    );
    assert_eq!(logs["symptoms"][0]["note"], "felt dizzy at the market");
    assert_eq!(logs["weights"][0]["kg"], 62.5);

    let stored: Vec<u8> = sqlx::query_scalar("SELECT note_ciphertext FROM symptom_logs")
        .fetch_one(&mut app.db().await)
        .await
        .expect("row");
    assert!(
        !String::from_utf8_lossy(&stored).contains("dizzy"),
        "the note is not stored in clear"
    );

    // Another mother sees none of it and cannot delete it.
    let other = mother(&app, "other-logs@example.com").await;
    post(&app, &other, "/api/mum/consent", &[("agree", "yes")]).await;
    let theirs: Value = other
        .get(app.url("/api/mum/logs"))
        .send()
        .await
        .expect("logs")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["symptoms"], serde_json::json!([]));
    let id = logs["symptoms"][0]["id"].as_str().expect("id").to_owned();
    let refused = post(&app, &other, "/api/mum/delete-log", &[("kind", "symptom"), ("id", &id)]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        post(&app, &her, "/api/mum/delete-log", &[("kind", "symptom"), ("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let logs: Value = her
        .get(app.url("/api/mum/logs"))
        .send()
        .await
        .expect("logs")
        .json()
        .await
        .expect("json");
    assert_eq!(logs["symptoms"], serde_json::json!([]));
}

async fn date_with_scan(
    app: &TestApp,
    her: &Client,
    method: &str,
    date: &str,
    weeks: &str,
    days: &str,
) -> reqwest::Response {
    let today = nairobi_today().to_string();
    let form = [
        ("method", method),
        ("date", date),
        ("scan_date", &today),
        ("scan_weeks", weeks),
        ("scan_days", days),
    ];
    post(app, her, "/api/mum/dates", &form).await
}

/// Finishes onboarding and reads her gestational age today.
async fn age_today(app: &TestApp, her: &Client) -> (Option<u64>, Option<u64>) {
    post(app, her, "/api/mum/reminders", &[("reminder_time", "08:00")]).await;
    let today = &state(app, her).await["Today"];
    (today["weeks"].as_u64(), today["days"].as_u64())
}

#[tokio::test]
async fn an_early_ultrasound_redates_only_beyond_the_acog_threshold() {
    let app = spawn_app().await;
    let her = mother(&app, "scan@example.com").await;
    post(&app, &her, "/api/mum/consent", &[("agree", "yes")]).await;
    let lmp = (nairobi_today() - Duration::days(70)).to_string(); // 10w0d today by LMP

    // 9w0d: seven days off, within the 7-day threshold at 10 weeks: the LMP dating stays.
    assert_eq!(
        date_with_scan(&app, &her, "lmp", &lmp, "9", "0").await.status(),
        StatusCode::OK
    );
    assert_eq!(age_today(&app, &her).await, (Some(10), Some(0)));

    // 8w6d: eight days off: the ultrasound dates the pregnancy.
    post(&app, &her, "/api/mum/new-pregnancy", &[]).await;
    assert_eq!(
        date_with_scan(&app, &her, "lmp", &lmp, "8", "6").await.status(),
        StatusCode::OK
    );
    assert_eq!(age_today(&app, &her).await, (Some(8), Some(6)));
    let method: String = sqlx::query_scalar("SELECT dating_method FROM pregnancies WHERE ended_on IS NULL")
        .fetch_one(&mut app.db().await)
        .await
        .expect("pregnancy");
    assert_eq!(method, "ultrasound");

    // A clinician's due date is authoritative: no redating.
    post(&app, &her, "/api/mum/new-pregnancy", &[]).await;
    let due = (nairobi_today() + Duration::days(210)).to_string();
    assert_eq!(
        date_with_scan(&app, &her, "clinician_due_date", &due, "8", "0")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(age_today(&app, &her).await, (Some(10), Some(0)));

    post(&app, &her, "/api/mum/new-pregnancy", &[]).await;
    for (weeks, days, field) in [("50", "0", "scan_weeks"), ("9", "9", "scan_days")] {
        let refused = date_with_scan(&app, &her, "lmp", &lmp, weeks, days).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
    }
}
