//! Admin basics for operators: users (search, disable, resend verification), support
//! tickets (answered by email through the outbox) and the audit log. Everyone else gets
//! a 404, and every operator action is itself audited.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{FormError, last_error, retrying, saves, successes};
use crate::error::AppError;

pub mod second_factor;
#[cfg(feature = "ssr")]
mod store;

/// What an admin page shows when its data is refused: the second-factor step for an
/// operator who has not passed it, the 404 page for anyone else.
#[component]
pub fn Refused(error: AppError) -> impl IntoView {
    match error {
        AppError::SecondFactor => view! {
            <section class="card">
                <h1>"Confirm it is you"</h1>
                <p>"Admin pages need the code from your authenticator app in every session."</p>
                <a class="button" href="/admin/verify">"Enter the code"</a>
            </section>
        }
        .into_any(),
        _ => view! { <crate::not_found::NotFound/> }.into_any(),
    }
}

/// An admin page: its title, then "Loading…" until `data` arrives; the rows drawn by
/// `render` under the heading and the admin menu, or `Refused` when the data is refused.
#[component]
pub fn AdminPage<T, V, F>(heading: &'static str, data: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Title text=format!("Admin: {heading}")/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(error) => view! { <Refused error/> }.into_any(),
                        Ok(rows) => view! { <h1>{heading}</h1> <AdminNav/> {render(rows)} }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub product: String,
    pub created: String,
    pub verified: bool,
    pub disabled: bool,
    pub admin: bool,
    pub health_worker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminTicket {
    pub id: i64,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub page: Option<String>,
    pub status: domain::TicketStatus,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: String,
}

#[server(prefix = "/api/admin", endpoint = "users", input = GetUrl)]
pub async fn admin_users(#[server(default)] q: String) -> Result<Vec<AdminUser>, AppError> {
    crate::auth::guards::Operator::get().await?;
    let pool = crate::platform::services()?.pool;
    let rows = store::find_users(&pool, &q).await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminUser {
            id: r.id,
            email: r.email.unwrap_or_else(|| "(text messages only)".to_owned()),
            name: r.display_name,
            product: r.product,
            created: r.created_at.date().to_string(),
            verified: r.verified,
            disabled: r.disabled,
            admin: r.is_admin,
            health_worker: r.is_health_worker,
        })
        .collect())
}

/// Lets a SasaMum account register mothers who have no smartphone, or stops it.
#[server(prefix = "/api/admin", endpoint = "health-worker")]
pub async fn set_health_worker(id: String, on: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let on = on == "true";
    let admin = crate::auth::guards::Operator::get().await?.user_id;
    let pool = crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    if !store::set_health_worker(&mut tx, id, on).await? {
        return Err(AppError::field("id", "only a SasaMum account can be a health worker"));
    }
    let action = if on {
        "admin.health_worker_granted"
    } else {
        "admin.health_worker_removed"
    };
    ssr::commit_audited(tx, admin, action, serde_json::json!({ "user": id })).await
}

/// Disables (signing in refused, every session ended) or re-enables an account.
#[server(prefix = "/api/admin", endpoint = "disable")]
pub async fn set_disabled(id: String, disabled: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let disable = disabled == "true";
    let admin = crate::auth::guards::Operator::get().await?.user_id;
    let pool = crate::platform::services()?.pool;
    if id == admin && disable {
        return Err(AppError::field("id", "you cannot disable your own account"));
    }
    let mut tx = pool.begin().await?;
    if !store::set_disabled(&mut tx, id, disable).await? {
        return Err(AppError::NotFound);
    }
    if disable {
        crate::auth::server::session::revoke_all(&mut tx, id, None, "disabled by an operator").await?;
    }
    let action = if disable {
        "admin.disable_user"
    } else {
        "admin.enable_user"
    };
    ssr::commit_audited(tx, admin, action, serde_json::json!({ "user": id })).await
}

