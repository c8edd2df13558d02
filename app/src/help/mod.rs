//! The help centre (articles as data, full-text search, contact support), the legal pages
//! and the floating help button on signed-in pages. Pages are public except the support
//! form and the ticket list.

#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
mod store;

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::components::{Field, Submit, last_error, retrying, successes};
use crate::error::AppError;
use crate::i18n::{t, use_viewer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleLink {
    pub product: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub title: String,
    pub updated: String,
    pub html: String,
    pub product: String,
    pub language: String,
}

/// The help button's list: the first articles of the viewer's product, in her language
/// (English where there is no translation). Nothing for a visitor.
#[server(prefix = "/api/help", endpoint = "shortcuts", input = GetUrl)]
pub async fn help_shortcuts() -> Result<Vec<ArticleLink>, AppError> {
    Ok(match crate::auth::server::session::current_user().await? {
        Some((_, user)) => content::shortcuts(&user.product, &user.language, 5),
        None => Vec::new(),
    })
}

/// Articles in her language (English where there is no translation): the matches for `q`,
/// best first, or every article of `product` when there is no query.
#[server(prefix = "/api/help", endpoint = "search", input = GetUrl)]
pub async fn search_help(
    #[server(default)] q: String,
    #[server(default)] product: String,
) -> Result<Vec<ArticleLink>, AppError> {
    let language = ssr::language().await;
    let pool = crate::platform::services()?.pool;
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(AppError::field("q", "search with at most 200 characters"));
    }
    let product = Some(product.as_str()).filter(|p| matches!(*p, "sasamum" | "fishmouth"));
    // One row per article: her language when it exists, else English.
    let rows = store::search_articles(&pool, q, &language, product).await?;
    let mut links: Vec<ArticleLink> = rows
        .into_iter()
        .map(|(product, slug, title, summary)| ArticleLink {
            product,
            slug,
            title,
            summary,
        })
        .collect();
    if !q.is_empty() {
        // Rank across products: titles that contain the words first.
        let words: Vec<String> = q.to_lowercase().split_whitespace().map(str::to_owned).collect();
        links.sort_by_key(|l| {
            std::cmp::Reverse(
                words
                    .iter()
                    .filter(|w| l.title.to_lowercase().contains(w.as_str()))
                    .count(),
            )
        });
    }
    Ok(links)
}

#[server(prefix = "/api/help", endpoint = "article", input = GetUrl)]
pub async fn load_article(product: String, slug: String) -> Result<Article, AppError> {
    ssr::page("help", &slug, &[product.as_str()]).await
}

/// A legal page for `product` (the viewer's own by default), in her language.
#[server(prefix = "/api/help", endpoint = "legal", input = GetUrl)]
pub async fn load_legal(slug: String, #[server(default)] product: String) -> Result<Article, AppError> {
    let product = match product.as_str() {
        "sasamum" | "fishmouth" => product,
        _ => ssr::viewer_product().await,
    };
    let mut page = ssr::page("legal", &slug, &[product.as_str(), "platform"]).await?;
    if slug == "cookies" {
        page.html = page.html.replace("<p>{{cookie_table}}</p>", &ssr::cookie_table());
    }
    Ok(page)
}

