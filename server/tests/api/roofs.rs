//! Roofs read from aerial images: the Anthropic adapter against a fake Messages API on
//! loopback (a good answer, a malformed one, a refusal, a slow one), and the lead page's
//! reading end to end: charged only when a reading comes back, kept per home, shown with its
//! image and findings, and otherwise falling back to the property records and saying so.

use std::{sync::Arc, time::Duration};

use app::fishmouth::roofs::ssr::{AnthropicReader, ProviderError, RoofImage, RoofReader};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode as AxumStatus, header},
    response::IntoResponse,
    routing,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::{
    fishmouth::{contractor, finished_scan},
    helpers::{TestApp, spawn_app_with},
};

/// A few bytes that say PNG: the fake imagery service's picture of every home.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nroof-pixels";

#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Good,
    Malformed,
    Refusal,
    Slow,
    Down,
}

#[derive(Clone)]
struct FakeAnthropic {
    base: String,
    answer: Arc<Mutex<Answer>>,
    /// Each request's headers and body.
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

async fn messages(State(fake): State<FakeAnthropic>, headers: HeaderMap, Json(body): Json<Value>) -> impl IntoResponse {
    fake.seen.lock().await.push((headers, body.clone()));
    let tool = body["tool_choice"]["name"].clone();
    let message = |content: Value, stop: &str| {
        json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": body["model"],
            "content": content, "stop_reason": stop, "stop_sequence": null,
            "usage": { "input_tokens": 1500, "output_tokens": 60 }
        })
    };
    let answer = *fake.answer.lock().await;
    match answer {
        Answer::Good => (
            AxumStatus::OK,
            Json(message(
                json!([{ "type": "tool_use", "id": "toolu_01", "name": tool,
                         "input": { "condition": 20, "findings": ["missing_shingles", "tarps"], "confidence": 90 } }]),
                "tool_use",
            )),
        ),
        Answer::Malformed => (
            AxumStatus::OK,
            Json(message(
                json!([{ "type": "tool_use", "id": "toolu_01", "name": tool,
                         "input": { "condition": "rather poor", "findings": ["a hole"], "confidence": 90 } }]),
                "tool_use",
            )),
        ),
        Answer::Refusal => (AxumStatus::OK, Json(message(json!([]), "refusal"))),
        Answer::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (AxumStatus::OK, Json(message(json!([]), "end_turn")))
        }
        Answer::Down => (
            AxumStatus::from_u16(529).expect("status"),
            Json(json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } })),
        ),
    }
}

async fn fake_anthropic() -> FakeAnthropic {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let fake = FakeAnthropic {
        base: format!("http://{}", listener.local_addr().expect("addr")),
        answer: Arc::new(Mutex::new(Answer::Good)),
        seen: Arc::default(),
    };
    let router = Router::new()
        .route("/v1/messages", routing::post(messages))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    fake
}

