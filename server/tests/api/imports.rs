//! Imports from the browser: a CSV uploaded, its columns matched, every refused row named
//! with its line before anything is written, then imported by the worker. A contractor's own
//! list is hers alone and its leads are free; shared data and NOAA storms are an operator's.

use std::time::Duration;

use reqwest::{Client, StatusCode, header};
use serde_json::Value;

use crate::{
    admin::{make_operator, pass_second_factor},
    fishmouth::contractor,
    helpers::{TestApp, spawn_app_with},
};

const BOUNDARY: &str = "----sasa-import-test";

/// A multipart body as a browser's form sends it: the `kind` field, then the file.
fn form_body(kind: &str, file_name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, client: &Client, kind: &str, name: &str, file: &[u8], json: bool) -> reqwest::Response {
    let mut request = client
        .post(app.url("/pro/imports/upload"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form_body(kind, name, file));
    if json {
        request = request.header(header::ACCEPT, "application/json");
    }
    request.send().await.expect("upload")
}

async fn uploaded(app: &TestApp, client: &Client, kind: &str, name: &str, file: &[u8]) -> String {
    let response = upload(app, client, kind, name, file, true).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("json");
    body["id"].as_str().expect("an id").to_owned()
}

async fn view(app: &TestApp, client: &Client, id: &str) -> (StatusCode, Value) {
    let response = client
        .get(app.url("/api/pro/import"))
        .query(&[("id", id)])
        .send()
        .await
        .expect("import");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(path)).form(form).send().await.expect("request")
}

