//! Her companion sees exactly what she chose (her week, next visit and danger alerts; her
//! logs and notes only when ticked), nothing once she stops, and every step is audited.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};
use crate::mum::{mother, onboarded, post};

async fn shared(app: &TestApp, companion: &Client) -> Value {
    let response = companion.get(app.url("/api/mum/shared")).send().await.expect("shared");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

async fn invite(app: &TestApp, her: &Client, contact: &str, share_logs: bool) -> reqwest::Response {
    let mut form = vec![("contact", contact), ("relationship", "partner")];
    if share_logs {
        form.push(("share_logs", "yes"));
    }
    post(app, her, "/api/mum/companion-invite", &form).await
}

#[tokio::test]
async fn a_companion_sees_what_she_ticked_and_nothing_once_she_stops() {
    let app = spawn_app().await;
    let her = onboarded(&app, "amina@example.com", 70).await;
    let logged = post(
        &app,
        &her,
        "/api/mum/symptoms",
        &[("symptoms[]", "back_pain"), ("note", "a private worry")],
    )
    .await;
    assert_eq!(logged.status(), StatusCode::OK);
    post(&app, &her, "/api/mum/danger", &[("sign", "convulsions")]).await;

    let partner = mother(&app, "baraka@example.com").await;
    assert_eq!(
        invite(&app, &her, "Baraka@Example.com", false).await.status(),
        StatusCode::OK
    );
    let invitation = app.mail.message_to("baraka@example.com", 2).await;
    assert!(
        invitation.data.contains("invites you to follow her pregnancy"),
        "{}",
        invitation.data
    );
    let token = invitation.token_for("/mum/companion/accept");

    // Before accepting, nothing is shared; the invitation names her.
    assert_eq!(shared(&app, &partner).await, Value::Array(vec![]));
    let inviter = partner
        .get(app.url(&format!("/api/mum/companion-invitation?token={token}")))
        .send()
        .await
        .expect("invitation");
    assert_eq!(inviter.json::<Value>().await.expect("json"), "Amina");
    let accepted = post(&app, &partner, "/api/mum/companion-accept", &[("token", &token)]).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(accepted.headers()["location"], "/mum/shared");
    // The link is spent: nobody else can use it.
    let stranger = mother(&app, "stranger@example.com").await;
    let reused = post(&app, &stranger, "/api/mum/companion-accept", &[("token", &token)]).await;
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(shared(&app, &stranger).await, Value::Array(vec![]));

    // Her week, due date, next visit and the danger sign; not her logs or notes.
    let view = shared(&app, &partner).await;
    let amina = &view[0];
    assert_eq!(amina["name"], "Amina");
    assert_eq!(amina["week"], "Week 10, day 0");
    assert!(amina["next_visit"].is_string() && amina["due_date"].is_string());
    assert_eq!(amina["alerts"][0]["signs"][0], "Convulsions or fits");
    assert_eq!(amina["logs"], Value::Null);
    assert!(!view.to_string().contains("private worry"));

    // She ticks her logs: now they show, note included.
    let ticked = post(&app, &her, "/api/mum/companion-sharing", &[("share_logs", "yes")]).await;
    assert_eq!(ticked.status(), StatusCode::OK);
    let view = shared(&app, &partner).await;
    assert_eq!(view[0]["logs"][0]["signs"][0], "Back pain");
    assert_eq!(view[0]["logs"][0]["note"], "a private worry");

    // A new danger sign reaches him by email at once.
    post(&app, &her, "/api/mum/danger", &[("sign", "vaginal_bleeding")]).await;
    let alert = app.mail.message_to("baraka@example.com", 3).await;
    assert!(alert.data.contains("Amina reported a danger sign"), "{}", alert.data);
    assert!(alert.data.contains("Bleeding from the vagina"), "{}", alert.data);

    // She stops sharing: he sees nothing, at once.
    assert_eq!(
        post(&app, &her, "/api/mum/companion-remove", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(shared(&app, &partner).await, Value::Array(vec![]));
    assert_eq!(app.count("companions").await, 0);

    // Every step is in her audit log, with each look he took.
    let mut db = app.db().await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT a.action FROM audit_log a JOIN users u ON u.id = a.actor_id
         WHERE u.email = 'amina@example.com' AND (a.action LIKE 'mum.companion%' OR a.detail->>'by' = 'companion')
         ORDER BY a.id",
    )
    .fetch_all(&mut db)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            "mum.companion_invited",
            "mum.companion_accepted",
            "health.read",
            "mum.companion_sharing",
            "health.read",
            "mum.companion_removed"
        ]
    );
}

