use std::future::pending;

use server::{Application, config::Settings};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

const LEPTOS_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_name: String,
    admin_url: String,
}

/// The server of this test: its own port, its own freshly migrated database.
pub async fn spawn_app() -> TestApp {
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
    let mut settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "LEPTOS_CONFIG" => Some(LEPTOS_TOML.into()),
        _ => None,
    })
    .expect("test settings are valid");
    settings.leptos.site_addr = "127.0.0.1:0".parse().expect("address");
    // No build output in tests: link the unhashed bundle names.
    settings.leptos.hash_files = false;

    let app = Application::build(settings).await.expect("build the app");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(pending()));

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        address,
        client,
        db_name,
        admin_url,
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, db_name: &str) -> String {
    let (server, _) = url
        .rsplit_once('/')
        .expect("a database URL ends with /name");
    format!("{server}/{db_name}")
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Drops this app's database under it, as if the database server went away.
    pub async fn drop_database(&self) {
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .expect("connect");
        admin
            .execute(format!(r#"DROP DATABASE "{}" WITH (FORCE)"#, self.db_name).as_str())
            .await
            .expect("drop test database");
    }

    pub async fn db(&self) -> PgConnection {
        PgConnection::connect(&with_database(&self.admin_url, &self.db_name))
            .await
            .expect("connect to the app database")
    }
}
