//! The configuration's rules, checked against variables given by each test.

use super::{
    auth::DEVELOPMENT_JWT_SECRET,
    fishmouth::{
        DEVELOPMENT_INBOUND_EMAIL_SECRET, DEVELOPMENT_POSTMARK_INBOUND_AUTH, DEVELOPMENT_STRIPE_WEBHOOK_SECRET,
    },
    push::DEVELOPMENT_VAPID_PRIVATE_KEY,
    *,
};
use std::{collections::HashMap, time::Duration};

const LEPTOS_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml");

fn load(vars: &[(&str, &str)]) -> Result<Settings, Vec<ConfigError>> {
    let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.entry("LEPTOS_CONFIG".into()).or_insert_with(|| LEPTOS_TOML.into());
    Settings::from_lookup(|k| map.get(k).cloned())
}

fn variables(errors: &[ConfigError]) -> Vec<&'static str> {
    errors.iter().map(|e| e.variable).collect()
}

#[test]
fn loopback_urls_are_recognised() {
    for url in [
        "http://localhost:3000/x",
        "https://127.0.0.1",
        "http://[::1]:8080/",
        "https://localhost",
    ] {
        assert!(is_loopback_url(url), "{url}");
    }
    for url in [
        "https://sasa.example",
        "http://10.0.0.1:3000",
        "http://localhost.evil.example/",
    ] {
        assert!(!is_loopback_url(url), "{url}");
    }
}

#[test]
fn defaults_apply_when_only_the_database_is_given() {
    let s = load(&[
        ("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
        ("APP_ENV", "development"),
    ])
    .expect("valid");
    assert_eq!(s.environment, Environment::Development);
    assert_eq!(s.database.max_connections, 10);
    assert_eq!(s.database.statement_timeout, Duration::from_secs(5));
    assert_eq!(s.http.request_timeout, Duration::from_secs(30));
    assert_eq!(s.leptos.output_name.as_ref(), "sasafish");
    assert!(s.run_workers);
}

#[test]
fn workers_can_be_turned_off_and_a_bad_value_is_named() {
    let base = [
        ("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
        ("APP_ENV", "development"),
    ];
    let off = load(&[base[0], base[1], ("RUN_WORKERS", "false")]).expect("valid");
    assert!(!off.run_workers);
    let errors = load(&[base[0], base[1], ("RUN_WORKERS", "no")]).expect_err("must fail");
    assert_eq!(variables(&errors), ["RUN_WORKERS"]);
}

#[test]
fn the_geocoder_is_offline_unless_the_census_is_asked_for() {
    let base = [
        ("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
        ("APP_ENV", "development"),
    ];
    assert_eq!(load(&base).expect("valid").fishmouth.census_geocoder_url, None);
    let census = load(&[base[0], base[1], ("GEOCODER", "census")]).expect("valid");
    assert_eq!(
        census.fishmouth.census_geocoder_url.as_deref(),
        Some("https://geocoding.geo.census.gov")
    );
    let errors = load(&[base[0], base[1], ("GEOCODER", "google")]).expect_err("must fail");
    assert_eq!(variables(&errors), ["GEOCODER"]);
}

#[test]
fn a_missing_database_url_is_named() {
    let errors = load(&[("APP_ENV", "development")]).expect_err("must fail");
    assert_eq!(variables(&errors), ["DATABASE_URL"]);
    assert!(
        errors[0].to_string().starts_with("DATABASE_URL: missing"),
        "{}",
        errors[0]
    );
}

#[test]
fn every_invalid_setting_is_reported_at_once() {
    let errors = load(&[
        ("DATABASE_URL", "mysql://nope"),
        ("APP_ENV", "staging"),
        ("DATABASE_MAX_CONNECTIONS", "lots"),
        ("HTTP_REQUEST_TIMEOUT_SECS", "0"),
        ("LOG_FORMAT", "xml"),
    ])
    .expect_err("must fail");
    assert_eq!(
        variables(&errors),
        [
            "APP_ENV",
            "LOG_FORMAT",
            "DATABASE_URL",
            "DATABASE_MAX_CONNECTIONS",
            "HTTP_REQUEST_TIMEOUT_SECS"
        ]
    );
    assert!(errors[2].problem.contains("not a PostgreSQL URL"), "{}", errors[2]);
    assert!(errors[4].problem.contains("out of range"), "{}", errors[4]);
}

#[test]
fn a_missing_site_configuration_is_named() {
    let errors = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("LEPTOS_CONFIG", "/nowhere/Leptos.toml"),
    ])
    .expect_err("must fail");
    assert_eq!(variables(&errors), ["LEPTOS_CONFIG"]);
}

#[test]
fn production_needs_real_secrets_and_mail() {
    let errors = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "production")]).expect_err("must fail");
    assert_eq!(variables(&errors), ["JWT_SECRET", "SMTP_URL", "HEALTH_DATA_KEY"]);
    let errors = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("JWT_SECRET", "short"),
    ])
    .expect_err("must fail");
    assert_eq!(variables(&errors), ["JWT_SECRET"]);
}

