//! The help centre, the legal pages and support tickets.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PASSWORD, new_client, spawn_app};

#[tokio::test]
async fn the_cookie_policy_lists_exactly_the_cookies_the_server_sets() {
    let app = spawn_app().await;
    app.verified_user("cookies@example.com").await;
    let client = new_client();
    // Every place that sets a cookie: signing in, and choosing a language before it.
    let login = app.login(&client, "cookies@example.com", PASSWORD).await;
    let language = client.get(app.url("/language/sw")).send().await.expect("language");
    let set: Vec<String> = [login, language]
        .iter()
        .flat_map(|r| r.headers().get_all("set-cookie").iter())
        .filter_map(|v| v.to_str().ok()?.split('=').next().map(str::to_owned))
        .collect();
    assert!(!set.is_empty());
    let page: Value = app
        .get("/api/help/legal?slug=cookies")
        .await
        .json()
        .await
        .expect("json");
    let html = page["html"].as_str().expect("html");
    assert!(!html.contains("{{cookie_table}}"), "the table replaced the marker");
    let listed: Vec<&str> = html
        .split("<td><code>")
        .skip(1)
        .filter_map(|cell| cell.split("</code>").next())
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    let mut set_sorted = set.clone();
    set_sorted.sort();
    set_sorted.dedup();
    assert_eq!(listed_sorted, set_sorted, "the page and the server agree");
    assert!(page["updated"].as_str().is_some_and(|d| d.len() == 10));
}

#[tokio::test]
async fn legal_pages_exist_per_product_and_language() {
    let app = spawn_app().await;
    for (slug, product) in [
        ("terms", "sasamum"),
        ("terms", "fishmouth"),
        ("privacy", "sasamum"),
        ("privacy", "fishmouth"),
        ("cookies", ""),
    ] {
        let response = app.get(&format!("/api/help/legal?slug={slug}&product={product}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{slug} {product}");
        let page: Value = response.json().await.expect("json");
        assert!(page["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(!page["html"].as_str().unwrap_or("").contains("<script"));
    }
    assert_eq!(
        app.get("/api/help/legal?slug=nonsense").await.status(),
        StatusCode::NOT_FOUND
    );
    // A mother reading Kiswahili gets the Kiswahili privacy policy.
    app.verified_user("sw@example.com").await;
    let her = new_client();
    app.login(&her, "sw@example.com", PASSWORD).await;
    let profile = app
        .post_with(
            &her,
            "/api/account/profile",
            &[
                ("display_name", "Amina"),
                ("language", "sw"),
                ("timezone", "Africa/Nairobi"),
            ],
        )
        .await;
    assert_eq!(profile.status(), StatusCode::OK);
    let page: Value = her
        .get(app.url("/api/help/legal?slug=privacy"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(page["language"], "sw");
}

#[tokio::test]
async fn a_support_ticket_is_stored_confirmed_by_email_and_hers_alone() {
    let app = spawn_app().await;
    app.verified_user("help-me@example.com").await;
    let her = new_client();
    app.login(&her, "help-me@example.com", PASSWORD).await;
    let empty = app
        .post_with(&her, "/api/help/ticket", &[("subject", ""), ("body", "")])
        .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let fields: Value = empty.json().await.expect("json");
    assert_eq!(fields["fields"].as_array().map(Vec::len), Some(2));
    let sent = app
        .post_with(
            &her,
            "/api/help/ticket",
            &[
                ("subject", "Reminder did not come"),
                ("body", "My visit reminder never arrived."),
                ("page", "/mum/visits"),
            ],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let id: i64 = sent.json().await.expect("id");
    let mail = app.mail.message_to("help-me@example.com", 2).await;
    assert!(
        mail.data.contains(&format!("We received your request #{id}")),
        "{}",
        mail.data
    );
    let mine: Value = her
        .get(app.url("/api/help/tickets"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(mine[0]["subject"], "Reminder did not come");

    app.verified_user("someone-else@example.com").await;
    let other = new_client();
    app.login(&other, "someone-else@example.com", PASSWORD).await;
    let theirs: Value = other
        .get(app.url("/api/help/tickets"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs, serde_json::json!([]));
    assert_eq!(
        app.post("/api/help/ticket", &[("subject", "x"), ("body", "y")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
