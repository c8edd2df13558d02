use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_says_the_process_is_alive() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_200_with_the_database_up() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["database"], "up");
}

#[tokio::test]
async fn readyz_is_503_without_the_database_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    app.drop_database().await;

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    // No panic, no lost process: liveness and pages still answer.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn migrations_are_applied_at_start_up() {
    let app = spawn_app().await;
    let mut db = app.db().await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut db)
        .await
        .expect("migrations table");
    let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .expect("migrations folder")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(applied, i64::try_from(on_disk).expect("count"));
}

#[tokio::test]
async fn a_panic_becomes_a_500_page_with_an_error_id() {
    let app = crate::helpers::spawn_app().await;
    let response = app.get("/dev/panic").await;
    assert_eq!(response.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response.headers().contains_key("x-content-type-options"),
        "security headers still apply"
    );
    let page = response.text().await.expect("page");
    assert!(page.contains("Something went wrong on our side") && page.contains("Nothing you saved is lost"));
    let id = page
        .split("<code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_default();
    assert_eq!(id.len(), 12, "an error id is shown: {page}");
    // The server is still serving.
    assert_eq!(app.get("/healthz").await.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_on_the_admin_listener_only() {
    let app = crate::helpers::spawn_app_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    app.get("/no-such-page").await; // with the public /metrics below: two unmatched 404s
    let failed = app
        .login(&app.client, "nobody@example.com", "wrong password entirely")
        .await;
    assert_eq!(failed.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/metrics").await.status(),
        reqwest::StatusCode::NOT_FOUND,
        "not on the public port"
    );

    let admin = app.metrics_address.clone().expect("a metrics listener");
    let response = reqwest::get(format!("{admin}/metrics")).await.expect("scrape");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let text = response.text().await.expect("body");
    assert!(
        text.contains(r#"sasa_http_requests_total{route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"sasa_http_requests_total{route="unmatched",status="404"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"sasa_http_request_duration_seconds_count{route="/healthz"} 3"#));
    assert!(text.contains(r#"sasa_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#));
    assert!(text.contains("sasa_login_failures_total 1"), "{text}");
    for gauge in [
        "sasa_outbox_pending",
        "sasa_outbox_oldest_pending_seconds",
        "sasa_sequence_lag_seconds",
        "sasa_db_pool_in_use",
        "sasa_scans_waiting",
    ] {
        assert!(text.contains(&format!("# TYPE {gauge} gauge")), "{gauge}");
    }
}

#[tokio::test]
async fn unexpected_errors_reach_sentry_when_a_dsn_is_set() {
    use axum::{Json, Router, http::HeaderMap, routing::post};
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(String, serde_json::Value)>::new()));
    let fake = {
        let received = received.clone();
        Router::new().route(
            "/api/42/store/",
            post(move |headers: HeaderMap, Json(event): Json<serde_json::Value>| {
                let received = received.clone();
                async move {
                    let auth = headers
                        .get("x-sentry-auth")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    received.lock().await.push((auth, event));
                    Json(serde_json::json!({ "id": "ok" }))
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dsn = format!("http://publickey@{}/42", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, fake).await });
    let app = crate::helpers::spawn_app_with(&[("SENTRY_DSN", dsn.as_str())]).await;

    let page = app.get("/dev/panic").await;
    assert_eq!(page.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    let html = page.text().await.expect("body");
    let id = html
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("error id")
        .to_owned();
    for _ in 0..50 {
        if !received.lock().await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events = received.lock().await.clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let (auth, event) = &events[0];
    assert!(
        auth.contains("sentry_key=publickey") && auth.contains("sentry_version=7"),
        "{auth}"
    );
    assert_eq!(
        event["tags"]["error_id"],
        id.as_str(),
        "the id the user sees is the id in Sentry"
    );
    assert_eq!(event["level"], "error");
    assert!(
        event["message"]["formatted"]
            .as_str()
            .unwrap_or_default()
            .contains("deliberate panic")
    );

    // A server function's unexpected error (the database is gone) is reported under its id too.
    app.drop_database().await;
    let failed = app.get("/api/help/search?q=pin").await;
    assert_eq!(failed.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = failed.json().await.expect("json");
    let id = body["error_id"].as_str().expect("error id").to_owned();
    for _ in 0..50 {
        if received.lock().await.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events = received.lock().await.clone();
    assert!(
        events.iter().any(|(_, e)| e["tags"]["error_id"] == id.as_str()),
        "{events:?}"
    );

    // A malformed DSN stops the server at start, naming the variable.
    let errors = server::config::Settings::from_lookup(|name| match name {
        "SENTRY_DSN" => Some("not a dsn".into()),
        "DATABASE_URL" => Some("postgres://x@127.0.0.1/x".into()),
        _ => None,
    })
    .expect_err("refused");
    assert!(format!("{errors:?}").contains("SENTRY_DSN"), "{errors:?}");
}

/// The binary's JSON logs: a request's line names the request id, the signed-in user's id,
/// the path and the latency, and no line ever holds the password.
#[tokio::test]
async fn json_logs_carry_the_request_id_user_id_path_and_latency() {
    use sqlx::Connection;
    use std::io::Read;

    let (_, _, database_url) = crate::helpers::fresh_database().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", &database_url)
        .env("LEPTOS_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_HASH_FILES", "false")
        .env("LOG_FORMAT", "json")
        .env("APP_ENV", "development")
        .env("SAMPLE_HOMES", "0")
        .env_remove("SMTP_URL")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server binary");
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::helpers::new_client();
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server binary did not become ready");

    let email = "logs@example.com";
    let password = crate::helpers::PASSWORD;
    let form = [
        ("email", email),
        ("password", password),
        ("display_name", "Logs"),
        ("product", "sasamum"),
        ("language", "en"),
        ("timezone", "Africa/Nairobi"),
    ];
    let registered = client
        .post(format!("{base}/api/auth/register"))
        .form(&form)
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), StatusCode::OK);
    let mut token = None;
    for _ in 0..50 {
        let mails: Value = client
            .get(format!("{base}/api/dev/mailbox"))
            .send()
            .await
            .expect("mailbox")
            .json()
            .await
            .expect("json");
        token = mails.as_array().into_iter().flatten().find_map(|m| {
            let text = m["body_text"].as_str()?;
            let after = text.split("verify?token=").nth(1)?;
            Some(
                after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        });
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let token = token.expect("a confirmation email");
    let verified = client
        .post(format!("{base}/api/auth/verify-email"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), StatusCode::OK);
    let login = client
        .post(format!("{base}/api/auth/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::OK);
    let me = client.get(format!("{base}/api/me")).send().await.expect("me");
    assert_eq!(me.status(), StatusCode::OK);
    let request_id = me.headers()["x-request-id"].to_str().expect("ascii").to_owned();

    let mut db = sqlx::PgConnection::connect(&database_url).await.expect("connect");
    let user_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&mut db)
        .await
        .expect("user");

    let _ = server.kill();
    let mut logs = String::new();
    server
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut logs)
        .expect("read logs");
    let _ = server.wait();
    assert!(!logs.contains(password), "a password reached the logs");
    let finished: Value = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["span"]["request_id"] == request_id.as_str() && line["latency"].is_string())
        .unwrap_or_else(|| panic!("no finished line for request {request_id} in:\n{logs}"));
    assert_eq!(finished["span"]["user_id"], user_id.to_string().as_str(), "{finished}");
    assert_eq!(finished["span"]["path"], "/api/me", "{finished}");
    assert_eq!(finished["status"], 200, "{finished}");
}

/// Managed PostgreSQL asks for TLS: the app connects over it when `DATABASE_URL` says
/// `sslmode=require`, and `verify-full` checks the server's certificate against a given root.
#[tokio::test]
async fn the_database_is_reached_over_tls_when_the_url_asks_for_it() {
    use sqlx::Connection;
    let (_, db_name, database_url) = crate::helpers::fresh_database().await;
    let mut plain = sqlx::PgConnection::connect(&database_url).await.expect("connect");
    assert_eq!(
        sqlx::query_scalar::<_, String>("SHOW ssl")
            .fetch_one(&mut plain)
            .await
            .expect("ssl"),
        "on",
        "the test cluster serves TLS (scripts/db.sh)"
    );
    let directory: String = sqlx::query_scalar("SHOW data_directory")
        .fetch_one(&mut plain)
        .await
        .expect("dir");
    let root = format!("{directory}/root.crt");
    // Verified against its certificate, under the name the certificate carries.
    let verified = format!(
        "{}?sslmode=verify-full&sslrootcert={root}",
        database_url.replacen("127.0.0.1", "localhost", 1)
    );
    let mut tls = sqlx::PgConnection::connect(&verified)
        .await
        .expect("verify-full connects");
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut tls)
        .await
        .expect("pg_stat_ssl");
    assert!(encrypted);
    // The same root refuses a name the certificate does not carry.
    let wrong_name =
        format!("{database_url}?sslmode=verify-full&sslrootcert={root}").replacen("127.0.0.1", "127.0.0.2", 1);
    assert!(
        sqlx::PgConnection::connect(&wrong_name).await.is_err(),
        "verify-full checks the name"
    );

    // The app itself, given sslmode=require, runs every query over TLS.
    let app = crate::helpers::spawn_app_with(&[("DATABASE_URL", &format!("{database_url}?sslmode=require"))]).await;
    assert_eq!(app.get("/readyz").await.status(), reqwest::StatusCode::OK);
    let app_connections: Vec<bool> = sqlx::query_scalar(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'sasa' AND a.datname = $1",
    )
    .bind(&db_name)
    .fetch_all(&mut plain)
    .await
    .expect("the app's connections");
    assert!(
        !app_connections.is_empty() && app_connections.iter().all(|ssl| *ssl),
        "{app_connections:?}"
    );
}

/// A page streamed on a kept-alive connection is not held back by Nagle's algorithm: without
/// TCP_NODELAY each one waited about 40 ms for the client's delayed ACK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_on_a_kept_alive_connection_are_not_held_back() {
    let app = crate::helpers::spawn_app().await;
    // One connection, reused for every request.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .http1_only()
        .build()
        .expect("client");
    let page = |client: reqwest::Client| {
        let url = app.url("/legal/privacy");
        async move {
            let started = std::time::Instant::now();
            let body = client.get(url).send().await.expect("page").text().await.expect("body");
            assert!(body.contains("</html>"));
            started.elapsed()
        }
    };
    page(client.clone()).await; // warm up: the connection and the first render
    let mut times = Vec::new();
    for _ in 0..20 {
        times.push(page(client.clone()).await);
    }
    times.sort();
    // Held back, every page waits about 40 ms for the client's delayed ACK; a busy machine
    // slows some pages but not all of them, so the fastest tells.
    assert!(
        times[0] < std::time::Duration::from_millis(35),
        "fastest {:?} of {times:?}",
        times[0]
    );
}
