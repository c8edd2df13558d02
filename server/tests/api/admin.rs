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

pub async fn operator(app: &TestApp) -> Client {
    app.verified_user("ops@example.com").await;
    make_operator(app, "ops@example.com").await;
    let client = new_client();
    assert_eq!(
        app.login(&client, "ops@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    pass_second_factor(app, &client).await;
    client
}

pub async fn make_operator(app: &TestApp, email: &str) {
    sqlx::query("UPDATE users SET is_admin = true WHERE email = $1")
        .bind(email)
        .execute(&mut app.db().await)
        .await
        .expect("admin");
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The operator's authenticator key, read from the setup screen's data (first time only).
async fn setup_key(app: &TestApp, client: &Client) -> String {
    let status: Value = client
        .get(app.url("/api/admin/second-factor"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    status["setup"]["key"].as_str().expect("a setup key").to_owned()
}

async fn check_code(app: &TestApp, client: &Client, code: &str) -> reqwest::Response {
    client
        .post(app.url("/api/admin/second-factor-check"))
        .form(&[("code", code)])
        .send()
        .await
        .expect("check")
}

/// Sets up TOTP with the code an authenticator app would show, as an operator does once.
pub async fn pass_second_factor(app: &TestApp, client: &Client) -> String {
    let key = setup_key(app, client).await;
    let code = app::admin::second_factor::code_at(&key, now()).expect("code");
    assert_eq!(check_code(app, client, &code).await.status(), StatusCode::OK);
    key
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

/// An operator passes TOTP (RFC 6238) before any admin page or call; a code works once; a
/// recovery code works once; guessing is limited; every check is audited.
#[tokio::test]
async fn operators_pass_a_second_factor_before_any_admin_page() {
    let app = spawn_app().await;
    app.verified_user("ops@example.com").await;
    make_operator(&app, "ops@example.com").await;
    let first = new_client();
    app.login(&first, "ops@example.com", PASSWORD).await;
    for path in [
        "/api/admin/users",
        "/api/admin/tickets",
        "/api/admin/audit",
        "/api/pro/operator",
    ] {
        let refused = first.get(app.url(path)).send().await.expect("call");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["error"], "second_factor", "{path}");
    }
    let page = first
        .get(app.url("/admin"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("/admin/verify") && !html.contains("data-email"), "{html}");
    let verify = first
        .get(app.url("/admin/verify"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    let verify = verify.text().await.expect("html");
    assert!(verify.contains("Set up your authenticator app"), "{verify}");

    let key = setup_key(&app, &first).await;
    assert_eq!(key.len(), 32, "a 160-bit key in base32");
    let wrong = check_code(&app, &first, "000000").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.expect("body").contains("code"));
    let code = app::admin::second_factor::code_at(&key, now()).expect("code");
    assert_eq!(check_code(&app, &first, &code).await.status(), StatusCode::OK);
    assert_eq!(
        first
            .get(app.url("/api/admin/users"))
            .send()
            .await
            .expect("users")
            .status(),
        StatusCode::OK
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_sealed FROM operator_mfa")
        .fetch_one(&mut app.db().await)
        .await
        .expect("stored");
    assert!(
        !stored.windows(8).any(|w| key.as_bytes().windows(8).any(|k| k == w)),
        "the key is stored sealed"
    );

    // A new session asks again; the code already used is refused, the next step's is taken.
    let second = new_client();
    app.login(&second, "ops@example.com", PASSWORD).await;
    assert_eq!(
        second
            .get(app.url("/api/admin/users"))
            .send()
            .await
            .expect("users")
            .status(),
        StatusCode::FORBIDDEN
    );
    let status: Value = second
        .get(app.url("/api/admin/second-factor"))
        .send()
        .await
        .expect("s")
        .json()
        .await
        .expect("j");
    assert!(
        status["setup"].is_null(),
        "set up once: the key and codes are not shown again"
    );
    assert_eq!(
        check_code(&app, &second, &code).await.status(),
        StatusCode::BAD_REQUEST,
        "a replayed code"
    );
    let next = app::admin::second_factor::code_at(&key, now() + 30).expect("code");
    assert_eq!(check_code(&app, &second, &next).await.status(), StatusCode::OK);

    // A recovery code (shown at setup) works once.
    let codes = app::admin::second_factor::recovery_codes_for(&key);
    let third = new_client();
    app.login(&third, "ops@example.com", PASSWORD).await;
    assert_eq!(
        check_code(&app, &third, &codes[3].to_uppercase()).await.status(),
        StatusCode::OK
    );
    let fourth = new_client();
    app.login(&fourth, "ops@example.com", PASSWORD).await;
    assert_eq!(
        check_code(&app, &fourth, &codes[3]).await.status(),
        StatusCode::BAD_REQUEST
    );
    // Guessing stops after five wrong codes in five minutes (three were wrong above).
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(check_code(&app, &fourth, "123456").await.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(audited(&app, "admin.second_factor").await >= 6);
}

/// Operators' sessions last 12 hours at most and end after 30 minutes unused; everyone's
/// end after SESSION_IDLE_TIMEOUT_SECS unused, whatever the access token says.
#[tokio::test]
async fn idle_sessions_end_and_operators_sooner() {
    let app = crate::helpers::spawn_app_with(&[("SESSION_IDLE_TIMEOUT_SECS", "600")]).await;
    let ops = operator(&app).await;
    let user = signed_in(&app, "user@example.com").await;
    let rows: Vec<(String, i32, f64)> = sqlx::query_as(
        "SELECT u.email, s.idle_timeout_secs, (extract(epoch FROM s.expires_at - s.created_at) / 3600)::float8
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.revoked_at IS NULL",
    )
    .fetch_all(&mut app.db().await)
    .await
    .expect("sessions");
    for (email, idle, hours) in &rows {
        if email == "ops@example.com" {
            assert_eq!((*idle, hours.round()), (1800, 12.0), "{rows:?}");
        } else {
            assert_eq!((*idle, hours.round()), (600, 720.0), "{rows:?}");
        }
    }
    assert_eq!(
        ops.get(app.url("/api/admin/users"))
            .send()
            .await
            .expect("users")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        user.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::OK
    );

    // 31 minutes unused: the operator is signed out, though the access token has time left.
    sqlx::query("UPDATE sessions SET last_used_at = now() - interval '31 minutes'")
        .execute(&mut app.db().await)
        .await
        .expect("age");
    assert_eq!(
        ops.get(app.url("/api/admin/users"))
            .send()
            .await
            .expect("users")
            .status(),
        StatusCode::NOT_FOUND
    );
    let page = ops
        .get(app.url("/admin"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert!(page.status().is_redirection());
    assert!(
        page.headers()["location"]
            .to_str()
            .expect("ascii")
            .starts_with("/login")
    );
    // The user's ten minutes are up too; a fresh sign-in works.
    assert_eq!(
        user.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::UNAUTHORIZED
    );
    let again = new_client();
    assert_eq!(
        app.login(&again, "user@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        again.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::OK
    );
}
