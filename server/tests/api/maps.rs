//! The live map's data (`/api/pro/map-points`): what is in view, grouped into clusters by
//! zoom, counted exactly; each contractor sees only the homes she may scan and her own leads
//! and scans; a bad view is refused naming its field.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::{
    fishmouth::{contractor, finished_scan},
    helpers::{TestApp, spawn_app_with},
};

async fn points(app: &TestApp, client: &Client, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = client
        .get(app.url("/api/pro/map-points"))
        .query(query)
        .send()
        .await
        .expect("map points");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn groups(answer: &Value) -> &Vec<Value> {
    answer["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups: {answer}"))
}

fn total(answer: &Value) -> i64 {
    groups(answer).iter().map(|g| g["count"].as_i64().expect("count")).sum()
}

fn view<'a>(layer: &'a str, zoom: &'a str, edges: &'a [String; 4]) -> Vec<(&'a str, &'a str)> {
    vec![
        ("layer", layer),
        ("south", &edges[0]),
        ("west", &edges[1]),
        ("north", &edges[2]),
        ("east", &edges[3]),
        ("zoom", zoom),
    ]
}

#[tokio::test]
async fn the_map_clusters_what_is_in_view_and_shows_each_contractor_only_hers() {
    let app = spawn_app_with(&[("SAMPLE_HOMES", "3000")]).await;
    assert_eq!(
        points(&app, &Client::new(), &[("layer", "homes")]).await.0,
        StatusCode::UNAUTHORIZED
    );
    let pro = contractor(&app, "mapper@example.com").await;
    let rival = contractor(&app, "rival@example.com").await;

    // Asked without a view, it says where the homes are, to fit the map.
    let (status, fit) = points(&app, &pro, &[("layer", "homes")]).await;
    assert_eq!(status, StatusCode::OK, "{fit}");
    let extent = &fit["extent"];
    let (south, north) = (
        extent["min_lat"].as_f64().expect("south"),
        extent["max_lat"].as_f64().expect("north"),
    );
    let (west, east) = (
        extent["min_lon"].as_f64().expect("west"),
        extent["max_lon"].as_f64().expect("east"),
    );
    assert!(
        south < 32.78 && 32.78 < north && west < -96.8 && -96.8 < east,
        "Dallas: {fit}"
    );
    let whole = [south - 0.001, west - 0.001, north + 0.001, east + 0.001].map(|x| format!("{x:.5}"));

    // Every home is counted once, whatever the zoom; closer looks split the clusters.
    let (status, far) = points(&app, &pro, &view("homes", "9", &whole)).await;
    assert_eq!(status, StatusCode::OK, "{far}");
    let (status, near) = points(&app, &pro, &view("homes", "11", &whole)).await;
    assert_eq!(status, StatusCode::OK, "{near}");
    assert_eq!(total(&far), 3000);
    assert_eq!(total(&near), 3000);
    assert!(
        groups(&far).len() < 100 && groups(&near).len() > groups(&far).len(),
        "{} groups at zoom 9, {} at 11",
        groups(&far).len(),
        groups(&near).len()
    );
    assert!(groups(&far).iter().any(|g| g["count"].as_i64() > Some(1)), "clustered");

    // Her own list is on her map only.
    let mine: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'mapper@example.com'")
        .fetch_one(&mut app.db().await)
        .await
        .expect("her id");
    sqlx::query(
        "INSERT INTO properties (parcel_id, address, lat, lon, year_built, timezone, source, owner_id)
         VALUES ('MINE-1', '1 Own List Rd, Waco, TX 76701', 31.55, -97.15, 1990, 'America/Chicago', 'import', $1)",
    )
    .bind(mine)
    .execute(&mut app.db().await)
    .await
    .expect("her own home");
    let waco = [
        "31.5".to_owned(),
        "-97.2".to_owned(),
        "31.6".to_owned(),
        "-97.1".to_owned(),
    ];
    assert_eq!(total(&points(&app, &pro, &view("homes", "14", &waco)).await.1), 1);
    assert_eq!(total(&points(&app, &rival, &view("homes", "14", &waco)).await.1), 0);

    // Her leads, coloured by score: a lone lead carries its id and address.
    let scan = finished_scan(&app, &pro, "10").await;
    let top_up = pro
        .post(app.url("/api/pro/dev-top-up"))
        .form(&[("amount", "10000")])
        .send()
        .await
        .expect("top up");
    assert_eq!(top_up.status(), StatusCode::OK);
    let bought = pro
        .post(app.url("/api/pro/buy-leads"))
        .form(&[("scan_id", scan.as_str())])
        .send()
        .await
        .expect("buy");
    assert_eq!(bought.status(), StatusCode::OK);
    let leads: i64 = bought.json().await.expect("count");
    assert!(leads > 10, "{leads} leads");
    let (status, mapped) = points(&app, &pro, &view("leads", "11", &whole)).await;
    assert_eq!(status, StatusCode::OK, "{mapped}");
    assert_eq!(total(&mapped), leads);
    assert!(
        groups(&mapped).iter().all(|g| g["score"].as_i64() >= Some(60)),
        "{mapped}"
    );
    // At street level around one of her leads, it stands alone with its id and address.
    let (lead, address, lat, lon): (uuid::Uuid, String, f64, f64) = sqlx::query_as(
        "SELECT l.id, p.address, p.lat, p.lon FROM leads l JOIN properties p ON p.id = l.property_id
         WHERE l.user_id = $1 ORDER BY l.score DESC LIMIT 1",
    )
    .bind(mine)
    .fetch_one(&mut app.db().await)
    .await
    .expect("her best lead");
    let street = [lat - 0.0005, lon - 0.0005, lat + 0.0005, lon + 0.0005].map(|x| format!("{x:.6}"));
    let (status, close) = points(&app, &pro, &view("leads", "19", &street)).await;
    assert_eq!(status, StatusCode::OK, "{close}");
    let alone = groups(&close)
        .iter()
        .find(|g| g["lead"] == lead.to_string())
        .unwrap_or_else(|| panic!("her lead alone at street level: {close}"));
    assert_eq!(alone["count"], 1);
    assert_eq!(alone["address"], address.as_str());

    // The leads list's filter applies to the map too.
    let mut premium = view("leads", "11", &whole);
    premium.push(("filter[tier]", "premium"));
    let (status, filtered) = points(&app, &pro, &premium).await;
    assert_eq!(status, StatusCode::OK, "{filtered}");
    let premiums: i64 = sqlx::query_scalar("SELECT count(*) FROM leads WHERE score >= 80")
        .fetch_one(&mut app.db().await)
        .await
        .expect("premium leads");
    assert_eq!(total(&filtered), premiums);
    assert!(premiums < leads);

    // The scan's scored homes, on her map only.
    let mut results = view("scan", "11", &whole);
    results.push(("scan", &scan));
    let (_, scored) = points(&app, &pro, &results).await;
    let scored_count: i64 = sqlx::query_scalar("SELECT count(*) FROM scan_results WHERE scan_id = $1::uuid")
        .bind(&scan)
        .fetch_one(&mut app.db().await)
        .await
        .expect("results");
    assert_eq!(total(&scored), scored_count);
    assert_eq!(total(&points(&app, &rival, &results).await.1), 0);
    assert_eq!(total(&points(&app, &rival, &view("leads", "11", &whole)).await.1), 0);
    let (_, rival_fit) = points(&app, &rival, &[("layer", "scan"), ("scan", &scan)]).await;
    assert!(rival_fit["extent"].is_null(), "{rival_fit}");

    // A bad view is refused on its field.
    for (query, field) in [
        (vec![("layer", "everything")], "layer"),
        (view("homes", "25", &whole), "zoom"),
        (
            view(
                "homes",
                "12",
                &[whole[2].clone(), whole[1].clone(), whole[0].clone(), whole[3].clone()],
            ),
            "north",
        ),
        (
            view("homes", "18", &["24".into(), "-125".into(), "49".into(), "-66".into()]),
            "zoom",
        ),
        (view("scan", "11", &whole), "scan"),
        (
            {
                let mut q = view("leads", "11", &whole);
                q.push(("filter[tier]", "gold"));
                q
            },
            "tier",
        ),
    ] {
        let (status, refused) = points(&app, &pro, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query:?}: {refused}");
        assert_eq!(refused["fields"][0]["field"], field, "{refused}");
    }
}