#[server(prefix = "/api/help", endpoint = "ticket")]
pub async fn submit_ticket(subject: String, body: String, #[server(default)] page: String) -> Result<i64, AppError> {
    use crate::platform::{outbox, rate_limit};
    let (subject, body) = (subject.trim(), body.trim());
    let mut fields = Vec::new();
    if subject.is_empty() || subject.chars().count() > 150 {
        fields.push(crate::error::FieldError {
            field: "subject".into(),
            message: "a subject of 1 to 150 characters".into(),
        });
    }
    if body.is_empty() || body.chars().count() > 5000 {
        fields.push(crate::error::FieldError {
            field: "body".into(),
            message: "tell us what happened, up to 5,000 characters".into(),
        });
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let services = crate::platform::services()?;
    rate_limit::hit(
        &services.pool,
        &format!("ticket:{}", user.id),
        rate_limit::Limit::per_hour(10),
    )
    .await?;
    let page = Some(page.trim()).filter(|p| p.starts_with('/') && p.len() <= 200);
    let mut tx = services.pool.begin().await?;
    let id = store::insert_ticket(&mut tx, user.id, subject, body, page).await?;
    let brand = crate::products::of_product(user.product());
    let message = crate::platform::email::compose(
        brand,
        &format!("We received your request #{id}"),
        "Hello,",
        &[
            &format!("Thank you for writing to us about \"{subject}\". Your request number is #{id}."),
            "We answer within two working days, by email. You can see your requests on your account's Support page.",
        ],
        None,
    );
    outbox::enqueue_email(
        &mut tx,
        outbox::Email {
            sender: brand.mail_sender,
            idempotency_key: format!("ticket:{id}"),
            user_id: Some(user.id),
            to: user.email.clone(),
            message,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub subject: String,
    pub status: domain::TicketStatus,
    pub created: String,
}

#[server(prefix = "/api/help", endpoint = "tickets", input = GetUrl)]
pub async fn my_tickets() -> Result<Vec<Ticket>, AppError> {
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let rows = store::tickets(&crate::platform::services()?.pool, user.id).await?;
    Ok(rows
        .into_iter()
        .map(|(id, subject, status, created)| Ticket {
            id,
            subject,
            status,
            created: created.date().to_string(),
        })
        .collect())
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::Article;
    use crate::error::AppError;

    /// The viewer's language, or English for a visitor.
    pub async fn language() -> String {
        match crate::auth::server::session::current_user().await {
            Ok(Some((_, user))) => user.language,
            _ => "en".to_owned(),
        }
    }

    pub async fn viewer_product() -> String {
        match crate::auth::server::session::current_user().await {
            Ok(Some((_, user))) => user.product,
            _ => "sasamum".to_owned(),
        }
    }

    /// The page in her language, else English; for the first of `products` that has it.
    pub async fn page(kind: &str, slug: &str, products: &[&str]) -> Result<Article, AppError> {
        let language = language().await;
        let pool = crate::platform::services()?.pool;
        let row = super::store::page(&pool, kind, slug, products, &language).await?;
        let (title, updated, html, product, language) = row.ok_or(AppError::NotFound)?;
        Ok(Article {
            title,
            updated: updated.to_string(),
            html,
            product,
            language,
        })
    }

    /// The cookie table, from the very list of cookies the server sets.
    pub fn cookie_table() -> String {
        use crate::auth::server::cookies::ALL;
        let days = |secs: i64| {
            if secs >= 86_400 {
                format!("{} days", secs / 86_400)
            } else {
                format!("{} minutes", secs / 60)
            }
        };
        let rows: String = ALL
            .iter()
            .map(|c| {
                format!(
                    "<tr><td><code>{}</code> (<code>__Host-{}</code> over HTTPS)</td><td>{}</td><td>{}</td></tr>",
                    c.name,
                    c.name,
                    c.purpose,
                    days(c.max_age_secs)
                )
            })
            .collect();
        format!(
            "<table class=\"cookie-table\"><thead><tr><th scope=\"col\">Cookie</th><th scope=\"col\">Purpose</th><th scope=\"col\">Lifetime</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    }
}

/// `/help`: search (a plain GET form), then the articles of each product.
#[component]
pub fn HelpPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    // A product's own help shows its articles only; the platform's shows both.
    let brand = crate::platform::brand::use_brand().brand;
    let product = if brand.is_platform() { "" } else { brand.key };
    let results = Resource::new(q, retrying(move |q| search_help(q, product.to_owned())));
    let lang = crate::i18n::visitor_language();
    let shown = move |product: &str| brand.is_platform() || brand.key == product;
    let t = move |english| crate::i18n::t(lang, english);
    view! {
        <Title text=t("Help")/>
        <h1>{t("Help centre")}</h1>
        <form method="get" action="/help" class="card search-form" role="search">
            <div class="field">
                <label for="help-q">{t("Search the help centre")}</label>
                <input id="help-q" type="search" name="q" value=q/>
            </div>
            <button type="submit" class="button">{t("Search")}</button>
        </form>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let searched = !q().is_empty();
                results.await.map(|links| {
                    let empty = !links.iter().any(|l| shown(&l.product));
                    let group = move |product: &'static str, heading: &'static str| {
                        let items: Vec<_> = links.iter().filter(|l| l.product == product && shown(product)).cloned().collect();
                        (!items.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>{heading}</h2>
                                <ArticleList links=items/>
                            </section>
                        })
                    };
                    view! {
                        {(searched && empty).then(|| view! { <p>{t("No article matches. Try other words, or")} " " <a href="/account/support">{t("ask us")}</a> "."</p> })}
                        {group("sasamum", "SasaMum")}
                        {group("fishmouth", "Fish Mouth")}
                        <p class="form-footer"><a href="/account/support">{t("Contact support")}</a></p>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
fn ArticleList(links: Vec<ArticleLink>) -> impl IntoView {
    view! {
        <ul class="log-list">
            {links.into_iter().map(|l| view! {
                <li class="log-entry">
                    <a href=format!("/help/{}/{}", l.product, l.slug)>{l.title}</a>
                    <p class="hint">{l.summary}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// `/help/:product/:slug`
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let article = Resource::new(
        move || {
            let p = params.read();
            (p.get("product").unwrap_or_default(), p.get("slug").unwrap_or_default())
        },
        retrying(|(product, slug)| load_article(product, slug)),
    );
    view! {
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match article.await {
                    Ok(a) => view! { <Document article=a back=("/help", "Help centre")/> }.into_any(),
                    Err(_) => view! { <crate::not_found::NotFound/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `/legal/:slug` (terms, privacy, cookies), `?for=fishmouth` for the other product's.
#[component]
pub fn LegalPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // The page's brand's terms (its host's, or `?for=`); the platform's page asks for hers.
    let brand = crate::platform::brand::use_brand().brand;
    let page = Resource::new(
        move || {
            let wanted = query.read().get("for").unwrap_or_default();
            let product = if brand.is_platform() {
                wanted
            } else {
                brand.key.to_owned()
            };
            (params.read().get("slug").unwrap_or_default(), product)
        },
        retrying(|(slug, product)| load_legal(slug, product)),
    );
    view! {
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(a) => view! { <Document article=a back=(crate::platform::brand::use_brand().home(), "Home")/> }.into_any(),
                    Err(_) => view! { <crate::not_found::NotFound/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Document(article: Article, back: (&'static str, &'static str)) -> impl IntoView {
    view! {
        <Title text=article.title.clone()/>
        <article class="card prose" lang=article.language.clone()>
            <h1>{article.title.clone()}</h1>
            <p class="hint">
                {if article.language == "sw" { "Ilisasishwa " } else { "Last updated " }}
                <time datetime=article.updated.clone()>{article.updated.clone()}</time>
            </p>
            // Rendered on the server from our own Markdown, with raw HTML and unsafe links removed.
            <div inner_html=article.html></div>
        </article>
        <p class="form-footer"><a href=back.0>{back.1}</a></p>
    }
}

/// `/account/support`: write to support and see earlier requests.
#[component]
pub fn SupportPage() -> impl IntoView {
    let submit = ServerAction::<SubmitTicket>::new();
    let saved = successes(submit.value());
    let tickets = Resource::new(move || saved.get(), retrying(|_| my_tickets()));
    let error = last_error(submit.value());
    let query = use_query_map();
    let viewer = use_viewer();
    view! {
        <Title text="Support"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                let rows = tickets.await.unwrap_or_default();
                view! {
                    <h1>{t(lang, "Contact support")}</h1>
                    <section class="card form-card">
                        <ActionForm action=submit>
                            <input type="hidden" name="page" value=move || query.read().get("from").unwrap_or_default()/>
                            <Field label=t(lang, "Subject") name="subject" error/>
                            <div class="field">
                                <label for="body">{t(lang, "What happened?")}</label>
                                <textarea id="body" name="body" rows="6" maxlength="5000" required=true></textarea>
                                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("body"))}</p>
                            </div>
                            <Submit label=t(lang, "Send") error/>
                        </ActionForm>
                        {move || submit.value().get().and_then(Result::ok).map(|id| view! {
                            <p class="notice-inline notice-inline-ok" role="status">
                                {format!("#{id}: ")} {t(lang, "Thank you: your request is with us. A confirmation is on its way to your email.")}
                            </p>
                        })}
                    </section>
                    <section class="card">
                        <h2>{t(lang, "My requests")}</h2>
                        <ul class="log-list">
                            {rows.into_iter().map(|t| view! {
                                <li class="log-entry"><p>{format!("#{} · {}", t.id, t.subject)}</p><p class="hint">{format!("{} · {}", t.created, t.status)}</p></li>
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })}
        </Transition>
    }
}

/// The help button on every signed-in page: a panel (a native disclosure, so it works
/// before the app loads) with search and the articles of her product.
#[component]
pub fn HelpButton() -> impl IntoView {
    let viewer = use_viewer();
    let location = use_location();
    // The panel closes when she goes to another page. Only then: a panel she opened before
    // the page hydrated stays open through hydration.
    let panel = NodeRef::<leptos::html::Details>::new();
    // A resource, so the list rendered on the server is the one the browser hydrates.
    let articles = Resource::new(|| (), retrying(|()| help_shortcuts()));
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path)
            && let Some(details) = panel.get_untracked()
        {
            details.set_open(false);
        }
        path
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = viewer.user.await.ok().flatten()?;
                let lang = domain::account::Language::parse(&user.language).unwrap_or(domain::account::Language::En);
                let links = articles.await.unwrap_or_default();
                let from = location.pathname.get_untracked();
                Some(view! {
                    <details class="help-fab" node_ref=panel>
                        <summary>{t(lang, "Help")}</summary>
                        <div class="help-panel">
                            <form method="get" action="/help" role="search">
                                <label for="help-fab-q">{t(lang, "Search help")}</label>
                                <input id="help-fab-q" type="search" name="q"/>
                                <button type="submit" class="button">{t(lang, "Search")}</button>
                            </form>
                            <ArticleList links/>
                            <p><a href=format!("/account/support?from={from}")>{t(lang, "Contact support")}</a></p>
                        </div>
                    </details>
                })
            })}
        </Transition>
    }
}