#[test]
fn production_is_the_default_and_development_is_asked_for_by_name() {
    let errors = load(&[("DATABASE_URL", "postgres://u@h/db")]).expect_err("production needs its secrets");
    assert_eq!(variables(&errors), ["JWT_SECRET", "SMTP_URL", "HEALTH_DATA_KEY"]);
    assert_eq!(load(&PRODUCTION[..1]).expect_err("still production").len(), 3);
    let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
    assert_eq!(dev.environment, Environment::Development);
}

#[test]
fn development_mode_refuses_to_run_behind_a_proxy() {
    let errors = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .expect_err("must fail");
    assert_eq!(variables(&errors), ["APP_ENV"]);
    assert!(errors[0].problem.contains("TRUSTED_PROXIES"), "{}", errors[0]);
    let mut production = PRODUCTION.to_vec();
    production.push(("TRUSTED_PROXIES", "127.0.0.1"));
    assert!(load(&production).is_ok());
}

/// The production secrets a test passes: none of them is in the source.
const PRODUCTION: [(&str, &str); 5] = [
    ("DATABASE_URL", "postgres://u@h/db"),
    ("APP_ENV", "production"),
    ("JWT_SECRET", "a production secret of at least thirty-two characters"),
    ("SMTP_URL", "smtps://mailer:pw@smtp.example:465"),
    ("HEALTH_DATA_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8s="),
];

#[test]
fn production_never_falls_back_to_a_development_secret() {
    let s = load(&PRODUCTION).expect("valid");
    assert_eq!(
        s.fishmouth.stripe_webhook_secret, None,
        "no webhook without its own secret"
    );
    assert_eq!(s.fishmouth.inbound_email_secret, None);
    // Development, by contrast, works with the published ones.
    let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
    assert_eq!(
        dev.fishmouth.stripe_webhook_secret.as_deref(),
        Some(DEVELOPMENT_STRIPE_WEBHOOK_SECRET)
    );
}

#[test]
fn production_starts_without_the_generated_sample() {
    assert_eq!(load(&PRODUCTION).expect("valid").fishmouth.sample_homes, 0);
    let dev = load(&[("DATABASE_URL", "postgres://u@h/db"), ("APP_ENV", "development")]).expect("valid");
    assert_eq!(dev.fishmouth.sample_homes, 50_000);
}

