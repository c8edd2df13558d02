use std::future::pending;

use app::mum::reminders::ReminderWorker;
use base64::Engine as _;
use ed25519_dalek::Signer;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use server::{Application, config::Settings};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::mail::MailServer;

const LEPTOS_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");
pub const PASSWORD: &str = "a long and happy password";

/// What a production server needs besides its database and mail: secrets that are in no source.
pub const PRODUCTION: [(&str, &str); 3] = [
    ("APP_ENV", "production"),
    ("JWT_SECRET", "a production secret of at least thirty-two characters"),
    ("HEALTH_DATA_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8s="),
];

pub struct TestApp {
    pub address: String,
    /// A client that keeps cookies, like a browser.
    pub client: Client,
    pub mail: MailServer,
    /// The app's reminder worker, to run one step at a time.
    pub reminders: ReminderWorker,
    pub db_name: String,
    /// `http://host:port` of the metrics listener, when the test set `METRICS_ADDR`.
    pub metrics_address: Option<String>,
    /// `http://host:port` of the plain-HTTP redirect listener, when the test set `HTTP_REDIRECT_ADDR`.
    pub redirect_address: Option<String>,
    admin_url: String,
}

/// The server of this test: its own port, its own freshly migrated database,
/// and email delivered over SMTP to a real SMTP server on loopback.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let (admin_url, db_name, database_url) = fresh_database().await;
    let mail = MailServer::start();
    let smtp_url = format!("smtp://127.0.0.1:{}", mail.port);
    // What the test gives wins; otherwise its own database, the SMTP peer, no generated sample
    // (each test has its own database), and development unless the test runs production.
    let mut settings = Settings::from_lookup(|name| {
        extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| match name {
                "DATABASE_URL" => Some(database_url.clone()),
                "LEPTOS_CONFIG" => Some(LEPTOS_TOML.into()),
                "SMTP_URL" => Some(smtp_url.clone()),
                "SAMPLE_HOMES" => Some("0".to_owned()),
                "APP_ENV" => Some("development".to_owned()),
                // Every test client is 127.0.0.1; the budget's own test sets it low.
                "CLIENT_REQUESTS_PER_MINUTE" => Some("10000000".to_owned()),
                _ => None,
            })
    })
    .expect("test settings are valid");
    settings.leptos.site_addr = "127.0.0.1:0".parse().expect("address");
    if let Some((_, root)) = extra.iter().find(|(k, _)| *k == "LEPTOS_SITE_ROOT") {
        settings.leptos.site_root = (*root).into();
    }
    // No build output in tests: link the unhashed bundle names.
    settings.leptos.hash_files = false;

    let app = Application::build(settings).await.expect("build the app");
    let address = format!("http://{}", app.local_addr());
    let reminders = app.products().reminders();
    let metrics_address = app.metrics_addr().map(|a| format!("http://{a}"));
    let redirect_address = app.redirect_addr().map(|a| format!("http://{a}"));
    tokio::spawn(app.run_until_stopped(pending()));

    TestApp {
        address,
        client: new_client(),
        mail,
        reminders,
        db_name,
        metrics_address,
        redirect_address,
        admin_url,
    }
}

