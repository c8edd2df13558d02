//! Each product presents as itself: chosen by host (SASAMUM_HOST, FISHMOUTH_HOST) or, on a
//! single host, by path; its own title, colours, icons, manifest, footer, languages and
//! email sender name. The platform's neutral brand is what is left.

use reqwest::{StatusCode, header};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const HOSTS: [(&str, &str); 2] = [("SASAMUM_HOST", "mum.example"), ("FISHMOUTH_HOST", "pro.example")];

/// The page at `path` as `host` serves it.
async fn page_on(app: &TestApp, host: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .header(header::HOST, host)
        .send()
        .await
        .expect("request");
    (response.status(), response.text().await.expect("body"))
}

/// The text between `<title>` and `</title>`.
fn title(html: &str) -> &str {
    let start = html.find("<title>").expect("a title") + "<title>".len();
    &html[start..start + html[start..].find("</title>").expect("closed")]
}

/// `html` never says `word` (what follows it is shown when it does).
fn never_says(html: &str, word: &str) {
    if let Some(at) = html.find(word) {
        let start = at.saturating_sub(200);
        panic!("says {word:?}: …{}…", &html[start..(at + 200).min(html.len())]);
    }
}

/// The header's brand link.
fn header_brand(html: &str) -> &str {
    let start = html.find(r#"class="brand""#).expect("the header's brand");
    let span = html[start..].find("<span>").expect("its name") + start + "<span>".len();
    &html[span..span + html[span..].find("</span>").expect("closed")]
}

async fn manifest(app: &TestApp, host: Option<&str>, path: &str) -> serde_json::Value {
    let mut request = app.client.get(app.url(path));
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/manifest+json",
        "{path}"
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn each_host_presents_its_own_product() {
    let app = spawn_app_with(&HOSTS).await;

    let (status, mum) = page_on(&app, "mum.example", "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(title(&mum), "SasaMum");
    assert_eq!(header_brand(&mum), "SasaMum");
    assert!(
        mum.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#),
        "{mum}"
    );
    assert!(mum.contains(r##"<meta name="theme-color" content="#0f5c4d""##));
    assert!(mum.contains(r#"<link rel="apple-touch-icon" href="/icons/sasamum-192.png""#));
    assert!(mum.contains("scope:'/mum'"), "the service worker's scope");
    assert!(mum.contains(r#"data-brand-host="sasamum""#));
    // Her landing sells her pregnancy companion only, with its due-date calculator.
    assert!(mum.contains("When is my baby due?"));
    never_says(&mum, "Fish Mouth");
    never_says(&mum, "roof");
    // On its own host, links need not say which product they are for.
    assert!(mum.contains(r#"href="/legal/terms""#));

    let (status, pro) = page_on(&app, "pro.example", "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(title(&pro), "Fish Mouth");
    assert_eq!(header_brand(&pro), "Fish Mouth");
    assert!(pro.contains(r##"<meta name="theme-color" content="#1d3557""##));
    assert!(pro.contains(r#"<link rel="icon" href="/icons/fishmouth.svg""#));
    assert!(pro.contains("scope:'/pro'"));
    assert!(
        !pro.contains("SasaMum") && !pro.contains("pregnan") && !pro.contains("Kiswahili"),
        "{pro}"
    );

    // A page's own title is followed by its product's name.
    let (_, login) = page_on(&app, "pro.example", "/login").await;
    assert!(title(&login).ends_with(" · Fish Mouth"), "{}", title(&login));

    // Any other host this server answers (its public URL's) gets the platform's page.
    let (_, sasa) = page_on(&app, "127.0.0.1", "/").await;
    assert_eq!(title(&sasa), "Sasa");
    assert_eq!(header_brand(&sasa), "Sasa");
    assert!(sasa.contains("SasaMum") && sasa.contains("Fish Mouth"));
    // A host that is neither is still refused.
    assert_eq!(
        page_on(&app, "evil.example", "/").await.0,
        StatusCode::MISDIRECTED_REQUEST
    );
}

#[tokio::test]
async fn on_a_single_host_the_path_decides() {
    let app = spawn_app().await;
    let (_, mum) = page_on(&app, "127.0.0.1", "/mum/about").await;
    assert_eq!(title(&mum), "SasaMum");
    assert!(mum.contains(r#"<link rel="manifest" href="/mum/manifest.webmanifest""#));
    // Shared pages say whose they are.
    assert!(mum.contains(r#"href="/legal/terms?for=sasamum""#), "{mum}");
    never_says(&mum, "roof");

    let (_, pro) = page_on(&app, "127.0.0.1", "/pro/about").await;
    assert_eq!(title(&pro), "Fish Mouth");
    assert!(pro.contains(r#"<link rel="manifest" href="/pro/manifest.webmanifest""#));
    never_says(&pro, "pregnan");

    let (_, terms) = page_on(&app, "127.0.0.1", "/legal/terms?for=fishmouth").await;
    assert_eq!(header_brand(&terms), "Fish Mouth");
    assert!(terms.contains(r#"href="/help?for=fishmouth""#));

    let (_, sasa) = page_on(&app, "127.0.0.1", "/").await;
    assert_eq!(header_brand(&sasa), "Sasa");
    assert!(sasa.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#));
    assert!(sasa.contains(r#"href="/mum/about""#) && sasa.contains(r#"href="/pro/about""#));
}

#[tokio::test]
async fn each_manifest_describes_its_own_installed_app() {
    let app = spawn_app_with(&HOSTS).await;
    let mum = manifest(&app, None, "/mum/manifest.webmanifest").await;
    assert_eq!(mum, manifest(&app, Some("mum.example"), "/manifest.webmanifest").await);
    assert_eq!(mum["name"], "SasaMum");
    assert_eq!(mum["short_name"], "SasaMum");
    assert_eq!(mum["id"], "/mum");
    assert_eq!(mum["start_url"], "/mum");
    assert_eq!(mum["scope"], "/mum");
    assert_eq!(mum["display"], "standalone");
    assert_eq!(mum["theme_color"], "#0f5c4d");
    assert!(mum["description"].as_str().expect("text").contains("pregnancy"));
    let urls = |m: &serde_json::Value| -> Vec<String> {
        m["shortcuts"]
            .as_array()
            .expect("shortcuts")
            .iter()
            .map(|s| s["url"].as_str().expect("url").to_owned())
            .collect()
    };
    assert_eq!(urls(&mum), ["/mum/danger/now", "/mum/contractions", "/mum/log"]);
    let icons: Vec<&str> = mum["icons"]
        .as_array()
        .expect("icons")
        .iter()
        .map(|i| i["src"].as_str().expect("src"))
        .collect();
    assert!(icons.iter().all(|src| src.starts_with("/icons/sasamum")), "{icons:?}");

    let pro = manifest(&app, None, "/pro/manifest.webmanifest").await;
    assert_eq!(pro, manifest(&app, Some("pro.example"), "/manifest.webmanifest").await);
    assert_eq!(pro["name"], "Fish Mouth");
    assert_eq!(pro["id"], "/pro");
    assert_eq!((&pro["start_url"], &pro["scope"]), (&"/pro".into(), &"/pro".into()));
    assert_eq!(pro["theme_color"], "#1d3557");
    assert_eq!(pro["lang"], "en");
    assert_eq!(urls(&pro), ["/pro/leads", "/pro/scans", "/pro/tasks"]);

    let sasa = manifest(&app, None, "/manifest.webmanifest").await;
    assert_eq!(sasa["name"], "Sasa");
    assert_eq!((&sasa["start_url"], &sasa["scope"]), (&"/".into(), &"/".into()));
    assert_eq!(sasa["shortcuts"], serde_json::json!([]));
}

#[tokio::test]
async fn fish_mouth_stays_english_for_a_kiswahili_reader() {
    let app = spawn_app_with(&HOSTS).await;
    // She chose Kiswahili (the cookie is per host, as a browser keeps it).
    for host in ["mum.example", "pro.example"] {
        let response = app
            .client
            .get(app.url("/language/sw?next=/"))
            .header(header::HOST, host)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let cookie = "sasa_lang=sw";
    let get = |host: &'static str, path: &'static str| {
        app.client
            .get(app.url(path))
            .header(header::HOST, host)
            .header(header::COOKIE, cookie)
            .send()
    };

    let mum = get("mum.example", "/").await.expect("request");
    assert_eq!(mum.headers()[header::CONTENT_LANGUAGE], "sw");
    let mum = mum.text().await.expect("body");
    assert!(mum.contains(r#"<html lang="sw""#));
    assert!(
        mum.contains("Masharti") && mum.contains("Msaada"),
        "her footer speaks Kiswahili"
    );

    for path in ["/", "/login", "/legal/terms"] {
        let pro = get("pro.example", path).await.expect("request");
        assert_eq!(pro.headers()[header::CONTENT_LANGUAGE], "en", "{path}");
        let pro = pro.text().await.expect("body");
        assert!(pro.contains(r#"<html lang="en""#), "{path}");
        assert!(pro.contains(">Terms</a> · <a") || pro.contains(">Terms<"), "{path}");
        for kiswahili in ["Masharti", "Faragha", "Msaada", "Ingia", ">Kiswahili<"] {
            assert!(!pro.contains(kiswahili), "{path} says {kiswahili}");
        }
    }
}

/// The `From:` header of a message as sent.
fn from_line(data: &str) -> &str {
    data.lines()
        .find(|line| line.to_ascii_lowercase().starts_with("from:"))
        .expect("a From header")
}

#[tokio::test]
async fn each_product_sends_its_mail_under_its_own_name() {
    let app = spawn_app().await;
    assert_eq!(app.register_for("amina@example.com", "sasamum").await.status(), 200);
    assert_eq!(app.register_for("tex@example.com", "fishmouth").await.status(), 200);

    let mum = app.mail.message_to("amina@example.com", 1).await;
    let from = from_line(&mum.data);
    assert!(
        from.contains("SasaMum") && from.contains("<no-reply@sasa.localhost>"),
        "{from}"
    );

    let pro = app.mail.message_to("tex@example.com", 1).await;
    let from = from_line(&pro.data);
    assert!(
        from.contains("Fish Mouth") && from.contains("<no-reply@sasa.localhost>"),
        "{from}"
    );
    assert!(!from.contains("SasaMum"));
}

#[tokio::test]
async fn each_products_mail_names_it_and_links_to_its_own_host() {
    let app = spawn_app_with(&HOSTS).await;
    assert_eq!(app.register_for("amina@example.com", "sasamum").await.status(), 200);
    assert_eq!(app.register_for("tex@example.com", "fishmouth").await.status(), 200);

    let mum = app.mail.message_to("amina@example.com", 1).await;
    assert!(
        mum.data.contains("Subject: Confirm your email for SasaMum"),
        "{}",
        mum.data
    );
    assert!(
        mum.data.contains("://mum.example") && mum.data.contains("/verify?token="),
        "{}",
        mum.data
    );
    assert!(!mum.data.contains("pro.example"));

    let pro = app.mail.message_to("tex@example.com", 1).await;
    assert!(
        pro.data.contains("Subject: Confirm your email for Fish Mouth"),
        "{}",
        pro.data
    );
    assert!(
        pro.data.contains("://pro.example") && pro.data.contains("/verify?token="),
        "{}",
        pro.data
    );
    assert!(!pro.data.contains("SasaMum"));
}
