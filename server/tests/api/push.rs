//! Alerts on a contractor's devices by Web Push, against a push service on loopback that
//! checks our VAPID signature and opens each message with the browser's keys.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::fake_push::{Browser, FakePush, vapid_claims};
use crate::fishmouth::contractor;
use crate::helpers::{TestApp, new_client, spawn_app_with};
use crate::sequences::{daytime_zone, email_reply, enroll_waiting, leads, sequence, user_id};

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = client.post(app.url(path)).form(form).send().await.expect("post");
    (response.status(), response.text().await.unwrap_or_default())
}

async fn subscribe(app: &TestApp, client: &Client, endpoint: &str, browser: &Browser) -> (StatusCode, String) {
    post(
        app,
        client,
        "/api/push-subscribe",
        &[
            ("endpoint", endpoint),
            ("p256dh", &browser.p256dh()),
            ("auth", &browser.auth()),
        ],
    )
    .await
}

#[tokio::test]
async fn a_reply_alerts_only_its_contractors_browsers_encrypted_and_signed() {
    let push = FakePush::start().await;
    let app = spawn_app_with(&[("PUSH_SERVICES", push.origin.as_str())]).await;
    let a = contractor(&app, "push-a@example.com").await;
    let b = contractor(&app, "push-b@example.com").await;
    let (phone, laptop, theirs) = (Browser::new(7), Browser::new(8), Browser::new(9));

    // The key browsers subscribe with, to signed-in people only.
    let key: Value = a
        .get(app.url("/api/push-key"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let key = key.as_str().expect("a key").to_owned();
    assert_eq!(
        new_client()
            .get(app.url("/api/push-key"))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Bad subscriptions name their field and save nothing; another service is refused.
    for (endpoint, p256dh, auth, field) in [
        ("https://evil.example/push/x", phone.p256dh(), phone.auth(), "endpoint"),
        ("http://127.0.0.1:1/push/x", phone.p256dh(), phone.auth(), "endpoint"),
        (&*push.endpoint("a1"), "AAAA".to_owned(), phone.auth(), "p256dh"),
        (&*push.endpoint("a1"), phone.p256dh(), "c2hvcnQ".to_owned(), "auth"),
    ] {
        let (status, body) = post(
            &app,
            &a,
            "/api/push-subscribe",
            &[("endpoint", endpoint), ("p256dh", &p256dh), ("auth", &auth)],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{endpoint}: {body}");
        assert!(body.contains(field), "{field}: {body}");
    }
    assert_eq!(
        subscribe(&app, &new_client(), &push.endpoint("a1"), &phone).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A's phone and laptop, B's phone.
    assert_eq!(
        subscribe(&app, &a, &push.endpoint("a1"), &phone).await.0,
        StatusCode::OK
    );
    assert_eq!(
        subscribe(&app, &a, &push.endpoint("a2"), &laptop).await.0,
        StatusCode::OK
    );
    assert_eq!(
        subscribe(&app, &b, &push.endpoint("b1"), &theirs).await.0,
        StatusCode::OK
    );
    // B cannot take A's browser by naming its address without its secret.
    let (status, body) = subscribe(&app, &b, &push.endpoint("a1"), &theirs).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The same browser subscribing again changes nothing.
    assert_eq!(
        subscribe(&app, &a, &push.endpoint("a1"), &phone).await.0,
        StatusCode::OK
    );

    // A homeowner answers one of A's emails.
    let mut db = app.db().await;
    let zone = daytime_zone(&mut db).await;
    let user_a = user_id(&mut db, "push-a@example.com").await;
    let lead = leads(&mut db, user_a, 1, &zone).await;
    let (seq, _) = sequence(&mut db, user_a, &[("sms", 600, "Later")]).await;
    enroll_waiting(&mut db, user_a, seq, &lead).await;
    let status = email_reply(&app, &mut db, lead[0], "Tuesday suits us", "<p1@mail.example>").await;
    assert_eq!(status, StatusCode::OK);

    // Both of A's browsers get it, within the worker's poll; B's gets nothing.
    let received = push.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let received_now = push.received().await;
    assert_eq!(received_now.len(), 2, "{received_now:?}");
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["a1", "a2"]);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for message in &received {
        let header = |name: &str| {
            message
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        assert_eq!(header("content-encoding"), "aes128gcm");
        assert_eq!(header("ttl"), "86400");
        // Signed with our key, for this push service, expiring within a day.
        let (claims, signer) = vapid_claims(header("authorization")).expect("a valid VAPID signature");
        assert_eq!(signer, key);
        assert_eq!(claims["aud"], push.origin);
        let exp = claims["exp"].as_i64().expect("exp");
        assert!(exp > now && exp <= now + 24 * 3600, "{claims}");
        assert!(
            claims["sub"].as_str().is_some_and(|s| s.starts_with("mailto:")),
            "{claims}"
        );
        // Only that browser can open it.
        let (mine, other) = if message.id == "a1" {
            (&phone, &laptop)
        } else {
            (&laptop, &phone)
        };
        assert!(
            other.open(&message.body).is_none(),
            "another browser's keys open nothing"
        );
        let alert: Value = serde_json::from_slice(&mine.open(&message.body).expect("opens")).expect("json");
        assert_eq!(alert["title"], "New reply by email");
        assert!(
            alert["body"].as_str().is_some_and(|b| b.contains("Tuesday suits us")),
            "{alert}"
        );
        assert_eq!(alert["url"], "/pro/inbox");
        // The message body is not kept once sent.
        let kept: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE channel = 'push' AND recipient = (SELECT id::text FROM push_subscriptions WHERE endpoint = $1)")
            .bind(push.endpoint(&message.id))
            .fetch_one(&mut db)
            .await
            .expect("outbox row");
        assert_eq!(kept, "");
    }

    // The laptop's browser unsubscribed at its push service: the next alert forgets it.
    push.drop_subscription("a2").await;
    let status = email_reply(&app, &mut db, lead[0], "Or Wednesday", "<p2@mail.example>").await;
    assert_eq!(status, StatusCode::OK);
    push.wait_for(4).await;
    let mut left: Vec<String> = Vec::new();
    for _ in 0..100 {
        left = sqlx::query_scalar("SELECT endpoint FROM push_subscriptions WHERE user_id = $1 ORDER BY endpoint")
            .bind(user_a)
            .fetch_all(&mut db)
            .await
            .expect("subscriptions");
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, [push.endpoint("a1")]);

    // Turning alerts off on the phone: hers only, and once.
    let endpoint = push.endpoint("a1");
    assert_eq!(
        post(&app, &b, "/api/push-unsubscribe", &[("endpoint", &endpoint)]).await,
        (StatusCode::OK, "false".to_owned())
    );
    assert_eq!(
        post(&app, &a, "/api/push-unsubscribe", &[("endpoint", &endpoint)]).await,
        (StatusCode::OK, "true".to_owned())
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM push_subscriptions")
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(count, 1, "only B's browser is left");
    app.drop_database().await;
}
