//! Help articles and legal pages are Markdown files with a front-matter block, embedded in
//! the binary and loaded into `content_pages` at start-up (where full-text search finds
//! them). Markdown is rendered here, on the server, with raw HTML turned into text and
//! only safe link schemes kept.

use std::{
    collections::BTreeMap,
    sync::{PoisonError, RwLock},
};

use pulldown_cmark::{Event, Options, Parser, Tag, html};
use sqlx::PgPool;

use super::ArticleLink;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub kind: String,
    pub slug: String,
    pub product: String,
    pub language: String,
    pub title: String,
    pub summary: String,
    pub updated: String,
    pub body: String,
}

/// `path` is relative to content/ ("help/pin-lock.en.md"); its first folder is the kind.
pub fn parse(path: &str, text: &str) -> Result<Page, String> {
    let kind = path
        .split('/')
        .next()
        .filter(|k| matches!(*k, "help" | "legal"))
        .ok_or("not under help/ or legal/")?;
    let rest = text
        .trim_start_matches('\u{feff}')
        .strip_prefix("---")
        .ok_or("no front matter")?;
    let (front, body) = rest.split_once("\n---").ok_or("front matter not closed")?;
    let field = |name: &str| {
        front
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.split(" #").next().unwrap_or_default().trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or(format!("front matter lacks {name}"))
    };
    Ok(Page {
        kind: kind.to_owned(),
        slug: field("slug")?,
        product: field("product")?,
        language: field("language")?,
        title: field("title")?,
        summary: field("summary")?,
        updated: field("updated")?,
        body: body.trim_start_matches(['-', '\r', '\n']).trim().to_owned(),
    })
}

/// Markdown to HTML that cannot carry script: raw HTML is shown as text, and a link or
/// image whose address is not http(s), mailto, tel or site-relative loses its address.
pub fn render_markdown(markdown: &str) -> String {
    let safe = |url: &str| {
        let url = url.trim().to_ascii_lowercase();
        url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("mailto:")
            || url.starts_with("tel:")
            || (url.starts_with('/') && !url.starts_with("//"))
            || url.starts_with('#')
    };
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// The help articles as the last [`sync`] loaded them, with their language: the help button
/// on every signed-in page lists them from memory, never from the database.
static ARTICLES: RwLock<Vec<(String, ArticleLink)>> = RwLock::new(Vec::new());

/// A product's first `count` articles (by slug) in `language`, in English where there is no
/// translation.
pub fn shortcuts(product: &str, language: &str, count: usize) -> Vec<ArticleLink> {
    let articles = ARTICLES.read().unwrap_or_else(PoisonError::into_inner);
    let mut by_slug: BTreeMap<&str, &ArticleLink> = BTreeMap::new();
    for (lang, link) in articles.iter().filter(|(_, link)| link.product == product) {
        if lang == language || (lang == "en" && !by_slug.contains_key(link.slug.as_str())) {
            by_slug.insert(&link.slug, link);
        }
    }
    by_slug.into_values().take(count).cloned().collect()
}

/// Makes `content_pages` match the embedded files: new and changed pages are written,
/// pages no longer shipped are removed. A file that does not parse stops start-up.
pub async fn sync(pool: &PgPool, files: &[(&str, &str)]) -> anyhow::Result<usize> {
    let mut pages = Vec::with_capacity(files.len());
    for (path, text) in files {
        pages.push(parse(path, text).map_err(|e| anyhow::anyhow!("content/{path}: {e}"))?);
    }
    let mut rows = Vec::with_capacity(pages.len());
    for page in &pages {
        let updated =
            domain::parse_iso_date(&page.updated).map_err(|e| anyhow::anyhow!("{}: updated: {e}", page.slug))?;
        rows.push(super::store::PageRow {
            kind: &page.kind,
            slug: &page.slug,
            product: &page.product,
            language: &page.language,
            title: &page.title,
            summary: &page.summary,
            updated,
            markdown: &page.body,
            html: render_markdown(&page.body),
        });
    }
    super::store::replace_content_pages(pool, &rows).await?;
    *ARTICLES.write().unwrap_or_else(PoisonError::into_inner) = pages
        .iter()
        .filter(|page| page.kind == "help")
        .map(|page| {
            let link = ArticleLink {
                product: page.product.clone(),
                slug: page.slug.clone(),
                title: page.title.clone(),
                summary: page.summary.clone(),
            };
            (page.language.clone(), link)
        })
        .collect();
    Ok(pages.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "---\ntitle: PIN lock\nupdated: 2026-11-26\nproduct: sasamum        # sasamum | fishmouth\nlanguage: en\nslug: pin-lock\nsummary: Keep your screens private.\n---\n\n## Set a PIN\n\nGo to **/mum/pin**.\n";

    #[test]
    fn front_matter_and_body_are_read() {
        let page = parse("help/pin-lock.en.md", ARTICLE).expect("parse");
        assert_eq!(
            (page.kind.as_str(), page.slug.as_str(), page.product.as_str()),
            ("help", "pin-lock", "sasamum")
        );
        assert_eq!(page.title, "PIN lock");
        assert!(page.body.starts_with("## Set a PIN"), "{}", page.body);
        assert!(parse("other/x.md", ARTICLE).is_err());
        assert!(parse("help/x.md", "no front matter").is_err());
        assert!(
            parse("help/x.md", "---\ntitle: x\n---\nbody")
                .expect_err("fields")
                .contains("slug")
        );
    }

    #[test]
    fn the_help_button_lists_her_products_articles_in_her_language_else_english() {
        let article = |product: &str, language: &str, slug: &str| {
            let link = ArticleLink {
                product: product.to_owned(),
                slug: slug.to_owned(),
                title: format!("{slug} ({language})"),
                summary: String::new(),
            };
            (language.to_owned(), link)
        };
        *ARTICLES.write().expect("lock") = vec![
            article("sasamum", "sw", "pin-lock"),
            article("sasamum", "en", "pin-lock"),
            article("sasamum", "en", "due-date"),
            article("sasamum", "en", "reminders"),
            article("fishmouth", "en", "area-scans"),
        ];
        let titles = |language: &str, count: usize| -> Vec<String> {
            shortcuts("sasamum", language, count)
                .into_iter()
                .map(|l| l.title)
                .collect()
        };
        assert_eq!(titles("sw", 5), ["due-date (en)", "pin-lock (sw)", "reminders (en)"]);
        assert_eq!(titles("en", 2), ["due-date (en)", "pin-lock (en)"]);
        assert!(shortcuts("nobody", "en", 5).is_empty());
    }

    #[test]
    fn markdown_cannot_carry_script() {
        let html = render_markdown(
            "Hi <script>alert(1)</script> [x](javascript:alert(1)) [ok](/help) ![i](data:x)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"href="/help""#));
        assert!(!html.contains("data:x"));
        assert!(html.contains("<table>"), "tables render: {html}");
    }
}