#[server(prefix = "/api/admin", endpoint = "resend-verification")]
pub async fn admin_resend_verification(id: String) -> Result<(), AppError> {
    use crate::auth::{Recipient, send_link, server::store::Purpose};
    let id = crate::auth::guards::parse_id(&id)?;
    let admin = crate::auth::guards::Operator::get().await?.user_id;
    let services = crate::platform::services()?;
    let user = crate::auth::server::store::user_by_id(&services.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.email_verified_at.is_some() {
        return Err(AppError::field("id", "this address is already confirmed"));
    }
    let mut tx = services.pool.begin().await?;
    send_link(&mut tx, &services, &Recipient::from(&user), Purpose::VerifyEmail).await?;
    ssr::commit_audited(
        tx,
        admin,
        "admin.resend_verification",
        serde_json::json!({ "user": id }),
    )
    .await
}

#[server(prefix = "/api/admin", endpoint = "tickets", input = GetUrl)]
pub async fn admin_tickets() -> Result<Vec<AdminTicket>, AppError> {
    crate::auth::guards::Operator::get().await?;
    let pool = crate::platform::services()?.pool;
    let rows = store::tickets(&pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, subject, body, page, status, created)| AdminTicket {
            id,
            email,
            subject,
            body,
            page,
            status,
            created: crate::platform::format_time(created),
        })
        .collect())
}

/// Answers a ticket by email (through the outbox) and marks it answered.
#[server(prefix = "/api/admin", endpoint = "reply")]
pub async fn reply_ticket(id: String, body: String) -> Result<(), AppError> {
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        return Err(AppError::field("body", "write a reply of 1 to 5,000 characters"));
    }
    let admin = crate::auth::guards::Operator::get().await?.user_id;
    let pool = crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    let (user_id, email, product, subject) = store::answer_ticket(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    // The answer comes from her product's name.
    let brand = domain::account::Product::parse(&product)
        .map_or(&crate::platform::brand::Brand::PLATFORM, crate::products::of_product);
    let message = crate::platform::email::compose(
        brand,
        &format!("Re: {subject} (request #{id})"),
        "Hello,",
        &[body],
        None,
    );
    crate::platform::outbox::enqueue_email(
        &mut tx,
        crate::platform::outbox::Email {
            sender: brand.mail_sender,
            idempotency_key: format!("ticket-reply:{id}:{}", Uuid::new_v4()),
            user_id: Some(user_id),
            to: email,
            message,
        },
    )
    .await?;
    ssr::commit_audited(tx, admin, "admin.reply_ticket", serde_json::json!({ "ticket": id })).await
}

#[server(prefix = "/api/admin", endpoint = "audit", input = GetUrl)]
pub async fn admin_audit(#[server(default)] action: String) -> Result<Vec<AuditEntry>, AppError> {
    crate::auth::guards::Operator::get().await?;
    let pool = crate::platform::services()?.pool;
    let rows = store::audit_log(&pool, &action).await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, outcome, detail)| AuditEntry {
            at: format!(
                "{} {:02}:{:02}:{:02} UTC",
                at.date(),
                at.hour(),
                at.minute(),
                at.second()
            ),
            actor,
            action,
            outcome,
            detail: detail.to_string(),
        })
        .collect())
}

#[cfg(feature = "ssr")]
pub(crate) use ssr::commit_audited;

#[cfg(feature = "ssr")]
mod ssr {
    use sqlx::{Postgres, Transaction};
    use uuid::Uuid;

    use crate::error::AppError;