/// Waits for the worker to finish the import and returns its view.
async fn imported(app: &TestApp, client: &Client, id: &str) -> Value {
    for _ in 0..100 {
        let (_, import) = view(app, client, id).await;
        match import["summary"]["status"].as_str() {
            Some("done") => return import,
            Some("failed") => panic!("import failed: {import}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the import did not finish");
}

/// A county's own column names (quoted addresses hold commas), two bad rows among five.
const LIST: &str = "PIN,Site Address,Latitude,Longitude,Yr Built,Phone\n\
    CUST-1,\"101 Cedar Ln, Dallas, TX 75204\",32.8001,-96.8001,1988,(214) 555-0142\n\
    CUST-2,\"103 Cedar Ln, Dallas, TX 75204\",32.8002,-96.8002,1991,\n\
    CUST-3,\"105 Cedar Ln, Dallas, TX 75204\",north,-96.8003,1991,\n\
    CUST-4,,32.8004,-96.8004,1975,\n\
    CUST-5,\"107 Cedar Ln, Dallas, TX 75204\",32.8005,-96.8005,2001,\n";

#[tokio::test]
async fn a_contractor_checks_and_imports_her_own_list_which_only_she_sees() {
    let app = spawn_app_with(&[]).await;
    let pro = contractor(&app, "lister@example.com").await;
    let list = LIST;
    let id = uploaded(&app, &pro, "mine", "../../customers.csv", list.as_bytes()).await;
    let (status, draft) = view(&app, &pro, &id).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(
        draft["summary"]["file_name"], "customers.csv",
        "no folders in a stored name"
    );
    assert_eq!(draft["summary"]["status"], Value::Null, "a draft until she imports it");
    // Columns guessed from the county's names; the first rows as we read them.
    let column_of = |field: &str| {
        draft["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["column"].clone())
    };
    assert_eq!(column_of("parcel_id"), Some(Value::from(0)));
    assert_eq!(column_of("lat"), Some(Value::from(2)));
    assert_eq!(column_of("phone"), Some(Value::from(5)));
    assert_eq!(draft["preview"][0][1], "101 Cedar Ln, Dallas, TX 75204", "{draft}");
    // Every refused row, by line and reason, before anything is written.
    assert_eq!(draft["good"], 3);
    assert_eq!(draft["refused_count"], 2);
    assert_eq!(draft["refused"][0][0], 4);
    assert!(
        draft["refused"][0][1].as_str().unwrap_or("").contains("lat \"north\""),
        "{draft}"
    );
    assert_eq!(draft["refused"][1][0], 5);
    assert!(
        draft["refused"][1][1]
            .as_str()
            .unwrap_or("")
            .contains("address is missing")
    );
    assert_eq!(app.count("properties").await, 0);

    // Unmapping a required field: named, and the import refused until it is back.
    let unmap = post(
        &app,
        &pro,
        "/api/pro/map-import",
        &[("id", &id), ("columns[lat]", ""), ("columns[lon]", "3")],
    )
    .await;
    assert_eq!(unmap.status(), StatusCode::OK);
    let refused = post(&app, &pro, "/api/pro/commit-import", &[("id", &id)]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["fields"][0]["field"], "columns");
    assert!(
        body["fields"][0]["message"].as_str().unwrap_or("").contains("lat"),
        "{body}"
    );
    let bad = post(
        &app,
        &pro,
        "/api/pro/map-import",
        &[("id", &id), ("columns[lat]", "99")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.expect("json")["fields"][0]["field"], "lat");
    let twice = post(
        &app,
        &pro,
        "/api/pro/map-import",
        &[("id", &id), ("columns[lat]", "3"), ("columns[lon]", "3")],
    )
    .await;
    assert_eq!(twice.status(), StatusCode::BAD_REQUEST, "one column feeds one field");
    let fixed = post(
        &app,
        &pro,
        "/api/pro/map-import",
        &[
            ("id", &id),
            ("columns[parcel_id]", "0"),
            ("columns[address]", "1"),
            ("columns[lat]", "2"),
            ("columns[lon]", "3"),
        ],
    )
    .await;
    assert_eq!(fixed.status(), StatusCode::OK);

    // Another contractor cannot see or import her file.
    let other = contractor(&app, "other-roofer@example.com").await;
    assert_eq!(view(&app, &other, &id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        post(&app, &other, "/api/pro/commit-import", &[("id", &id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        post(&app, &pro, "/api/pro/commit-import", &[("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let done = imported(&app, &pro, &id).await;
    assert_eq!(
        (
            done["summary"]["processed"].as_i64(),
            done["summary"]["refused"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(
        post(&app, &pro, "/api/pro/commit-import", &[("id", &id)])
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "imported once"
    );
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM properties p JOIN users u ON u.id = p.owner_id WHERE u.email = 'lister@example.com'",
    )
    .fetch_one(&mut app.db().await)
    .await
    .expect("count");
    assert_eq!(owned, 3);
    // Her list is hers: her data export holds it (rows whose owner_id names her).
    let export: Value = pro
        .get(app.url("/account/export.json"))
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("json");
    assert_eq!(
        export["properties"].as_array().map(Vec::len),
        Some(3),
        "{}",
        export["properties"]
    );

    // Her list's addresses are found by her place search only.
    let find = |client: &Client| {
        let request = client
            .get(app.url("/api/pro/find-place"))
            .query(&[("place", "101 Cedar Ln, Dallas")]);
        async move { request.send().await.expect("find").status() }
    };
    assert_eq!(find(&pro).await, StatusCode::OK);
    assert_eq!(
        find(&other).await,
        StatusCode::BAD_REQUEST,
        "not in the other contractor's data"
    );
    let (_, map) = {
        let response = other.get(app.url("/api/pro/map")).send().await.expect("map");
        (response.status(), response.json::<Value>().await.expect("json"))
    };
    assert_eq!(
        map["bbox"],
        Value::Null,
        "her homes are not on another contractor's map"
    );

    // The same file again updates her homes, never doubles them.
    let again = uploaded(&app, &pro, "mine", "customers.csv", list.as_bytes()).await;
    assert_eq!(
        post(&app, &pro, "/api/pro/commit-import", &[("id", &again)])
            .await
            .status(),
        StatusCode::OK
    );
    imported(&app, &pro, &again).await;
    assert_eq!(app.count("properties").await, 3);

    // Her scan finds her homes, free; the other contractor's scan of the same spot finds none.
    let scan = |client: &Client| {
        let form = [("lat", "32.8003"), ("lon", "-96.8003"), ("radius_miles", "1")];
        let request = client.post(app.url("/api/pro/start-scan")).form(&form);
        async move {
            request
                .send()
                .await
                .expect("scan")
                .json::<String>()
                .await
                .expect("scan id")
        }
    };
    let (mine, theirs) = (scan(&pro).await, scan(&other).await);
    for _ in 0..100 {
        let done: i64 =
            sqlx::query_scalar("SELECT count(*) FROM scans WHERE status = 'done' AND id IN ($1::uuid, $2::uuid)")
                .bind(&mine)
                .bind(&theirs)
                .fetch_one(&mut app.db().await)
                .await
                .expect("scans");
        if done == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let totals: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT s.total, coalesce(sum(r.price_cents), 0)::bigint FROM scans s LEFT JOIN scan_results r ON r.scan_id = s.id
         WHERE s.id IN ($1::uuid, $2::uuid) GROUP BY s.id, s.created_at ORDER BY s.id = $1::uuid DESC",
    )
    .bind(&mine)
    .bind(&theirs)
    .fetch_all(&mut app.db().await)
    .await
    .expect("totals");
    assert_eq!(totals, [(3, 0), (0, 0)], "hers: three homes at no cost; theirs: none");
}

#[tokio::test]
async fn uploads_that_cannot_be_read_are_named_and_store_nothing() {
    let app = spawn_app_with(&[]).await;
    let pro = contractor(&app, "uploader@example.com").await;
    for (kind, file, field, says) in [
        ("storms", LIST.as_bytes().to_vec(), "kind", "only operators"),
        ("shared", LIST.as_bytes().to_vec(), "kind", "only operators"),
        ("mine", Vec::new(), "file", "choose a CSV file"),
        ("mine", vec![0xff, 0xfe, 0x00, 0x41], "file", "not a CSV text file"),
        ("mine", vec![b'a'; 950 * 1024], "file", "over 900 KB"),
    ] {
        let response = upload(&app, &pro, kind, "list.csv", &file, true).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{kind} {says}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["fields"][0]["field"], field);
        assert!(
            body["fields"][0]["message"].as_str().unwrap_or("").contains(says),
            "{body}"
        );
    }
    assert_eq!(app.count("fm_imports").await, 0);

    // A browser's form post (no JSON asked for) goes back to the form with the reason, or on to
    // the new draft.
    let no_redirects = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    app.login(&no_redirects, "uploader@example.com", crate::helpers::PASSWORD)
        .await;
    let refused = upload(&app, &no_redirects, "storms", "list.csv", LIST.as_bytes(), false).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(refused.headers()[header::LOCATION], "/pro/imports?error=kind");
    let taken = upload(&app, &no_redirects, "mine", "list.csv", LIST.as_bytes(), false).await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
    let location = taken.headers()[header::LOCATION].to_str().expect("location").to_owned();
    assert!(location.starts_with("/pro/imports/"), "{location}");

    // Signed out: no upload at all.
    let stranger = reqwest::Client::new();
    let response = upload(&app, &stranger, "mine", "list.csv", LIST.as_bytes(), true).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("fm_imports").await, 1);
}

#[tokio::test]
async fn an_operator_imports_noaa_storms_once_however_often_the_file_comes() {
    let app = spawn_app_with(&[]).await;
    let ops = contractor(&app, "fm-ops@example.com").await;
    make_operator(&app, "fm-ops@example.com").await;
    pass_second_factor(&app, &ops).await;
    let noaa = include_bytes!("../../../tests/data/noaa/StormEvents_details-ftp_v1.0_d2017_c20170616.excerpt.csv");
    let id = uploaded(
        &app,
        &ops,
        "storms",
        "StormEvents_details-ftp_v1.0_d2017_c20170616.csv",
        noaa,
    )
    .await;
    let (_, draft) = view(&app, &ops, &id).await;
    assert_eq!(
        (draft["good"].as_i64(), draft["refused_count"].as_i64()),
        (Some(24), Some(0)),
        "{draft}"
    );
    assert_eq!(
        post(&app, &ops, "/api/pro/commit-import", &[("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    imported(&app, &ops, &id).await;
    // Three Frisco reports share a day, a spot and a size: one storm row each way it is read.
    let storms = app.count("storm_events").await;
    assert_eq!(storms, 22, "24 hail rows, two of them repeats of a Frisco report");
    // A second import of the same file adds nothing.
    let again = uploaded(&app, &ops, "storms", "again.csv", noaa).await;
    assert_eq!(
        post(&app, &ops, "/api/pro/commit-import", &[("id", &again)])
            .await
            .status(),
        StatusCode::OK
    );
    imported(&app, &ops, &again).await;
    assert_eq!(app.count("storm_events").await, storms);
}