/// A new, empty database of this test's own: (admin URL, its name, its URL).
pub async fn fresh_database() -> (String, String, String) {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL must point at a PostgreSQL server (scripts/test.sh starts one)");
    let db_name = format!("test_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test server");
    admin
        .execute(format!(r#"CREATE DATABASE "{db_name}""#).as_str())
        .await
        .expect("create test database");
    let database_url = with_database(&admin_url, &db_name);
    (admin_url, db_name, database_url)
}

/// A hung request fails its test after 30 s instead of stalling the whole run.
pub fn new_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// The same server URL with another database name.
fn with_database(url: &str, db_name: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a database URL ends with /name");
    format!("{server}/{db_name}")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.post_with(&self.client, path, form).await
    }

    pub async fn post_with(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client.post(self.url(path)).form(form).send().await.expect("request")
    }

    pub async fn register(&self, email: &str) -> Response {
        self.register_for(email, "sasamum").await
    }

    /// Signs up for `product` ("sasamum" or "fishmouth").
    pub async fn register_for(&self, email: &str, product: &str) -> Response {
        self.post(
            "/api/auth/register",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("display_name", "Amina"),
                ("product", product),
                ("language", "en"),
                ("timezone", "Africa/Nairobi"),
            ],
        )
        .await
    }

    /// Registers, follows the emailed link, and returns with the account verified.
    pub async fn verified_user(&self, email: &str) {
        self.verified_user_for(email, "sasamum").await;
    }

    pub async fn verified_user_for(&self, email: &str, product: &str) {
        assert_eq!(self.register_for(email, product).await.status(), 200);
        let token = self.mail.message_to(email, 1).await.token_for("/verify");
        assert_eq!(
            self.post("/api/auth/verify-email", &[("token", &token)]).await.status(),
            200
        );
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post_with(client, "/api/auth/login", &[("email", email), ("password", password)])
            .await
    }

    /// Drops this app's database under it, as if the database server went away.
    pub async fn drop_database(&self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.expect("connect");
        admin
            .execute(format!(r#"DROP DATABASE "{}" WITH (FORCE)"#, self.db_name).as_str())
            .await
            .expect("drop test database");
    }

    /// `SELECT count(*) FROM <from>`, e.g. `app.count("users").await`.
    pub async fn count(&self, from: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {from}"))
            .fetch_one(&mut self.db().await)
            .await
            .expect("count")
    }

    pub fn database_url(&self) -> String {
        with_database(&self.admin_url, &self.db_name)
    }

    pub async fn db(&self) -> PgConnection {
        PgConnection::connect(&with_database(&self.admin_url, &self.db_name))
            .await
            .expect("connect to the app database")
    }
}

/// The Telnyx key pair of these tests: the app gets the public half.
pub use crate::fake_voice::telnyx_key;

pub fn telnyx_public() -> String {
    base64::engine::general_purpose::STANDARD.encode(telnyx_key().verifying_key().to_bytes())
}

/// An app that texts through Telnyx and takes its signed webhooks. Nothing listens at its API
/// address: the texts stay in the outbox, where the test reads them.
pub async fn spawn_app_texting() -> TestApp {
    let public = telnyx_public();
    spawn_app_with(&[
        ("TELNYX_API_KEY", "KEY_test"),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_API_BASE", "http://127.0.0.1:9"),
        ("TELNYX_PUBLIC_KEY", public.as_str()),
    ])
    .await
}

/// Sends a Telnyx-style webhook to the app at `base`; `signed: false` sends it without a signature.
pub async fn telnyx_webhook(base: String, event: Value, signed: bool) -> StatusCode {
    let body = serde_json::to_vec(&event).expect("json");
    let mut request = reqwest::Client::new()
        .post(format!("{base}/webhooks/telnyx"))
        .header("content-type", "application/json");
    if signed {
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        let mut message = timestamp.as_bytes().to_vec();
        message.push(b'|');
        message.extend_from_slice(&body);
        let signature = base64::engine::general_purpose::STANDARD.encode(telnyx_key().sign(&message).to_bytes());
        request = request
            .header("telnyx-signature-ed25519", signature)
            .header("telnyx-timestamp", timestamp);
    }
    request.body(body).send().await.expect("webhook").status()
}

pub fn inbound_sms(from: &str, text: &str) -> Value {
    serde_json::json!({ "data": {
        "id": Uuid::new_v4().to_string(),
        "event_type": "message.received",
        "payload": { "id": Uuid::new_v4().to_string(), "from": { "phone_number": from }, "to": [{ "phone_number": "+12145550100" }], "text": text }
    }})
}
