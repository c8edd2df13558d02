use reqwest::{StatusCode, header};

use crate::helpers::spawn_app;

fn nonce_of(csp: &str) -> &str {
    let start = csp.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let end = csp[start..].find('\'').expect("closing quote") + start;
    &csp[start..end]
}

#[tokio::test]
async fn the_landing_page_introduces_both_products() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = response.text().await.expect("body");
    assert!(html.contains("SasaMum") && html.contains("Fish Mouth"));
    assert!(html.contains(r#"href="/signup?product=sasamum""#));
    assert!(html.contains(r#"href="/signup?product=fishmouth""#));
    assert!(html.contains(r#"rel="manifest""#));
}

#[tokio::test]
async fn every_script_carries_the_nonce_of_the_policy_header() {
    let app = spawn_app().await;
    let first = app.get("/").await;
    let csp = first.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = first.text().await.expect("body");

    let nonce = nonce_of(&csp);
    assert!(nonce.len() >= 16, "nonce too short: {nonce}");
    for required in [
        "'strict-dynamic'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(required), "{required} missing from {csp}");
    }
    assert!(!csp.contains("'unsafe-inline'"));

    let scripts = html.matches("<script").count();
    assert!(scripts >= 2, "hydration and service-worker scripts expected");
    assert_eq!(html.matches(&format!(r#"nonce="{nonce}""#)).count(), scripts, "{html}");

    // A fresh nonce per response.
    let second = app.get("/").await;
    let csp2 = second.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert_ne!(nonce_of(csp2), nonce);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = spawn_app().await;
    for path in ["/", "/healthz", "/does-not-exist", "/manifest.webmanifest"] {
        let response = app.get(path).await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert!(h.contains_key("permissions-policy"), "{path}");
        assert!(
            h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ascii")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        // HSTS only over HTTPS; this server speaks plain HTTP.
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY), "{path}");
    }
}

#[tokio::test]
async fn unknown_pages_get_the_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("We couldn&#x27;t find that page") || html.contains("We couldn't find that page"),
        "{html}"
    );
}

#[tokio::test]
async fn each_response_has_its_own_request_id() {
    let app = spawn_app().await;
    let a = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let b = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(a.len(), 36);
    assert_ne!(a, b);
}

#[tokio::test]
async fn pages_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    for encoding in ["br", "gzip"] {
        let response = app
            .client
            .get(format!("{}/", app.address))
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .expect("request");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/", app.address))
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_due_date_form_works_without_javascript() {
    let app = spawn_app().await;
    // SasaMum's landing page (`/` on her host).
    let html = app.get("/mum/about?lmp=2026-01-01").await.text().await.expect("body");
    assert!(html.contains("8 October 2026"), "{html}");
    assert!(
        html.contains(r#"action="/mum/about""#),
        "the form comes back to its page"
    );

    let html = app.get("/mum/about?lmp=2026-02-30").await.text().await.expect("body");
    assert!(
        html.contains("First day of your last period: that day does not exist"),
        "{html}"
    );
}

#[tokio::test]
async fn a_visitor_chooses_kiswahili_before_signing_in() {
    let app = spawn_app().await;
    let chose = app.get("/language/sw?next=/login").await;
    assert_eq!(chose.status(), StatusCode::SEE_OTHER);
    assert_eq!(chose.headers()[header::LOCATION], "/login");
    let cookie = chose.headers()[header::SET_COOKIE].to_str().expect("ascii").to_owned();
    assert!(
        cookie.starts_with("sasa_lang=sw;") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The app's client keeps cookies: the next pages are in Kiswahili, <html lang> included.
    let login = app.get("/login").await.text().await.expect("body");
    assert!(
        login.contains(r#"<html lang="sw""#),
        "the browser reads the language from here"
    );
    assert!(login.contains("Ingia") && login.contains("Umesahau nenosiri?"));
    let landing = app.get("/mum/about").await.text().await.expect("body");
    assert!(landing.contains("Mtoto wangu atazaliwa lini?"));
    let signup = app.get("/signup").await.text().await.expect("body");
    assert!(
        signup.contains(r#"<option value="sw" selected"#),
        "sign-up starts in her language"
    );
    assert!(
        signup.contains(r#"href="/language/en?next=/signup""#),
        "and offers English back"
    );

    // Only paths on this site are followed; an unknown language is not a page.
    let away = app.get("/language/en?next=//evil.example/x").await;
    assert_eq!(away.headers()[header::LOCATION], "/");
    assert_eq!(app.get("/language/fr").await.status(), StatusCode::NOT_FOUND);
    let english = app.get("/login").await.text().await.expect("body");
    assert!(english.contains(r#"<html lang="en""#) && english.contains(">Log in<"));
}

/// A file of the site fetched while other requests render the 404 page is still a 200: the
/// browser's bundle once came back as a 404 beside a concurrent not-found page, and the page
/// never hydrated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_files_stay_200_while_404_pages_render_beside_them() {
    let root = std::env::temp_dir().join(format!("sasa-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(root.join("pkg")).expect("site dir");
    std::fs::write(root.join("pkg/app.js"), "console.log('hi');").expect("file");
    let app = crate::helpers::spawn_app_with(&[("LEPTOS_SITE_ROOT", root.to_str().expect("utf-8"))]).await;
    let mut calls = Vec::new();
    for _ in 0..40 {
        let client = reqwest::Client::new();
        let (page, file) = (app.url("/no/such/page"), app.url("/pkg/app.js"));
        calls.push(tokio::spawn(async move {
            let page = client.get(page).header("accept", "text/html").send();
            let file = client.get(file).header("accept", "*/*").send();
            let (page, file) = tokio::join!(page, file);
            (page.expect("page").status(), file.expect("file").status())
        }));
    }
    for call in calls {
        let (page, file) = call.await.expect("task");
        assert_eq!(file, reqwest::StatusCode::OK);
        // Under this load a 404 render has once run into the request timeout (408): that is
        // a separate, known problem (see the closing note), not what this test guards.
        assert_ne!(page, reqwest::StatusCode::OK);
    }
    assert_eq!(
        app.get("/pkg/missing.js").await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
}
