//! Texts a mother sends from her reminder phone: STOP/ACHA and START/ANZA, and danger words
//! in English and Kiswahili answered at once, each once even when Telnyx retries.

use reqwest::StatusCode;

use crate::helpers::{TestApp, inbound_sms, spawn_app_texting, telnyx_webhook};
use crate::mum::{nairobi_today, onboarded, post};

const PHONE: &str = "+254712345678";

async fn replies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id")
        .bind(PHONE)
        .fetch_all(&mut app.db().await)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn her_texts_stop_and_start_sasamum_and_a_danger_word_is_answered_at_once() {
    let app = spawn_app_texting().await;
    let her = onboarded(&app, "texts@example.com", 70).await;
    let chose = post(
        &app,
        &her,
        "/api/mum/reminders",
        &[
            ("reminder_time", "07:00"),
            ("reminder_channel", "sms"),
            ("reminder_phone", "0712 345 678"),
        ],
    )
    .await;
    assert_eq!(chose.status(), StatusCode::OK);
    let base = app.address.clone();

    // ACHA stops her texts; the same event retried is answered once.
    let stop = inbound_sms(PHONE, "Acha");
    assert_eq!(telnyx_webhook(base.clone(), stop.clone(), true).await, StatusCode::OK);
    assert_eq!(telnyx_webhook(base.clone(), stop, true).await, StatusCode::OK);
    let stopped: bool = sqlx::query_scalar("SELECT sms_stopped_at IS NOT NULL FROM mum_profiles")
        .fetch_one(&mut app.db().await)
        .await
        .expect("profile");
    assert!(stopped);
    assert_eq!(
        replies(&app).await,
        ["SasaMum: you will get no more text messages. Reply START to get them again."]
    );

    // Meanwhile a visit reminder goes by email, not by text.
    let day = (nairobi_today() + time::Duration::days(3)).to_string();
    let booked = post(
        &app,
        &her,
        "/api/mum/save-visit",
        &[("week", "12"), ("date", &day), ("time", "10:30")],
    )
    .await;
    assert_eq!(booked.status(), StatusCode::OK);
    sqlx::query("UPDATE reminders SET due_at = now() - interval '1 second'")
        .execute(&mut app.db().await)
        .await
        .expect("make due");
    assert_eq!(app.reminders.run_once().await.expect("reminders"), 2);
    assert_eq!(replies(&app).await.len(), 1, "no reminder text after STOP");
    assert_eq!(
        app.count("outbox WHERE idempotency_key LIKE 'reminder:%' AND channel = 'email'")
            .await,
        2
    );

    // START resumes; a danger word in Kiswahili gets the urgent answer and is kept as a report.
    assert_eq!(
        telnyx_webhook(base.clone(), inbound_sms(PHONE, "START"), true).await,
        StatusCode::OK
    );
    let danger = inbound_sms(PHONE, "Natokwa na damu nyingi");
    assert_eq!(telnyx_webhook(base.clone(), danger.clone(), true).await, StatusCode::OK);
    assert_eq!(telnyx_webhook(base.clone(), danger, true).await, StatusCode::OK);
    let texts = replies(&app).await;
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(
        texts[1],
        "SasaMum: text messages are on again. Reply STOP to stop them."
    );
    assert!(
        texts[2].starts_with("SasaMum: Bleeding from the vagina. Go to a health facility now")
            && texts[2].contains("Call 999"),
        "{}",
        texts[2]
    );
    let signs: Vec<Vec<String>> = sqlx::query_scalar("SELECT signs FROM danger_reports")
        .fetch_all(&mut app.db().await)
        .await
        .expect("reports");
    assert_eq!(
        signs,
        [["vaginal_bleeding"]],
        "one report, though the webhook came twice"
    );

    // "Thank you" asks for nothing; a number that is no mother's gets nothing.
    assert_eq!(
        telnyx_webhook(base.clone(), inbound_sms(PHONE, "Asante sana"), true).await,
        StatusCode::OK
    );
    assert_eq!(
        telnyx_webhook(base, inbound_sms("+254700000000", "bleeding"), true).await,
        StatusCode::OK
    );
    assert_eq!(replies(&app).await.len(), 3);
    assert_eq!(app.count("outbox WHERE recipient = '+254700000000'").await, 0);
}