#[tokio::test]
async fn invitations_check_every_field_expire_and_are_limited() {
    let app = spawn_app().await;
    let her = onboarded(&app, "zawadi@example.com", 70).await;
    for (contact, relationship, field) in [
        ("", "partner", "contact"),
        ("not-an-email@", "partner", "contact"),
        ("0712", "partner", "contact"),
        ("dad@example.com", "boss", "relationship"),
    ] {
        let refused = post(
            &app,
            &her,
            "/api/mum/companion-invite",
            &[("contact", contact), ("relationship", relationship)],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{contact} {relationship}");
        assert!(refused.text().await.expect("body").contains(field));
    }
    assert_eq!(app.count("companions").await, 0);

    // Her own invitation cannot make her her own companion.
    assert_eq!(
        invite(&app, &her, "zawadi@example.com", false).await.status(),
        StatusCode::OK
    );
    let token = app
        .mail
        .message_to("zawadi@example.com", 2)
        .await
        .token_for("/mum/companion/accept");
    let own = post(&app, &her, "/api/mum/companion-accept", &[("token", &token)]).await;
    assert_eq!(own.status(), StatusCode::BAD_REQUEST);

    // After 7 days the link is dead.
    let mama = mother(&app, "mama@example.com").await;
    assert_eq!(
        invite(&app, &her, "mama@example.com", true).await.status(),
        StatusCode::OK
    );
    let token = app
        .mail
        .message_to("mama@example.com", 2)
        .await
        .token_for("/mum/companion/accept");
    sqlx::query("UPDATE companions SET invite_expires_at = now() - interval '1 second'")
        .execute(&mut app.db().await)
        .await
        .expect("expire");
    let expired = post(&app, &mama, "/api/mum/companion-accept", &[("token", &token)]).await;
    assert_eq!(expired.status(), StatusCode::BAD_REQUEST);
    assert_eq!(shared(&app, &mama).await, Value::Array(vec![]));

    // By text message too, with the link.
    assert_eq!(
        invite(&app, &her, "+254712345678", false).await.status(),
        StatusCode::OK
    );
    let text: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = '+254712345678'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("text");
    assert!(text.contains("/mum/companion/accept?token="), "{text}");

    // Five invitations an hour, then a pause: no one is spammed through her account.
    for to in ["friend4@example.com", "friend5@example.com"] {
        assert_eq!(invite(&app, &her, to, false).await.status(), StatusCode::OK);
    }
    let limited = invite(&app, &her, "friend6@example.com", false).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.mail.count_to("friend6@example.com"), 0);
}

#[tokio::test]
async fn withdrawing_her_consent_stops_the_sharing() {
    let app = spawn_app().await;
    let her = onboarded(&app, "neema@example.com", 100).await;
    let friend = mother(&app, "friend@example.com").await;
    assert_eq!(
        invite(&app, &her, "friend@example.com", true).await.status(),
        StatusCode::OK
    );
    let token = app
        .mail
        .message_to("friend@example.com", 2)
        .await
        .token_for("/mum/companion/accept");
    let accepted = post(&app, &friend, "/api/mum/companion-accept", &[("token", &token)]).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(shared(&app, &friend).await.as_array().map(Vec::len), Some(1));

    let consent: i64 = sqlx::query_scalar("SELECT id FROM consents")
        .fetch_one(&mut app.db().await)
        .await
        .expect("consent");
    let withdrawn = post(&app, &her, "/api/privacy/withdraw", &[("id", &consent.to_string())]).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(shared(&app, &friend).await, Value::Array(vec![]));
}
