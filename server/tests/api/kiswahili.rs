//! What the Kiswahili language review (2026-12-04) found wrong stays fixed: every text a mother
//! can read in Kiswahili (UI words, danger signs, week-by-week content as migrated, help and
//! legal pages, the offline pages) is checked against the old wording.

use crate::helpers::spawn_app;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// (review item, wording that must never come back, why)
const WRONG: [(&str, &str, &str); 14] = [
    ("W1", "aji yakikatika", "means the water supply was cut off"),
    (
        "W5",
        "upumua kwa shida kidogo",
        "a danger sign's own words, called normal",
    ),
    ("W6", "siku zimebaki", "the number follows the noun: Zimebaki siku {}"),
    ("W9", "Aliingia", "he/she signed in"),
    ("W10", "Ukijiunga ujauzito", "'if you join pregnancy'"),
    (
        "W11",
        "Which product is this account for",
        "English label on a Kiswahili page",
    ),
    ("W12", "**Create account**", "English label on a Kiswahili page"),
    ("W13", "Forgot your password?", "English label on a Kiswahili page"),
    ("W14", "Save profile", "English label on a Kiswahili page"),
    ("W15", "Contact support", "English label on a Kiswahili page"),
    ("W16", "Signed-in devices", "English label on a Kiswahili page"),
    ("W18", "saa 07:00", "Swahili time: 07:00 read as saa 7 is 1 pm"),
    ("U8", "mwenzi wa ujauzito", "mwenzi means spouse"),
    ("U9", "simu ya kushirikiana", "stiff: simu mnayotumia pamoja na wengine"),
];

fn kiswahili_texts() -> Vec<(String, String)> {
    let mut texts = vec![];
    let tsv = std::fs::read_to_string(format!("{ROOT}/app/src/i18n/sw.tsv")).expect("sw.tsv");
    let translations: String = tsv
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, sw)| format!("{sw}\n"))
        .collect();
    texts.push(("app/src/i18n/sw.tsv".to_owned(), translations));
    for dir in ["content/help/sasamum", "content/legal"] {
        for entry in std::fs::read_dir(format!("{ROOT}/{dir}")).expect("content") {
            let path = entry.expect("entry").path();
            if path.to_string_lossy().ends_with(".sw.md") {
                texts.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).expect("read"),
                ));
            }
        }
    }
    for file in [
        "src/pregnancy/danger.rs",
        "src/pregnancy/symptoms.rs",
        "src/postnatal/contacts.rs",
        "src/postnatal/immunisation.rs",
        "src/postnatal/kepi.tsv",
        "src/postnatal/weeks.tsv",
    ] {
        texts.push((
            file.to_owned(),
            std::fs::read_to_string(format!("{ROOT}/{file}")).expect("read"),
        ));
    }
    texts
}

