//! Fish Mouth end to end through the HTTP API: scans run as jobs over a generated sample,
//! leads are bought against the wallet in one transaction, Stripe credits only through
//! signed webhooks, and another account never sees any of it.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, new_client, spawn_app_with};

pub async fn contractor(app: &TestApp, email: &str) -> Client {
    app.verified_user_for(email, "fishmouth").await;
    let client = new_client();
    assert_eq!(app.login(&client, email, PASSWORD).await.status(), StatusCode::OK);
    client
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.expect("request")
}

async fn get_json(app: &TestApp, client: &Client, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The settings an operator's `server <command>` runs with, against the test's database.
fn command_settings(app: &TestApp) -> server::config::Settings {
    let database_url = app.database_url();
    server::config::Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "LEPTOS_CONFIG" => Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml").into()),
        "APP_ENV" => Some("development".into()),
        _ => None,
    })
    .expect("settings")
}

/// Starts a scan of `radius` miles around the sample's centre and waits for the worker.
pub async fn finished_scan(app: &TestApp, client: &Client, radius: &str) -> String {
    let started = post(
        app,
        client,
        "/api/pro/start-scan",
        &[
            ("shape", "circle"),
            ("lat", "32.7767"),
            ("lon", "-96.7970"),
            ("radius_miles", radius),
        ],
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    let id: String = started.json().await.expect("scan id");
    for _ in 0..200 {
        let (_, scan) = get_json(app, client, &format!("/api/pro/scan?id={id}")).await;
        match scan["scan"]["status"].as_str() {
            Some("done") => return id,
            Some("failed") => panic!("scan failed: {scan}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the scan did not finish");
}

async fn balance_cents(app: &TestApp, client: &Client) -> i64 {
    get_json(app, client, "/api/pro/wallet").await.1["balance_cents"]
        .as_i64()
        .expect("balance")
}

fn sample_app() -> [(&'static str, &'static str); 1] {
    [("SAMPLE_HOMES", "3000")]
}

#[tokio::test]
async fn a_scan_scores_homes_and_buying_charges_the_wallet_once() {
    let app = spawn_app_with(&sample_app()).await;
    assert_eq!(app.count("properties").await, 3000);
    let pro = contractor(&app, "roofer@example.com").await;
    let id = finished_scan(&app, &pro, "10").await;
    let (_, scan) = get_json(&app, &pro, &format!("/api/pro/scan?id={id}")).await;
    let total = scan["scan"]["total"].as_i64().expect("total");
    assert!(total > 100, "{scan}");
    assert_eq!(scan["scan"]["processed"].as_i64(), Some(total));
    assert_eq!(scan["sample"], true, "sample data is labelled");
    let to_buy = scan["to_buy"].as_i64().expect("to buy");
    assert_eq!(
        to_buy,
        scan["premium"].as_i64().unwrap_or(0) + scan["standard"].as_i64().unwrap_or(0)
    );
    let top = &scan["top"][0];
    assert!(
        top["score"].as_i64().unwrap_or(0) >= 80 && !top["reasons"].as_array().expect("reasons").is_empty(),
        "{top}"
    );

    // No credits: a clear message and nothing charged.
    let broke = post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    assert_eq!(broke.status(), StatusCode::PAYMENT_REQUIRED);
    let body: Value = broke.json().await.expect("json");
    assert_eq!(body["error"], "insufficient_credits");
    assert_eq!(app.count("leads").await, 0);

    assert_eq!(
        post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "10000")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(balance_cents(&app, &pro).await, 1_000_000);
    let bought = post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    assert_eq!(bought.status(), StatusCode::OK);
    assert_eq!(bought.json::<i64>().await.expect("count"), to_buy);
    let spent: i64 = sqlx::query_scalar("SELECT sum(price_cents)::bigint FROM leads")
        .fetch_one(&mut app.db().await)
        .await
        .expect("sum");
    assert_eq!(balance_cents(&app, &pro).await, 1_000_000 - spent);
    let ledger: Vec<(String, i64)> = sqlx::query_as("SELECT kind, amount_cents FROM wallet_ledger ORDER BY id")
        .fetch_all(&mut app.db().await)
        .await
        .expect("ledger");
    assert_eq!(
        ledger,
        [("top_up".to_owned(), 1_000_000), ("lead_charge".to_owned(), -spent)]
    );

    // A second scan over the same homes: what she owns is never bought again.
    let again = finished_scan(&app, &pro, "12").await;
    let (_, second) = get_json(&app, &pro, &format!("/api/pro/scan?id={again}")).await;
    assert_eq!(second["owned"].as_i64(), Some(to_buy), "{second}");
    post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &again)]).await;
    let dupes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT property_id FROM leads GROUP BY user_id, property_id HAVING count(*) > 1) d",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("dupes");
    assert_eq!(dupes, 0);
}

