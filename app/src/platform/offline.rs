//! The pages the installed app shows without a connection, one set per brand: its service
//! worker keeps them from install (`public/sw.js`), so they must say everything at once.
//! In the brand's languages: Kiswahili alone once she reads it, both until her language is
//! known, and English alone for a brand that speaks only English.

#![cfg(feature = "ssr")]

use domain::account::Language;

use super::brand::Brand;
use crate::components::escape_html as escape;
use crate::i18n::{t, tf};

/// Which offline answer: a page that could not load, or a form that could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offline {
    Page,
    Form,
}

/// The whole HTML document. `reader` is the language of the last page she was sent, if any.
pub fn page(brand: &Brand, kind: Offline, reader: Option<Language>) -> String {
    let languages: Vec<Language> = match reader.filter(|l| brand.speaks(*l)) {
        Some(Language::Sw) => vec![Language::Sw],
        _ => brand.languages.to_vec(),
    };
    let first = languages[0];
    let title = match kind {
        Offline::Page => t(first, "You are offline"),
        Offline::Form => t(first, "Not saved"),
    };
    let mut body = String::new();
    for (i, &lang) in languages.iter().enumerate() {
        let heading = if i == 0 { "h1" } else { "h2" };
        let words = match kind {
            Offline::Page => vec![
                t(lang, "You are offline").to_owned(),
                tf(
                    lang,
                    "{} needs a connection for this page. Check your data or Wi-Fi, then try again.",
                    &[&brand.name],
                ),
            ],
            Offline::Form => vec![
                t(lang, "You are offline: nothing was saved").to_owned(),
                t(
                    lang,
                    "Go back and send it again when you have a connection. What you typed is still in the form.",
                )
                .to_owned(),
            ],
        };
        if i > 0 {
            body.push_str(&format!("<div lang=\"{}\">", lang.as_str()));
        }
        body.push_str(&format!(
            "<{heading}>{}</{heading}><p>{}</p>",
            escape(&words[0]),
            escape(&words[1])
        ));
        if let Some(warning) = brand.offline_warning {
            body.push_str(&format!("<p><strong>{}</strong></p>", escape(t(lang, warning))));
        }
        if kind == Offline::Page {
            body.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(brand.start_url),
                escape(t(lang, "Try again"))
            ));
        }
        if i > 0 {
            body.push_str("</div>");
        }
    }
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {name}</title></head>\
         <body><main>{body}</main></body></html>",
        lang = first.as_str(),
        title = escape(title),
        name = escape(brand.name),
    )
}