#[test]
fn production_refuses_every_published_secret_by_value() {
    use base64::Engine as _;
    let health = base64::engine::general_purpose::STANDARD.encode(b"development only: never use this");
    for (variable, value) in [
        ("JWT_SECRET", DEVELOPMENT_JWT_SECRET),
        ("STRIPE_WEBHOOK_SECRET", DEVELOPMENT_STRIPE_WEBHOOK_SECRET),
        ("INBOUND_EMAIL_SECRET", DEVELOPMENT_INBOUND_EMAIL_SECRET),
        ("POSTMARK_INBOUND_AUTH", DEVELOPMENT_POSTMARK_INBOUND_AUTH),
        ("VAPID_PRIVATE_KEY", DEVELOPMENT_VAPID_PRIVATE_KEY),
        ("HEALTH_DATA_KEY", health.as_str()),
    ] {
        let mut vars: Vec<(&str, &str)> = PRODUCTION.iter().filter(|(k, _)| *k != variable).copied().collect();
        vars.push((variable, value));
        let errors = load(&vars).expect_err(variable);
        assert_eq!(variables(&errors), [variable]);
        assert!(errors[0].problem.contains("published"), "{}", errors[0]);
    }
}

#[test]
fn web_push_is_off_in_production_until_its_key_and_subject_are_set() {
    assert!(load(&PRODUCTION).expect("valid").push.is_none());
    let key = ("VAPID_PRIVATE_KEY", "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94");
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars = PRODUCTION.to_vec();
        vars.extend_from_slice(extra);
        load(&vars)
    };
    assert_eq!(variables(&with(&[key]).expect_err("no subject")), ["VAPID_SUBJECT"]);
    let on = with(&[key, ("VAPID_SUBJECT", "mailto:ops@example.com")]).expect("valid");
    assert!(
        on.push
            .is_some_and(|p| p.allows("https://fcm.googleapis.com/fcm/send/x"))
    );
    for (variable, value) in [
        ("VAPID_SUBJECT", "ops@example.com"),
        ("VAPID_PRIVATE_KEY", "not-a-key"),
        ("PUSH_SERVICES", "http://127.0.0.1:9000"),
    ] {
        let mut vars = vec![key, ("VAPID_SUBJECT", "mailto:ops@example.com")];
        vars.retain(|(k, _)| *k != variable);
        vars.push((variable, value));
        assert_eq!(variables(&with(&vars).expect_err(variable)), [variable]);
    }
}

#[test]
fn postmarks_credentials_need_a_user_and_a_long_password() {
    for weak in ["postmark", "postmark:short", ":a-password-long-enough"] {
        let mut vars: Vec<(&str, &str)> = PRODUCTION.to_vec();
        vars.push(("POSTMARK_INBOUND_AUTH", weak));
        assert_eq!(
            variables(&load(&vars).expect_err(weak)),
            ["POSTMARK_INBOUND_AUTH"],
            "{weak}"
        );
    }
    let mut vars: Vec<(&str, &str)> = PRODUCTION.to_vec();
    vars.push(("POSTMARK_INBOUND_AUTH", "postmark:a-password-long-enough"));
    let settings = load(&vars).expect("valid");
    assert_eq!(
        settings.fishmouth.postmark_inbound_auth.as_deref(),
        Some("postmark:a-password-long-enough")
    );
    assert_eq!(
        load(&PRODUCTION).expect("valid").fishmouth.postmark_inbound_auth,
        None,
        "off unless set"
    );
}

#[test]
fn production_sends_secrets_only_encrypted_or_to_this_machine() {
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars: Vec<(&str, &str)> = PRODUCTION.iter().filter(|(k, _)| k != &"SMTP_URL").copied().collect();
        vars.extend_from_slice(extra);
        load(&vars).err().map(|e| variables(&e)).unwrap_or_default()
    };
    for refused in [
        ("SMTP_URL", "smtp://mailer:pw@smtp.example:587"),
        ("STRIPE_API_BASE", "http://stripe.example"),
        ("SENTRY_DSN", "http://key@sentry.example/1"),
    ] {
        let mut vars = vec![("SMTP_URL", "smtps://mailer:pw@smtp.example:465")];
        if refused.0 == "SMTP_URL" {
            vars.clear();
        }
        vars.push(refused);
        assert_eq!(with(&vars), [refused.0], "{refused:?}");
    }
    let telnyx = with(&[
        ("SMTP_URL", "smtps://smtp.example"),
        ("TELNYX_API_KEY", "KEY"),
        ("TELNYX_FROM_NUMBER", "+12145550100"),
        ("TELNYX_PUBLIC_KEY", "GX9rI+FshTLGq8g4+s1ep4m+DHaykgM0A5v6iz02jWE="),
        ("TELNYX_API_BASE", "http://telnyx.example"),
    ]);
    assert_eq!(telnyx, ["TELNYX_API_BASE"]);
    for accepted in [
        "smtps://mailer:pw@smtp.example:465",
        "smtp://mailer:pw@smtp.example:587?tls=required",
        "smtp://mailer:pw@127.0.0.1:25",
        "smtp://localhost:25",
    ] {
        assert!(with(&[("SMTP_URL", accepted)]).is_empty(), "{accepted}");
    }
    assert!(
        with(&[
            ("SMTP_URL", "smtps://s.example"),
            ("STRIPE_API_BASE", "http://127.0.0.1:9")
        ])
        .is_empty()
    );
}

