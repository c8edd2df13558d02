use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::helpers::{PASSWORD, new_client, spawn_app, spawn_app_with};

async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
}

#[tokio::test]
async fn sign_up_verify_login_me_logout() {
    let app = spawn_app().await;
    let response = app.register("amina@example.com").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["status"], "check_email");

    // The link arrives over SMTP, with a plain-text and an HTML part.
    let message = app.mail.message_to("amina@example.com", 1).await;
    assert!(
        message.data.contains("text/plain") && message.data.contains("text/html"),
        "{}",
        message.data
    );
    let token = message.token_for("/verify");

    // Not verified yet: the right password still cannot sign in.
    let early = app.login(&app.client, "amina@example.com", PASSWORD).await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(early).await["error"], "email_not_verified");

    assert_eq!(
        app.post("/api/auth/verify-email", &[("token", &token)]).await.status(),
        StatusCode::OK
    );
    // Single use.
    assert_eq!(
        app.post("/api/auth/verify-email", &[("token", &token)]).await.status(),
        StatusCode::BAD_REQUEST
    );

    let login = app.login(&app.client, "Amina@Example.com ", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookies: Vec<String> = login
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("sasa_access=") && c.contains("HttpOnly") && c.contains("SameSite=Lax"))
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("sasa_refresh=") && c.contains("HttpOnly"))
    );
    let body = json(login).await;
    assert_eq!(body["user"]["email"], "amina@example.com");
    assert_eq!(body["redirect_to"], "/mum");
    assert!(body["expires_in"].as_i64().expect("number") <= 900);

    let me = json(app.get("/api/me").await).await;
    assert_eq!(me["display_name"], "Amina");
    assert_eq!(me["product"], "sasamum");

    assert_eq!(app.post("/api/auth/logout", &[]).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn registering_a_taken_email_looks_the_same_and_warns_the_owner() {
    let app = spawn_app().await;
    let first = app.register("taken@example.com").await;
    let (first_status, first_body) = (first.status(), first.text().await.expect("body"));
    let second = app.register("taken@example.com").await;
    assert_eq!(second.status(), first_status);
    assert_eq!(second.text().await.expect("body"), first_body);

    let warning = app.mail.message_to("taken@example.com", 2).await;
    assert!(warning.data.contains("already has an account"), "{}", warning.data);
    let users = app.count("users").await;
    assert_eq!(users, 1);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.verified_user("known@example.com").await;
    let wrong = app
        .login(&new_client(), "known@example.com", "not the right password")
        .await;
    let unknown = app
        .login(&new_client(), "nobody@example.com", "not the right password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (wrong, unknown) = (wrong.text().await.expect("body"), unknown.text().await.expect("body"));
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("bad_credentials"));
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
    let app = spawn_app().await;
    app.verified_user("known@example.com").await;
    let known = app
        .post("/api/auth/forgot-password", &[("email", "known@example.com")])
        .await;
    let unknown = app
        .post("/api/auth/forgot-password", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(unknown.status(), known.status());
    assert_eq!(unknown.text().await.expect("body"), known.text().await.expect("body"));
    assert!(
        app.mail
            .message_to("known@example.com", 2)
            .await
            .data
            .contains("/reset?token=")
    );
    assert_eq!(app.mail.count_to("nobody@example.com"), 0);
}

#[tokio::test]
async fn reset_replaces_the_password_signs_out_everywhere_and_does_not_sign_in() {
    let app = spawn_app().await;
    app.verified_user("reset@example.com").await;
    let device = new_client();
    assert_eq!(
        app.login(&device, "reset@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );

    app.post("/api/auth/forgot-password", &[("email", "reset@example.com")])
        .await;
    let token = app.mail.message_to("reset@example.com", 2).await.token_for("/reset");

    let weak = app
        .post("/api/auth/reset-password", &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(weak).await["fields"][0]["field"], "password");

    let reset = app
        .post(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "no automatic sign-in"
    );
    let again = app
        .post(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "another new passphrase")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "a reset link works once");

    assert_eq!(
        app.login(&new_client(), "reset@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&new_client(), "reset@example.com", "a brand new passphrase")
            .await
            .status(),
        StatusCode::OK
    );
    // The device signed in before the reset is signed out.
    assert_eq!(
        device.get(app.url("/api/me")).send().await.expect("request").status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.mail
            .message_to("reset@example.com", 3)
            .await
            .data
            .contains("password was changed")
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let app = spawn_app().await;
    app.verified_user("rotate@example.com").await;
    let login = app.login(&new_client(), "rotate@example.com", PASSWORD).await;
    let first = refresh_cookie(&login);

    let rotated = app
        .client
        .post(app.url("/api/auth/refresh"))
        .form(&[("refresh_token", first.as_str())])
        .send()
        .await
        .expect("refresh");
    assert_eq!(rotated.status(), StatusCode::OK);
    let second = refresh_cookie(&rotated);
    assert_ne!(first, second);
    assert!(
        json(rotated).await["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    // Past the short window for racing requests, the old token comes back: an attacker.
    let mut db = app.db().await;
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() - interval '1 minute' WHERE rotated_at IS NOT NULL")
        .execute(&mut db)
        .await
        .expect("age");
    let reused = app
        .client
        .post(app.url("/api/auth/refresh"))
        .form(&[("refresh_token", first.as_str())])
        .send()
        .await
        .expect("refresh");
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    // The whole family is revoked: the newest token fails too.
    let newest = app
        .client
        .post(app.url("/api/auth/refresh"))
        .form(&[("refresh_token", second.as_str())])
        .send()
        .await
        .expect("refresh");
    assert_eq!(newest.status(), StatusCode::UNAUTHORIZED);
    let reason: String = sqlx::query_scalar("SELECT revoked_reason FROM sessions")
        .fetch_one(&mut db)
        .await
        .expect("session");
    assert_eq!(reason, "refresh_token_reuse");
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    app.verified_user("hash@example.com").await;
    let login = app.login(&new_client(), "hash@example.com", PASSWORD).await;
    let token = refresh_cookie(&login);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM refresh_tokens")
        .fetch_all(&mut app.db().await)
        .await
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32);
    assert!(
        !stored[0]
            .windows(8)
            .any(|w| token.as_bytes().windows(8).any(|t| t == w))
    );
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_from_the_refresh_cookie() {
    let app = spawn_app().await;
    app.verified_user("silent@example.com").await;
    let login = app.login(&new_client(), "silent@example.com", PASSWORD).await;
    let refresh = refresh_cookie(&login);
    // Only the refresh cookie, as after the access cookie's 15 minutes ran out.
    let me = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header(header::COOKIE, format!("sasa_refresh={refresh}"))
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), StatusCode::OK);
    let set: Vec<&str> = me
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        set.iter()
            .any(|c| c.starts_with("sasa_access=") && !c.starts_with("sasa_access=;"))
    );
    assert!(
        set.iter()
            .any(|c| c.starts_with("sasa_refresh=") && !c.contains(&refresh))
    );
}

#[tokio::test]
async fn bearer_tokens_work_and_forged_ones_do_not() {
    let app = spawn_app().await;
    app.verified_user("bearer@example.com").await;
    // A browser's sign-in carries no token in its body: it lives in an HttpOnly cookie.
    let browser_client = new_client();
    let browser = json(app.login(&browser_client, "bearer@example.com", PASSWORD).await).await;
    assert!(browser.get("access_token").is_none(), "{browser}");
    let refreshed = browser_client
        .post(app.url("/api/auth/refresh"))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), StatusCode::OK, "refreshed from the cookie");
    let refreshed = json(refreshed).await;
    assert!(refreshed.get("access_token").is_none(), "{refreshed}");
    // An API client asks for one.
    let body = json(
        new_client()
            .post(app.url("/api/auth/login"))
            .form(&[
                ("email", "bearer@example.com"),
                ("password", PASSWORD),
                ("token", "bearer"),
            ])
            .send()
            .await
            .expect("login"),
    )
    .await;
    let token = body["access_token"].as_str().expect("token").to_owned();
    let api = reqwest::Client::new();
    let ok = api
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), StatusCode::OK);
    let mut forged = token.clone();
    forged.replace_range(token.len() - 4.., "AAAA");
    let refused = api
        .get(app.url("/api/me"))
        .bearer_auth(&forged)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

/// A client on its own loopback address, as each phone has its own.
fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_are_throttled_but_never_keep_the_owner_out() {
    let app = spawn_app().await;
    app.verified_user("target@example.com").await;
    // She signs in from her usual address.
    assert_eq!(
        app.login(&client_from(1), "target@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // 100 wrong passwords from ten addresses: each address gets ten, then waits.
    for address in 2..=11u8 {
        let attacker = client_from(address);
        for attempt in 1..=10 {
            let failed = app.login(&attacker, "target@example.com", "wrong password here").await;
            assert_eq!(
                failed.status(),
                StatusCode::UNAUTHORIZED,
                "address {address}, attempt {attempt}"
            );
        }
        let throttled = app.login(&attacker, "target@example.com", PASSWORD).await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS, "address {address}");
        let retry: u64 = throttled.headers()[header::RETRY_AFTER]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=900).contains(&retry), "{retry}");
    }
    // The account is under attack, yet its owner signs in from where she always does...
    assert_eq!(
        app.login(&client_from(1), "target@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // ...and even from a new place with the right password; a new place guessing gets one try
    // in five minutes.
    assert_eq!(
        app.login(&client_from(20), "target@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let guesser = client_from(21);
    assert_eq!(
        app.login(&guesser, "target@example.com", "another wrong one")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&guesser, "target@example.com", "and another wrong one")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // She is told once, not once per guess.
    let told = app.mail.message_to("target@example.com", 2).await;
    assert!(told.data.contains("Many wrong passwords"), "{}", told.data);
    assert_eq!(
        app.count("outbox WHERE idempotency_key LIKE 'login-throttled:%'").await,
        1
    );
    // Another account is not affected.
    app.verified_user("free@example.com").await;
    assert_eq!(
        app.login(&client_from(2), "free@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn links_come_from_configuration_not_the_host_header_and_opening_one_changes_nothing() {
    let app = spawn_app().await;
    let form = [
        ("email", "host@example.com"),
        ("password", PASSWORD),
        ("display_name", "Amina"),
        ("product", "sasamum"),
        ("language", "en"),
        ("timezone", "Africa/Nairobi"),
    ];
    // A host that is not ours is not answered at all (DNS rebinding)...
    let foreign = app
        .client
        .post(app.url("/api/auth/register"))
        .header(header::HOST, "evil.example")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(foreign.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(app.count("users").await, 0);
    // ...and one that is answered still never shapes a link: links come from APP_PUBLIC_URL.
    let response = app
        .client
        .post(app.url("/api/auth/register"))
        .header(header::HOST, "localhost:9999")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let message = app.mail.message_to("host@example.com", 1).await;
    assert!(
        message.data.contains("http://127.0.0.1:3000/verify?token="),
        "{}",
        message.data
    );
    assert!(!message.data.contains("evil.example"));

    // The link opens a page; only its button (a POST) confirms.
    let token = message.token_for("/verify");
    let page = app
        .client
        .get(app.url(&format!("/verify?token={token}")))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let verified: Option<time::OffsetDateTime> = sqlx::query_scalar("SELECT email_verified_at FROM users")
        .fetch_one(&mut app.db().await)
        .await
        .expect("user");
    assert!(verified.is_none());
    // Stored as a SHA-256 hash, never the token itself.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM email_tokens")
        .fetch_one(&mut app.db().await)
        .await
        .expect("token");
    assert_eq!(stored.len(), 32);
    assert_ne!(stored, token.as_bytes());
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_app().await;
    app.verified_user("late@example.com").await;
    app.post("/api/auth/forgot-password", &[("email", "late@example.com")])
        .await;
    let token = app.mail.message_to("late@example.com", 2).await.token_for("/reset");
    let lifetime: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 FROM email_tokens WHERE purpose = 'reset_password'",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("token");
    assert!(
        (3590.0..=3610.0).contains(&lifetime),
        "reset links live one hour, not {lifetime} s"
    );
    sqlx::query("UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'")
        .execute(&mut app.db().await)
        .await
        .expect("expire");
    let response = app
        .post(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(response).await["error"], "invalid_link");
    assert_eq!(
        app.login(&new_client(), "late@example.com", PASSWORD).await.status(),
        StatusCode::OK,
        "the old password still works"
    );
}

#[tokio::test]
async fn logins_are_limited_per_ip() {
    let app = spawn_app().await;
    // 30 a minute in fixed windows: 61 quick attempts span at most two windows, so at
    // least one must be refused, whatever second the test starts at.
    let mut refused = None;
    for attempt in 1..=61 {
        // A different account each time: the per-account throttle is not what is tested here.
        let response = app
            .login(
                &new_client(),
                &format!("someone{attempt}@example.com"),
                "wrong password here",
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((attempt, response));
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let (attempt, response) = refused.expect("the per-IP limit refuses before 61 attempts");
    assert!(attempt >= 31, "30 attempts a minute are allowed, refused at {attempt}");
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let register = [
        ("email", "csrf@example.com"),
        ("password", PASSWORD),
        ("display_name", "Eve"),
        ("product", "sasamum"),
        ("language", "en"),
        ("timezone", "Africa/Nairobi"),
    ];
    let by_origin = app
        .client
        .post(app.url("/api/auth/register"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&register)
        .send()
        .await
        .expect("request");
    assert_eq!(by_origin.status(), StatusCode::FORBIDDEN);
    let by_fetch_meta = app
        .client
        .post(app.url("/api/auth/register"))
        .header("sec-fetch-site", "cross-site")
        .form(&register)
        .send()
        .await
        .expect("request");
    assert_eq!(by_fetch_meta.status(), StatusCode::FORBIDDEN);
    let users = app.count("users").await;
    assert_eq!(users, 0);

    let same_site = app
        .client
        .post(app.url("/api/auth/register"))
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, &app.address)
        .form(&register)
        .send()
        .await
        .expect("request");
    assert_eq!(same_site.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_input_names_each_field_with_a_400_and_stores_nothing() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/auth/register",
            &[
                ("email", "not-an-email"),
                ("password", "short"),
                ("display_name", " "),
                ("product", "x"),
                ("language", "fr"),
                ("timezone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("name"))
        .collect();
    assert_eq!(
        fields,
        ["email", "password", "display_name", "product", "language", "timezone"]
    );

    let missing = app.post("/api/auth/register", &[("email", "a@example.com")]).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(missing).await["error"], "invalid");

    let common = app
        .post(
            "/api/auth/register",
            &[
                ("email", "c@example.com"),
                ("password", "1qaz2wsx3edc"),
                ("display_name", "C"),
                ("product", "sasamum"),
                ("language", "en"),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert_eq!(common.status(), StatusCode::BAD_REQUEST);
    let users = app.count("users").await;
    assert_eq!(users, 0);
}

#[tokio::test]
async fn every_authentication_decision_is_audited_without_secrets() {
    let app = spawn_app().await;
    app.verified_user("audit@example.com").await;
    app.login(&new_client(), "audit@example.com", "wrong password here")
        .await;
    app.login(&new_client(), "audit@example.com", PASSWORD).await;
    let rows: Vec<(String, String, Option<String>, Value)> =
        sqlx::query_as("SELECT action, outcome, host(ip), detail FROM audit_log ORDER BY id")
            .fetch_all(&mut app.db().await)
            .await
            .expect("audit");
    let actions: Vec<(&str, &str)> = rows.iter().map(|(a, o, _, _)| (a.as_str(), o.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("auth.register", "success"),
            ("auth.verify_email", "success"),
            ("auth.login", "failure"),
            ("auth.login", "success")
        ]
    );
    assert!(rows.iter().all(|(_, _, ip, _)| ip.as_deref() == Some("127.0.0.1")));
    let all = format!("{rows:?}");
    assert!(!all.contains(PASSWORD) && !all.contains("wrong password"));
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_only_by_their_owner() {
    let app = spawn_app().await;
    app.verified_user("owner@example.com").await;
    let (laptop, phone) = (new_client(), new_client());
    app.login(&laptop, "owner@example.com", PASSWORD).await;
    app.login(&phone, "owner@example.com", PASSWORD).await;
    let sessions = json(laptop.get(app.url("/api/account/sessions")).send().await.expect("list")).await;
    let sessions = sessions.as_array().expect("list");
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_id = sessions.iter().find(|s| s["current"] == false).expect("other")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Another account cannot revoke it: 404, not someone else's row.
    app.verified_user("other@example.com").await;
    let intruder = new_client();
    app.login(&intruder, "other@example.com", PASSWORD).await;
    let refused = intruder
        .post(app.url("/api/account/revoke-session"))
        .form(&[("session_id", phone_id.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::OK
    );

    let revoked = laptop
        .post(app.url("/api/account/revoke-session"))
        .form(&[("session_id", phone_id.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        laptop
            .post(app.url("/api/account/sign-out-everywhere"))
            .send()
            .await
            .expect("all")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        laptop.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_devices() {
    let app = spawn_app().await;
    app.verified_user("change@example.com").await;
    let (here, elsewhere) = (new_client(), new_client());
    app.login(&here, "change@example.com", PASSWORD).await;
    app.login(&elsewhere, "change@example.com", PASSWORD).await;

    let wrong = here
        .post(app.url("/api/account/change-password"))
        .form(&[
            ("current_password", "not my password!!"),
            ("new_password", "a new long passphrase"),
        ])
        .send()
        .await
        .expect("change");
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(wrong).await["fields"][0]["field"], "current_password");

    let ok = here
        .post(app.url("/api/account/change-password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "a new long passphrase"),
        ])
        .send()
        .await
        .expect("change");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        here.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::OK
    );
    assert_eq!(
        elsewhere.get(app.url("/api/me")).send().await.expect("me").status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.mail
            .message_to("change@example.com", 2)
            .await
            .data
            .contains("password was changed")
    );
}

#[tokio::test]
async fn profile_changes_are_validated_and_saved() {
    let app = spawn_app().await;
    app.verified_user("profile@example.com").await;
    app.login(&app.client, "profile@example.com", PASSWORD).await;
    let bad = app
        .post(
            "/api/account/profile",
            &[
                ("display_name", "Amina W"),
                ("language", "sw"),
                ("timezone", "Nowhere/Land"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json(app.get("/api/me").await).await["language"],
        "en",
        "nothing changed"
    );
    let ok = app
        .post(
            "/api/account/profile",
            &[
                ("display_name", "Amina W"),
                ("language", "sw"),
                ("timezone", "africa/kampala"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let me = json(app.get("/api/me").await).await;
    assert_eq!(
        (
            me["display_name"].as_str(),
            me["language"].as_str(),
            me["timezone"].as_str()
        ),
        (Some("Amina W"), Some("sw"), Some("Africa/Kampala"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_hashing_queue_answers_503_with_retry_after() {
    let app = spawn_app_with(&[("PASSWORD_HASH_QUEUE", "0")]).await;
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let (client, url) = (new_client(), app.url("/api/auth/login"));
            tokio::spawn(async move {
                client
                    .post(url)
                    .form(&[
                        ("email", format!("busy{i}@example.com")),
                        ("password", "whatever password".into()),
                    ])
                    .send()
                    .await
                    .expect("request")
            })
        })
        .collect();
    let mut busy = 0;
    for attempt in attempts {
        let response = attempt.await.expect("task");
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert!(response.headers().contains_key(header::RETRY_AFTER));
            busy += 1;
        } else {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
    }
    assert!(
        busy >= 1,
        "with no queue, concurrent hashes beyond the cores are refused"
    );
}

#[tokio::test]
async fn signed_in_visitors_skip_the_landing_page_and_signed_out_ones_are_sent_to_login() {
    let app = spawn_app().await;
    let page =
        |client: &reqwest::Client, path: &str| client.get(app.url(path)).header(header::ACCEPT, "text/html").send();
    let anonymous = new_client();
    let private = page(&anonymous, "/account/sessions").await.expect("page");
    assert_eq!(private.status(), StatusCode::SEE_OTHER);
    assert_eq!(private.headers()[header::LOCATION], "/login?next=/account/sessions");

    app.verified_user("visitor@example.com").await;
    let signed_in = new_client();
    app.login(&signed_in, "visitor@example.com", PASSWORD).await;
    for path in ["/", "/login"] {
        let response = page(&signed_in, path).await.expect("page");
        assert_eq!(response.headers()[header::LOCATION], "/mum", "{path}");
    }
    let dashboard = page(&signed_in, "/mum").await.expect("page");
    assert_eq!(dashboard.status(), StatusCode::OK);
    // A new mother's dashboard starts her onboarding, rendered on the server.
    assert!(
        dashboard
            .text()
            .await
            .expect("html")
            .contains("Your information, your choice")
    );
}

fn refresh_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("sasa_refresh="))
        .and_then(|c| c.split(';').next())
        .filter(|v| !v.is_empty())
        .expect("a refresh cookie")
        .to_owned()
}

#[tokio::test]
async fn over_https_cookies_are_secure_with_the_host_prefix_and_hsts_is_sent() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("JWT_SECRET", "a production secret that is long enough"),
        ("APP_PUBLIC_URL", "https://sasa.example"),
        ("HEALTH_DATA_KEY", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="),
    ])
    .await;
    // A page that names another host (DNS rebinding) is refused; the public one is answered.
    for (host, status) in [
        ("evil.example", StatusCode::MISDIRECTED_REQUEST),
        ("sasa.example", StatusCode::OK),
    ] {
        let page = new_client()
            .get(app.url("/"))
            .header(header::HOST, host)
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), status, "{host}");
        let call = new_client()
            .post(app.url("/api/auth/login"))
            .header(header::HOST, host)
            .form(&[("email", "x@example.com"), ("password", "not the password at all")])
            .send()
            .await
            .expect("login");
        assert_ne!(
            call.status() == StatusCode::MISDIRECTED_REQUEST,
            host == "sasa.example",
            "{host}"
        );
    }
    let health = new_client()
        .get(app.url("/healthz"))
        .header(header::HOST, "10.1.2.3")
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK, "load balancers probe by address");
    app.verified_user("secure@example.com").await;
    let login = app.login(&new_client(), "secure@example.com", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        login.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    let cookies: Vec<&str> = login
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    // The two sign-in cookies, and her language so pages speak it before anything loads.
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    for name in ["__Host-sasa_access=", "__Host-sasa_refresh=", "__Host-sasa_lang=en;"] {
        assert!(cookies.iter().any(|c| c.starts_with(name)), "{name} in {cookies:?}");
    }
    for cookie in cookies {
        assert!(cookie.starts_with("__Host-sasa_"), "{cookie}");
        assert!(
            cookie.contains("; Secure") && cookie.contains("; Path=/") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
    }
    // Production has no dev mailbox, and nothing waiting in the outbox can be hurried.
    assert_eq!(app.get("/api/dev/mailbox").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.post("/api/dev/outbox-now", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let app = spawn_app_with(&[("SIGNUPS_PER_IP_HOUR", "2")]).await;
    assert_eq!(app.register("one@example.com").await.status(), StatusCode::OK);
    assert_eq!(app.register("two@example.com").await.status(), StatusCode::OK);
    let third = app.register("three@example.com").await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn only_a_trusted_proxy_names_the_client_address() {
    for (trusted, expected) in [(None, "127.0.0.1"), (Some("127.0.0.1"), "203.0.113.7")] {
        // Behind a proxy is production only (development refuses proxies).
        let mut extra: Vec<(&str, &str)> = crate::helpers::PRODUCTION.to_vec();
        extra.extend(trusted.map(|t| ("TRUSTED_PROXIES", t)));
        let app = crate::helpers::spawn_app_with(&extra).await;
        let response = reqwest::Client::new()
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", "203.0.113.7")
            .form(&[("email", "nobody@example.com"), ("password", "wrong password entirely")])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
        let ip: String = sqlx::query_scalar("SELECT host(ip) FROM audit_log WHERE action = 'auth.login'")
            .fetch_one(&mut app.db().await)
            .await
            .expect("audit");
        assert_eq!(ip, expected, "trusted proxies: {trusted:?}");
    }
}

/// Sign-up emails go to whatever address was typed, greeting the name that was typed: a name
/// with a link in it is refused, and nothing is sent.
#[tokio::test]
async fn a_display_name_cannot_carry_a_link_to_someone_elses_inbox() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/auth/register",
            &[
                ("email", "victim@example.com"),
                ("password", PASSWORD),
                ("display_name", "Your parcel: https://evil.example/track"),
                ("product", "sasamum"),
                ("language", "en"),
                ("timezone", "Africa/Nairobi"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.expect("body").contains("display_name"));
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("outbox").await, 0, "no email to the address typed");
}

/// Development mode has a published secret and a readable mailbox: a request that came through
/// a proxy means it faces a network, and is refused.
#[tokio::test]
async fn development_mode_refuses_requests_that_came_through_a_proxy() {
    let app = spawn_app().await;
    let proxied = new_client()
        .get(app.url("/dev/mailbox"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .expect("request");
    assert_eq!(proxied.status(), StatusCode::FORBIDDEN);
    assert!(proxied.text().await.expect("body").contains("APP_ENV=production"));
    assert_eq!(
        app.get("/dev/mailbox").await.status(),
        StatusCode::OK,
        "a local request is served"
    );
}

/// A session's last use is kept to the minute: a request writes it only when it is older than
/// that, so most requests leave the row untouched (no write, no WAL flush).
#[tokio::test]
async fn last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    app.verified_user("minute@example.com").await;
    assert_eq!(
        app.login(&app.client, "minute@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    let mut db = app.db().await;

    sqlx::query("UPDATE sessions SET last_used_at = now() - interval '2 minutes'")
        .execute(&mut db)
        .await
        .expect("age the session");
    let (aged, recent) = session_version(&mut db).await;
    assert!(!recent);
    assert_eq!(app.get("/api/me").await.status(), StatusCode::OK);
    let (touched, recent) = session_version(&mut db).await;
    assert!(recent, "a use after a minute is recorded");
    assert_ne!(aged, touched);

    assert_eq!(app.get("/api/me").await.status(), StatusCode::OK);
    let (again, _) = session_version(&mut db).await;
    assert_eq!(touched, again, "a second use within the minute rewrote the row");

    sqlx::query("UPDATE sessions SET revoked_at = now()")
        .execute(&mut db)
        .await
        .expect("revoke");
    assert_eq!(app.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
}

/// The session row's version (xmin changes on every write) and whether it was used just now.
async fn session_version(db: &mut sqlx::PgConnection) -> (String, bool) {
    sqlx::query_as("SELECT xmin::text, last_used_at > now() - interval '10 seconds' FROM sessions")
        .fetch_one(db)
        .await
        .expect("session")
}
