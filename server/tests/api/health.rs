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
