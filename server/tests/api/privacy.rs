//! The privacy centre: export holds every table's rows of hers and none of another's;
//! deleting the account leaves no row of hers in any table.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::mum::{onboarded, post};

/// Fills every kind of record a mother has.
async fn busy_mother(app: &TestApp, email: &str) -> reqwest::Client {
    let her = onboarded(app, email, 140).await;
    post(
        app,
        &her,
        "/api/mum/symptoms",
        &[("symptoms[]", "nausea"), ("note", &format!("note of {email}"))],
    )
    .await;
    post(app, &her, "/api/mum/weight", &[("weight_kg", "64")]).await;
    post(app, &her, "/api/mum/movement", &[("movement", "usual")]).await;
    post(app, &her, "/api/mum/contraction-start", &[]).await;
    post(app, &her, "/api/mum/danger", &[("sign", "convulsions")]).await;
    post(app, &her, "/api/mum/pin", &[("pin", "2580")]).await;
    let visit = post(
        app,
        &her,
        "/api/mum/save-visit",
        &[
            ("title", "Scan"),
            ("date", "2099-01-05"),
            ("time", "09:00"),
            ("place", "Clinic"),
        ],
    )
    .await;
    assert_eq!(visit.status(), StatusCode::OK);
    her
}

/// Every table with a `user_id` column, and how many rows of `user` it holds.
async fn rows_per_table(app: &TestApp, user: uuid::Uuid) -> Vec<(String, i64)> {
    let mut db = app.db().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await
    .expect("tables");
    let mut counts = Vec::new();
    for table in tables {
        let row = sqlx::query(&format!("SELECT count(*) FROM {table} WHERE user_id = $1"))
            .bind(user)
            .fetch_one(&mut db)
            .await
            .expect("count");
        counts.push((table, row.get::<i64, _>(0)));
    }
    counts
}

async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&mut app.db().await)
        .await
        .expect("user")
}

