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
