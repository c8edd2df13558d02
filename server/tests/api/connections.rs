//! The server's own defences against slow and greedy clients: header-read and idle timeouts,
//! a cap on open connections, a per-address request budget shared by instances, and pages
//! whose client left stopping quietly.

use std::{sync::Arc, time::Duration};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
    time::{Instant, sleep, timeout},
};

use crate::helpers::{TestApp, spawn_app_with};

fn socket_addr(app: &TestApp) -> std::net::SocketAddr {
    app.address.trim_start_matches("http://").parse().expect("address")
}

/// Sends a request's headers one byte every 200 ms, as a slowloris client does, and returns
/// how long the server kept the connection before closing it (None: still open after 8 s).
async fn trickle<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> Option<Duration> {
    let started = Instant::now();
    for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if stream.write_all(&[*byte]).await.is_err() || stream.flush().await.is_err() {
            return Some(started.elapsed());
        }
        // A closed connection reads as end-of-file (or a reset) at once.
        let mut buf = [0u8; 64];
        if let Ok(read) = timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            return match read {
                Ok(0) | Err(_) => Some(started.elapsed()),
                Ok(_) => panic!("an unfinished request was answered"),
            };
        }
        if started.elapsed() > Duration::from_secs(8) {
            return None;
        }
    }
    None
}

#[tokio::test]
async fn a_client_sending_headers_slowly_is_cut_off() {
    let app = spawn_app_with(&[("HTTP_HEADER_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(socket_addr(&app)).await.expect("connect");
    let held = trickle(&mut stream).await.expect("the server must close a slow client");
    assert!(
        held >= Duration::from_millis(900) && held < Duration::from_secs(3),
        "closed after {held:?}"
    );
    // Everyone else is still served.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_slow_client_is_cut_off_over_tls_too() {
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let dir = std::env::temp_dir().join(format!("sasa-slow-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, pair.cert.pem()).expect("write cert");
    std::fs::write(&key, pair.key_pair.serialize_pem()).expect("write key");
    let app = spawn_app_with(&[
        ("TLS_CERT_FILE", cert.to_str().expect("utf-8")),
        ("TLS_KEY_FILE", key.to_str().expect("utf-8")),
        ("APP_PUBLIC_URL", "https://localhost"),
        ("HTTP_HEADER_TIMEOUT_SECS", "1"),
    ])
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pair.cert.der().clone()).expect("trust the test certificate");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(socket_addr(&app)).await.expect("connect");
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect("localhost".try_into().expect("name"), tcp)
        .await
        .expect("handshake");
    let held = trickle(&mut tls)
        .await
        .expect("the server must close a slow TLS client");
    assert!(held < Duration::from_secs(3), "closed after {held:?}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = spawn_app_with(&[("HTTP_HEADER_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(socket_addr(&app)).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("send");
    let mut buf = vec![0u8; 4096];
    let read = stream.read(&mut buf).await.expect("answer");
    assert!(String::from_utf8_lossy(&buf[..read]).starts_with("HTTP/1.1 200"));
    // Kept alive, then idle: closed after the timeout, not held forever.
    let started = Instant::now();
    let end = timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("the idle connection must be closed");
    assert!(matches!(end, Ok(0) | Err(_)), "{end:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn open_connections_are_capped_and_the_next_one_waits_its_turn() {
    let app = spawn_app_with(&[("HTTP_MAX_CONNECTIONS", "2"), ("HTTP_HEADER_TIMEOUT_SECS", "30")]).await;
    let addr = socket_addr(&app);
    let first = TcpStream::connect(addr).await.expect("connect");
    let _second = TcpStream::connect(addr).await.expect("connect");
    sleep(Duration::from_millis(200)).await;
    // The kernel accepts the third, but the server does not serve it while two are open.
    let mut third = TcpStream::connect(addr).await.expect("connect");
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut buf = vec![0u8; 4096];
    assert!(
        timeout(Duration::from_millis(700), third.read(&mut buf)).await.is_err(),
        "a connection over the cap was served"
    );
    drop(first);
    let read = timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .expect("served once a place is free")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..read]).starts_with("HTTP/1.1 200"));
}

/// Waits until at least `needed` seconds remain in this minute, so a test's requests all
/// fall in one budget window.
async fn start_of_a_window(needed: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    if 60 - now % 60 < needed {
        sleep(Duration::from_secs(60 - now % 60 + 1)).await;
    }
}

#[tokio::test]
async fn one_address_gets_a_budget_of_pages_and_calls_shared_by_every_instance() {
    let a = spawn_app_with(&[("CLIENT_REQUESTS_PER_MINUTE", "40")]).await;
    let database_url = a.database_url();
    let b = spawn_app_with(&[
        ("CLIENT_REQUESTS_PER_MINUTE", "40"),
        ("DATABASE_URL", database_url.as_str()),
    ])
    .await;
    start_of_a_window(20).await;
    for _ in 0..30 {
        assert_eq!(a.get("/login").await.status(), StatusCode::OK);
    }
    // Instance B knows what A served: the address is refused well before 40 more.
    let mut served_by_b = 0;
    let refusal = loop {
        let page = b.get("/login").await;
        if page.status() == StatusCode::TOO_MANY_REQUESTS {
            break page;
        }
        assert_eq!(page.status(), StatusCode::OK);
        served_by_b += 1;
        assert!(served_by_b < 40, "instance B never refused");
    };
    assert!(30 + served_by_b <= 40 + 16, "{served_by_b} more were served by B");
    let retry: u64 = refusal
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(refusal.text().await.expect("body").contains("Too many requests"));
    // Server functions count too, on A as well once its next tally reaches the shared count.
    let mut calls = 0;
    while a.get("/api/me").await.status() != StatusCode::TOO_MANY_REQUESTS {
        calls += 1;
        assert!(calls <= 16, "instance A kept answering");
    }
    // Probes and static files are not counted.
    assert_eq!(a.get("/healthz").await.status(), StatusCode::OK);
    assert_ne!(
        b.get("/manifest.webmanifest").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn pages_whose_client_left_stop_their_reads_and_free_the_pool() {
    let app = spawn_app_with(&[("DATABASE_MAX_CONNECTIONS", "4")]).await;
    let her = crate::mum::onboarded(&app, "gone@example.com", 120).await;
    // Her session cookies, for requests written by hand.
    let signed_in = app
        .login(&reqwest::Client::new(), "gone@example.com", crate::helpers::PASSWORD)
        .await;
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    assert!(!cookie.is_empty());
    // Open many streamed pages and hang up after the first bytes, as a phone losing signal does.
    for _ in 0..40 {
        let mut stream = TcpStream::connect(socket_addr(&app)).await.expect("connect");
        let request = format!("GET /mum/log HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut first = [0u8; 16];
        let _ = timeout(Duration::from_secs(5), stream.read(&mut first)).await;
        drop(stream);
    }
    // With only four database connections, pages still running would starve this one.
    let started = Instant::now();
    let page = her.get(app.url("/mum/log")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}