#[tokio::test]
async fn another_account_never_sees_a_scan_or_a_lead() {
    let app = spawn_app_with(&sample_app()).await;
    let pro = contractor(&app, "owner@example.com").await;
    let id = finished_scan(&app, &pro, "5").await;
    post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "500")]).await;
    assert_eq!(
        post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let (_, leads) = get_json(&app, &pro, "/api/pro/leads").await;
    let lead = leads["rows"][0]["id"].as_str().expect("a lead").to_owned();
    // Opening her lead counts once, however often she looks.
    for _ in 0..3 {
        assert_eq!(
            get_json(&app, &pro, &format!("/api/pro/lead?id={lead}")).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(app.count("usage_events WHERE event = 'lead_viewed'").await, 1);

    let rival = contractor(&app, "rival@example.com").await;
    assert_eq!(
        get_json(&app, &rival, &format!("/api/pro/scan?id={id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_json(&app, &rival, &format!("/api/pro/lead?id={lead}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, &rival, "/api/pro/buy-leads", &[("scan_id", &id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, &rival, "/api/pro/lead-stage", &[("id", &lead), ("stage", "won")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(
            &app,
            &rival,
            "/api/pro/lead-note",
            &[("id", &lead), ("body", "mine now")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(get_json(&app, &rival, "/api/pro/leads").await.1["total"], 0);
    assert_eq!(get_json(&app, &rival, "/api/pro/scans").await.1, serde_json::json!([]));
    let csv = rival
        .get(app.url("/pro/leads.csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");

    // A SasaMum account has no Fish Mouth at all.
    app.verified_user("mum@example.com").await;
    let mum = new_client();
    app.login(&mum, "mum@example.com", PASSWORD).await;
    assert_eq!(get_json(&app, &mum, "/api/pro/leads").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_purchases_that_together_exceed_the_balance_leave_it_non_negative() {
    let app = spawn_app_with(&sample_app()).await;
    let pro = contractor(&app, "race@example.com").await;
    // Two scans over different homes (a ring and a centre), priced separately.
    let near = finished_scan(&app, &pro, "4").await;
    let started = post(
        &app,
        &pro,
        "/api/pro/start-scan",
        &[
            ("shape", "polygon"),
            ("polygon", "33.05,-96.6; 33.05,-96.45; 32.95,-96.45; 32.95,-96.6"),
        ],
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    let far: String = started.json().await.expect("id");
    for _ in 0..200 {
        if get_json(&app, &pro, &format!("/api/pro/scan?id={far}")).await.1["scan"]["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let price = |v: Value| -> i64 {
        let text = v["to_buy_price"].as_str().unwrap_or("$0").replace(['$', ','], "");
        (text.parse::<f64>().expect("price") * 100.0).round() as i64
    };
    let a = price(get_json(&app, &pro, &format!("/api/pro/scan?id={near}")).await.1);
    let b = price(get_json(&app, &pro, &format!("/api/pro/scan?id={far}")).await.1);
    assert!(a > 500 && b > 500, "both scans cost something: {a} {b}");
    // Enough for either purchase, not for both.
    let funds = a.max(b) + a.min(b) / 2;
    sqlx::query("INSERT INTO wallets (user_id, balance_cents) SELECT id, $1 FROM users")
        .bind(funds)
        .execute(&mut app.db().await)
        .await
        .expect("fund");
    let tasks: Vec<_> = [near, far]
        .into_iter()
        .map(|scan| {
            let (client, url) = (pro.clone(), app.url("/api/pro/buy-leads"));
            tokio::spawn(async move {
                client
                    .post(url)
                    .form(&[("scan_id", scan)])
                    .send()
                    .await
                    .expect("buy")
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PAYMENT_REQUIRED]);
    let left = balance_cents(&app, &pro).await;
    assert!(left >= 0 && (left == funds - a || left == funds - b), "{left}");
}

#[tokio::test]
async fn only_a_correctly_signed_fresh_webhook_credits_and_only_once() {
    let secret = "whsec_test_secret";
    let app = spawn_app_with(&[("STRIPE_WEBHOOK_SECRET", secret)]).await;
    let pro = contractor(&app, "payer@example.com").await;
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&mut app.db().await)
        .await
        .expect("user");
    let event = app::fishmouth::stripe::checkout_completed_event(user, 2_500);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let send = |signature: String, body: String| {
        let client = new_client();
        let url = app.url("/webhooks/stripe");
        async move {
            client
                .post(url)
                .header("stripe-signature", signature)
                .body(body)
                .send()
                .await
                .expect("webhook")
                .status()
        }
    };
    let wrong = app::fishmouth::stripe::sign("whsec_someone_else", now, event.as_bytes());
    assert_eq!(send(wrong, event.clone()).await, StatusCode::BAD_REQUEST);
    let stale = app::fishmouth::stripe::sign(secret, now - 600, event.as_bytes());
    assert_eq!(send(stale, event.clone()).await, StatusCode::BAD_REQUEST);
    let tampered = event.replace("2500", "250000");
    assert_eq!(
        send(app::fishmouth::stripe::sign(secret, now, event.as_bytes()), tampered).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(balance_cents(&app, &pro).await, 0, "nothing credited");

    let good = app::fishmouth::stripe::sign(secret, now, event.as_bytes());
    assert_eq!(send(good.clone(), event.clone()).await, StatusCode::OK);
    assert_eq!(
        send(good, event.clone()).await,
        StatusCode::OK,
        "a replay is acknowledged"
    );
    assert_eq!(balance_cents(&app, &pro).await, 2_500, "and changes nothing");
    assert_eq!(app.count("wallet_ledger").await, 1);
    // Every credit is audited: who, how much, which event.
    let (actor, detail): (uuid::Uuid, serde_json::Value) =
        sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = 'wallet.credit'")
            .fetch_one(&mut app.db().await)
            .await
            .expect("one audited credit");
    assert_eq!(actor, user);
    assert_eq!(detail["cents"], 2_500);
    assert_eq!(detail["kind"], "top_up");
    assert!(
        detail["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("stripe:cs_dev_")),
        "{detail}"
    );
}

#[tokio::test]
async fn production_without_stripe_has_no_webhook_and_never_trusts_the_development_secret() {
    let app = spawn_app_with(&crate::helpers::PRODUCTION).await;
    let pro = contractor(&app, "forger@example.com").await;
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&mut app.db().await)
        .await
        .expect("user");
    let event = app::fishmouth::stripe::checkout_completed_event(user, 1_000_000);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for secret in ["whsec_development_only_never_use_in_production", "whsec_random"] {
        let status = new_client()
            .post(app.url("/webhooks/stripe"))
            .header(
                "stripe-signature",
                app::fishmouth::stripe::sign(secret, now, event.as_bytes()),
            )
            .body(event.clone())
            .send()
            .await
            .expect("webhook")
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{secret}");
    }
    // Nor through the development top-up, which production does not have.
    let dev = pro
        .post(app.url("/api/pro/dev-top-up"))
        .form(&[("amount", "50")])
        .send()
        .await
        .expect("post");
    assert_eq!(dev.status(), StatusCode::NOT_FOUND);
    assert_eq!(balance_cents(&app, &pro).await, 0);
    assert_eq!(app.count("wallet_ledger").await, 0);
}

#[tokio::test]
async fn checkout_is_created_through_stripes_api() {
    use axum::{Router, routing::post as route_post};
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(String, String)>::new()));
    let fake = {
        let received = received.clone();
        Router::new().route(
            "/v1/checkout/sessions",
            route_post(move |headers: axum::http::HeaderMap, body: String| {
                let received = received.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    received.lock().await.push((auth, body));
                    axum::Json(
                        serde_json::json!({ "id": "cs_test_1", "url": "https://checkout.stripe.test/c/cs_test_1" }),
                    )
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, fake).await });
    let app = spawn_app_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_fake"),
        ("STRIPE_API_BASE", base.as_str()),
    ])
    .await;
    let pro = contractor(&app, "card@example.com").await;

    let too_small = post(&app, &pro, "/api/pro/top-up", &[("amount", "4.99")]).await;
    assert_eq!(too_small.status(), StatusCode::BAD_REQUEST);
    let response = pro
        .post(app.url("/api/pro/top-up"))
        .header("accept", "text/html")
        .form(&[("amount", "25")])
        .send()
        .await
        .expect("top up");
    assert_eq!(
        response.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("https://checkout.stripe.test/c/cs_test_1")
    );
    let calls = received.lock().await.clone();
    assert_eq!(calls.len(), 1);
    assert!(calls[0].0.starts_with("Basic "), "the secret key authenticates");
    assert!(
        calls[0].1.contains("unit_amount%5D=2500") || calls[0].1.contains("unit_amount]=2500"),
        "{}",
        calls[0].1
    );
    assert!(calls[0].1.contains("mode=payment"));
    assert_eq!(
        balance_cents(&app, &pro).await,
        0,
        "credited only by the webhook, later"
    );
}

#[tokio::test]
async fn scans_are_limited_per_minute_and_per_day() {
    let app = spawn_app_with(&[]).await;
    let pro = contractor(&app, "busy@example.com").await;
    let scan = |radius: &'static str| {
        let form = [("lat", "32.7"), ("lon", "-96.8"), ("radius_miles", radius)];
        let request = pro.post(app.url("/api/pro/start-scan")).form(&form);
        async move { request.send().await.expect("start a scan") }
    };
    let bad = scan("99").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json::<Value>().await.expect("json")["fields"][0]["field"],
        "radius_miles"
    );
    for _ in 0..10 {
        assert_eq!(scan("1").await.status(), StatusCode::OK);
    }
    let eleventh = scan("1").await;
    assert_eq!(eleventh.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        eleventh.json::<Value>().await.expect("json")["message"]
            .as_str()
            .unwrap_or("")
            .contains("a minute")
    );

    // Forty more earlier today: fifty in all, and the 51st is refused.
    sqlx::query(
        "INSERT INTO scans (id, user_id, area, label, status, created_at)
         SELECT gen_random_uuid(), id, '{}'::jsonb, 'earlier', 'done', now() - interval '2 hours' FROM users, generate_series(1, 40)",
    )
    .execute(&mut app.db().await)
    .await
    .expect("earlier scans");
    sqlx::query("UPDATE scans SET created_at = now() - interval '3 hours' WHERE label <> 'earlier'")
        .execute(&mut app.db().await)
        .await
        .expect("age");
    let fifty_first = scan("1").await;
    assert_eq!(fifty_first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        fifty_first.json::<Value>().await.expect("json")["message"]
            .as_str()
            .unwrap_or("")
            .contains("daily limit")
    );
    assert_eq!(app.count("scans").await, 50);
}

#[tokio::test]
async fn leads_are_filtered_worked_and_refunded_within_48_hours() {
    let app = spawn_app_with(&sample_app()).await;
    let pro = contractor(&app, "pipeline@example.com").await;
    let id = finished_scan(&app, &pro, "6").await;
    post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "1000")]).await;
    post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    let (_, all) = get_json(&app, &pro, "/api/pro/leads?filter[sort]=score").await;
    let total = all["total"].as_i64().expect("total");
    let (_, premium) = get_json(&app, &pro, "/api/pro/leads?filter[tier]=premium").await;
    assert!(
        premium["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["score"].as_i64().unwrap_or(0) >= 80)
    );
    let (_, standard) = get_json(&app, &pro, "/api/pro/leads?filter[tier]=standard").await;
    assert_eq!(
        premium["total"].as_i64().unwrap_or(0) + standard["total"].as_i64().unwrap_or(0),
        total
    );
    let (status, bad) = get_json(&app, &pro, "/api/pro/leads?filter[min_score]=500").await;
    assert_eq!(
        (status, bad["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("min_score"))
    );

    let lead = all["rows"][0]["id"].as_str().expect("lead").to_owned();
    assert_eq!(
        post(&app, &pro, "/api/pro/lead-stage", &[("id", &lead), ("stage", "won")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&app, &pro, "/api/pro/lead-stage", &[("id", &lead), ("stage", "sold")])
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(
            &app,
            &pro,
            "/api/pro/lead-note",
            &[("id", &lead), ("body", "Met the owner, quote Friday")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (_, won) = get_json(&app, &pro, "/api/pro/leads?filter[stage]=won").await;
    assert_eq!(won["total"], 1);
    let (_, detail) = get_json(&app, &pro, &format!("/api/pro/lead?id={lead}")).await;
    assert_eq!(detail["stage"], "won");
    assert_eq!(detail["notes"][0][1], "Met the owner, quote Friday");
    assert_eq!(detail["factors"].as_object().map(|f| f.len()), Some(5));

    let csv = pro
        .get(app.url("/pro/leads.csv?stage=won"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.contains("address") && h.contains("score"))
    );

    // She worked this lead (it is "won"): a refund waits for an operator, and is asked once.
    let before = balance_cents(&app, &pro).await;
    let asked = post(
        &app,
        &pro,
        "/api/pro/lead-refund",
        &[("id", &lead), ("reason", "invalid_contact")],
    )
    .await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert_eq!(asked.json::<Value>().await.expect("json"), "pending");
    assert_eq!(balance_cents(&app, &pro).await, before);
    assert_eq!(
        post(
            &app,
            &pro,
            "/api/pro/lead-refund",
            &[("id", &lead), ("reason", "duplicate")]
        )
        .await
        .status(),
        StatusCode::BAD_REQUEST,
        "once"
    );
    let other = all["rows"][1]["id"].as_str().expect("lead").to_owned();
    sqlx::query("UPDATE leads SET bought_at = now() - interval '49 hours' WHERE id = $1::uuid")
        .bind(&other)
        .execute(&mut app.db().await)
        .await
        .expect("age");
    let late = post(
        &app,
        &pro,
        "/api/pro/lead-refund",
        &[("id", &other), ("reason", "duplicate")],
    )
    .await;
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_import_command_keeps_good_rows_and_names_bad_lines() {
    let app = spawn_app_with(&[]).await;
    let dir = std::env::temp_dir().join(format!("fm-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let homes = dir.join("assessor.csv");
    std::fs::write(
        &homes,
        "parcel_id,address,lat,lon,year_built,roof_material\n\
         P-1,1 Main St Dallas TX 75201,32.78,-96.80,1995,Asphalt Shingle\n\
         P-2,2 Main St Dallas TX 75201,not-a-number,-96.80,1990,Metal\n\
         P-3,3 Main St Dallas TX 75201,32.79,-96.81,2001,Tile\n",
    )
    .expect("write");
    let storms = dir.join("storms.csv");
    std::fs::write(
        &storms,
        "EVENT_TYPE,MAGNITUDE,BEGIN_LAT,BEGIN_LON,BEGIN_DATE_TIME\n\
         Hail,1.75,32.78,-96.80,01-APR-26 14:30:00\n\
         Thunderstorm Wind,60,32.78,-96.80,01-APR-26 14:30:00\n\
         Hail,huge,32.78,-96.80,01-APR-26 14:30:00\n",
    )
    .expect("write");
    let settings = command_settings(&app);
    for (command, path) in [("import-properties", &homes), ("import-storms", &storms)] {
        let args = [command.to_owned(), path.display().to_string()];
        assert_eq!(
            server::commands::run(&settings, &args).await,
            Some(std::process::ExitCode::SUCCESS)
        );
    }
    assert_eq!(app.count("properties").await, 2);
    assert_eq!(app.count("storm_events").await, 1);
    assert_eq!(
        server::commands::run(&settings, &["serve".to_owned()]).await,
        None,
        "not a command"
    );
}

#[tokio::test]
async fn the_operator_dashboard_is_for_admins_only() {
    let app = spawn_app_with(&[]).await;
    let pro = contractor(&app, "boss@example.com").await;
    post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "20")]).await;
    assert_eq!(get_json(&app, &pro, "/api/pro/operator").await.0, StatusCode::NOT_FOUND);
    crate::admin::make_operator(&app, "boss@example.com").await;
    // Operators pass their second factor first.
    assert_eq!(get_json(&app, &pro, "/api/pro/operator").await.0, StatusCode::FORBIDDEN);
    crate::admin::pass_second_factor(&app, &pro).await;
    let (status, operator) = get_json(&app, &pro, "/api/pro/operator").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(operator["signups"].as_array().map(Vec::len), Some(14));
    assert_eq!(operator["signups"][13][1], 1);
    assert_eq!(operator["revenue_days"][13][2], 2_000);
}

/// The integration step's test buttons spend the platform's keys: each is limited per account.
#[tokio::test]
async fn the_test_buttons_are_limited_per_account() {
    let app = spawn_app_with(&[]).await;
    let pro = contractor(&app, "tester@example.com").await;
    for (endpoint, allowed) in [("/api/pro/test-stripe", 10), ("/api/pro/test-email", 5)] {
        for attempt in 1..=allowed {
            let status = post(&app, &pro, endpoint, &[]).await.status();
            assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{endpoint} attempt {attempt}");
        }
        let over = post(&app, &pro, endpoint, &[]).await;
        assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS, "{endpoint}");
        assert!(over.headers().contains_key("retry-after"));
    }
    // Another account has its own allowance.
    let other = contractor(&app, "other-tester@example.com").await;
    assert_ne!(
        post(&app, &other, "/api/pro/test-stripe", &[]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// In production the generated sample is never sold for money: a sample home scores as usual,
/// is labelled, and costs nothing. Production starts without one unless asked.
#[tokio::test]
async fn production_never_sells_the_generated_sample() {
    let mut vars = crate::helpers::PRODUCTION.to_vec();
    vars.push(("SAMPLE_HOMES", "3000"));
    let app = spawn_app_with(&vars).await;
    let pro = contractor(&app, "sample@example.com").await;
    let id = finished_scan(&app, &pro, "10").await;
    let (_, scan) = get_json(&app, &pro, &format!("/api/pro/scan?id={id}")).await;
    assert_eq!(scan["sample"], true, "labelled");
    assert!(scan["to_buy"].as_i64().expect("to buy") > 0, "{scan}");
    let priced: i64 = sqlx::query_scalar("SELECT count(*) FROM scan_results WHERE price_cents > 0")
        .fetch_one(&mut app.db().await)
        .await
        .expect("count");
    assert_eq!(priced, 0, "no sample home has a price");
    let bought = post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    assert_eq!(bought.status(), StatusCode::OK, "free, with an empty wallet");
    assert!(app.count("leads").await > 0);
    assert_eq!(app.count("wallet_ledger").await, 0, "no money moved");
}

fn cents_of(price: &Value) -> i64 {
    price.as_str().map_or(0, |p| {
        (p.replace(['$', ','], "").parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64
    })
}

/// Refunds are automatic for a tenth of the leads bought in 30 days and never for a lead
/// already contacted; the rest wait for an operator, who sees the reason and decides. A
/// refunded lead's homeowner is gone from the list, the lead page and the CSV.
#[tokio::test]
async fn refunds_are_automatic_only_within_a_tenth_and_an_operator_decides_the_rest() {
    let app = spawn_app_with(&sample_app()).await;
    let pro = contractor(&app, "refunds@example.com").await;
    let id = finished_scan(&app, &pro, "6").await;
    post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "1000")]).await;
    post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    let bought: i64 = sqlx::query_scalar("SELECT count(*) FROM leads WHERE price_cents > 0")
        .fetch_one(&mut app.db().await)
        .await
        .expect("count");
    assert!(bought >= 20, "{bought} paid leads");
    let (_, all) = get_json(&app, &pro, "/api/pro/leads?filter[sort]=score").await;
    let ids: Vec<String> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    let refund = |lead: String, note: &'static str| {
        let (app, pro) = (&app, &pro);
        async move {
            let answer = post(
                app,
                pro,
                "/api/pro/lead-refund",
                &[("id", &lead), ("reason", "invalid_contact"), ("note", note)],
            )
            .await;
            assert_eq!(answer.status(), StatusCode::OK);
            answer.json::<Value>().await.expect("json")
        }
    };

    // Contacted (she moved it on): never automatic, even with allowance left.
    let contacted = ids[0].clone();
    post(
        &app,
        &pro,
        "/api/pro/lead-stage",
        &[("id", &contacted), ("stage", "contacted")],
    )
    .await;
    assert_eq!(refund(contacted.clone(), "Number rings out").await, "pending");

    // The first refund within the allowance is automatic: money back, the homeowner gone.
    let (_, detail) = get_json(&app, &pro, &format!("/api/pro/lead?id={}", ids[1])).await;
    let owner = detail["address"].as_str().expect("address").to_owned();
    let before = balance_cents(&app, &pro).await;
    assert_eq!(refund(ids[1].clone(), "").await, "refunded");
    assert_eq!(balance_cents(&app, &pro).await, before + cents_of(&detail["price"]));
    assert_eq!(
        get_json(&app, &pro, &format!("/api/pro/lead?id={}", ids[1])).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, after) = get_json(&app, &pro, "/api/pro/leads?filter[sort]=score").await;
    assert_eq!(after["total"].as_i64(), all["total"].as_i64().map(|t| t - 1));
    assert!(!after.to_string().contains(&ids[1]));
    let csv = pro
        .get(app.url("/pro/leads.csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        !csv.contains(&owner) && !csv.contains(&ids[1]),
        "the refunded lead is in the CSV"
    );
    let form_post = pro
        .post(app.url("/api/pro/lead-refund"))
        .header("accept", "text/html")
        .form(&[("id", ids[2].as_str()), ("reason", "duplicate")])
        .send()
        .await
        .expect("form");
    let allowance = bought / 10;
    if allowance >= 2 {
        assert_eq!(
            form_post.status(),
            StatusCode::FOUND,
            "a form post goes back to her leads"
        );
        assert_eq!(form_post.headers()["location"], "/pro/leads");
    }

    // Past a tenth of her purchases, requests wait.
    let mut automatic = 1 + i64::from(allowance >= 2);
    let mut next = 3;
    let waiting = loop {
        let outcome = refund(ids[next].clone(), "Wrong owner").await;
        if outcome == "pending" {
            break ids[next].clone();
        }
        automatic += 1;
        next += 1;
    };
    assert_eq!(automatic, allowance, "{bought} bought");
    let (status, pending) = get_json(&app, &pro, &format!("/api/pro/lead?id={waiting}")).await;
    assert_eq!(status, StatusCode::OK, "a waiting lead is still hers");
    assert!(pending["refund_status"].as_str().expect("status").contains("operator"));
    assert_eq!(
        get_json(&app, &pro, "/api/admin/refunds").await.0,
        StatusCode::NOT_FOUND
    );

    // The operator sees both, with her words, and decides.
    crate::admin::make_operator(&app, "refunds@example.com").await;
    crate::admin::pass_second_factor(&app, &pro).await;
    let (status, list) = get_json(&app, &pro, "/api/admin/refunds").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().expect("list").clone();
    assert_eq!(list.len(), 2);
    let of = |lead: &str| list.iter().find(|r| r["lead_id"] == lead).expect("listed").clone();
    assert_eq!(of(&contacted)["note"], "Number rings out");
    assert_eq!(of(&contacted)["contacted"], true);
    assert_eq!(of(&waiting)["contacted"], false);
    let decline = post(
        &app,
        &pro,
        "/api/admin/refund-decision",
        &[("id", &contacted), ("decision", "decline")],
    )
    .await;
    assert_eq!(decline.status(), StatusCode::BAD_REQUEST, "declining needs a reason");
    let decline = post(
        &app,
        &pro,
        "/api/admin/refund-decision",
        &[
            ("id", &contacted),
            ("decision", "decline"),
            ("note", "You called them twice"),
        ],
    )
    .await;
    assert_eq!(decline.status(), StatusCode::OK);
    let (_, declined) = get_json(&app, &pro, &format!("/api/pro/lead?id={contacted}")).await;
    assert_eq!(declined["refund_status"], "Refund declined: You called them twice");
    let before = balance_cents(&app, &pro).await;
    let approve = post(
        &app,
        &pro,
        "/api/admin/refund-decision",
        &[("id", &waiting), ("decision", "approve")],
    )
    .await;
    assert_eq!(approve.status(), StatusCode::OK);
    assert!(balance_cents(&app, &pro).await > before);
    assert_eq!(
        get_json(&app, &pro, &format!("/api/pro/lead?id={waiting}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(
            &app,
            &pro,
            "/api/admin/refund-decision",
            &[("id", &waiting), ("decision", "approve")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND,
        "decided once"
    );
    for action in [
        "lead.refund_requested",
        "lead.refunded",
        "admin.refund_approved",
        "admin.refund_declined",
    ] {
        assert!(
            app.count(&format!("audit_log WHERE action = '{action}'")).await >= 1,
            "{action}"
        );
    }
}

#[tokio::test]
async fn her_dashboard_counts_her_leads_by_stage_and_what_they_cost() {
    let app = spawn_app_with(&sample_app()).await;
    let pro = contractor(&app, "figures@example.com").await;
    let (_, empty) = get_json(&app, &pro, "/api/pro/dashboard").await;
    assert_eq!(
        (empty["leads"].as_i64(), empty["balance"].as_str()),
        (Some(0), Some("$0.00"))
    );
    assert_eq!(empty["onboarding_done"], false);
    assert_eq!(empty["outreach"], serde_json::json!([0, 0, 0, 0]));

    let id = finished_scan(&app, &pro, "6").await;
    post(&app, &pro, "/api/pro/dev-top-up", &[("amount", "1000")]).await;
    post(&app, &pro, "/api/pro/buy-leads", &[("scan_id", &id)]).await;
    let (_, leads) = get_json(&app, &pro, "/api/pro/leads").await;
    let total = leads["total"].as_i64().expect("total");
    assert!(total >= 2, "a scan with leads");
    for (row, stage) in [(0, "won"), (1, "lost")] {
        let lead = leads["rows"][row]["id"].as_str().expect("lead");
        post(&app, &pro, "/api/pro/lead-stage", &[("id", lead), ("stage", stage)]).await;
    }

    let (_, figures) = get_json(&app, &pro, "/api/pro/dashboard").await;
    assert_eq!(figures["leads"].as_i64(), Some(total));
    let stage = |name: &str| {
        figures["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s[0] == name)
            .and_then(|s| s[1].as_i64())
    };
    assert_eq!(
        (stage("won"), stage("lost"), stage("new")),
        (Some(1), Some(1), Some(total - 2))
    );
    assert_eq!(figures["conversion"], "50%");
    let spent: i64 =
        sqlx::query_scalar("SELECT -sum(amount_cents)::bigint FROM wallet_ledger WHERE kind = 'lead_charge'")
            .fetch_one(&mut app.db().await)
            .await
            .expect("spend");
    let dollars = domain::fishmouth::pricing::format_cents;
    assert_eq!(figures["spend"], dollars(spent));
    assert_eq!(figures["cost_per_won"], dollars(spent));
    assert_eq!(figures["balance"], dollars(100_000 - spent));

    // Replies: one this week still to answer, one answered, one from last month.
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'figures@example.com'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("user");
    for (n, ago, done) in [(1, 1, false), (2, 2, true), (3, 30, false)] {
        sqlx::query(
            "INSERT INTO fm_inbound (user_id, channel, kind, address, body, event_id, received_at, done_at)
             VALUES ($1, 'sms', 'reply', '+12145550123', 'Yes', $2, now() - make_interval(days => $3),
                     CASE WHEN $4 THEN now() END)",
        )
        .bind(user)
        .bind(format!("evt-{n}"))
        .bind(ago)
        .bind(done)
        .execute(&mut app.db().await)
        .await
        .expect("reply");
    }
    let (_, figures) = get_json(&app, &pro, "/api/pro/dashboard").await;
    // In a sequence now, replies in 7 days, replies to answer, tasks.
    assert_eq!(figures["outreach"], serde_json::json!([0, 2, 2, 0]));
}

/// A homeowner who texted STOP is never sold to another contractor: not by phone, not when an
/// import brings the home back under a new parcel id with its address spelled anew (once an
/// operator suppressed the address). Her START lifts what her STOP did.
#[tokio::test]
async fn an_opted_out_homeowner_is_never_sold_again_even_after_a_re_import() {
    use crate::helpers::{inbound_sms, telnyx_public, telnyx_webhook};
    let public = telnyx_public();
    let app = spawn_app_with(&[
        ("SAMPLE_HOMES", "3000"),
        ("TELNYX_API_KEY", "KEY_test"),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", "http://127.0.0.1:9"),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
    ])
    .await;
    let first = contractor(&app, "first@example.com").await;
    let scan = finished_scan(&app, &first, "1").await;
    post(&app, &first, "/api/pro/dev-top-up", &[("amount", "1000")]).await;
    assert_eq!(
        post(&app, &first, "/api/pro/buy-leads", &[("scan_id", &scan)])
            .await
            .status(),
        StatusCode::OK
    );
    let (_, results) = get_json(&app, &first, &format!("/api/pro/scan?id={scan}")).await;
    let total = results["scan"]["total"].as_i64().expect("total");
    let mut db = app.db().await;
    // One of her leads with a phone, and how many homes of the scan have that phone (the
    // generated homes share their 555-01xx numbers).
    let (phone, address, lat, lon): (String, String, f64, f64) = sqlx::query_as(
        "SELECT p.phone, p.address, p.lat, p.lon FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE p.phone IS NOT NULL LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("a lead with a phone");
    let sharing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM scan_results r JOIN properties p ON p.id = r.property_id WHERE r.scan_id = $1::uuid AND p.phone = $2",
    )
    .bind(&scan)
    .bind(&phone)
    .fetch_one(&mut db)
    .await
    .expect("sharing");
    async fn suppressions(db: &mut sqlx::PgConnection) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT kind || ':' || reason FROM fm_suppressions ORDER BY 1")
            .fetch_all(db)
            .await
    }
    // She texts STOP.
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phone, "STOP"), true).await,
        StatusCode::OK
    );
    assert_eq!(suppressions(&mut db).await.expect("list"), ["phone:text message"]);
    // The same home again, imported under a new parcel id, its address in other spelling;
    // an operator suppresses the address (`server suppress address <value>`).
    sqlx::query(
        "INSERT INTO properties (parcel_id, address, lat, lon, timezone, source)
         VALUES ('REIMPORT-1', upper(replace($1, ',', ' ,')), $2, $3, 'America/Chicago', 'import')",
    )
    .bind(&address)
    .bind(lat)
    .bind(lon)
    .execute(&mut db)
    .await
    .expect("re-import");
    let settings = command_settings(&app);
    let suppress = |kind: &str, value: &str| ["suppress".to_owned(), kind.to_owned(), value.to_owned()];
    let failure = Some(std::process::ExitCode::FAILURE);
    assert_eq!(
        server::commands::run(&settings, &suppress("phone", "12")).await,
        failure
    );
    assert_eq!(
        server::commands::run(&settings, &suppress("parcel", "P-1")).await,
        failure
    );
    assert_eq!(
        server::commands::run(&settings, &["suppress".to_owned()]).await,
        failure
    );
    for _ in 0..2 {
        let done = server::commands::run(&settings, &suppress("address", &address)).await;
        assert_eq!(done, Some(std::process::ExitCode::SUCCESS));
    }
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'admin.suppressed'")
        .fetch_one(&mut db)
        .await
        .expect("audit");
    assert_eq!(audited, 1, "once, when it was added");

    let second = contractor(&app, "second@example.com").await;
    let scan = finished_scan(&app, &second, "1").await;
    let (_, results) = get_json(&app, &second, &format!("/api/pro/scan?id={scan}")).await;
    // Without suppression: the first scan's homes and the re-imported one. With it: every home
    // with her phone, and the re-imported one, are left out.
    assert_eq!(
        results["scan"]["total"].as_i64(),
        Some(total - sharing),
        "{}",
        results["scan"]
    );
    let offered: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM scan_results r JOIN properties p ON p.id = r.property_id
         WHERE r.scan_id = $1::uuid AND (p.phone = $2 OR p.parcel_id = 'REIMPORT-1')",
    )
    .bind(&scan)
    .bind(&phone)
    .fetch_one(&mut db)
    .await
    .expect("results");
    assert_eq!(offered, 0);

    // START lifts the suppression her STOP made; the operator's stays.
    assert_eq!(
        telnyx_webhook(app.address.clone(), inbound_sms(&phone, "START"), true).await,
        StatusCode::OK
    );
    assert_eq!(suppressions(&mut db).await.expect("list"), ["address:operator"]);
}