#[tokio::test]
async fn export_holds_every_row_of_hers_and_none_of_another() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "export@example.com").await;
    busy_mother(&app, "neighbour@example.com").await;
    let me = user_id(&app, "export@example.com").await;

    let response = her.get(app.url("/account/export.json")).send().await.expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap_or("")
            .contains("attachment")
    );
    let text = response.text().await.expect("body");
    assert!(!text.contains("neighbour"), "nothing of another account");
    assert!(!text.contains("$argon2"), "no password or PIN hash");
    let export: Value = serde_json::from_str(&text).expect("json");

    for (table, count) in rows_per_table(&app, me).await {
        let exported = export[&table].as_array().map_or(0, Vec::len);
        assert_eq!(exported as i64, count, "{table}");
    }
    assert_eq!(export["users"][0]["email"], "export@example.com");
    assert_eq!(
        export["symptom_logs"][0]["note"], "note of export@example.com",
        "notes come back readable"
    );
    assert!(export["audit_log"].as_array().is_some_and(|a| !a.is_empty()));

    let csv = her
        .get(app.url("/account/export/weight_logs.csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("csv body");
    assert!(csv.lines().next().is_some_and(|h| h.contains("grams")), "{csv}");
    assert!(csv.contains("64000"));
    for missing in [
        "/account/export/pregnancy_weeks.csv",
        "/account/export/nope.csv",
        "/account/export/users",
    ] {
        assert_eq!(
            her.get(app.url(missing)).send().await.expect("get").status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    let stranger = crate::helpers::new_client();
    assert_eq!(
        stranger
            .get(app.url("/account/export.json"))
            .header("accept", "application/json")
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_export_job_builds_the_same_file_with_progress_and_only_for_her() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "job@example.com").await;
    let other = busy_mother(&app, "not-her-job@example.com").await;
    let started = her
        .post(app.url("/api/privacy/export-start"))
        .send()
        .await
        .expect("start");
    assert_eq!(started.status(), StatusCode::OK);
    let id: String = started.json().await.expect("id");
    let again: String = her
        .post(app.url("/api/privacy/export-start"))
        .send()
        .await
        .expect("again")
        .json()
        .await
        .expect("id");
    let mut status = Value::Null;
    for _ in 0..100 {
        status = her
            .get(app.url("/api/privacy/export-status"))
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if status["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "done", "{status}");
    assert!(
        again == id || status["id"] == again.as_str(),
        "asking twice while building gives one job"
    );
    let total = status["total"].as_i64().expect("total");
    assert!(total > 10 && status["done"].as_i64() == Some(total), "{status}");

    let job_id = status["id"].as_str().expect("id").to_owned();
    let built: Value = her
        .get(app.url(&format!("/account/export/job/{job_id}")))
        .send()
        .await
        .expect("file")
        .json()
        .await
        .expect("json");
    let direct: Value = her
        .get(app.url("/account/export.json"))
        .send()
        .await
        .expect("direct")
        .json()
        .await
        .expect("json");
    for (table, rows) in direct.as_object().expect("tables") {
        // The job's own row changed when it finished; every other table is the same.
        if table != "export_jobs" && table != "audit_log" {
            assert_eq!(&built[table], rows, "{table}");
        }
    }
    assert!(
        built["export_jobs"][0].get("result_sealed").is_none(),
        "a file never holds an earlier file"
    );
    // Stored sealed: the note she wrote is not in the row, in clear or otherwise readable.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT result_sealed FROM export_jobs WHERE id = $1::uuid")
        .bind(&job_id)
        .fetch_one(&mut app.db().await)
        .await
        .expect("stored file");
    let text = serde_json::to_string(&built).expect("json");
    assert!(text.contains("symptom_logs") && stored.len() > text.len() / 2);
    assert!(
        !stored.windows(12).any(|w| w == b"symptom_logs"),
        "the stored file is in clear"
    );
    let peek = other
        .get(app.url(&format!("/account/export/job/{job_id}")))
        .send()
        .await
        .expect("peek");
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .get(app.url("/api/privacy/export-status"))
            .send()
            .await
            .expect("status")
            .json::<Value>()
            .await
            .expect("json"),
        Value::Null
    );
}

#[tokio::test]
async fn deleting_the_account_leaves_no_row_of_hers_anywhere() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "leaving@example.com").await;
    busy_mother(&app, "staying@example.com").await;
    let me = user_id(&app, "leaving@example.com").await;
    let other = user_id(&app, "staying@example.com").await;

    let unconfirmed = post(&app, &her, "/api/privacy/delete-account", &[("password", PASSWORD)]).await;
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);
    let wrong = post(
        &app,
        &her,
        "/api/privacy/delete-account",
        &[("password", "wrong password entirely"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("users").await, 2, "refused attempts change nothing");

    // Someone guessed at her address, and at one that merely starts like it: counters keyed
    // by email, and an audit row of each failure.
    for email in ["leaving@example.com", "leaving@example.com.au"] {
        let guess = app
            .login(&crate::helpers::new_client(), email, "a wrong guess at it")
            .await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let keyed_by = |email: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM rate_limits WHERE split_part(key, ':', 2) = $1")
                .bind(email)
                .fetch_one(&mut app.db().await)
                .await
                .expect("count")
        }
    };
    assert!(keyed_by("leaving@example.com").await > 0);

    let deleted = post(
        &app,
        &her,
        "/api/privacy/delete-account",
        &[("password", PASSWORD), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        keyed_by("leaving@example.com").await,
        0,
        "no counter keyed by her email"
    );
    assert!(
        keyed_by("leaving@example.com.au").await > 0,
        "another address's counters stay"
    );
    let failures: Vec<String> =
        sqlx::query_scalar("SELECT detail::text FROM audit_log WHERE action = 'auth.login' AND outcome = 'failure'")
            .fetch_all(&mut app.db().await)
            .await
            .expect("audit");
    assert_eq!(failures.len(), 2);
    for detail in failures {
        assert!(
            !detail.contains("leaving@"),
            "the audit log keeps a hash, never the address: {detail}"
        );
        assert!(detail.contains("email_sha256"), "{detail}");
    }
    for (table, count) in rows_per_table(&app, me).await {
        assert_eq!(count, 0, "{table} still holds her rows");
    }
    assert_eq!(app.count("users").await, 1);
    assert!(
        rows_per_table(&app, other).await.iter().any(|(_, n)| *n > 0),
        "the other account is untouched"
    );
    let remains: i64 = sqlx::query_scalar("SELECT count(*) FROM rate_limits WHERE key LIKE '%' || $1")
        .bind(me.to_string())
        .fetch_one(&mut app.db().await)
        .await
        .expect("count");
    assert_eq!(remains, 0);
    // Audited, without content; confirmed by email; and she can no longer sign in.
    let audited: Value = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'privacy.delete_account' AND outcome = 'success'",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("audit");
    assert_eq!(audited, serde_json::json!({}));
    let confirmation = app.mail.message_to("leaving@example.com", 2).await;
    assert!(
        confirmation.data.contains("Your SasaMum account is deleted"),
        "{}",
        confirmation.data
    );
    let client = crate::helpers::new_client();
    assert_eq!(
        app.login(&client, "leaving@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_pregnancy_record_is_deleted_with_its_logs_and_onboarding_starts_again() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "fresh@example.com").await;
    let other_client = busy_mother(&app, "keep@example.com").await;
    let id: uuid::Uuid = sqlx::query_scalar(
        "SELECT p.id FROM pregnancies p JOIN users u ON u.id = p.user_id WHERE u.email = 'fresh@example.com'",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("pregnancy");
    let id = id.to_string();
    let theirs = post(
        &app,
        &other_client,
        "/api/privacy/delete-pregnancy",
        &[("id", &id), ("confirm", "yes")],
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let unconfirmed = post(&app, &her, "/api/privacy/delete-pregnancy", &[("id", &id)]).await;
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);

    let deleted = post(
        &app,
        &her,
        "/api/privacy/delete-pregnancy",
        &[("id", &id), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let me = user_id(&app, "fresh@example.com").await;
    let other = user_id(&app, "keep@example.com").await;
    for table in [
        "pregnancies",
        "symptom_logs",
        "weight_logs",
        "movement_logs",
        "contractions",
        "appointments",
        "reminders",
    ] {
        let left = |user| {
            let app = &app;
            async move {
                sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table} WHERE user_id = $1"))
                    .bind(user)
                    .fetch_one(&mut app.db().await)
                    .await
                    .expect("count")
            }
        };
        assert_eq!(left(me).await, 0, "{table}: hers are gone");
        assert!(left(other).await > 0, "{table}: the other mother's stay");
    }
    post(&app, &her, "/api/mum/unlock", &[("pin", "2580")]).await;
    let state: Value = her
        .get(app.url("/api/mum/state"))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    assert_eq!(state, "Dates");
}

/// What is kept only for a while is pruned: old rate-limit windows, long-dead sessions, the
/// bodies of messages sent a month ago (the row stays, so nothing is sent twice), and finished
/// exports after a week. Fresh rows are untouched.
#[tokio::test]
async fn the_retention_pass_prunes_only_what_has_expired() {
    let app = spawn_app().await;
    let _her = busy_mother(&app, "kept@example.com").await;
    let me = user_id(&app, "kept@example.com").await;
    let mut db = app.db().await;
    for sql in [
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ('old:x', now() - interval '3 days', 1), ('new:x', now(), 1)",
        "INSERT INTO sessions (id, user_id, expires_at) VALUES (gen_random_uuid(), $1, now() - interval '31 days')",
        "INSERT INTO sessions (id, user_id, expires_at, revoked_at) VALUES (gen_random_uuid(), $1, now() + interval '1 day', now() - interval '31 days')",
        "INSERT INTO outbox (idempotency_key, user_id, channel, recipient, subject, body_text, body_html, status, sent_at)
         VALUES ('old-sent', $1, 'email', 'kept@example.com', 'Old', 'old words', '<p>old</p>', 'sent', now() - interval '31 days'),
                ('new-sent', $1, 'email', 'kept@example.com', 'New', 'new words', '<p>new</p>', 'sent', now())",
        "INSERT INTO export_jobs (id, user_id, status, result_sealed, finished_at)
         VALUES (gen_random_uuid(), $1, 'done', 'old file', now() - interval '8 days'), (gen_random_uuid(), $1, 'done', 'new file', now())",
    ] {
        let query = sqlx::query(sql);
        let query = if sql.contains("$1") { query.bind(me) } else { query };
        query.execute(&mut db).await.expect(sql);
    }
    let live_sessions = app
        .count("sessions WHERE revoked_at IS NULL AND expires_at > now()")
        .await;
    assert!(live_sessions > 0);
    let pool = sqlx::PgPool::connect(&app.database_url()).await.expect("pool");
    assert!(server::workers::retention::run_once(&pool).await.expect("pass") >= 5);
    assert_eq!(app.count("rate_limits WHERE key = 'old:x'").await, 0);
    assert_eq!(app.count("rate_limits WHERE key = 'new:x'").await, 1);
    assert_eq!(
        app.count("sessions WHERE expires_at < now() - interval '30 days' OR revoked_at < now() - interval '30 days'")
            .await,
        0
    );
    assert_eq!(
        app.count("sessions WHERE revoked_at IS NULL AND expires_at > now()")
            .await,
        live_sessions
    );
    assert_eq!(
        app.count("outbox WHERE idempotency_key = 'old-sent' AND body_text = '' AND subject = ''")
            .await,
        1
    );
    assert_eq!(
        app.count("outbox WHERE idempotency_key = 'new-sent' AND body_text = 'new words'")
            .await,
        1
    );
    assert_eq!(app.count("export_jobs WHERE result_sealed = 'old file'").await, 0);
    assert_eq!(app.count("export_jobs WHERE result_sealed = 'new file'").await, 1);
    // A second pass finds nothing more.
    assert_eq!(server::workers::retention::run_once(&pool).await.expect("pass"), 0);
}

/// Her note opens only in its own row: a ciphertext copied into another row (hers or
/// another mother's) is refused, never shown as that row's note.
#[tokio::test]
async fn a_sealed_note_moved_to_another_row_never_opens() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "swap-a@example.com").await;
    let _other = busy_mother(&app, "swap-b@example.com").await;
    let mut db = app.db().await;
    sqlx::query(
        "UPDATE symptom_logs SET note_ciphertext = (SELECT note_ciphertext FROM symptom_logs s
           JOIN users u ON u.id = s.user_id WHERE u.email = 'swap-b@example.com' LIMIT 1)
         WHERE user_id = (SELECT id FROM users WHERE email = 'swap-a@example.com')",
    )
    .execute(&mut db)
    .await
    .expect("swap");
    let page = her.get(app.url("/mum/log")).send().await.expect("page");
    let body = page.text().await.expect("body");
    assert!(
        !body.contains("note of swap-b@example.com"),
        "another row's note was shown"
    );
}

/// `server rotate-health-key` re-seals every note and export file under the new key while
/// an instance with both keys keeps serving; afterwards the old key is no longer needed.
#[tokio::test]
async fn rotating_the_health_key_reseals_every_row() {
    const OLD: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    const NEW: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    let before = crate::helpers::spawn_app_with(&[("HEALTH_DATA_KEY", OLD)]).await;
    let her = busy_mother(&before, "rotate@example.com").await;
    her.post(before.url("/api/privacy/export-start"))
        .send()
        .await
        .expect("export");
    let pool = sqlx::PgPool::connect(&before.database_url()).await.expect("pool");
    for _ in 0..100 {
        if before.count("export_jobs WHERE status = 'done'").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(before.count("export_jobs WHERE status = 'done'").await, 1);

    let database_url = before.database_url();
    let during = crate::helpers::spawn_app_with(&[
        ("DATABASE_URL", database_url.as_str()),
        ("HEALTH_DATA_KEY", NEW),
        ("HEALTH_DATA_KEY_PREVIOUS", OLD),
    ])
    .await;
    let shows_her_note = |app: &TestApp| {
        let (url, her) = (app.url("/mum/log"), her.clone());
        async move {
            let page = her.get(url).send().await.expect("page");
            page.text().await.expect("body").contains("note of rotate@example.com")
        }
    };
    assert!(shows_her_note(&during).await, "both keys: the old rows still open");

    let settings = server::config::Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "LEPTOS_CONFIG" => Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml").into()),
        "APP_ENV" => Some("development".into()),
        "HEALTH_DATA_KEY" => Some(NEW.into()),
        "HEALTH_DATA_KEY_PREVIOUS" => Some(OLD.into()),
        _ => None,
    })
    .expect("settings");
    let code = server::commands::run(&settings, &["rotate-health-key".to_owned()]).await;
    assert_eq!(code, Some(std::process::ExitCode::SUCCESS));
    let current = app::platform::crypto::HealthKey::from_base64(NEW)
        .expect("key")
        .current_prefix();
    let stale: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM symptom_logs WHERE note_ciphertext IS NOT NULL AND substring(note_ciphertext FROM 1 FOR 5) <> $1)
              + (SELECT count(*) FROM export_jobs WHERE result_sealed IS NOT NULL AND substring(result_sealed FROM 1 FOR 5) <> $1)",
    )
    .bind(&current)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(stale, 0, "every sealed value is under the new key");
    assert_eq!(
        before
            .count("audit_log WHERE action = 'crypto.health_key_rotated'")
            .await,
        1
    );

    let after =
        crate::helpers::spawn_app_with(&[("DATABASE_URL", database_url.as_str()), ("HEALTH_DATA_KEY", NEW)]).await;
    assert!(shows_her_note(&after).await, "the new key alone opens every note");
    let job: String = sqlx::query_scalar("SELECT id::text FROM export_jobs")
        .fetch_one(&pool)
        .await
        .expect("job");
    let file = her
        .get(after.url(&format!("/account/export/job/{job}")))
        .send()
        .await
        .expect("file");
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.text().await.expect("body").contains("note of rotate@example.com"));
    // The old key alone no longer opens anything.
    let stale_instance =
        crate::helpers::spawn_app_with(&[("DATABASE_URL", database_url.as_str()), ("HEALTH_DATA_KEY", OLD)]).await;
    assert!(!shows_her_note(&stale_instance).await);
}

/// A finished export can be downloaded for seven days; after that it is gone even before
/// the retention pass deletes the row, and her account's deletion takes it at once.
#[tokio::test]
async fn an_export_file_expires_after_seven_days() {
    let app = spawn_app().await;
    let her = busy_mother(&app, "expiry@example.com").await;
    her.post(app.url("/api/privacy/export-start"))
        .send()
        .await
        .expect("export");
    for _ in 0..100 {
        if app.count("export_jobs WHERE status = 'done'").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let job: String = sqlx::query_scalar("SELECT id::text FROM export_jobs")
        .fetch_one(&mut app.db().await)
        .await
        .expect("job");
    let url = app.url(&format!("/account/export/job/{job}"));
    assert_eq!(her.get(&url).send().await.expect("file").status(), StatusCode::OK);
    sqlx::query("UPDATE export_jobs SET finished_at = now() - interval '7 days 1 minute'")
        .execute(&mut app.db().await)
        .await
        .expect("age");
    assert_eq!(
        her.get(&url).send().await.expect("file").status(),
        StatusCode::NOT_FOUND
    );
}
