//! Admin basics: only operators see them (404 for everyone else), and every action is audited.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, new_client, spawn_app};

async fn signed_in(app: &TestApp, email: &str) -> Client {
    app.verified_user(email).await;
    let client = new_client();
    assert_eq!(app.login(&client, email, PASSWORD).await.status(), StatusCode::OK);
    client
}

async fn operator(app: &TestApp) -> Client {
    let client = signed_in(app, "ops@example.com").await;
    sqlx::query("UPDATE users SET is_admin = true WHERE email = 'ops@example.com'")
        .execute(&mut app.db().await)
        .await
        .expect("admin");
    client
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&mut app.db().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_non_admin_gets_404_everywhere_in_admin() {
    let app = spawn_app().await;
    let user = signed_in(&app, "user@example.com").await;
    for path in [
        "/api/admin/users",
        "/api/admin/tickets",
        "/api/admin/audit",
        "/api/pro/operator",
    ] {
        assert_eq!(
            user.get(app.url(path)).send().await.expect("get").status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&mut app.db().await)
        .await
        .expect("id");
    let attempt = app
        .post_with(
            &user,
            "/api/admin/disable",
            &[("id", &id.to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(attempt.status(), StatusCode::NOT_FOUND);
    let page = user
        .get(app.url("/admin"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("We couldn&#x27;t find that page") || page.contains("We couldn't find that page"),
        "{page}"
    );
}

#[tokio::test]
async fn disabling_ends_sessions_and_refuses_sign_in_until_enabled() {
    let app = spawn_app().await;
    let ops = operator(&app).await;
    let user = signed_in(&app, "troll@example.com").await;
    assert_eq!(
        user.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::OK
    );
    let users: Value = ops
        .get(app.url("/api/admin/users?q=troll"))
        .send()
        .await
        .expect("users")
        .json()
        .await
        .expect("json");
    assert_eq!(users.as_array().map(Vec::len), Some(1));
    let id = users[0]["id"].as_str().expect("id").to_owned();

    assert_eq!(
        app.post_with(&ops, "/api/admin/disable", &[("id", &id), ("disabled", "true")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        user.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app.login(&new_client(), "troll@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert_eq!(again.json::<Value>().await.expect("json")["error"], "account_disabled");

    assert_eq!(
        app.post_with(&ops, "/api/admin/disable", &[("id", &id), ("disabled", "false")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login(&new_client(), "troll@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(audited(&app, "admin.disable_user").await, 1);
    assert_eq!(audited(&app, "admin.enable_user").await, 1);
}

#[tokio::test]
async fn operators_resend_verification_and_answer_tickets_by_email() {
    let app = spawn_app().await;
    let ops = operator(&app).await;
    assert_eq!(app.register("late@example.com").await.status(), StatusCode::OK);
    let id: String = sqlx::query_scalar("SELECT id::text FROM users WHERE email = 'late@example.com'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("id");
    assert_eq!(
        app.post_with(&ops, "/api/admin/resend-verification", &[("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let second = app.mail.message_to("late@example.com", 2).await;
    assert!(second.data.contains("/verify?token="), "{}", second.data);

    let asker = signed_in(&app, "asker@example.com").await;
    let ticket: i64 = app
        .post_with(
            &asker,
            "/api/help/ticket",
            &[("subject", "Refund?"), ("body", "I was charged twice.")],
        )
        .await
        .json()
        .await
        .expect("ticket");
    let tickets: Value = ops
        .get(app.url("/api/admin/tickets"))
        .send()
        .await
        .expect("tickets")
        .json()
        .await
        .expect("json");
    assert_eq!(tickets[0]["subject"], "Refund?");
    let empty = app
        .post_with(&ops, "/api/admin/reply", &[("id", &ticket.to_string()), ("body", " ")])
        .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let replied = app
        .post_with(
            &ops,
            "/api/admin/reply",
            &[("id", &ticket.to_string()), ("body", "We refunded the second charge.")],
        )
        .await;
    assert_eq!(replied.status(), StatusCode::OK);
    // Verification, the ticket's confirmation and the reply, in whatever order they leave.
    app.mail.message_to("asker@example.com", 3).await;
    let mut replies = 0;
    for n in 1..=3 {
        replies += usize::from(
            app.mail
                .message_to("asker@example.com", n)
                .await
                .data
                .contains("We refunded the second charge."),
        );
    }
    assert_eq!(replies, 1);
    let mine: Value = asker
        .get(app.url("/api/help/tickets"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(mine[0]["status"], "answered");
    let log: Value = ops
        .get(app.url("/api/admin/audit?action=admin."))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let actions: Vec<&str> = log
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"admin.reply_ticket") && actions.contains(&"admin.resend_verification"),
        "{actions:?}"
    );
    assert!(
        log.as_array()
            .expect("rows")
            .iter()
            .all(|e| e["actor"] == "ops@example.com")
    );
}
