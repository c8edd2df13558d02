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
    for file in ["src/pregnancy/danger.rs", "src/pregnancy/symptoms.rs"] {
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

/// W2, W3, W17: offline, the danger warning is there in Kiswahili too.
#[test]
fn the_offline_pages_carry_the_danger_warning_in_kiswahili() {
    const WARNING: &str = "Ukiwa na dalili ya hatari, usisubiri: nenda kituo cha afya kilicho karibu sasa hivi.";
    for file in ["public/offline.html", "public/sw.js"] {
        let text = std::fs::read_to_string(format!("{ROOT}/{file}")).expect("read");
        assert!(text.contains(WARNING), "{file} has no Kiswahili danger warning");
        assert!(text.contains("lang=\"sw\""), "{file} marks its Kiswahili");
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
