//! Movements, contractions, editing entries and the PIN lock.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, new_client, spawn_app};
use crate::mum::{onboarded, post};

async fn get_json(app: &TestApp, client: &Client, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn baby_moving_less_is_kept_and_raises_the_urgent_screen() {
    let app = spawn_app().await;
    let her = onboarded(&app, "moves@example.com", 200).await;

    let usual = post(
        &app,
        &her,
        "/api/mum/movement",
        &[("movement", "usual"), ("count", "12")],
    )
    .await;
    assert_eq!(usual.status(), StatusCode::OK);
    assert_eq!(app.count("danger_reports").await, 0);

    // A no-JS form post: the answer is a redirect to the urgent screen.
    let less = her
        .post(app.url("/api/mum/movement"))
        .header("accept", "text/html")
        .form(&[("movement", "less")])
        .send()
        .await
        .expect("post");
    let location = less
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(location.as_deref(), Some("/mum/danger/now?sign=reduced_fetal_movement"));
    let signs: Vec<Vec<String>> = sqlx::query_scalar("SELECT signs FROM danger_reports")
        .fetch_all(&mut app.db().await)
        .await
        .expect("reports");
    assert_eq!(signs, [vec!["reduced_fetal_movement".to_owned()]]);

    let (_, logs) = get_json(&app, &her, "/api/mum/logs").await;
    let kinds: Vec<&str> = logs["movements"]
        .as_array()
        .expect("movements")
        .iter()
        .map(|m| m["movement"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["less", "usual"]);
    assert_eq!(logs["movements"][1]["count"], 12);

    for (form, field) in [
        (vec![("movement", "kicking")], "movement"),
        (vec![("movement", "usual"), ("count", "999")], "count"),
    ] {
        let refused = post(&app, &her, "/api/mum/movement", &form).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
    }
    assert_eq!(app.count("movement_logs").await, 2, "bad input changes nothing");
}

#[tokio::test]
async fn entries_are_edited_by_her_alone() {
    let app = spawn_app().await;
    let her = onboarded(&app, "edit@example.com", 150).await;
    let other = onboarded(&app, "not-her@example.com", 150).await;
    post(
        &app,
        &her,
        "/api/mum/symptoms",
        &[("symptoms[]", "nausea"), ("note", "first words")],
    )
    .await;
    post(&app, &her, "/api/mum/weight", &[("weight_kg", "60")]).await;
    let (_, logs) = get_json(&app, &her, "/api/mum/logs").await;
    let symptom_id = logs["symptoms"][0]["id"].as_str().expect("id").to_owned();
    let weight_id = logs["weights"][0]["id"].as_str().expect("id").to_owned();

    let theirs = post(
        &app,
        &other,
        "/api/mum/edit-weight",
        &[("id", &weight_id), ("weight_kg", "99")],
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let theirs = post(
        &app,
        &other,
        "/api/mum/edit-symptoms",
        &[("id", &symptom_id), ("note", "changed")],
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    let bad = post(
        &app,
        &her,
        "/api/mum/edit-weight",
        &[("id", &weight_id), ("weight_kg", "2")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let edited = post(
        &app,
        &her,
        "/api/mum/edit-weight",
        &[("id", &weight_id), ("weight_kg", "61.2")],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited = post(
        &app,
        &her,
        "/api/mum/edit-symptoms",
        &[
            ("id", &symptom_id),
            ("symptoms[]", "heartburn"),
            ("note", "second words"),
        ],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let (_, logs) = get_json(&app, &her, "/api/mum/logs").await;
    assert_eq!(logs["weights"][0]["kg"], 61.2);
    assert_eq!(logs["symptoms"][0]["symptoms"], serde_json::json!(["heartburn"]));
    assert_eq!(logs["symptoms"][0]["note"], "second words");
}

#[tokio::test]
async fn the_contraction_timer_runs_one_at_a_time() {
    let app = spawn_app().await;
    let her = onboarded(&app, "labour@example.com", 275).await;
    assert_eq!(
        post(&app, &her, "/api/mum/contraction-start", &[]).await.status(),
        StatusCode::OK
    );
    // A second tap (or a second device) does not start a second one.
    assert_eq!(
        post(&app, &her, "/api/mum/contraction-start", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.count("contractions").await, 1);
    let (_, timer) = get_json(&app, &her, "/api/mum/contractions").await;
    assert!(timer["running_secs"].as_i64().is_some(), "{timer}");

    assert_eq!(
        post(&app, &her, "/api/mum/contraction-stop", &[]).await.status(),
        StatusCode::OK
    );
    // An hour of contractions 4 minutes apart, each 70 s long, ending now: time to go. They
    // are placed from the one she timed (not from now), so the gaps are exact however slow
    // the machine.
    sqlx::query(
        "INSERT INTO contractions (id, user_id, started_at, ended_at)
         SELECT gen_random_uuid(), c.user_id, c.started_at - make_interval(mins => 4 * n) - interval '2 minutes',
                c.started_at - make_interval(mins => 4 * n) - interval '50 seconds'
         FROM contractions c, generate_series(1, 16) n",
    )
    .execute(&mut app.db().await)
    .await
    .expect("insert a labour");
    let (_, timer) = get_json(&app, &her, "/api/mum/contractions").await;
    assert_eq!(timer["running_secs"], Value::Null);
    assert_eq!(timer["contractions"].as_array().map(Vec::len), Some(17));
    assert_eq!(timer["contractions"][1]["duration_secs"], 70);
    assert_eq!(timer["contractions"][1]["interval_secs"], 240);
    // The newest, stopped at once, is under a minute: the rule needs the latest to last a minute.
    assert_eq!(timer["time_to_go"], false);
    let newest = timer["contractions"][0]["id"].as_str().expect("id").to_owned();
    let too_long = post(
        &app,
        &her,
        "/api/mum/contraction-edit",
        &[("id", &newest), ("seconds", "900")],
    )
    .await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    let other = onboarded(&app, "not-in-labour@example.com", 100).await;
    let theirs = post(
        &app,
        &other,
        "/api/mum/contraction-edit",
        &[("id", &newest), ("seconds", "65")],
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let fixed = post(
        &app,
        &her,
        "/api/mum/contraction-edit",
        &[("id", &newest), ("seconds", "65")],
    )
    .await;
    assert_eq!(fixed.status(), StatusCode::OK);
    let (_, timer) = get_json(&app, &her, "/api/mum/contractions").await;
    assert_eq!(timer["contractions"][0]["duration_secs"], 65);
    // A minute long now, but 6 minutes after the one before: the 5-apart run starts again.
    assert_eq!(timer["contractions"][0]["interval_secs"], 360);
    assert_eq!(timer["time_to_go"], false, "{timer}");
    post(
        &app,
        &her,
        "/api/mum/delete-log",
        &[("kind", "contraction"), ("id", &newest)],
    )
    .await;
    let (_, timer) = get_json(&app, &her, "/api/mum/contractions").await;
    assert_eq!(timer["time_to_go"], true, "{timer}");
}

#[tokio::test]
async fn a_pin_locks_her_screens_on_other_sessions_but_never_the_danger_flow() {
    let app = spawn_app().await;
    let her = onboarded(&app, "shared@example.com", 120).await;
    let weak = post(&app, &her, "/api/mum/pin", &[("pin", "1234")]).await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        post(&app, &her, "/api/mum/pin", &[("pin", "2580")]).await.status(),
        StatusCode::OK
    );
    // The session that set it stays open.
    assert_eq!(get_json(&app, &her, "/api/mum/logs").await.0, StatusCode::OK);
    let stored: String = sqlx::query_scalar("SELECT pin_hash FROM mum_profiles")
        .fetch_one(&mut app.db().await)
        .await
        .expect("hash");
    assert!(stored.starts_with("$argon2id$"), "only a hash is kept");

    // Someone else picks up the phone after she locks it.
    post(&app, &her, "/api/mum/lock", &[]).await;
    for path in [
        "/api/mum/logs",
        "/api/mum/state",
        "/api/mum/visits",
        "/api/mum/contractions",
    ] {
        let (status, body) = get_json(&app, &her, path).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("locked")),
            "{path}"
        );
    }
    // Her data's download and the privacy centre are locked too.
    let export = her.get(app.url("/account/export.json")).send().await.expect("export");
    assert_eq!(export.status(), StatusCode::FORBIDDEN);
    assert_eq!(get_json(&app, &her, "/api/privacy/overview").await.1["error"], "locked");
    let danger = post(&app, &her, "/api/mum/danger", &[("sign", "convulsions")]).await;
    assert_eq!(
        danger.status(),
        StatusCode::OK,
        "the danger flow never asks for the PIN"
    );
    assert_eq!(get_json(&app, &her, "/api/mum/emergency-phone").await.0, StatusCode::OK);

    let wrong = post(&app, &her, "/api/mum/unlock", &[("pin", "0000")]).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        post(&app, &her, "/api/mum/unlock", &[("pin", "2580")]).await.status(),
        StatusCode::OK
    );
    assert_eq!(get_json(&app, &her, "/api/mum/logs").await.0, StatusCode::OK);

    // A new sign-in on another device starts locked; her password removes a forgotten PIN.
    let elsewhere = new_client();
    app.login(&elsewhere, "shared@example.com", PASSWORD).await;
    assert_eq!(
        get_json(&app, &elsewhere, "/api/mum/logs").await.0,
        StatusCode::FORBIDDEN
    );
    let wrong = post(
        &app,
        &elsewhere,
        "/api/mum/forgot-pin",
        &[("password", "not my password at all")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let removed = post(&app, &elsewhere, "/api/mum/forgot-pin", &[("password", PASSWORD)]).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(get_json(&app, &elsewhere, "/api/mum/logs").await.0, StatusCode::OK);
}

#[tokio::test]
async fn guessing_the_pin_is_rate_limited() {
    let app = spawn_app().await;
    let her = onboarded(&app, "guess@example.com", 120).await;
    post(&app, &her, "/api/mum/pin", &[("pin", "2580")]).await;
    post(&app, &her, "/api/mum/lock", &[]).await;
    for _ in 0..5 {
        assert_eq!(
            post(&app, &her, "/api/mum/unlock", &[("pin", "9999")]).await.status(),
            StatusCode::BAD_REQUEST
        );
    }
    let limited = post(&app, &her, "/api/mum/unlock", &[("pin", "2580")]).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right PIN waits"
    );
}

/// Text a mother writes comes back as text in every page that shows it, wherever it sits:
/// the note editor's `<textarea>` (whose children Leptos writes raw), the visit list, her name.
#[tokio::test]
async fn her_own_text_never_becomes_markup_in_the_pages_that_show_it() {
    const PAYLOAD: &str = r#"</textarea></title><a id="inj" href="https://evil.example/login">Your account is locked: sign in again</a><textarea>"#;
    // Titles are at most 100 characters: the same attack, shorter.
    const SHORT: &str = r#"</title><a id="inj" href="https://evil.example/">Sign in</a>"#;
    let app = spawn_app().await;
    let her = onboarded(&app, "inject@example.com", 150).await;
    let saved = post(
        &app,
        &her,
        "/api/mum/symptoms",
        &[("symptoms[]", "nausea"), ("note", PAYLOAD)],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let soon = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    let visit = post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[("title", SHORT), ("date", &soon), ("time", "10:30"), ("place", SHORT)],
    )
    .await;
    assert_eq!(
        visit.status(),
        StatusCode::OK,
        "{}",
        visit.text().await.unwrap_or_default()
    );
    for page in ["/mum/log", "/mum/visits", "/mum", "/account"] {
        let html = her
            .get(app.url(page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(!html.contains(r#"<a id="inj""#), "{page} renders her text as markup");
        assert!(!html.contains("</textarea></title>"), "{page}");
    }
    let (_, logs) = get_json(&app, &her, "/api/mum/logs").await;
    let id = logs["symptoms"][0]["id"].as_str().expect("id");
    let log = her
        .get(app.url(&format!("/mum/log?edit={id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        log.contains("&lt;/textarea&gt;&lt;/title&gt;&lt;a id=&quot;inj&quot;"),
        "the note is in its editor, as text"
    );
}

/// Reads of her health records are audited: who, which records and how many, never their text.
#[tokio::test]
async fn reading_her_health_records_is_audited_without_their_text() {
    let app = spawn_app().await;
    let her = onboarded(&app, "audited@example.com", 150).await;
    let saved = post(
        &app,
        &her,
        "/api/mum/symptoms",
        &[("symptoms[]", "nausea"), ("note", "words only she should read")],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let before = app.count("audit_log WHERE action = 'health.read'").await;
    for path in ["/api/mum/logs", "/api/mum/contractions", "/api/mum/visits"] {
        assert_eq!(
            her.get(app.url(path)).send().await.expect("read").status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let rows: Vec<(Option<uuid::Uuid>, serde_json::Value)> =
        sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = 'health.read' ORDER BY id")
            .fetch_all(&mut app.db().await)
            .await
            .expect("audit");
    assert_eq!(
        i64::try_from(rows.len()).expect("count") - before,
        3,
        "one row per read"
    );
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&mut app.db().await)
        .await
        .expect("user");
    let logs = &rows[rows.len() - 3];
    assert_eq!(logs.0, Some(user));
    assert_eq!(logs.1["records"]["symptom_logs"], 1);
    for (_, detail) in &rows {
        assert!(!detail.to_string().contains("words only she should read"), "{detail}");
    }
}

/// Her health pages are never stored by a browser or a proxy, and with a PIN the service
/// worker is told until when its offline copy may be shown: while unlocked, never once locked.
#[tokio::test]
async fn health_pages_are_not_stored_and_offline_copies_follow_the_lock() {
    let app = spawn_app().await;
    let her = onboarded(&app, "saved@example.com", 100).await;
    let page = |path: &'static str| {
        let (her, url) = (her.clone(), app.url(path));
        async move { her.get(url).header("accept", "text/html").send().await.expect("page") }
    };
    let today = page("/mum").await;
    assert_eq!(today.headers()["cache-control"], "no-store");
    assert!(today.headers().get("x-saved-until").is_none(), "no PIN: no limit");
    assert_eq!(page("/account").await.headers()["cache-control"], "no-store");

    assert_eq!(
        post(&app, &her, "/api/mum/pin", &[("pin", "258013")]).await.status(),
        StatusCode::OK
    );
    let unlocked = page("/mum").await;
    let until: i64 = unlocked.headers()["x-saved-until"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        until > now && until <= now + 31 * 60,
        "{until} vs {now}: the unlock window"
    );

    assert_eq!(post(&app, &her, "/api/mum/lock", &[]).await.status(), StatusCode::OK);
    assert_eq!(
        page("/mum").await.headers()["x-saved-until"],
        "0",
        "locked: no copy may be shown"
    );
}

#[tokio::test]
async fn the_weight_chart_shows_her_latest_200_weights() {
    let app = spawn_app().await;
    let her = onboarded(&app, "weighs@example.com", 200).await;
    // 205 weights from the days before today, 60.000 kg to 60.204 kg, oldest first.
    sqlx::query(
        "INSERT INTO weight_logs (id, user_id, logged_on, grams)
         SELECT gen_random_uuid(), u.id, current_date - 300 + n, 60000 + n FROM users u, generate_series(0, 204) n
         WHERE u.email = 'weighs@example.com'",
    )
    .execute(&mut app.db().await)
    .await
    .expect("old weights");

    assert_eq!(
        post(&app, &her, "/api/mum/weight", &[("weight_kg", "71.5")])
            .await
            .status(),
        StatusCode::OK
    );
    let (_, logs) = get_json(&app, &her, "/api/mum/logs").await;
    let weights = logs["weights"].as_array().expect("weights");
    assert_eq!(weights.len(), 200);
    // Today's weight is there, last in date order; the six oldest are not.
    assert_eq!(weights[199]["kg"], 71.5);
    assert_eq!(weights[0]["kg"], 60.006);
    let dates: Vec<&str> = weights.iter().map(|w| w["date"].as_str().expect("date")).collect();
    assert!(dates.windows(2).all(|d| d[0] <= d[1]), "in date order: {dates:?}");
}

#[tokio::test]
async fn her_history_comes_twenty_at_a_time_with_one_editor_when_asked() {
    let app = spawn_app().await;
    let her = onboarded(&app, "pages@example.com", 200).await;
    for n in 0..25 {
        let kg = format!("{}.0", 50 + n);
        assert_eq!(
            post(&app, &her, "/api/mum/weight", &[("weight_kg", &kg)])
                .await
                .status(),
            StatusCode::OK
        );
    }
    let (_, newest) = get_json(&app, &her, "/api/mum/logs").await;
    let entries = newest["weight_entries"].as_array().expect("entries");
    assert_eq!((entries.len(), &newest["older"]), (20, &Value::Bool(true)));
    assert_eq!(entries[0]["kg"], 74.0, "newest first");
    assert_eq!(
        newest["weights"].as_array().expect("chart").len(),
        25,
        "the chart has them all"
    );
    let (_, older) = get_json(&app, &her, "/api/mum/logs?page=1").await;
    let entries = older["weight_entries"].as_array().expect("entries");
    assert_eq!((entries.len(), &older["older"]), (5, &Value::Bool(false)));
    assert_eq!(entries[4]["kg"], 50.0);

    // The page: one form to log a weight, an "Edit" link per entry, and the editor only for
    // the entry that asks for it.
    let html = |path: &'static str| {
        let request = her.get(app.url(path)).header("accept", "text/html");
        async move { request.send().await.expect("page").text().await.expect("html") }
    };
    let page = html("/mum/log").await;
    assert_eq!(page.matches(r#"name="weight_kg""#).count(), 1);
    assert!(page.contains(r#"href="/mum/log?page=1""#), "a link to older entries");
    let id = newest["weight_entries"][0]["id"].as_str().expect("id").to_owned();
    let edit_link = format!("/mum/log?edit={id}#entry-{id}");
    assert!(page.contains(&edit_link), "an edit link");
    let path: &'static str = Box::leak(format!("/mum/log?edit={id}").into_boxed_str());
    let editing = html(path).await;
    assert_eq!(editing.matches(r#"name="weight_kg""#).count(), 2);
    assert!(editing.contains(r#"value="74.0""#), "the editor holds the entry");
}
