//! The call simulator (`/api/pro/simulate-call`): the built-in assistant's conversation
//! replayed from the homeowner's answers, its disclosure first, its outcome named, and bad
//! answers refused on their field.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::{
    fishmouth::contractor,
    helpers::{TestApp, spawn_app},
};

async fn simulate(app: &TestApp, client: &Client, answers: &[&str]) -> (StatusCode, Value) {
    let query: Vec<(String, &str)> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("said[{i}]"), *a))
        .collect();
    let response = client
        .get(app.url("/api/pro/simulate-call"))
        .query(&query)
        .send()
        .await
        .expect("simulate");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn said(sim: &Value, i: usize) -> &str {
    sim["exchanges"][i]["say"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_simulator_discloses_books_opts_out_and_refuses_bad_answers() {
    let app = spawn_app().await;
    assert_eq!(simulate(&app, &Client::new(), &[]).await.0, StatusCode::UNAUTHORIZED);
    let pro = contractor(&app, "caller@example.com").await;
    sqlx::query(
        "INSERT INTO fm_profiles (user_id, company_name)
         SELECT id, 'Lone Star Roofing' FROM users WHERE email = 'caller@example.com'
         ON CONFLICT (user_id) DO UPDATE SET company_name = EXCLUDED.company_name",
    )
    .execute(&mut app.db().await)
    .await
    .expect("company");

    // The opening: an automated assistant, for her company, recorded, and how to stop it.
    let (status, opening) = simulate(&app, &pro, &[]).await;
    assert_eq!(status, StatusCode::OK, "{opening}");
    let first = said(&opening, 0);
    assert!(
        first.contains("automated assistant calling for Lone Star Roofing"),
        "{first}"
    );
    assert!(first.contains("Say stop or press 9"), "{first}");
    assert_eq!(opening["ended"], false);

    // Yes, then the second slot: booked, and the call is over.
    let (_, booked) = simulate(&app, &pro, &["Yes, go ahead", "The second one"]).await;
    assert_eq!(booked["exchanges"].as_array().map(Vec::len), Some(3), "{booked}");
    assert_eq!(booked["exchanges"][2]["heard"], "The second one");
    assert_eq!(booked["ended"], true);
    let outcome = booked["outcome"].as_str().unwrap_or_default();
    assert!(outcome.starts_with("Inspection booked for "), "{outcome}");
    assert!(
        said(&booked, 1).contains(&outcome["Inspection booked for ".len()..]),
        "the second slot offered"
    );

    // The opt-out key ends it at once.
    let (_, stopped) = simulate(&app, &pro, &["9"]).await;
    assert_eq!(stopped["ended"], true);
    assert!(
        stopped["outcome"].as_str().unwrap_or_default().starts_with("Opted out"),
        "{stopped}"
    );

    // Bad answers are refused on their field.
    let long = "x".repeat(301);
    let many = vec!["hmm"; 21];
    for answers in [vec![long.as_str()], many, vec!["  "]] {
        let (status, refused) = simulate(&app, &pro, &answers).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["fields"][0]["field"], "said", "{refused}");
    }
}
