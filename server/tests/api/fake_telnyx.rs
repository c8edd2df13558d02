//! A Telnyx on loopback: the messaging API and the number API (search, order, order status),
//! keeping what it was sent for the test to read. It checks the bearer key, sells a number
//! only if its search offered it and nobody bought it, and answers as Telnyx's docs show.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use serde_json::{Value, json};
use tokio::sync::Mutex;

pub const KEY: &str = "KEY_test";

#[derive(Default)]
pub struct Seen {
    /// Each `POST /v2/messages` body.
    pub messages: Vec<Value>,
    /// Each search's query string.
    pub searches: Vec<HashMap<String, String>>,
    /// Each `POST /v2/number_orders` body.
    pub orders: Vec<Value>,
    offered: HashSet<String>,
    sold: HashSet<String>,
    next: u32,
}

#[derive(Clone)]
pub struct FakeTelnyx {
    pub base: String,
    pub seen: Arc<Mutex<Seen>>,
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {KEY}"))
}

fn refused(status: StatusCode, detail: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "errors": [{ "code": "10015", "title": "Bad request", "detail": detail }] })),
    )
}

impl FakeTelnyx {
    pub async fn start() -> Self {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let app = Router::new()
            .route("/v2/messages", post(message))
            .route("/v2/available_phone_numbers", get(search))
            .route("/v2/number_orders", post(order))
            .route("/v2/number_orders/{id}", get(order_status))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, seen }
    }

    /// The texts sent so far, once at least `n` have arrived (waits up to 10 s).
    pub async fn messages(&self, n: usize) -> Vec<Value> {
        for _ in 0..100 {
            let messages = self.seen.lock().await.messages.clone();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.seen.lock().await.messages.clone()
    }
}

async fn message(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let mut seen = seen.lock().await;
    seen.messages.push(body.clone());
    let id = format!("msg_{}", seen.messages.len());
    (
        StatusCode::OK,
        Json(
            json!({ "data": { "record_type": "message", "id": id, "to": [{ "phone_number": body["to"], "status": "queued" }] } }),
        ),
    )
}

async fn search(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let mut seen = seen.lock().await;
    seen.searches.push(query.clone());
    let Some(area) = query.get("filter[national_destination_code]").cloned() else {
        return refused(
            StatusCode::BAD_REQUEST,
            "filter[country_code] and a location are required",
        );
    };
    let mut data = Vec::new();
    for _ in 0..5 {
        seen.next += 1;
        let number = format!("+1{area}555{:04}", 2000 + seen.next);
        seen.offered.insert(number.clone());
        data.push(json!({
            "record_type": "available_phone_number",
            "phone_number": number,
            "best_effort": false,
            "cost_information": { "upfront_cost": "1.00000", "monthly_cost": "1.00000", "currency": "USD" },
            "features": [{ "name": "sms" }, { "name": "voice" }],
            "region_information": [
                { "region_type": "country_code", "region_name": "US" },
                { "region_type": "state", "region_name": "TX" },
                { "region_type": "rate_center", "region_name": "AUSTIN" },
            ],
        }));
    }
    (
        StatusCode::OK,
        Json(json!({ "data": data, "meta": { "total_results": 5, "best_effort_results": 0 } })),
    )
}

/// An order is `pending` at first, as Telnyx's often are; asking after it finds it done.
async fn order(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let mut seen = seen.lock().await;
    seen.orders.push(body.clone());
    let number = body["phone_numbers"][0]["phone_number"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !seen.offered.contains(&number) || !seen.sold.insert(number.clone()) {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, "The phone number is not available");
    }
    let id = format!("order-{}", seen.orders.len());
    (
        StatusCode::OK,
        Json(json!({ "data": {
        "id": id, "record_type": "number_order", "status": "pending", "phone_numbers_count": 1,
        "messaging_profile_id": body["messaging_profile_id"], "customer_reference": body["customer_reference"],
        "phone_numbers": [{ "id": "n1", "record_type": "number_order_phone_number", "phone_number": number, "status": "pending" }],
    } })),
    )
}

async fn order_status(Path(id): Path<String>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    (
        StatusCode::OK,
        Json(json!({ "data": { "id": id, "record_type": "number_order", "status": "success" } })),
    )
}