#[test]
fn no_wrong_wording_from_the_review_is_in_any_kiswahili_text() {
    let mut found = vec![];
    for (file, text) in kiswahili_texts() {
        for (item, wrong, why) in WRONG {
            if text.contains(wrong) {
                found.push(format!("{item} {file}: {wrong:?} ({why})"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// W2, W3, W17: offline, SasaMum's danger warning is there in Kiswahili too, on both the
/// page and the form answer; the Kiswahili pages are Kiswahili only; Fish Mouth's offline
/// pages speak of neither pregnancy nor Kiswahili.
#[tokio::test]
async fn the_offline_pages_carry_the_danger_warning_in_kiswahili() {
    const WARNING: &str = "Ukiwa na dalili ya hatari, usisubiri: nenda kituo cha afya kilicho karibu sasa hivi.";
    let app = spawn_app().await;
    let page = |query: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/offline.html?{query}")).await;
            assert_eq!(response.status(), 200, "{query}");
            response.text().await.expect("body")
        }
    };
    for kind in ["page", "form"] {
        let both = page(format!("for=sasamum&kind={kind}&lang=")).await;
        assert!(both.contains(WARNING) && both.contains("lang=\"sw\""), "{kind}: {both}");
        assert!(both.contains("danger sign"), "{kind}: {both}");
        let kiswahili = page(format!("for=sasamum&kind={kind}&lang=sw")).await;
        assert!(
            kiswahili.contains(WARNING) && kiswahili.contains("<html lang=\"sw\">"),
            "{kind}: {kiswahili}"
        );
        for english in ["offline", "Try again", "danger sign", "connection", "saved"] {
            assert!(
                !kiswahili.contains(english),
                "{english:?} on the Kiswahili offline {kind}"
            );
        }
        let roofer = page(format!("for=fishmouth&kind={kind}&lang=sw")).await;
        assert!(
            roofer.contains("Fish Mouth") && roofer.contains("<html lang=\"en\">"),
            "{kind}: {roofer}"
        );
        for other in ["danger", "Sasa", "Hakuna", "lang=\"sw\""] {
            assert!(!roofer.contains(other), "{other:?} on Fish Mouth's offline {kind}");
        }
    }
}

/// W5 and the glossary's terms, in the week-by-week content as the migrations leave it.
#[tokio::test]
async fn the_week_content_follows_the_review() {
    let app = spawn_app().await;
    let rows: Vec<(i32, String)> =
        sqlx::query_as("SELECT week, baby || ' ' || body || ' ' || todo FROM pregnancy_weeks WHERE language = 'sw'")
            .fetch_all(&mut app.db().await)
            .await
            .expect("weeks");
    assert_eq!(rows.len(), 39, "weeks 4 to 42");
    for (week, text) in rows {
        for wrong in [
            "Kupumua kwa shida kidogo",
            "mijongeo",
            "anajongea",
            "mikazo",
            "yakivunjika",
            "kituoni",
            "mji wa mimba",
            "Kiinitete",
            "Mapafu yanakuza",
            "mikakamao",
        ] {
            assert!(!text.contains(wrong), "week {week}: {wrong:?} in {text:?}");
        }
        if (28..=31).contains(&week) {
            assert!(
                text.contains("Ukipumua kwa shida sana au kwa haraka, nenda kituo cha afya."),
                "week {week}"
            );
        }
    }
}

/// The served week-by-week content is the data file's: each week's Kiswahili beside its English
/// original, flagged as not yet reviewed by a health worker.
#[tokio::test]
async fn the_week_content_served_is_the_data_file_with_its_english_original() {
    let app = spawn_app().await;
    let file = std::fs::read_to_string(format!("{ROOT}/content/pregnancy-weeks.tsv")).expect("weeks file");
    let weeks = app::mum::weeks::parse(&file).expect("parses");
    let rows: Vec<(i32, String, String, String, String, bool)> = sqlx::query_as(
        "SELECT week, language, baby, body, todo, reviewed_by_health_worker FROM pregnancy_weeks ORDER BY week, language",
    )
    .fetch_all(&mut app.db().await)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 78);
    for (week, language, baby, body, todo, reviewed) in rows {
        let from_file = weeks.iter().find(|w| w.week == week).expect("week in file");
        let pick = |pair: &(String, String)| {
            if language == "en" {
                pair.0.clone()
            } else {
                pair.1.clone()
            }
        };
        assert_eq!(
            (baby, body, todo, reviewed),
            (
                pick(&from_file.baby),
                pick(&from_file.body),
                pick(&from_file.todo),
                false
            ),
            "week {week} {language}"
        );
    }
    assert!(file.contains("reviewed_by_health_worker"));
}

/// Every double-quoted string literal in the app's and the domain's source.
fn source_literals() -> Vec<String> {
    let mut literals = Vec::new();
    let mut dirs = vec![
        std::path::PathBuf::from(format!("{ROOT}/app/src")),
        std::path::PathBuf::from(format!("{ROOT}/src")),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read source") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                let mut rest = text.as_str();
                while let Some(start) = rest.find('"') {
                    let after = &rest[start + 1..];
                    let mut end = None;
                    let mut escaped = false;
                    for (i, c) in after.char_indices() {
                        match c {
                            '\\' if !escaped => escaped = true,
                            '"' if !escaped => {
                                end = Some(i);
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                    let Some(end) = end else { break };
                    literals.push(after[..end].replace("\\\"", "\""));
                    rest = &after[end + 1..];
                }
            }
        }
    }
    literals
}

/// The text a reader sees in server-rendered HTML: text between tags, and the labels of
/// controls (aria-label, placeholder, title, alt), entities decoded.
fn visible_texts(html: &str) -> Vec<String> {
    let mut html = html.to_owned();
    for (open, close) in [("<script", "</script>"), ("<style", "</style>"), ("<!--", "-->")] {
        while let Some(start) = html.find(open) {
            let end = html[start..]
                .find(close)
                .map_or(html.len(), |e| start + e + close.len());
            html.replace_range(start..end, " ");
        }
    }
    let decode = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    };
    let mut texts = Vec::new();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        texts.push(decode(rest[..open].trim()));
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        let tag = &rest[open..close];
        for attribute in ["aria-label=\"", "placeholder=\"", "title=\"", "alt=\""] {
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                texts.push(decode(&value[..value.find('"').unwrap_or(value.len())]));
            }
        }
        rest = &rest[close..];
    }
    texts.push(decode(rest.trim()));
    texts.into_iter().filter(|t| !t.is_empty()).collect()
}

/// Walks every page a mother and a visitor can open, in Kiswahili, and fails on any text that
/// is an English string of the source (with a letter and a space: words, not class names)
/// and is not the same in Kiswahili.
#[tokio::test]
async fn every_page_in_kiswahili_shows_no_english_from_the_source() {
    let app = spawn_app().await;
    let her = crate::mum::onboarded(&app, "walk@example.com", 150).await;
    // She switches to Kiswahili in her profile (which also sets her language cookie).
    let switched = crate::mum::post(
        &app,
        &her,
        "/api/account/profile",
        &[
            ("display_name", "Amina"),
            ("language", "sw"),
            ("timezone", "Africa/Nairobi"),
        ],
    )
    .await;
    assert_eq!(switched.status(), reqwest::StatusCode::OK);
    let tsv = std::fs::read_to_string(format!("{ROOT}/app/src/i18n/sw.tsv")).expect("sw.tsv");
    let same_in_both: std::collections::HashSet<&str> = tsv
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(en, sw)| en == sw)
        .map(|(en, _)| en)
        .collect();
    // English words that Kiswahili text never has: a literal with one of them is English
    // (the source also holds Kiswahili, in the domain's danger signs and the like).
    const ENGLISH_WORDS: [&str; 40] = [
        "the", "a", "an", "to", "and", "of", "your", "you", "is", "in", "on", "for", "with", "this", "it", "not", "be",
        "are", "or", "we", "our", "my", "me", "no", "up", "now", "do", "if", "at", "by", "from", "what", "how", "has",
        "have", "see", "all", "will", "can", "device",
    ];
    let is_english = |s: &str| {
        s.split(|c: char| !c.is_alphabetic())
            .any(|word| ENGLISH_WORDS.contains(&word.to_lowercase().as_str()))
    };
    let english: std::collections::HashSet<String> = source_literals()
        .into_iter()
        .filter(|s| s.contains(' ') && is_english(s) && !same_in_both.contains(s.as_str()))
        // Every English key of sw.tsv, single words too ("Week", "Loading…").
        .chain(
            tsv.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t'))
                .filter(|(en, sw)| en != sw)
                .map(|(en, _)| en.to_owned()),
        )
        .collect();
    let visitor = crate::helpers::new_client();
    visitor
        .get(app.url("/language/sw?next=/"))
        .send()
        .await
        .expect("choose Kiswahili");
    let mut shown = Vec::new();
    for (client, path) in [
        (&her, "/mum"),
        (&her, "/mum/danger"),
        (&her, "/mum/danger/now"),
        (&her, "/mum/log"),
        (&her, "/mum/visits"),
        (&her, "/mum/contractions"),
        (&her, "/mum/pin"),
        (&her, "/mum/end"),
        (&her, "/account"),
        (&her, "/account/sessions"),
        (&her, "/account/privacy"),
        (&her, "/account/support"),
        (&her, "/help"),
        (&visitor, "/"),
        (&visitor, "/login"),
        (&visitor, "/signup"),
        (&visitor, "/signup/check-email"),
        (&visitor, "/forgot"),
        (&visitor, "/forgot/sent"),
        (&visitor, "/reset?token=x"),
        (&visitor, "/verify?token=x"),
        (&visitor, "/goodbye"),
        (&visitor, "/no-such-page"),
    ] {
        let page = client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("page");
        let html = page.text().await.expect("html");
        for text in visible_texts(&html) {
            if english.contains(&text) {
                shown.push(format!("{path}: {text}"));
            }
        }
    }
    shown.sort();
    shown.dedup();
    assert!(
        shown.is_empty(),
        "English on Kiswahili pages (add to sw.tsv and use t()):\n{}",
        shown.join("\n")
    );
}

/// Each line of sw.tsv is used: its English appears as a string in the source (a `t()` key,
/// a form error, an error's message) or in the week-by-week content.
#[test]
fn every_line_of_sw_tsv_is_used() {
    let literals: std::collections::HashSet<String> = source_literals().into_iter().collect();
    let tsv = std::fs::read_to_string(format!("{ROOT}/app/src/i18n/sw.tsv")).expect("sw.tsv");
    let unused: Vec<&str> = tsv
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(en, _)| en)
        .filter(|en| !literals.contains(*en))
        .collect();
    assert!(
        unused.is_empty(),
        "lines of sw.tsv no code uses:\n{}",
        unused.join("\n")
    );
}
