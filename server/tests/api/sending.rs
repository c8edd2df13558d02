//! A contractor's own sending domain: DKIM records checked through DNS (a DNS server on
//! loopback), mail signed for the domain and verified by an independent DKIM verifier asking
//! that DNS server, one account per domain, and a new domain's warm-up.

use mail_auth::{
    AuthenticatedMessage, DkimResult, MessageAuthenticator,
    hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts},
};
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::fake_dns::FakeDns;
use crate::fishmouth::contractor;
use crate::helpers::{TestApp, spawn_app_with};
use crate::sequences::{
    daytime_zone, engine, enroll_due, leads, pool, run_until_idle, sequence, sequence_json, user_id, with_company,
};

async fn sending(app: &TestApp, client: &Client) -> Value {
    client
        .get(app.url("/api/pro/sending"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = client.post(app.url(path)).form(form).send().await.expect("post");
    (response.status(), response.text().await.unwrap_or_default())
}

/// What an independent verifier says of the message's DKIM signatures, asking `dns`.
async fn dkim_results(dns: &FakeDns, raw: &[u8]) -> Vec<DkimResult> {
    let mut udp = ConnectionConfig::udp();
    udp.port = dns.addr.port();
    let config = ResolverConfig::from_parts(
        None,
        vec![],
        vec![NameServerConfig::new(dns.addr.ip(), true, vec![udp])],
    );
    let verifier = MessageAuthenticator::new(config, ResolverOpts::default()).expect("verifier");
    let message = AuthenticatedMessage::parse(raw).expect("a message");
    verifier
        .verify_dkim(&message)
        .await
        .iter()
        .map(|output| output.result().clone())
        .collect()
}

#[tokio::test]
async fn mail_from_a_verified_domain_is_dkim_signed_for_it_and_warms_up() {
    let dns = FakeDns::start().await;
    let resolver = dns.addr.to_string();
    let app = spawn_app_with(&[
        ("DNS_RESOLVER", resolver.as_str()),
        ("MAIL_SPF_INCLUDE", "spf.mail.test"),
    ])
    .await;
    let a = contractor(&app, "domain-a@example.com").await;
    let b = contractor(&app, "domain-b@example.com").await;

    // Bad input is refused by name and changes nothing.
    for bad in ["not an address", "sam@roofco", "@roofco.test", "s am@roofco.test"] {
        let (status, body) = post(&app, &a, "/api/pro/sending-address", &[("address", bad)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body.contains("address"), "{body}");
    }
    assert_eq!(sending(&app, &a).await["own"], Value::Null);

    // She names her address: a key of her own, the records to publish, not verified yet.
    let (status, _) = post(
        &app,
        &a,
        "/api/pro/sending-address",
        &[("address", " Sam@RoofCo.test ")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = sending(&app, &a).await;
    let own = &page["own"];
    assert_eq!(
        (own["address"].as_str(), own["verified"].as_bool()),
        (Some("sam@roofco.test"), Some(false))
    );
    let dkim_name = own["records"][0]["name"].as_str().expect("name").to_owned();
    let dkim_value = own["records"][0]["value"].as_str().expect("value").to_owned();
    assert!(dkim_name.ends_with("._domainkey.roofco.test"), "{dkim_name}");
    assert!(dkim_value.starts_with("v=DKIM1; k=rsa; p=MII"), "{dkim_value}");
    assert_eq!(own["records"][1]["value"], "v=spf1 include:spf.mail.test ~all");
    assert_eq!((page["sent"].as_i64(), page["limit"].as_i64()), (Some(0), Some(1000)));

    // Checked before it is published, and with the wrong key: each says what is wrong.
    assert_eq!(post(&app, &a, "/api/pro/sending-check", &[]).await.0, StatusCode::OK);
    let own = sending(&app, &a).await["own"].clone();
    assert_eq!(own["verified"], false);
    assert!(
        own["problem"].as_str().is_some_and(|p| p.contains("no TXT record at")),
        "{own}"
    );
    dns.txt(
        &dkim_name,
        "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong",
    );
    post(&app, &a, "/api/pro/sending-check", &[]).await;
    let own = sending(&app, &a).await["own"].clone();
    assert!(
        own["problem"]
            .as_str()
            .is_some_and(|p| p.contains("does not hold this key")),
        "{own}"
    );
    // Published: verified, and from now on her mail goes from it, warming up at 50 a day.
    dns.txt(&dkim_name, &dkim_value);
    post(&app, &a, "/api/pro/sending-check", &[]).await;
    let page = sending(&app, &a).await;
    assert_eq!(
        (page["own"]["verified"].as_bool(), &page["own"]["problem"]),
        (Some(true), &Value::Null)
    );
    assert_eq!(page["limit"], 50);

    // Another account may name the same domain, with its own selector, but cannot send from
    // it while A does, even with its own record published.
    let (status, _) = post(&app, &b, "/api/pro/sending-address", &[("address", "ceo@roofco.test")]).await;
    assert_eq!(status, StatusCode::OK);
    let theirs = sending(&app, &b).await["own"].clone();
    let their_name = theirs["records"][0]["name"].as_str().expect("name").to_owned();
    assert_ne!(their_name, dkim_name);
    dns.txt(&their_name, theirs["records"][0]["value"].as_str().expect("value"));
    let (status, body) = post(&app, &b, "/api/pro/sending-check", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("another account"), "{body}");
    assert_eq!(sending(&app, &b).await["own"]["verified"], false);

    // 52 leads due an email today: 50 go, 2 wait for the allowance.
    let mut db = app.db().await;
    let user = user_id(&mut db, "domain-a@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let lead_ids = leads(&mut db, user, 52, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("email", 0, "Hi {{first_name}}, about your roof.")]).await;
    enroll_due(&mut db, user, seq, &lead_ids).await;
    run_until_idle(&engine(&pool(&app).await, &app)).await;
    let (queued, waiting): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%' AND from_address = 'sam@roofco.test'),
                (SELECT count(*) FROM fm_enrollments WHERE state = 'active' AND next_due_at > now() + interval '50 minutes')",
    )
    .fetch_one(&mut db)
    .await
    .expect("counts");
    assert_eq!((queued, waiting), (50, 2));

    // The mail on the wire: from her address, signed for her domain, and the signature holds
    // for an independent verifier reading her DNS; a changed byte breaks it.
    let to: String = sqlx::query_scalar(
        "SELECT recipient FROM outbox WHERE idempotency_key LIKE 'seq:%' AND from_address IS NOT NULL LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("recipient");
    let mail = app.mail.message_to(&to, 1).await;
    let raw = String::from_utf8_lossy(&mail.raw).into_owned();
    assert!(raw.contains("<sam@roofco.test>"), "{raw}");
    assert!(
        raw.contains("DKIM-Signature:") && raw.contains("d=roofco.test"),
        "{raw}"
    );
    assert_eq!(dkim_results(&dns, &mail.raw).await, [DkimResult::Pass]);
    let tampered = raw.replacen("about your roof", "about your rooF", 1);
    let broken = dkim_results(&dns, tampered.as_bytes()).await;
    assert!(
        matches!(broken.as_slice(), [result] if *result != DkimResult::Pass),
        "{broken:?}"
    );

    // Back to the platform's address: her key is gone, her next mail unsigned for the domain.
    assert_eq!(post(&app, &a, "/api/pro/sending-remove", &[]).await.0, StatusCode::OK);
    assert_eq!(sending(&app, &a).await["own"], Value::Null);
}

/// A Postmark bounce or spam complaint webhook about outbox message `id`.
async fn postmark_event(app: &TestApp, record_type: &str, id: i64, inactive: bool, auth: &str) -> StatusCode {
    let event = serde_json::json!({
        "RecordType": record_type, "MessageStream": "outbound", "ID": 4_323_372_036_854_775_807_i64 - id,
        "Type": if record_type == "Bounce" { "HardBounce" } else { "SpamComplaint" }, "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Metadata": { "outbox": id.to_string() },
        "Email": "someone@example.com", "From": "sender@example.com", "BouncedAt": "2026-12-07T16:33:54Z",
        "Inactive": inactive, "CanActivate": true, "Subject": "Hello",
    });
    reqwest::Client::new()
        .post(app.url("/webhooks/email/postmark-events"))
        .basic_auth(
            auth.split(':').next().unwrap_or_default(),
            auth.split_once(':').map(|(_, p)| p),
        )
        .json(&event)
        .send()
        .await
        .expect("webhook")
        .status()
}

#[tokio::test]
async fn complaints_opt_out_bounces_stop_and_too_many_pause_her_email() {
    const AUTH: &str = "postmark:inbound_development_only_never_use_in_production";
    let app = spawn_app_with(&[]).await;
    let a = contractor(&app, "complained@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "complained@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let lead_ids = leads(&mut db, user, 5, &zone).await;
    let (seq, _) = sequence(
        &mut db,
        user,
        &[("email", 0, "Hi {{first_name}}"), ("email", 600, "Later")],
    )
    .await;
    enroll_due(&mut db, user, seq, &lead_ids[..4]).await;
    run_until_idle(&engine(&pool(&app).await, &app)).await;
    let sent: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, recipient FROM outbox WHERE idempotency_key LIKE 'seq:%' ORDER BY id")
            .fetch_all(&mut db)
            .await
            .expect("sent");
    assert_eq!(sent.len(), 4);
    // The message carries its outbox id for Postmark to hand back.
    let mail = app.mail.message_to(&sent[0].1, 1).await;
    assert!(String::from_utf8_lossy(&mail.raw).contains(&format!("X-PM-Metadata-outbox: {}", sent[0].0)));
    for _ in 0..50 {
        let done: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%' AND status = 'sent'")
                .fetch_one(&mut db)
                .await
                .expect("count");
        if done == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Only Postmark, with its credentials, is heard; an event about mail not ours changes nothing.
    assert_eq!(
        postmark_event(&app, "SpamComplaint", sent[0].0, true, "postmark:wrong").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        postmark_event(&app, "SpamComplaint", 999_999, true, AUTH).await,
        StatusCode::OK
    );
    let bad = reqwest::Client::new()
        .post(app.url("/webhooks/email/postmark-events"))
        .basic_auth("postmark", Some("inbound_development_only_never_use_in_production"))
        .body("not json")
        .send()
        .await
        .expect("webhook");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(opt_outs(&mut db).await, 0);

    // A complaint opts that address out with her, once however often Postmark says it.
    for _ in 0..2 {
        assert_eq!(
            postmark_event(&app, "SpamComplaint", sent[0].0, true, AUTH).await,
            StatusCode::OK
        );
    }
    assert_eq!(opt_outs(&mut db).await, 1);
    let complaints: i64 = sqlx::query_scalar("SELECT count(*) FROM fm_inbound WHERE kind = 'complaint'")
        .fetch_one(&mut db)
        .await
        .expect("complaints");
    assert_eq!(complaints, 1);
    assert_eq!(
        sending(&app, &a).await["paused"],
        Value::Null,
        "one complaint is not a pattern"
    );

    // A soft bounce is nothing; a hard one stops that enrollment.
    assert_eq!(
        postmark_event(&app, "Bounce", sent[3].0, false, AUTH).await,
        StatusCode::OK
    );
    assert_eq!(
        postmark_event(&app, "Bounce", sent[3].0, true, AUTH).await,
        StatusCode::OK
    );
    let stopped: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT state, stop_reason FROM fm_enrollments WHERE lead_id = $1")
            .bind(lead_ids[3])
            .fetch_all(&mut db)
            .await
            .expect("enrollment");
    assert_eq!(stopped, [("stopped".to_owned(), Some("bounced".to_owned()))]);
    let bounces: i64 = sqlx::query_scalar("SELECT count(*) FROM fm_inbound WHERE kind = 'bounce'")
        .fetch_one(&mut db)
        .await
        .expect("bounces");
    assert_eq!(bounces, 1);

    // Three complaints from four emails: her email is paused, she is told once, and her next
    // email step waits.
    for (id, _) in &sent[1..3] {
        assert_eq!(
            postmark_event(&app, "SpamComplaint", *id, true, AUTH).await,
            StatusCode::OK
        );
    }
    let page = sending(&app, &a).await;
    assert!(
        page["paused"].as_str().is_some_and(|why| why.contains("spam")),
        "{page}"
    );
    let told: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'email-paused:%'")
        .fetch_one(&mut db)
        .await
        .expect("told");
    assert_eq!(told, 1);
    enroll_due(&mut db, user, seq, &lead_ids[4..]).await;
    run_until_idle(&engine(&pool(&app).await, &app)).await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'seq:%'")
        .fetch_one(&mut db)
        .await
        .expect("queued");
    assert_eq!(queued, 4, "nothing more goes while paused");

    // An operator resumes it.
    assert!(
        app::fishmouth::sequences::ssr::resume_email(&pool(&app).await, "complained@example.com")
            .await
            .expect("resume")
    );
    assert_eq!(sending(&app, &a).await["paused"], Value::Null);
}

async fn opt_outs(db: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM fm_opt_outs WHERE channel = 'email'")
        .fetch_one(db)
        .await
        .expect("count")
}

#[tokio::test]
async fn links_in_sequence_email_are_counted_through_our_own_redirect() {
    let app = spawn_app_with(&[]).await;
    let a = contractor(&app, "linker@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "linker@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let lead_ids = leads(&mut db, user, 2, &zone).await;
    let (seq, _) = sequence(
        &mut db,
        user,
        &[(
            "email",
            0,
            "Our free hail check: https://roofco.example/hail. Reply to book.",
        )],
    )
    .await;
    enroll_due(&mut db, user, seq, &lead_ids).await;
    run_until_idle(&engine(&pool(&app).await, &app)).await;
    let (html, text): (String, String) = sqlx::query_as(
        "SELECT body_html, body_text FROM outbox WHERE idempotency_key LIKE 'seq:%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("email");
    // The HTML links through us and says so; the plain text keeps her address as written.
    let start = html.find("/c/").expect("a tracked link");
    let token: String = html[start + 3..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(token.len(), 32);
    assert!(html.contains(">https://roofco.example/hail</a>") && html.contains("Links in this email"));
    assert!(text.contains("https://roofco.example/hail.") && !text.contains("/c/"));

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for _ in 0..2 {
        let opened = browser
            .get(app.url(&format!("/c/{token}")))
            .send()
            .await
            .expect("click");
        assert!(opened.status().is_redirection());
        assert_eq!(
            opened.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("https://roofco.example/hail")
        );
    }
    let unknown = browser
        .get(app.url("/c/0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .expect("click");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let clicks: i64 = sqlx::query_scalar("SELECT sum(clicks) FROM fm_links")
        .fetch_one(&mut db)
        .await
        .expect("clicks");
    assert_eq!(clicks, 2);
    // Her report counts the homeowners who opened a link of the step: one, however often.
    let page = sequence_json(&app, &a, &seq).await;
    assert_eq!(page["report"]["steps"][0]["clicked"], 1, "{page}");
}

/// The `n`th sequence email (from 0) as the mail server received it, decoded.
async fn sequence_email(app: &TestApp, db: &mut sqlx::PgConnection, n: i64) -> String {
    let to: String = sqlx::query_scalar(
        "SELECT recipient FROM outbox WHERE idempotency_key LIKE 'seq:%' ORDER BY id OFFSET $1 LIMIT 1",
    )
    .bind(n)
    .fetch_one(&mut *db)
    .await
    .expect("a sequence email");
    app.mail.message_to(&to, 1).await.data
}

#[tokio::test]
async fn opens_are_counted_only_once_she_turns_it_on_and_the_email_says_so() {
    let app = spawn_app_with(&[]).await;
    let a = contractor(&app, "opens@example.com").await;
    let mut db = app.db().await;
    let user = user_id(&mut db, "opens@example.com").await;
    with_company(&mut db, user).await;
    let zone = daytime_zone(&mut db).await;
    let lead_ids = leads(&mut db, user, 3, &zone).await;
    let (seq, _) = sequence(&mut db, user, &[("email", 0, "Hi {{first_name}}")]).await;
    let engine = engine(&pool(&app).await, &app);
    // Off at first: no image, nothing said.
    assert_eq!(sending(&app, &a).await["track_opens"], false);
    enroll_due(&mut db, user, seq, &lead_ids[..1]).await;
    run_until_idle(&engine).await;
    let mail = sequence_email(&app, &mut db, 0).await;
    assert!(!mail.contains("<img") && !mail.contains("when it is opened"), "{mail}");

    // A bad value names its field and changes nothing; nobody else can turn hers on.
    let (status, body) = post(&app, &a, "/api/pro/track-opens", &[("on", "maybe")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"on\""), "{body}");
    let stranger = crate::helpers::new_client();
    let (status, _) = post(&app, &stranger, "/api/pro/track-opens", &[("on", "yes")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(sending(&app, &a).await["track_opens"], false);

    // On: the next email carries the pixel and says so; each load of it is counted.
    assert_eq!(
        post(&app, &a, "/api/pro/track-opens", &[("on", "yes")]).await.0,
        StatusCode::OK
    );
    assert_eq!(sending(&app, &a).await["track_opens"], true);
    enroll_due(&mut db, user, seq, &lead_ids[1..2]).await;
    run_until_idle(&engine).await;
    let mail = sequence_email(&app, &mut db, 1).await;
    assert!(mail.contains("tells Roofco when it is opened."), "{mail}");
    let start = mail.find("/o/").expect("an open pixel");
    let token: String = mail[start + 3..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(token.len(), 32);
    for _ in 0..2 {
        let image = reqwest::get(app.url(&format!("/o/{token}"))).await.expect("pixel");
        assert_eq!(image.status(), StatusCode::OK);
        assert_eq!(image.headers()["content-type"], "image/gif");
        assert_eq!(image.headers()["cache-control"], "no-store");
        assert_eq!(&image.bytes().await.expect("gif")[..6], b"GIF89a");
    }
    // An unknown token gets the same image and counts nothing.
    let unknown = reqwest::get(app.url("/o/0123456789abcdef0123456789abcdef"))
        .await
        .expect("pixel");
    assert_eq!(unknown.status(), StatusCode::OK);
    let (opens, opened): (i64, i64) =
        sqlx::query_as("SELECT sum(opens)::int8, count(first_opened_at) FROM fm_enrollment_steps")
            .fetch_one(&mut db)
            .await
            .expect("opens");
    assert_eq!((opens, opened), (2, 1));
    let page = sequence_json(&app, &a, &seq).await;
    assert_eq!(page["report"]["steps"][0]["opened"], 1, "{page}");

    // Off again: the next email has no image.
    assert_eq!(
        post(&app, &a, "/api/pro/track-opens", &[("on", "no")]).await.0,
        StatusCode::OK
    );
    enroll_due(&mut db, user, seq, &lead_ids[2..]).await;
    run_until_idle(&engine).await;
    let mail = sequence_email(&app, &mut db, 2).await;
    assert!(!mail.contains("<img"), "{mail}");
}