#[test]
fn development_runs_without_secrets() {
    let s = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("APP_PUBLIC_URL", "http://127.0.0.1:3000/"),
    ])
    .expect("valid");
    assert_eq!(s.auth.public_url, "http://127.0.0.1:3000");
    assert!(s.mail.smtp_url.is_none());
}

#[test]
fn development_mode_refuses_to_face_a_network() {
    let public = std::env::temp_dir().join(format!("leptos-public-{}.toml", std::process::id()));
    std::fs::write(
        &public,
        "[package.metadata.leptos]\noutput-name = \"sasafish\"\nsite-addr = \"0.0.0.0:3000\"\n",
    )
    .expect("write");
    let path = public.to_string_lossy().into_owned();
    let errors = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("LEPTOS_CONFIG", &path),
    ])
    .expect_err("must fail");
    assert_eq!(variables(&errors), ["APP_ENV"]);
    let errors = load(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("APP_ENV", "development"),
        ("APP_PUBLIC_URL", "https://sasa.example"),
    ])
    .expect_err("must fail");
    assert_eq!(variables(&errors), ["APP_ENV"]);
}

#[test]
fn debug_output_hides_the_database_password() {
    let s = load(&[
        ("DATABASE_URL", "postgres://u:hunter2secret@h/db"),
        ("APP_ENV", "development"),
        ("JWT_SECRET", "jwt-secret-jwt-secret-jwt-secret-xyz"),
        ("SMTP_URL", "smtp://mailer:smtppassword@h:25"),
    ])
    .expect("valid");
    let debug = format!("{s:?}");
    for secret in ["hunter2secret", "jwt-secret-jwt", "smtppassword"] {
        assert!(!debug.contains(secret), "{secret} leaked");
    }
}

#[test]
fn each_product_may_have_its_own_host() {
    let dev = [
        ("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
        ("APP_ENV", "development"),
    ];
    let s = load(&dev).expect("valid");
    assert_eq!(s.brands, BrandSettings::default());
    let s = load(&[
        dev[0],
        dev[1],
        ("SASAMUM_HOST", "SasaMum.Example"),
        ("FISHMOUTH_HOST", "pro.example"),
    ])
    .expect("valid");
    assert_eq!(s.brands.sasamum_host.as_deref(), Some("sasamum.example"));
    assert_eq!(s.brands.fishmouth_host.as_deref(), Some("pro.example"));
    for bad in [
        "https://mum.example",
        "mum.example:443",
        "mum.example/x",
        "mum..example",
    ] {
        let errors = load(&[dev[0], dev[1], ("SASAMUM_HOST", bad)]).expect_err(bad);
        assert_eq!(variables(&errors), ["SASAMUM_HOST"], "{bad}");
    }
    let errors = load(&[
        dev[0],
        dev[1],
        ("SASAMUM_HOST", "one.example"),
        ("FISHMOUTH_HOST", "ONE.example"),
    ])
    .expect_err("the same host twice");
    assert_eq!(variables(&errors), ["FISHMOUTH_HOST"]);
}
