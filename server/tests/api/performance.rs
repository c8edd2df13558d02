//! What a signed-in page costs the database, counted by PostgreSQL itself
//! (`pg_stat_statements`, loaded by scripts/db.sh).

use reqwest::Client;
use sqlx::PgConnection;

use crate::helpers::{PASSWORD, TestApp, new_client, spawn_app_with};
use crate::mum::nairobi_today;

/// The statements this test's database ran since the last call, each with its count.
async fn statements_since_last(db: &mut PgConnection) -> Vec<(String, i64)> {
    let run: Vec<(String, i64)> = sqlx::query_as(
        "SELECT query, calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'
         ORDER BY query",
    )
    .fetch_all(&mut *db)
    .await
    .expect("pg_stat_statements");
    sqlx::query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .execute(&mut *db)
    .await
    .expect("reset");
    run
}

async fn page(app: &TestApp, client: &Client, path: &str) {
    let response = client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("body");
}

/// A mother through onboarding on a web-only server: no worker sends her the link, so her
/// address is marked verified in the database.
async fn onboarded_without_workers(app: &TestApp, email: &str) -> Client {
    assert_eq!(app.register(email).await.status(), 200);
    let mut db = app.db().await;
    sqlx::query("UPDATE users SET email_verified_at = now() WHERE email = $1")
        .bind(email)
        .execute(&mut db)
        .await
        .expect("verify");
    let her = new_client();
    assert_eq!(app.login(&her, email, PASSWORD).await.status(), 200);
    let lmp = (nairobi_today() - time::Duration::days(100)).to_string();
    let steps: [(&str, Vec<(&str, &str)>); 3] = [
        ("/api/mum/consent", vec![("agree", "yes")]),
        ("/api/mum/dates", vec![("method", "lmp"), ("date", &lmp)]),
        ("/api/mum/reminders", vec![("reminder_time", "08:00")]),
    ];
    for (path, form) in steps {
        let response = her.post(app.url(path)).form(&form).send().await.expect("post");
        assert_eq!(response.status(), 200, "{path}");
    }
    her
}

#[tokio::test]
async fn her_dashboard_reads_her_account_once_and_writes_nothing() {
    // Web only: a worker's poll in the same database would be counted as the page's.
    let app = spawn_app_with(&[("RUN_WORKERS", "false")]).await;
    let her = onboarded_without_workers(&app, "counted@example.com").await;
    let mut db = app.db().await;
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut db)
        .await
        .expect("pg_stat_statements (scripts/db.sh loads it)");
    // Once to warm the pool's connections (sqlx reads type ids on a connection's first use).
    page(&app, &her, "/mum").await;
    statements_since_last(&mut db).await;

    page(&app, &her, "/mum").await;
    let run = statements_since_last(&mut db).await;
    let total: i64 = run.iter().map(|(_, calls)| calls).sum();
    assert!(total <= 3, "{total} statements for one /mum: {run:#?}");
    for (query, _) in &run {
        let verb = query.split_whitespace().next().unwrap_or_default().to_uppercase();
        assert!(
            !matches!(verb.as_str(), "INSERT" | "UPDATE" | "DELETE"),
            "a page view wrote: {query}"
        );
    }
    app.drop_database().await;
}