/// An aerial image service: the same picture of every home, for the right key only.
async fn fake_imagery() -> String {
    let picture = |axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| async move {
        if q.get("key").map(String::as_str) != Some("img-key") {
            return (
                AxumStatus::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain")],
                b"bad key".to_vec(),
            );
        }
        (AxumStatus::OK, [(header::CONTENT_TYPE, "image/png")], PNG.to_vec())
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/static", routing::get(picture))).await });
    base
}

#[tokio::test]
async fn the_anthropic_reader_reads_a_good_answer_and_refuses_the_rest() {
    let fake = fake_anthropic().await;
    let reader = AnthropicReader {
        http: Client::new(),
        base: fake.base.clone(),
        api_key: "sk-test".into(),
        model: "claude-test".into(),
        timeout: Duration::from_millis(500),
    };
    let image = RoofImage {
        bytes: PNG.to_vec(),
        media_type: "image/png".into(),
    };
    let reading = reader.read(&image).await.expect("a reading");
    assert_eq!(
        (reading.condition, reading.confidence, reading.findings.len()),
        (20, 90, 2)
    );
    let (headers, body) = fake.seen.lock().await[0].clone();
    assert_eq!(headers["x-api-key"], "sk-test");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(body["model"], "claude-test");
    assert_eq!(body["tool_choice"]["type"], "tool");
    assert_eq!(body["tools"][0]["name"], body["tool_choice"]["name"]);
    let block = &body["messages"][0]["content"][0];
    assert_eq!(
        (block["type"].as_str(), block["source"]["media_type"].as_str()),
        (Some("image"), Some("image/png"))
    );
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(block["source"]["data"].as_str().unwrap_or(""))
            .ok(),
        Some(PNG.to_vec())
    );

    for (answer, expected) in [
        (Answer::Malformed, "malformed"),
        (Answer::Refusal, "refused"),
        (Answer::Slow, "unavailable"),
        (Answer::Down, "unavailable"),
    ] {
        *fake.answer.lock().await = answer;
        let got = match reader.read(&image).await {
            Err(ProviderError::Malformed(_)) => "malformed",
            Err(ProviderError::Refused) => "refused",
            Err(ProviderError::Unavailable(_)) => "unavailable",
            Ok(_) => "a reading",
        };
        assert_eq!(got, expected);
    }
}

async fn get_json(app: &TestApp, client: &Client, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.expect("request")
}

/// A contractor with credits and one bought lead; returns her client and the lead's id.
async fn with_a_lead(app: &TestApp, email: &str) -> (Client, String) {
    let pro = contractor(app, email).await;
    assert_eq!(
        post(app, &pro, "/api/pro/dev-top-up", &[("amount", "100")])
            .await
            .status(),
        StatusCode::OK
    );
    let scan = finished_scan(app, &pro, "1").await;
    assert_eq!(
        post(app, &pro, "/api/pro/buy-leads", &[("scan_id", &scan)])
            .await
            .status(),
        StatusCode::OK
    );
    let (_, leads) = get_json(app, &pro, "/api/pro/leads").await;
    let id = leads["rows"][0]["id"].as_str().expect("a lead").to_owned();
    (pro, id)
}

async fn balance(app: &TestApp, client: &Client) -> i64 {
    get_json(app, client, "/api/pro/wallet").await.1["balance_cents"]
        .as_i64()
        .expect("balance")
}

