//! Contractors' own phone numbers: bought through Telnyx's number API (a fake Telnyx on
//! loopback), texts sent from them, and texts to them read by their contractor alone.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fake_telnyx::{FakeTelnyx, KEY};
use crate::fishmouth::contractor;
use crate::helpers::{TestApp, spawn_app_with, telnyx_public, telnyx_webhook};
use crate::sequences::{
    daytime_zone, engine, enroll_due, leads, pool, run_until_idle, sequence, user_id, zone_where_the_hour_is,
};

const SHARED: &str = "+12145550100";
const HOMEOWNER: &str = "+12140000001";

async fn spawn_with_telnyx(fake: &FakeTelnyx) -> TestApp {
    let public = telnyx_public();
    spawn_app_with(&[
        ("TELNYX_API_KEY", KEY),
        ("TELNYX_FROM_NUMBER", SHARED),
        ("TELNYX_API_BASE", fake.base.as_str()),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
        ("TELNYX_MESSAGING_PROFILE_ID", "profile-contractors"),
    ])
    .await
}

async fn get_json(app: &TestApp, client: &Client, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("get");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn take(app: &TestApp, client: &Client, number: &str) -> (StatusCode, String) {
    let response = client
        .post(app.url("/api/pro/number-take"))
        .form(&[("phone_number", number)])
        .send()
        .await
        .expect("take");
    (response.status(), response.text().await.unwrap_or_default())
}

/// A text from the homeowner to `to`, signed as Telnyx signs it.
async fn text_to(app: &TestApp, to: &str, text: &str) -> StatusCode {
    let event = json!({ "data": {
        "id": Uuid::new_v4().to_string(),
        "event_type": "message.received",
        "payload": { "id": Uuid::new_v4().to_string(), "direction": "inbound", "type": "SMS",
            "from": { "phone_number": HOMEOWNER }, "to": [{ "phone_number": to, "status": "webhook_delivered" }], "text": text }
    }});
    telnyx_webhook(app.address.clone(), event, true).await
}

async fn inbox(app: &TestApp, client: &Client) -> Value {
    get_json(app, client, "/api/pro/inbox?show=all").await.1
}

#[tokio::test]
async fn each_contractor_texts_from_their_own_number_and_alone_reads_texts_to_it() {
    let fake = FakeTelnyx::start().await;
    let app = spawn_with_telnyx(&fake).await;
    let a = contractor(&app, "number-a@example.com").await;
    let b = contractor(&app, "number-b@example.com").await;
    let mut db = app.db().await;
    let (user_a, user_b) = (
        user_id(&mut db, "number-a@example.com").await,
        user_id(&mut db, "number-b@example.com").await,
    );

    // No number yet: the page offers a search; a bad area code is refused by name.
    let (status, page) = get_json(&app, &a, "/api/pro/number").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (page["held"].clone(), page["available"].clone()),
        (Value::Null, json!(true))
    );
    let (status, bad) = get_json(&app, &a, "/api/pro/number?area=12").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.to_string().contains("area"), "{bad}");

    // Search, as Telnyx documents it: local numbers with texting in the area code.
    let (_, offers_a) = get_json(&app, &a, "/api/pro/number?area=512").await;
    let offers_a: Vec<String> = offers_a["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .map(|o| o["phone_number"].as_str().expect("number").to_owned())
        .collect();
    assert_eq!(offers_a.len(), 5);
    assert!(offers_a.iter().all(|n| n.starts_with("+1512")), "{offers_a:?}");
    let search = fake.seen.lock().await.searches[0].clone();
    for (key, value) in [
        ("filter[country_code]", "US"),
        ("filter[national_destination_code]", "512"),
        ("filter[features][]", "sms"),
        ("filter[phone_number_type]", "local"),
    ] {
        assert_eq!(search.get(key).map(String::as_str), Some(value), "{search:?}");
    }

    // A takes one; the order names her and joins the contractors' messaging profile.
    assert_eq!(take(&app, &a, &offers_a[0]).await.0, StatusCode::OK);
    let order = fake.seen.lock().await.orders[0].clone();
    assert_eq!(order["phone_numbers"][0]["phone_number"], offers_a[0].as_str());
    assert_eq!(order["messaging_profile_id"], "profile-contractors");
    assert_eq!(order["customer_reference"], user_a.to_string());
    // Its order was pending; looking again finds it done.
    let (_, mine) = get_json(&app, &a, "/api/pro/number").await;
    assert_eq!(mine["held"], json!([offers_a[0], "active"]));
    // One number each, and one contractor for each number.
    let (status, body) = take(&app, &a, &offers_a[1]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("already"), "{body}");
    let (status, body) = take(&app, &b, &offers_a[0]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("phone_number") && body.contains("taken"), "{body}");
    // A number the provider refuses (not offered) is given back, so she can choose again.
    let (status, body) = take(&app, &b, "+15125559999").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("refused"), "{body}");
    let (status, _) = take(&app, &b, "not a number").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(take(&app, &b, &offers_a[1]).await.0, StatusCode::OK);
    get_json(&app, &b, "/api/pro/number").await;
    let numbers: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT user_id, phone_number, status FROM fm_numbers ORDER BY created_at")
            .fetch_all(&mut db)
            .await
            .expect("numbers");
    assert_eq!(
        numbers,
        [
            (user_a, offers_a[0].clone(), "active".to_owned()),
            (user_b, offers_a[1].clone(), "active".to_owned())
        ]
    );

    // Both hold the same homeowner as a lead and text them: each text goes from its
    // contractor's own number, B's last.
    let zone = daytime_zone(&mut db).await;
    for user in [user_a, user_b] {
        let lead = leads(&mut db, user, 1, &zone).await;
        let (seq, _) = sequence(&mut db, user, &[("sms", 0, "Hi from {{company}}")]).await;
        enroll_due(&mut db, user, seq, &lead).await;
        run_until_idle(&engine(&pool(&app).await, &app)).await;
        fake.messages(if user == user_a { 1 } else { 2 }).await;
    }
    let sent = fake.messages(2).await;
    let froms: Vec<(&str, &str)> = sent
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap_or_default(),
                m["to"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        froms,
        [(offers_a[0].as_str(), HOMEOWNER), (offers_a[1].as_str(), HOMEOWNER)]
    );

    // The homeowner answers A's number: only A reads it, though B texted them last.
    assert_eq!(
        text_to(&app, &offers_a[0], "Yes, call me about the roof").await,
        StatusCode::OK
    );
    let mine = inbox(&app, &a).await;
    assert_eq!(mine["replies"][0]["body"], "Yes, call me about the roof");
    assert_eq!(inbox(&app, &b).await["replies"], json!([]));

    // A answers from her inbox: it reaches Telnyx from her number.
    let id = mine["replies"][0]["id"].as_i64().expect("id").to_string();
    let answered = a
        .post(app.url("/api/pro/inbox-answer"))
        .form(&[("id", id.as_str()), ("body", "Tuesday at 9?")])
        .send()
        .await
        .expect("answer");
    assert_eq!(answered.status(), StatusCode::OK);
    let sent = fake.messages(3).await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(
        (
            sent[2]["from"].as_str(),
            sent[2]["to"].as_str(),
            sent[2]["text"].as_str()
        ),
        (Some(offers_a[0].as_str()), Some(HOMEOWNER), Some("Tuesday at 9?"))
    );

    // STOP to B's number opts out with B alone: it was said to B.
    assert_eq!(text_to(&app, &offers_a[1], "STOP").await, StatusCode::OK);
    let opted: Vec<Uuid> = sqlx::query_scalar("SELECT user_id FROM fm_opt_outs WHERE address = $1")
        .bind(HOMEOWNER)
        .fetch_all(&mut db)
        .await
        .expect("opt-outs");
    assert_eq!(opted, [user_b]);

    // A text to a number nobody holds (not the shared one) is nobody's.
    assert_eq!(text_to(&app, "+15125550000", "Hello?").await, StatusCode::OK);
    let stray: i64 = sqlx::query_scalar("SELECT count(*) FROM fm_inbound WHERE body = 'Hello?'")
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(stray, 0);
}

