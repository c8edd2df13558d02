//! Finding a place to scan: the Census Bureau geocoder adapter against a fake Census on
//! loopback (a match, none, several, a slow answer, a garbled one), and the scan form's place
//! search end to end: ZIP codes, cities and addresses from the stored homes first, the
//! geocoder for the rest, and every refusal named on the `place` field.

use std::{collections::HashMap, sync::Arc, time::Duration};

use app::fishmouth::places::ssr::{CensusGeocoder, Geocoder};
use axum::{Json, Router, extract::Query, http::StatusCode as AxumStatus, routing::get};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::{fishmouth::contractor, helpers::spawn_app_with};

/// A Census geocoder on loopback, answering as its `locations/onelineaddress` JSON does.
struct FakeCensus {
    base: String,
    queries: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

fn census_match(address: &str, lon: f64, lat: f64) -> Value {
    json!({
        "tigerLine": { "side": "L", "tigerLineId": "76225813" },
        "coordinates": { "x": lon, "y": lat },
        "addressComponents": { "zip": "20500", "city": "WASHINGTON", "state": "DC" },
        "matchedAddress": address,
    })
}

async fn fake_census() -> FakeCensus {
    let queries: Arc<Mutex<Vec<HashMap<String, String>>>> = Arc::default();
    let seen = queries.clone();
    let answer = move |Query(query): Query<HashMap<String, String>>| {
        let seen = seen.clone();
        async move {
            let address = query.get("address").cloned().unwrap_or_default().to_lowercase();
            seen.lock().await.push(query);
            let matches = if address.contains("pennsylvania") {
                vec![census_match(
                    "1600 PENNSYLVANIA AVE NW, WASHINGTON, DC, 20500",
                    -77.03518,
                    38.89869,
                )]
            } else if address.contains("main st") {
                vec![
                    census_match("100 MAIN ST, SPRINGFIELD, IL, 62701", -89.65, 39.80),
                    census_match("100 MAIN ST, SPRINGFIELD, MA, 01103", -72.59, 42.10),
                ]
            } else if address.contains("slow") {
                tokio::time::sleep(Duration::from_secs(3)).await;
                Vec::new()
            } else if address.contains("garbled") {
                return (AxumStatus::OK, Json(json!({ "result": "not what you asked for" })));
            } else if address.contains("broken") {
                return (AxumStatus::INTERNAL_SERVER_ERROR, Json(json!({ "errors": ["busy"] })));
            } else {
                Vec::new()
            };
            (
                AxumStatus::OK,
                Json(
                    json!({ "result": { "input": { "address": { "address": address } }, "addressMatches": matches } }),
                ),
            )
        }
    };
    let router = Router::new().route("/geocoder/locations/onelineaddress", get(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    FakeCensus { base, queries }
}

#[tokio::test]
async fn the_census_geocoder_reads_matches_and_gives_up_on_a_slow_or_garbled_answer() {
    let census = fake_census().await;
    let geocoder = CensusGeocoder {
        http: reqwest::Client::new(),
        base: census.base.clone(),
        timeout: Duration::from_millis(500),
    };
    let found = geocoder
        .locate("1600 Pennsylvania Ave NW, Washington, DC")
        .await
        .expect("an answer");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].label, "1600 PENNSYLVANIA AVE NW, WASHINGTON, DC, 20500");
    assert_eq!(
        (found[0].point.lat, found[0].point.lon),
        (38.89869, -77.03518),
        "y is the latitude"
    );
    let asked = census.queries.lock().await[0].clone();
    assert_eq!(asked["address"], "1600 Pennsylvania Ave NW, Washington, DC");
    assert_eq!(
        (asked["benchmark"].as_str(), asked["format"].as_str()),
        ("Public_AR_Current", "json")
    );

    assert!(
        geocoder
            .locate("12 Nowhere Rd, Atlantis")
            .await
            .expect("an answer")
            .is_empty()
    );
    assert_eq!(
        geocoder
            .locate("100 Main St, Springfield")
            .await
            .expect("an answer")
            .len(),
        2
    );

    let started = std::time::Instant::now();
    assert!(
        geocoder.locate("1 Slow Ln, Dallas").await.is_err(),
        "a slow answer is no answer"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "it gave up at its timeout");
    assert!(geocoder.locate("1 Garbled Way, Dallas").await.is_err());
    assert!(geocoder.locate("1 Broken Way, Dallas").await.is_err());
}

#[tokio::test]
async fn a_scan_starts_from_a_zip_a_city_or_an_address() {
    let census = fake_census().await;
    let app = spawn_app_with(&[
        ("SAMPLE_HOMES", "3000"),
        ("GEOCODER", "census"),
        ("CENSUS_GEOCODER_URL", &census.base),
    ])
    .await;
    let find = |client: &reqwest::Client, words: &str| {
        let request = client.get(app.url("/api/pro/find-place")).query(&[("place", words)]);
        async move {
            let response = request.send().await.expect("find a place");
            let status = response.status();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let stranger = reqwest::Client::new();
    assert_eq!(find(&stranger, "75204").await.0, StatusCode::UNAUTHORIZED);
    let pro = contractor(&app, "finder@example.com").await;

    // A ZIP code and a city: the middle of their stored homes, without asking the Census.
    let (status, zip) = find(&pro, "75204").await;
    assert_eq!(status, StatusCode::OK, "{zip}");
    assert_eq!(zip["places"][0]["label"], "ZIP 75204");
    assert_eq!(zip["source"], "your property data");
    let lat = zip["places"][0]["point"]["lat"].as_f64().expect("lat");
    assert!((32.6..33.0).contains(&lat), "75204 is in Dallas: {zip}");
    let (status, city) = find(&pro, "within 3 miles of Fort Worth, TX").await;
    assert_eq!(status, StatusCode::OK, "{city}");
    assert_eq!(city["radius_miles"], 3.0);
    let lon = city["places"][0]["point"]["lon"].as_f64().expect("lon");
    assert!((-97.5..-97.2).contains(&lon), "Fort Worth is west of Dallas: {city}");

    // A stored address, typed without its state and ZIP: that home.
    let home: (String, f64) =
        sqlx::query_as("SELECT address, lat FROM properties WHERE address NOT LIKE '%Unit%' ORDER BY id LIMIT 1")
            .fetch_one(&mut app.db().await)
            .await
            .expect("a stored home");
    let typed = home.0.rsplit_once(',').expect("street, city, state").0.to_owned();
    let (status, found) = find(&pro, &typed).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["places"][0]["label"], home.0.as_str());
    assert_eq!(found["places"][0]["point"]["lat"], home.1);
    assert!(
        census.queries.lock().await.is_empty(),
        "the stored homes answered all of these"
    );

    // An address they do not hold goes to the Census.
    let (status, white_house) = find(&pro, "1600 Pennsylvania Ave NW, Washington, DC").await;
    assert_eq!(status, StatusCode::OK, "{white_house}");
    assert_eq!(white_house["source"], "the US Census Bureau geocoder");

    // What finds nothing is named on the field, and changes nothing.
    for (words, says) in [
        ("ZIP 99999", "ZIP code 99999"),
        ("Atlantis", "\"Atlantis\""),
        ("12 Nowhere Rd, Atlantis", "No address found"),
        ("within 90 miles of Dallas", "0.1 to 25 miles"),
        (&"x".repeat(300), "at most 240"),
        ("1 Broken Way, Dallas", "not answering"),
    ] {
        let (status, refused) = find(&pro, words).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{words}: {refused}");
        assert_eq!(refused["fields"][0]["field"], "place", "{refused}");
        let message = refused["fields"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{words}: {message}");
    }

    // The scan form: the place wins over the latitude and longitude; its radius words too.
    let start = |place: &str| {
        let form = [
            ("shape", "circle"),
            ("place", place),
            ("lat", "40.0"),
            ("lon", "-75.0"),
            ("radius_miles", "2"),
        ];
        let request = pro.post(app.url("/api/pro/start-scan")).form(&form);
        async move { request.send().await.expect("start a scan") }
    };
    let started = start("homes within 1.5 miles of zip 75204").await;
    assert_eq!(started.status(), StatusCode::OK);
    let id: String = started.json().await.expect("scan id");
    let (label, area): (String, Value) = sqlx::query_as("SELECT label, area FROM scans WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&mut app.db().await)
        .await
        .expect("the scan");
    assert_eq!(label, "1.5 mi around ZIP 75204");
    assert_eq!(
        area["circle"]["center"]["lat"], zip["places"][0]["point"]["lat"],
        "{area}"
    );
    assert_eq!(area["circle"]["radius_miles"], 1.5, "{area}");

    let scans_before = app.count("scans").await;
    let ambiguous = start("100 Main St, Springfield").await;
    assert_eq!(ambiguous.status(), StatusCode::BAD_REQUEST);
    let body: Value = ambiguous.json().await.expect("json");
    assert_eq!(body["fields"][0]["field"], "place");
    let message = body["fields"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("More than one place")
            && message.contains("SPRINGFIELD, IL")
            && message.contains("SPRINGFIELD, MA"),
        "{message}"
    );
    assert_eq!(app.count("scans").await, scans_before, "a refused scan is not queued");
}