#[tokio::test]
async fn a_roof_is_read_from_an_image_only_with_her_consent_and_paid_only_when_read() {
    let anthropic = fake_anthropic().await;
    let imagery = fake_imagery().await;
    let template = format!("{imagery}/static?center={{lat}},{{lon}}&zoom=20&key={{key}}");
    let app = spawn_app_with(&[
        ("SAMPLE_HOMES", "3000"),
        ("IMAGERY_URL_TEMPLATE", &template),
        ("IMAGERY_API_KEY", "img-key"),
        ("ANTHROPIC_API_KEY", "sk-test"),
        ("ANTHROPIC_API_BASE", &anthropic.base),
        ("ANTHROPIC_MODEL", "claude-test"),
        ("ROOF_IMAGE_PRICE_CENTS", "7"),
    ])
    .await;
    let (pro, lead) = with_a_lead(&app, "eyes@example.com").await;
    // With less in her wallet than the price, nothing is asked of the providers.
    sqlx::query("UPDATE wallets SET balance_cents = 3")
        .execute(&mut app.db().await)
        .await
        .expect("drain");
    let poor = post(&app, &pro, "/api/pro/read-roof", &[("lead_id", &lead), ("price", "7")]).await;
    assert_eq!(poor.status(), StatusCode::PAYMENT_REQUIRED);
    assert!(anthropic.seen.lock().await.is_empty());
    sqlx::query("UPDATE wallets SET balance_cents = 5000")
        .execute(&mut app.db().await)
        .await
        .expect("refill");
    let (_, before) = get_json(&app, &pro, &format!("/api/pro/lead?id={lead}")).await;
    assert_eq!(before["roof"], Value::Null);
    assert_eq!(before["roof_price_cents"], 7, "the price is shown before she asks");
    let wallet = balance(&app, &pro).await;
    let read = |price: &'static str| {
        let request = pro
            .post(app.url("/api/pro/read-roof"))
            .form(&[("lead_id", lead.as_str()), ("price", price)]);
        async move { request.send().await.expect("read the roof") }
    };

    // Every failure falls back to the records, says so, and charges nothing.
    for (answer, says) in [
        (Answer::Malformed, "could not be used"),
        (Answer::Refusal, "declined"),
        (Answer::Down, "did not answer"),
    ] {
        *anthropic.answer.lock().await = answer;
        let refused = read("7").await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], "roof");
        let message = body["fields"][0]["message"].as_str().unwrap_or("");
        assert!(
            message.contains(says) && message.contains("Nothing was charged"),
            "{message}"
        );
    }
    *anthropic.answer.lock().await = Answer::Good;
    let stale = read("5").await;
    assert_eq!(
        stale.status(),
        StatusCode::BAD_REQUEST,
        "a price she was not shown is not consent"
    );
    assert_eq!(balance(&app, &pro).await, wallet);
    assert_eq!(app.count("fm_roof_readings").await, 0);

    assert_eq!(read("7").await.status(), StatusCode::OK);
    assert_eq!(balance(&app, &pro).await, wallet - 7);
    let (_, after) = get_json(&app, &pro, &format!("/api/pro/lead?id={lead}")).await;
    let roof = &after["roof"];
    assert_eq!(
        (roof["condition"].as_i64(), roof["confidence"].as_i64()),
        (Some(20), Some(90)),
        "{after}"
    );
    assert_eq!(roof["findings"], json!(["missing shingles", "tarps"]));
    assert_eq!(roof["model"], "claude-test");
    // condition 20 seen 90% surely: factor 50 + (80 - 50) * 0.9 = 77.
    assert_eq!(after["factors"]["condition"], 77);
    let image = pro
        .get(app.url(roof["image_url"].as_str().expect("url")))
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()[reqwest::header::CONTENT_TYPE], "image/png");
    assert_eq!(image.bytes().await.expect("bytes").as_ref(), PNG);

    // Asked again: the kept reading, free.
    assert_eq!(read("7").await.status(), StatusCode::OK);
    assert_eq!(balance(&app, &pro).await, wallet - 7);
    assert_eq!(anthropic.seen.lock().await.len(), 4, "three failures and one reading");
    let ledger: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, amount_cents FROM wallet_ledger WHERE kind = 'roof_image'")
            .fetch_all(&mut app.db().await)
            .await
            .expect("ledger");
    assert_eq!(ledger, [("roof_image".to_owned(), -7)]);

    // Another contractor sees neither her lead's image nor can read it.
    let rival = contractor(&app, "rival-eyes@example.com").await;
    let theirs = rival
        .get(app.url(roof["image_url"].as_str().expect("url")))
        .send()
        .await
        .expect("image");
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        post(
            &app,
            &rival,
            "/api/pro/read-roof",
            &[("lead_id", &lead), ("price", "7")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_imagery_the_condition_comes_from_the_records_and_says_so() {
    let app = spawn_app_with(&[("SAMPLE_HOMES", "3000")]).await;
    let (pro, lead) = with_a_lead(&app, "plain@example.com").await;
    let (_, view) = get_json(&app, &pro, &format!("/api/pro/lead?id={lead}")).await;
    assert_eq!(
        (view["roof"].clone(), view["roof_price_cents"].clone()),
        (Value::Null, Value::Null)
    );
    let refused = post(&app, &pro, "/api/pro/read-roof", &[("lead_id", &lead), ("price", "5")]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("property records"),
        "{body}"
    );
}
