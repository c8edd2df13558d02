//! UI words in English and Kiswahili. The English text is the key; `sw.tsv` holds the
//! Kiswahili as data a translator can edit without touching code. A missing line falls
//! back to English, and a test fails on any key the code uses that the file lacks.

use std::{collections::HashMap, sync::OnceLock};

use domain::account::Language;
use leptos::prelude::*;

use crate::auth::{CurrentUser, Logout};
use crate::error::AppError;

const KISWAHILI: &str = include_str!("sw.tsv");

fn kiswahili() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        KISWAHILI
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .collect()
    })
}

/// `english` in `language`.
pub fn t(language: Language, english: &'static str) -> &'static str {
    match language {
        Language::En => english,
        Language::Sw => kiswahili().get(english).copied().unwrap_or(english),
    }
}

/// `english` with each `{}` replaced in turn by `args`, in `language`.
pub fn tf(language: Language, english: &'static str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::new();
    let mut parts = t(language, english).split("{}");
    out.push_str(parts.next().unwrap_or_default());
    for (part, arg) in parts.zip(
        args.iter()
            .map(|a| a.to_string())
            .chain(std::iter::repeat(String::new())),
    ) {
        out.push_str(&arg);
        out.push_str(part);
    }
    out
}

/// A number with its words in agreement: `one` when `n` is 1, `many` otherwise; each is a
/// sw.tsv key with one `{}` for the number ("{} day to go" / "Imebaki siku {}"). The one
/// place counts are put into words, never by joining strings.
pub fn plural(language: Language, n: i64, one: &'static str, many: &'static str) -> String {
    tf(language, if n == 1 { one } else { many }, &[&n])
}

/// Text known only at run time (a form error from the server) in `language`: its line of
/// sw.tsv, or the English when there is none.
pub fn translate(language: Language, english: &str) -> String {
    match language {
        Language::En => english.to_owned(),
        Language::Sw => kiswahili()
            .get(english)
            .map_or_else(|| english.to_owned(), |sw| (*sw).to_owned()),
    }
}

/// An error as the reader's language says it. Messages that carry a value use the error's
/// own `#[error]` text as their sw.tsv key, with the value put back in.
pub fn error_text(language: Language, error: &AppError) -> String {
    let fill = |template: &str, name: &str, value: &dyn std::fmt::Display| {
        translate(language, template).replace(&format!("{{{name}}}"), &value.to_string())
    };
    match error {
        AppError::RateLimited { retry_after_secs } => fill(
            "Too many attempts. Please try again in {retry_after_secs} seconds.",
            "retry_after_secs",
            retry_after_secs,
        ),
        AppError::Busy { retry_after_secs } => fill(
            "We are busy right now. Please try again in {retry_after_secs} seconds.",
            "retry_after_secs",
            retry_after_secs,
        ),
        AppError::Unexpected { error_id } => fill(
            "Something went wrong on our side (error {error_id}). Please try again.",
            "error_id",
            error_id,
        ),
        AppError::LimitReached { message, .. } => translate(language, message),
        AppError::Invalid { fields } => fields
            .iter()
            .map(|f| translate(language, &f.message))
            .collect::<Vec<_>>()
            .join(" "),
        other => translate(language, &other.to_string()),
    }
}

/// The language a visitor chose before signing in (the `sasa_lang` cookie). The server
/// reads the cookie and writes it into `<html lang>`; the browser reads it back from
/// there, so both render the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitorLanguage(pub Language);

/// Reads the visitor's language where the page is rendered; call once, in the app root,
/// after the brands. A brand that does not speak it (Fish Mouth is English only) gets its own.
pub fn provide_visitor_language() {
    let brand = crate::platform::brand::use_brand().brand;
    provide_context(VisitorLanguage(brand.language(read_visitor_language())));
}

pub fn visitor_language() -> Language {
    use_context::<VisitorLanguage>().map_or(Language::En, |v| v.0)
}

#[cfg(feature = "ssr")]
pub fn read_visitor_language() -> Language {
    // Quietly plain when there is no request (the route list is made at start-up).
    let secure = use_context::<crate::platform::Services>().is_some_and(|s| s.secure_cookies);
    use_context::<http::request::Parts>()
        .and_then(|parts| crate::auth::server::cookies::LANGUAGE.read(&parts.headers, secure))
        .and_then(|code| Language::parse(&code).ok())
        .unwrap_or(Language::En)
}

#[cfg(not(feature = "ssr"))]
pub fn read_visitor_language() -> Language {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|code| Language::parse(&code).ok())
        .unwrap_or(Language::En)
}