#[tokio::test]
async fn an_answer_by_text_outside_legal_hours_waits_until_they_open() {
    let fake = FakeTelnyx::start().await;
    let app = spawn_with_telnyx(&fake).await;
    let a = contractor(&app, "night@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "night@example.com").await;
    // A zone where it is now between 01:00 and 05:59: no state allows a text then.
    let zone = zone_where_the_hour_is(&mut db, 1.0..6.0).await;
    let lead = leads(&mut db, user, 1, &zone).await[0];
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fm_inbound (user_id, lead_id, channel, kind, address, body) VALUES ($1, $2, 'sms', 'reply', $3, 'Call me') RETURNING id",
    )
    .bind(user)
    .bind(lead)
    .bind(HOMEOWNER)
    .fetch_one(&mut db)
    .await
    .expect("reply");

    let answered = a
        .post(app.url("/api/pro/inbox-answer"))
        .form(&[("id", id.to_string().as_str()), ("body", "Morning works")])
        .send()
        .await
        .expect("answer");
    assert_eq!(answered.status(), StatusCode::OK);
    let when: Value = answered.json().await.expect("json");
    assert!(
        when.as_str()
            .is_some_and(|w| w.ends_with("09:00") || w.ends_with("08:00") || w.ends_with("12:00")),
        "it says when, their time: {when}"
    );
    // Queued, held until the hour opens there, and to go before that day's close.
    let (waits, closes_later, status): (bool, bool, String) = sqlx::query_as(
        "SELECT next_attempt_at > now() + interval '1 hour', not_after > next_attempt_at, status
         FROM outbox WHERE idempotency_key LIKE 'inbox-answer:%'",
    )
    .fetch_one(&mut db)
    .await
    .expect("queued");
    assert_eq!((waits, closes_later, status.as_str()), (true, true, "pending"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(fake.seen.lock().await.messages.is_empty(), "nothing goes at night");
}
