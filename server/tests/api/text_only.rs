//! Feature phones: a health worker registers a mother who has texts only, with her consent
//! given in person and recorded under the health worker's name; from that number alone she
//! gets her weekly texts, stops and restarts them, and a danger word is answered at once.

use app::mum::WeeklyWorker;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, inbound_sms, spawn_app_texting, telnyx_webhook};
use crate::mum::{mother, nairobi_today, post};

const PHONE: &str = "+254722000333";

async fn texts_to_her(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id")
        .bind(PHONE)
        .fetch_all(&mut app.db().await)
        .await
        .expect("outbox")
}

async fn weekly_round(app: &TestApp) {
    sqlx::query(
        "UPDATE mum_profiles SET next_weekly_at = now() - interval '1 second' WHERE next_weekly_at IS NOT NULL",
    )
    .execute(&mut app.db().await)
    .await
    .expect("due");
    let pool = sqlx::PgPool::connect(&app.database_url()).await.expect("pool");
    WeeklyWorker::new(pool).run_once().await.expect("worker");
}

#[tokio::test]
async fn a_health_worker_registers_a_mother_who_then_lives_by_text_alone() {
    let app = spawn_app_texting().await;
    let nurse = mother(&app, "nurse@example.com").await;
    // Due in 20 weeks: she is 20 weeks along today.
    let due = (nairobi_today() + time::Duration::weeks(20)).to_string();
    let form = |consent: &'static str| {
        vec![
            ("name", "Achieng".to_owned()),
            ("reminder_phone", "0722 000 333".to_owned()),
            ("language", "sw".to_owned()),
            ("due_date", due.clone()),
            ("day", "2".to_owned()),
            ("time", "07:30".to_owned()),
            ("facility", "Kibera CHU".to_owned()),
            ("consent", consent.to_owned()),
        ]
    };
    let register = |form: Vec<(&'static str, String)>| {
        let (nurse, app) = (&nurse, &app);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, nurse, "/api/mum/register-mother", &form).await
        }
    };

    // Not a health worker yet: refused, and nothing is made.
    assert_eq!(register(form("yes")).await.status(), StatusCode::FORBIDDEN);
    let ops = crate::admin::operator(&app).await;
    let nurse_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'nurse@example.com'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("nurse");
    let granted = ops
        .post(app.url("/api/admin/health-worker"))
        .form(&[("id", nurse_id.to_string().as_str()), ("on", "true")])
        .send()
        .await
        .expect("grant");
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(
        app.count("audit_log WHERE action = 'admin.health_worker_granted'")
            .await,
        1
    );

    // Bad input names the field, and changes nothing.
    let mut cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![("consent", form(""))];
    for (field, value) in [
        ("name", ""),
        ("reminder_phone", "12"),
        ("language", "fr"),
        ("due_date", "soon"),
        ("due_date", "2020-01-01"),
        ("day", "0"),
        ("time", "7 am"),
    ] {
        let mut bad = form("yes");
        bad.iter_mut()
            .filter(|(k, _)| *k == field)
            .for_each(|(_, v)| *v = value.to_owned());
        cases.push((field, bad));
    }
    for (field, bad) in cases {
        let answer = register(bad).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{field}");
        assert!(answer.text().await.unwrap_or_default().contains(field), "names {field}");
    }
    assert_eq!(app.count("users WHERE email IS NULL").await, 0, "nothing made");

    let done = register(form("yes")).await;
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "{}",
        done.text().await.unwrap_or_default()
    );
    // An account that never signs in, her consents recorded by the nurse, and who registered her.
    assert_eq!(
        app.count(
            "users WHERE email IS NULL AND password_hash IS NULL AND display_name = 'Achieng' AND language = 'sw'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("consents WHERE purpose IN ('health_data', 'weekly_messages') AND recorded_by IS NOT NULL AND withdrawn_at IS NULL")
            .await,
        2
    );
    assert_eq!(
        app.count("assisted_registrations WHERE facility = 'Kibera CHU'").await,
        1
    );
    assert_eq!(app.count("audit_log WHERE action = 'mum.mother_registered'").await, 1);
    assert_eq!(
        app.count("audit_log WHERE action = 'mum.registered_by_health_worker'")
            .await,
        1
    );
    let welcome = texts_to_her(&app).await;
    assert_eq!(welcome.len(), 1);
    assert!(
        welcome[0].starts_with("SasaMum: ") && welcome[0].contains("Jumanne") && welcome[0].contains("ACHA"),
        "{welcome:?}"
    );

    // The same number again: refused, by name.
    let again = register(form("yes")).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap_or_default().contains("reminder_phone"));

    // Her list: the last digits only.
    let list: Value = nurse
        .get(app.url("/api/mum/registered"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["mothers"][0]["phone"], "…333");
    assert_eq!(list["mothers"][0]["week"], 20);

    // Her weekly text, in Kiswahili, to her phone.
    weekly_round(&app).await;
    let texts = texts_to_her(&app).await;
    assert_eq!(texts.len(), 2);
    assert!(texts[1].starts_with("SasaMum, wiki 20: "), "{texts:?}");

    // A danger word from her phone: the urgent answer at once, kept as her danger report.
    let base = app.address.clone();
    assert_eq!(
        telnyx_webhook(base.clone(), inbound_sms(PHONE, "Natoka damu"), true).await,
        StatusCode::OK
    );
    assert_eq!(texts_to_her(&app).await.len(), 3);
    assert_eq!(app.count("danger_reports").await, 1);

    // STOP: nothing goes at all (she has no email), and the week stays unsent for START.
    assert_eq!(
        telnyx_webhook(base.clone(), inbound_sms(PHONE, "ACHA"), true).await,
        StatusCode::OK
    );
    sqlx::query("UPDATE pregnancies SET lmp = lmp - 7, due_date = due_date - 7")
        .execute(&mut app.db().await)
        .await
        .expect("a week on");
    weekly_round(&app).await;
    assert_eq!(texts_to_her(&app).await.len(), 4, "only the answer to STOP");
    assert_eq!(
        app.count("outbox WHERE channel = 'email' AND idempotency_key LIKE 'weekly:%'")
            .await,
        0
    );
    assert_eq!(
        telnyx_webhook(base, inbound_sms(PHONE, "anza"), true).await,
        StatusCode::OK
    );
    weekly_round(&app).await;
    let texts = texts_to_her(&app).await;
    assert_eq!(texts.len(), 6, "the answer to START, then week 21");
    assert!(texts[5].starts_with("SasaMum, wiki 21: "), "{texts:?}");

    // Operators see her as an account with texts only.
    let users: Value = ops
        .get(app.url("/api/admin/users?q=Achieng"))
        .send()
        .await
        .expect("users")
        .json()
        .await
        .expect("json");
    assert_eq!(users[0]["email"], "(text messages only)");
}
