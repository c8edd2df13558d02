//! HTTPS served by the app itself: the handshake, HSTS, `__Host-` cookies, and the HTTP redirect.

use std::{net::SocketAddr, path::PathBuf};

use reqwest::{Certificate, Client, StatusCode, header};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with};

struct HttpsApp {
    app: TestApp,
    /// A client that trusts only this test's self-signed certificate.
    client: Client,
    addr: SocketAddr,
}

impl HttpsApp {
    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }
}

/// A fresh self-signed pair on disk, as `scripts/run.sh --https` makes with openssl.
fn write_certificate() -> (PathBuf, PathBuf, Certificate) {
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let dir = std::env::temp_dir().join(format!("sasa-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, pair.cert.pem()).expect("write cert");
    std::fs::write(&key, pair.key_pair.serialize_pem()).expect("write key");
    let trusted = Certificate::from_pem(pair.cert.pem().as_bytes()).expect("parse cert");
    (cert, key, trusted)
}

async fn spawn_https_app() -> HttpsApp {
    let (cert, key, trusted) = write_certificate();
    let app = spawn_app_with(&[
        ("TLS_CERT_FILE", cert.to_str().expect("utf-8 path")),
        ("TLS_KEY_FILE", key.to_str().expect("utf-8 path")),
        ("HTTP_REDIRECT_ADDR", "127.0.0.1:0"),
        ("APP_PUBLIC_URL", "https://localhost"),
    ])
    .await;
    let addr: SocketAddr = app.address.trim_start_matches("http://").parse().expect("address");
    let client = Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(trusted)
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    HttpsApp { app, client, addr }
}

#[tokio::test]
async fn https_pages_carry_hsts_and_host_prefixed_secure_cookies() {
    let https = spawn_https_app().await;

    let page = https.client.get(https.url("/")).send().await.expect("https request");
    assert_eq!(page.status(), StatusCode::OK);
    let hsts = page
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .expect("HSTS over HTTPS");
    assert!(hsts.to_str().expect("ascii").contains("max-age=31536000"));

    let language = https
        .client
        .get(https.url("/language/sw?next=/"))
        .send()
        .await
        .expect("https request");
    assert!(language.status().is_redirection());
    let cookie = language
        .headers()
        .get(header::SET_COOKIE)
        .expect("language cookie")
        .to_str()
        .expect("ascii");
    assert!(cookie.starts_with("__Host-sasa_lang=sw;"), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn plain_http_is_redirected_to_the_same_path_on_https() {
    let https = spawn_https_app().await;
    let redirect = https.app.redirect_address.clone().expect("redirect listener");
    let plain = crate::helpers::new_client();

    let read = plain
        .get(format!("{redirect}/mum/log?week=12"))
        .send()
        .await
        .expect("http request");
    assert_eq!(read.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(read.headers()[header::LOCATION], "https://localhost/mum/log?week=12");
    assert!(
        read.headers().get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "HSTS is never sent over plain HTTP"
    );

    // A form post keeps its method through the redirect.
    let post = plain
        .post(format!("{redirect}/login"))
        .form(&[("email", "a@b.c")])
        .send()
        .await
        .expect("http request");
    assert_eq!(post.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(post.headers()[header::LOCATION], "https://localhost/login");
}

#[tokio::test]
async fn the_tls_port_serves_no_plain_http_and_a_stalled_handshake_blocks_no_one() {
    let https = spawn_https_app().await;

    let plain = crate::helpers::new_client()
        .get(format!("http://{}/healthz", https.addr))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP must not be answered on the TLS port");

    // A client that connects and says nothing holds a handshake open; others still get in.
    let _stalled = TcpStream::connect(https.addr).await.expect("connect");
    let response = https
        .client
        .get(https.url("/healthz"))
        .send()
        .await
        .expect("https request");
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn tls_settings_are_checked_at_start_up_naming_the_variable() {
    let (cert, key, _) = write_certificate();
    let (_, other_key, _) = write_certificate();
    let cert = cert.to_str().expect("utf-8 path").to_owned();
    let other_key = other_key.to_str().expect("utf-8 path").to_owned();
    let key = key.to_str().expect("utf-8 path").to_owned();
    let problems = |vars: Vec<(&'static str, String)>| {
        let errors = server::config::Settings::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| (name == "DATABASE_URL").then(|| "postgres://localhost/x".to_owned()))
        })
        .err()
        .unwrap_or_default();
        errors.iter().map(ToString::to_string).collect::<Vec<_>>()
    };

    let missing_key = problems(vec![("TLS_CERT_FILE", cert.clone())]);
    assert!(
        missing_key.iter().any(|e| e.starts_with("TLS_KEY_FILE: missing")),
        "{missing_key:?}"
    );

    let mismatched = problems(vec![
        ("TLS_CERT_FILE", cert.clone()),
        ("TLS_KEY_FILE", other_key.clone()),
        ("APP_PUBLIC_URL", "https://localhost".into()),
    ]);
    assert!(
        mismatched.iter().any(|e| e.starts_with("TLS_KEY_FILE: private key")),
        "{mismatched:?}"
    );

    let unreadable = problems(vec![
        ("TLS_CERT_FILE", "/nonexistent/cert.pem".into()),
        ("TLS_KEY_FILE", other_key.clone()),
    ]);
    assert!(
        unreadable.iter().any(|e| e.starts_with("TLS_CERT_FILE: cannot read")),
        "{unreadable:?}"
    );

    let plain_public_url = problems(vec![
        ("TLS_CERT_FILE", cert),
        ("TLS_KEY_FILE", key),
        ("APP_PUBLIC_URL", "http://localhost".into()),
    ]);
    assert!(
        plain_public_url
            .iter()
            .any(|e| e.starts_with("APP_PUBLIC_URL: must start with https://")),
        "{plain_public_url:?}"
    );

    let redirect_alone = problems(vec![("HTTP_REDIRECT_ADDR", "127.0.0.1:0".into())]);
    assert!(
        redirect_alone
            .iter()
            .any(|e| e.starts_with("HTTP_REDIRECT_ADDR: needs TLS_CERT_FILE")),
        "{redirect_alone:?}"
    );
}