/// `GET /language/{en|sw}?next=/path`: remembers the choice and goes back. A plain link,
/// so it works before the app has loaded; `next` must be a path on this site.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::platform::Services> {
    use axum::{
        extract::{Path, Query, State},
        response::{IntoResponse, Redirect},
    };
    async fn choose(
        State(services): State<crate::platform::Services>,
        Path(code): Path<String>,
        Query(query): Query<std::collections::HashMap<String, String>>,
    ) -> axum::response::Response {
        let Ok(language) = Language::parse(&code) else {
            return (http::StatusCode::NOT_FOUND, "unknown language").into_response();
        };
        // Only a plain path on this site, by the same rule as after logging in.
        let next = query
            .get("next")
            .and_then(|next| crate::auth::server::safe_next(next))
            .unwrap_or("/");
        let cookie = crate::auth::server::cookies::LANGUAGE.set(language.as_str(), services.secure_cookies);
        ([(http::header::SET_COOKIE, cookie)], Redirect::to(next)).into_response()
    }
    axum::Router::new().route("/language/{code}", axum::routing::get(choose))
}

/// Who is looking at the page, shared by the header and every page that needs the
/// viewer's name or language. Re-read on each navigation and after logout.
#[derive(Clone, Copy)]
pub struct Viewer {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub logout: ServerAction<Logout>,
    /// The language chosen before signing in, for pages seen signed out.
    pub visitor: Language,
}

pub fn use_viewer() -> Viewer {
    expect_context::<Viewer>()
}

impl Viewer {
    /// Her language (the visitor's when signed out), as far as the page's brand speaks it.
    pub async fn language(self) -> Language {
        let brand = crate::platform::brand::use_brand().brand;
        let wanted = self
            .user
            .await
            .ok()
            .flatten()
            .and_then(|u| Language::parse(&u.language).ok())
            .unwrap_or(self.visitor);
        brand.language(wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number_in_both_languages() {
        let days = |lang, n| plural(lang, n, "{} day to go", "{} days to go");
        assert_eq!(days(Language::En, 1), "1 day to go");
        assert_eq!(days(Language::En, 120), "120 days to go");
        assert_eq!(days(Language::Sw, 1), "Imebaki siku 1");
        assert_eq!(days(Language::Sw, 120), "Zimebaki siku 120");
        assert_eq!(days(Language::Sw, 0), "Zimebaki siku 0");
        let counted = |lang, n| plural(lang, n, "{} movement counted", "{} movements counted");
        assert_eq!(counted(Language::En, 1), "1 movement counted");
        assert_eq!(counted(Language::Sw, 10), "Umehesabu mara 10");
    }

    #[test]
    fn errors_are_said_in_her_language_with_their_values() {
        assert_eq!(
            error_text(Language::Sw, &AppError::field("pin", "that PIN is not right")),
            "PIN si sahihi"
        );
        assert_eq!(
            error_text(Language::Sw, &AppError::RateLimited { retry_after_secs: 42 }),
            "Umejaribu mara nyingi mno. Tafadhali jaribu tena baada ya sekunde 42."
        );
        assert_eq!(
            error_text(Language::En, &AppError::RateLimited { retry_after_secs: 42 }),
            "Too many attempts. Please try again in 42 seconds."
        );
        assert_eq!(
            error_text(Language::Sw, &AppError::Network),
            t(
                Language::Sw,
                "We couldn't reach the server. Check your connection and try again."
            )
        );
    }

    #[test]
    fn translates_and_falls_back_to_english() {
        assert_eq!(t(Language::Sw, "Week"), "Wiki");
        assert_eq!(t(Language::En, "Week"), "Week");
        assert_eq!(t(Language::Sw, "no such words"), "no such words");
        assert_eq!(tf(Language::Sw, "Step {} of {}", &[&1, &3]), "Hatua 1 kati ya 3");
        assert_eq!(tf(Language::En, "Step {} of {}", &[&1, &3]), "Step 1 of 3");
    }

    /// Every `t(lang, "...")` / `tf(lang, "...", ..)` key in the app's source has its Kiswahili line.
    #[test]
    fn every_key_in_the_code_is_translated() {
        let mut missing = Vec::new();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n/mod.rs") {
                    let text = std::fs::read_to_string(&path).expect("read file");
                    for key in keys_in(&text) {
                        if !kiswahili().contains_key(key.as_str()) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "add these to app/src/i18n/sw.tsv:\n{}",
            missing.join("\n")
        );
    }

    fn keys_in(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        // plural(lang, n, "one", "many"): both literals are keys.
        for (at, _) in text.match_indices("plural(lang, ") {
            let call = &text[at..text[at..].find(')').map_or(text.len(), |e| at + e)];
            keys.extend(call.split('"').skip(1).step_by(2).map(str::to_owned));
        }
        for marker in ["t(lang, \"", "tf(lang, \""] {
            for (at, _) in text.match_indices(marker) {
                let boundary = text[..at]
                    .chars()
                    .last()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                let rest = &text[at + marker.len()..];
                if let (true, Some(end)) = (boundary, rest.find('"')) {
                    keys.push(rest[..end].to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn the_file_has_no_duplicate_or_empty_lines() {
        let mut seen = std::collections::HashSet::new();
        for line in KISWAHILI.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (en, sw) = line.split_once('\t').unwrap_or_else(|| panic!("no tab in {line:?}"));
            assert!(!sw.trim().is_empty(), "empty translation for {en:?}");
            assert!(seen.insert(en), "{en:?} twice");
        }
    }
}
