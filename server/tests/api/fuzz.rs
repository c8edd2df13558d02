//! Every server function and every webhook, fed generated input: random strings, huge ones,
//! empty ones, wrong types, control characters, SQL and HTML metacharacters, broken encodings.
//! Whoever sends it (a visitor, a mother, a contractor), nothing answers 5xx and nothing panics.

use reqwest::{Client, StatusCode};

use crate::helpers::{PASSWORD, new_client, spawn_app_with};

/// A small deterministic generator (xorshift64*): a failure names its seed and repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Names forms use across the app, so values reach the validation behind them.
const FIELDS: &[&str] = &[
    "id",
    "email",
    "password",
    "new_password",
    "current_password",
    "display_name",
    "product",
    "language",
    "timezone",
    "token",
    "next",
    "refresh_token",
    "agree",
    "method",
    "date",
    "scan_date",
    "scan_weeks",
    "scan_days",
    "reminder_channel",
    "reminder_phone",
    "emergency_phone",
    "pin",
    "outcome",
    "sign",
    "symptoms[]",
    "note",
    "weight_kg",
    "movement",
    "count",
    "week",
    "title",
    "time",
    "place",
    "status",
    "amount",
    "shape",
    "lat",
    "lon",
    "radius_miles",
    "polygon",
    "scan_id",
    "min_score",
    "tier",
    "stage",
    "body",
    "reason",
    "name",
    "steps",
    "kind",
    "delay",
    "subject",
    "window",
    "company_name",
    "phone",
    "confirm",
    "step",
    "q",
    "slug",
    "message",
    "purpose",
    "page",
    "user",
    "query",
    "rows[0][body]",
    "lead_id",
    "sequence_id",
    "file",
];

const NASTY: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "9999999999999999999999",
    "2026-02-30",
    "24:61",
    "-0",
    "null",
    "true",
    "[]",
    "{}",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "</textarea><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "%00",
    "\u{0000}",
    "\u{0007}\u{001b}[31m",
    "\r\n\r\nX: y",
    "../../etc/passwd",
    "😀👩‍👧",
    "\u{202e}evil",
    "ـ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "{{first_name}}",
    "{}",
    "%s%s%n",
    "\\",
    "00000000-0000-0000-0000-000000000000",
    "a@b",
    "x@example.com",
    "+254712345678",
    "32.7767",
    "-96.797",
    "181",
    "sms",
    "email",
    "circle",
    "polygon",
];

fn value(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => rng.pick(NASTY).to_owned(),
        1 => (0..rng.below(40))
            .map(|_| char::from_u32(u32::try_from(rng.below(0x2FF)).unwrap_or(65)).unwrap_or('?'))
            .collect(),
        2 => "x".repeat(rng.below(300_000)),
        3 => rng.next().to_string(),
        4 => format!("{}{}", rng.pick(NASTY), rng.pick(NASTY)),
        _ => uuid::Uuid::from_u128(u128::from(rng.next())).to_string(),
    }
}

fn form(rng: &mut Rng) -> Vec<(String, String)> {
    (0..rng.below(6))
        .map(|_| (rng.pick(FIELDS).to_owned(), value(rng)))
        .collect()
}

/// One request of the given shape; answers its status (a dropped connection is a failure too).
async fn send(client: &Client, base: &str, path: &str, get: bool, rng: &mut Rng) -> Result<StatusCode, String> {
    let url = format!("{base}{path}");
    let request = if get {
        // A URL stays within what browsers send (huge values go in bodies).
        let mut query = form(rng);
        for (_, value) in &mut query {
            value.truncate(value.char_indices().nth(2_000).map_or(value.len(), |(i, _)| i));
        }
        client.get(&url).query(&query)
    } else {
        match rng.below(5) {
            0 => client
                .post(&url)
                .header("content-type", "application/json")
                .body(value(rng)),
            1 => client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("%zz=%%&a"),
            2 => client.post(&url).body(value(rng)),
            _ => client.post(&url).form(&form(rng)),
        }
    };
    request.send().await.map(|r| r.status()).map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_generated_inputs_never_get_a_5xx() {
    let app = spawn_app_with(&[("SIGNUPS_PER_IP_HOUR", "100000")]).await;
    let visitor = new_client();
    let mother = crate::mum::onboarded(&app, "fuzz-mum@example.com", 120).await;
    let pro = crate::fishmouth::contractor(&app, "fuzz-pro@example.com").await;
    let mut paths: Vec<(String, bool)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method == axum::http::Method::GET))
        .collect();
    paths.sort();
    assert!(paths.len() > 40, "every server function is registered: {}", paths.len());
    // The webhooks and the routes only the server has, too.
    for path in ["/webhooks/stripe", "/webhooks/telnyx", "/webhooks/email"] {
        paths.push((path.to_owned(), false));
    }
    for path in [
        "/pro/leads.csv",
        "/account/export.json",
        "/account/export/users.csv",
        "/language/xx",
    ] {
        paths.push((path.to_owned(), true));
    }
    let mut rng = Rng(0x5A5A_2026_1205_0001);
    let mut sent = 0usize;
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    let rounds = 10_000usize.div_ceil(paths.len());
    for (path, get) in &paths {
        // Signing out would end the signed-in clients' sessions: only visitors try those.
        let signs_out = [
            "logout",
            "sign-out-everywhere",
            "revoke-session",
            "delete-account",
            "lock",
        ]
        .iter()
        .any(|p| path.ends_with(p));
        for round in 0..rounds {
            let client = match (round % 3, signs_out) {
                (0, _) | (_, true) => &visitor,
                (1, false) => &mother,
                _ => &pro,
            };
            sent += 1;
            match send(client, &app.address, path, *get, &mut rng).await {
                Ok(status) => {
                    *seen.entry(status.as_u16()).or_insert(0usize) += 1;
                    if status.is_server_error() {
                        failures.push(format!("{status} {path} (round {round})"));
                    }
                }
                Err(error) => failures.push(format!(
                    "{path} (round {round}): {}",
                    error.chars().take(200).collect::<String>()
                )),
            }
        }
    }
    eprintln!("statuses: {seen:?}");
    assert!(sent >= 10_000, "{sent}");
    assert!(
        failures.is_empty(),
        "{} of {sent} inputs got a 5xx:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // And the app still works for the people in it.
    assert_eq!(
        app.login(&new_client(), "fuzz-mum@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}
