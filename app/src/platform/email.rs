//! An email's parts: a plain-text and an HTML body built from the same paragraphs.

#![cfg(feature = "ssr")]

use super::brand::Brand;
use crate::components::escape_html as escape;

pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One email from `brand`, signed with its name: a greeting, paragraphs, an optional
/// button, and the same in plain text.
pub fn compose(
    brand: &Brand,
    subject: &str,
    greeting: &str,
    paragraphs: &[&str],
    action: Option<(&str, &str)>,
) -> Message {
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#1b2a28\"><p>{}</p>",
        escape(greeting)
    );
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, link)) = action {
        text.push_str(&format!("{label}: {link}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\" style=\"background:#0f5c4d;color:#fff;padding:10px 18px;border-radius:999px;text-decoration:none\">{1}</a></p><p style=\"font-size:13px;color:#4a5a57\">{0}</p>",
            escape(link),
            escape(label)
        ));
    }
    text.push_str(brand.name);
    html.push_str(&format!("<p>{}</p></body></html>", escape(brand.name)));
    Message {
        subject: subject.to_owned(),
        text,
        html,
    }
}
