//! The help centre's queries: articles and legal pages, and support tickets. Server only.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Help articles matching `q` (all, when it is empty), one row per article in `language` when
/// it exists, else English, best match first within each: product, slug, title, summary.
pub async fn search_articles(
    db: impl PgExecutor<'_>,
    q: &str,
    language: &str,
    product: Option<&str>,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT DISTINCT ON (product, slug) product AS "product!", slug AS "slug!", title AS "title!",
                  summary AS "summary!" FROM (
             SELECT product, slug, title, summary, language,
                    CASE WHEN $1 = '' THEN 0 ELSE ts_rank(search, websearch_to_tsquery(
                        CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, $1)) END AS rank
             FROM content_pages
             WHERE kind = 'help' AND language IN ($2, 'en')
               AND ($3::text IS NULL OR product = $3)
               AND ($1 = '' OR search @@ websearch_to_tsquery(
                        CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, $1))
         ) found
         ORDER BY product, slug, (language = $2) DESC, rank DESC"#,
        q,
        language,
        product,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.product, r.slug, r.title, r.summary))
        .collect())
}

/// One article or legal page of `kind`, from the first of `products` that has it, in
/// `language` or else English: title, updated, HTML, product, language.
pub async fn page(
    db: impl PgExecutor<'_>,
    kind: &str,
    slug: &str,
    products: &[&str],
    language: &str,
) -> Result<Option<(String, Date, String, String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT title, updated, body_html, product, language FROM content_pages
         WHERE kind = $1 AND slug = $2 AND product = ANY($3) AND language IN ($4, 'en')
         ORDER BY array_position($3, product), (language = $4) DESC LIMIT 1",
        kind,
        slug,
        products as &[&str],
        language,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.title, r.updated, r.body_html, r.product, r.language)))
}

/// Her new support ticket; returns its number.
pub async fn insert_ticket(
    tx: &mut PgConnection,
    user_id: Uuid,
    subject: &str,
    body: &str,
    page: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO support_tickets (user_id, subject, body, page) VALUES ($1, $2, $3, $4) RETURNING id",
        user_id,
        subject,
        body,
        page,
    )
    .fetch_one(tx)
    .await
}

/// Her tickets, newest first: number, subject, status, created.
pub async fn tickets(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(i64, String, domain::TicketStatus, OffsetDateTime)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, subject, status AS "status: domain::TicketStatus", created_at
           FROM support_tickets WHERE user_id = $1 ORDER BY created_at DESC"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.subject, r.status, r.created_at))
        .collect())
}

/// A help or legal page as stored: its Markdown and the HTML rendered from it.
pub struct PageRow<'a> {
    pub kind: &'a str,
    pub slug: &'a str,
    pub product: &'a str,
    pub language: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub updated: Date,
    pub markdown: &'a str,
    pub html: String,
}

/// Replaces every help and legal page with `pages` in one transaction. Instances starting
/// together take turns; each leaves the same rows.
pub async fn replace_content_pages(pool: &sqlx::PgPool, pages: &[PageRow<'_>]) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock(20261127)")
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM content_pages").execute(&mut *tx).await?;
    for page in pages {
        sqlx::query!(
            "INSERT INTO content_pages (kind, slug, product, language, title, summary, updated, body_markdown, body_html)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            page.kind,
            page.slug,
            page.product,
            page.language,
            page.title,
            page.summary,
            page.updated,
            page.markdown,
            page.html,
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| anyhow::anyhow!("{}/{}.{}: {e}", page.kind, page.slug, page.language))?;
    }
    tx.commit().await?;
    Ok(())
}