    /// Records the operator's action and commits what it changed, together.
    pub async fn commit_audited(
        mut tx: Transaction<'_, Postgres>,
        admin: Uuid,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let request = crate::platform::request_info();
        crate::platform::audit::success(&mut *tx, &request, admin, action, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[component]
pub fn AdminNav() -> impl IntoView {
    const LINKS: &[(&str, &str)] = &[
        ("/admin", "Users"),
        ("/admin/tickets", "Support tickets"),
        ("/admin/refunds", "Refunds"),
        ("/admin/audit", "Audit log"),
        ("/pro/admin", "Operator dashboard"),
    ];
    view! { <crate::components::ChipNav label="Admin" links=LINKS/> }
}

/// `/admin`: users.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map();
    let disable = ServerAction::<SetDisabled>::new();
    let resend = ServerAction::<AdminResendVerification>::new();
    let worker = ServerAction::<SetHealthWorker>::new();
    let saved = saves![disable, resend, worker];
    let users = Resource::new(
        move || (query.read().get("q").unwrap_or_default(), saved.get()),
        retrying(|(q, _)| admin_users(q)),
    );
    let error = Signal::derive(move || {
        last_error(disable.value())
            .get()
            .or_else(|| last_error(resend.value()).get())
            .or_else(|| last_error(worker.value()).get())
    });
    view! {
        <AdminPage heading="Users" data=users render={move |rows: Vec<AdminUser>| view! {
            <form method="get" action="/admin" class="card search-form" role="search">
                <div class="field"><label for="admin-q">"Email or name"</label>
                    <input id="admin-q" type="search" name="q" value=move || query.read().get("q").unwrap_or_default()/></div>
                <button type="submit" class="button">"Search"</button>
            </form>
            <FormError error/>
            <ul class="log-list">
                {rows.into_iter().map(|user| view! { <UserItem user disable resend worker/> }).collect_view()}
            </ul>
        }}/>
    }
}

#[component]
fn UserItem(
    user: AdminUser,
    disable: ServerAction<SetDisabled>,
    resend: ServerAction<AdminResendVerification>,
    worker: ServerAction<SetHealthWorker>,
) -> impl IntoView {
    let u = user;
    let status = format!(
        "since {} · {} · {}{}{}",
        u.created,
        if u.verified { "confirmed" } else { "not confirmed" },
        if u.disabled { "disabled" } else { "active" },
        if u.admin { " · operator" } else { "" },
        if u.health_worker { " · health worker" } else { "" }
    );
    let can_register = u.product == "sasamum" && u.verified;
    let worker_id = u.id.to_string();
    let (id, resend_id) = (u.id.to_string(), u.id.to_string());
    view! {
        <li class="log-entry card" data-email=u.email.clone()>
            <p><strong>{u.email.clone()}</strong> " · " {u.name} " · " {u.product}</p>
            <p class="hint">{status}</p>
            <ActionForm action=disable attr:class="inline-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="disabled" value=(!u.disabled).to_string()/>
                <button type="submit" class="link-button">{if u.disabled { "Enable" } else { "Disable" }}</button>
            </ActionForm>
            {(!u.verified).then(|| view! {
                " · "
                <ActionForm action=resend attr:class="inline-form">
                    <input type="hidden" name="id" value=resend_id.clone()/>
                    <button type="submit" class="link-button">"Resend the confirmation email"</button>
                </ActionForm>
            })}
            {can_register.then(|| view! {
                " · "
                <ActionForm action=worker attr:class="inline-form">
                    <input type="hidden" name="id" value=worker_id.clone()/>
                    <input type="hidden" name="on" value=(!u.health_worker).to_string()/>
                    <button type="submit" class="link-button">
                        {if u.health_worker { "Stop registering mothers" } else { "Let register mothers (health worker)" }}
                    </button>
                </ActionForm>
            })}
        </li>
    }
}

/// `/admin/tickets`
#[component]
pub fn AdminTicketsPage() -> impl IntoView {
    let reply = ServerAction::<ReplyTicket>::new();
    let saved = successes(reply.value());
    let tickets = Resource::new(move || saved.get(), retrying(|_| admin_tickets()));
    let error = last_error(reply.value());
    view! {
        <AdminPage heading="Support tickets" data=tickets render={move |rows: Vec<AdminTicket>| view! {
            <FormError error/>
            <ul class="log-list">
                {rows.into_iter().map(|t| view! {
                    <li class="card log-entry" data-status=t.status.as_str()>
                        <p><strong>{format!("#{} {}", t.id, t.subject)}</strong></p>
                        <p class="hint">{format!("{} · {} · {}{}", t.email, t.created, t.status, t.page.map(|p| format!(" · from {p}")).unwrap_or_default())}</p>
                        <p class="log-note">{t.body}</p>
                        <ActionForm action=reply>
                            <input type="hidden" name="id" value=t.id.to_string()/>
                            <div class="field"><label>"Reply by email" <textarea name="body" rows="3" required=true></textarea></label></div>
                            <button type="submit" class="button">"Send reply"</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        }}/>
    }
}

/// `/admin/audit`
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let entries = Resource::new(
        move || query.read().get("action").unwrap_or_default(),
        retrying(admin_audit),
    );
    view! {
        <AdminPage heading="Audit log" data=entries render={move |rows: Vec<AuditEntry>| view! {
            <form method="get" action="/admin/audit" class="card search-form" role="search">
                <div class="field"><label for="audit-action">"Action starts with (auth., admin., privacy., mum., pro.)"</label>
                    <input id="audit-action" name="action" value=move || query.read().get("action").unwrap_or_default()/></div>
                <button type="submit" class="button">"Filter"</button>
            </form>
            <table class="audit">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Result"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|e| view! {
                        <tr><td>{e.at}</td><td>{e.actor}</td><td>{e.action} <span class="hint">{e.detail}</span></td><td>{e.outcome}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }}/>
    }
}
