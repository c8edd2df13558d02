//! The privacy centre: the consents she gave, her data to download (JSON, or CSV per
//! table), what each product adds (SasaMum: deleting a pregnancy record), deleting the whole
//! account, and the audit log of her own account. Every deletion is a hard delete, audited
//! without the deleted content.

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
mod store;

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{Field, FormError, Submit, last_error, retrying, successes};
use crate::error::AppError;
use crate::i18n::{t, use_viewer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub consents: Vec<ConsentRow>,
    /// The tables holding her rows, each downloadable as CSV.
    pub tables: Vec<String>,
    pub audit: Vec<AuditRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRow {
    pub id: i64,
    pub purpose: String,
    pub version: String,
    pub granted: String,
    pub withdrawn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub action: String,
    pub outcome: String,
}

/// Where her latest "download everything" stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportJob {
    pub id: Uuid,
    pub status: domain::JobStatus,
    pub total: i32,
    pub done: i32,
}

/// Asks for a download of everything: built in the background, table by table. One at a
/// time: asking again while one is being built returns that one.
#[server(prefix = "/api/privacy", endpoint = "export-start")]
pub async fn start_export() -> Result<Uuid, AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    if let Some(id) = store::export_in_progress(&mut tx, user.id).await? {
        return Ok(id);
    }
    let id = Uuid::new_v4();
    store::replace_export_job(&mut tx, user.id, id).await?;
    let detail = serde_json::json!({ "job": id });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "privacy.export_requested",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api/privacy", endpoint = "export-status", input = GetUrl)]
pub async fn export_status() -> Result<Option<ExportJob>, AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = crate::platform::services()?;
    let job = store::latest_export(&services.pool, user.id).await?;
    Ok(job.map(|(id, status, total, done)| ExportJob {
        id,
        status,
        total,
        done,
    }))
}

#[server(prefix = "/api/privacy", endpoint = "overview", input = GetUrl)]
pub async fn privacy_overview() -> Result<Overview, AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let pool = crate::platform::services()?.pool;
    let stamp = crate::platform::format_time;
    let consents = store::consents(&pool, user.id).await?;
    let audit = store::her_audit_trail(&pool, user.id).await?;
    let tables = export::tables_of_a_user(&pool)
        .await?
        .into_iter()
        .map(|(table, _)| table)
        .collect();
    Ok(Overview {
        consents: consents
            .into_iter()
            .map(|(id, purpose, version, granted, withdrawn)| ConsentRow {
                id,
                purpose,
                version,
                granted: stamp(granted),
                withdrawn: withdrawn.map(stamp),
            })
            .collect(),
        tables,
        audit: audit
            .into_iter()
            .map(|(at, action, outcome)| AuditRow {
                at: stamp(at),
                action,
                outcome,
            })
            .collect(),
    })
}

/// Withdrawing a consent stops what it allowed at once (the health-data consent: SasaMum
/// storing anything new; weekly messages: them); what she already saved stays hers to
/// download or delete.
#[server(prefix = "/api/privacy", endpoint = "withdraw")]
pub async fn withdraw_consent(id: String) -> Result<(), AppError> {
    use crate::platform::{audit, request_info};
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| AppError::field("id", "not a consent id"))?;
    let pool = crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    let Some(purpose) = store::withdraw_consent(&mut tx, id, user.id).await? else {
        return Err(AppError::NotFound);
    };
    crate::products::consent_withdrawn(&mut tx, user.id, &purpose).await?;
    let detail = serde_json::json!({ "consent": id, "purpose": purpose });
    audit::success(&mut *tx, &request_info(), user.id, "privacy.withdraw_consent", detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the account and every row of it, after her password. A confirmation email
/// goes to the address that was hers; the audit log keeps only that it happened.
#[server(prefix = "/api/privacy", endpoint = "delete-account")]
pub async fn delete_account(password: String, #[server(default)] confirm: String) -> Result<(), AppError> {
    use crate::platform::email::compose;
    use crate::platform::{audit, outbox, request_info};
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = crate::platform::services()?;
    let request = request_info();
    if confirm != "yes" {
        return Err(AppError::field(
            "confirm",
            "tick the box to confirm you want everything deleted",
        ));
    }
    crate::auth::guards::reauthenticate(&services, &user, password, "password", "privacy.delete_account").await?;
    let brand = crate::products::of_product(user.product());
    let message = compose(
        brand,
        &format!("Your {} account is deleted", brand.name),
        "Hello,",
        &[
            &format!(
                "Your {} account and everything in it were deleted, as you asked. Our security log keeps only a record that an account was deleted, not what was in it.",
                brand.name
            ),
            "If you did not ask for this, reply to this email.",
        ],
        None,
    );
    let mut tx = services.pool.begin().await?;
    let detail = serde_json::json!({});
    audit::success(&mut *tx, &request, user.id, "privacy.delete_account", detail).await?;
    outbox::enqueue_email(
        &mut tx,
        outbox::Email {
            sender: brand.mail_sender,
            idempotency_key: format!("account-deleted:{}", user.id),
            user_id: None,
            to: user.email.clone(),
            message,
        },
    )
    .await?;
    store::delete_account(&mut tx, user.id, &user.email).await?;
    tx.commit().await?;
    crate::auth::server::cookies::clear_all(services.secure_cookies);
    crate::auth::server::cookies::forget_this_device();
    leptos_axum::redirect("/goodbye");
    Ok(())
}

/// The export's action and status, made where the page starts (a resource first made
/// inside a Suspend does not hydrate). Polls while the file is being built.
#[derive(Clone, Copy)]
struct ExportState {
    start: ServerAction<StartExport>,
    job: Resource<Result<Option<ExportJob>, AppError>>,
}

fn use_export() -> ExportState {
    let start = ServerAction::<StartExport>::new();
    let started = successes(start.value());
    let tick = RwSignal::new(0u32);
    let job = Resource::new(move || (started.get(), tick.get()), retrying(|_| export_status()));
    Effect::new(move |_| {
        let building = job
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|j| j.status.in_progress());
        if building {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_millis(700));
        }
    });
    ExportState { start, job }
}

/// "Download everything": ask, watch the progress bar while it is built, then download.
/// Without JavaScript the page refreshes itself while the file is being built.
#[component]
fn ExportSection(lang: domain::account::Language, state: ExportState) -> impl IntoView {
    let ExportState { start, job } = state;
    let error = last_error(start.value());
    view! {
        <FormError error/>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                let job = job.await.ok().flatten();
                let building = job.as_ref().is_some_and(|j| j.status.in_progress());
                view! {
                    {building.then(|| view! { <noscript inner_html=crate::components::NOSCRIPT_REFRESH></noscript> })}
                    <div aria-live="polite" class="export">
                        {job.clone().map(|j| {
                            let max = j.total.max(1);
                            let done = if j.status == domain::JobStatus::Done { max } else { j.done };
                            view! {
                                <progress max=max value=done>{format!("{done}/{max}")}</progress>
                                <p class="hint" data-status=j.status.as_str()>{match j.status {
                                    domain::JobStatus::Done => t(lang, "Your file is ready.").to_owned(),
                                    domain::JobStatus::Failed => t(lang, "We could not build your file. Please try again.").to_owned(),
                                    _ => crate::i18n::tf(lang, "Preparing your file: {} of {} tables", &[&j.done, &j.total]),
                                }}</p>
                                {(j.status == domain::JobStatus::Done).then(|| view! {
                                    <a class="button" href=format!("/account/export/job/{}", j.id) download="sasa-my-data.json">{t(lang, "Download everything (JSON)")}</a>
                                })}
                            }
                        })}
                        {(!building).then(|| view! {
                            <ActionForm action=start>
                                <button type="submit" class="button button-ghost">{t(lang, "Prepare a download of everything (JSON)")}</button>
                            </ActionForm>
                        })}
                    </div>
                }
            })}
        </Transition>
    }
}

/// `/account/privacy`
#[component]
pub fn PrivacyPage() -> impl IntoView {
    let withdraw = ServerAction::<WithdrawConsent>::new();
    let delete_account = ServerAction::<DeleteAccount>::new();
    let unlock = ServerAction::<crate::products::Unlock>::new();
    let changed = RwSignal::new(0);
    let saved = [successes(withdraw.value()), successes(unlock.value()), changed.into()];
    let overview = Resource::new(
        move || saved.iter().map(|s| s.get()).sum::<usize>(),
        retrying(|_| privacy_overview()),
    );
    let viewer = use_viewer();
    let export = use_export();
    let account_error = last_error(delete_account.value());
    view! {
        <Title text="Privacy"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                let overview = match overview.await {
                    Ok(o) => o,
                    Err(AppError::Locked) => return view! { <crate::products::LockPrompt action=unlock lang/> }.into_any(),
                    Err(e) => return view! { <p class="notice-inline notice-inline-error">{e.to_string()}</p> }.into_any(),
                };
                view! {
                    <h1>{t(lang, "Privacy and my data")}</h1>
                    <div class="stack">
                        <section class="card">
                            <h2>{t(lang, "Download my data")}</h2>
                            <p>{t(lang, "Everything we keep about you, as one JSON file or as a CSV file per table.")}</p>
                            <ExportSection lang state=export/>
                            <ul class="chips">
                                {overview.tables.into_iter().map(|table| {
                                    let href = format!("/account/export/{table}.csv");
                                    view! { <li><a href=href download>{format!("{table}.csv")}</a></li> }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card">
                            <h2>{t(lang, "Consents")}</h2>
                            {overview.consents.is_empty().then(|| view! { <p>{t(lang, "You have not given any consent.")}</p> })}
                            <ul class="log-list">
                                {overview.consents.into_iter().map(|c| view! {
                                    <li class="log-entry">
                                        <p>{t(lang, "Keeping my pregnancy information")} " (" {c.version.clone()} ")"</p>
                                        <p class="hint">{t(lang, "Given")} " " {c.granted.clone()}</p>
                                        {match c.withdrawn.clone() {
                                            Some(at) => view! { <p class="hint">{t(lang, "Withdrawn")} " " {at}</p> }.into_any(),
                                            None => view! {
                                                <ActionForm action=withdraw attr:class="inline-form">
                                                    <input type="hidden" name="id" value=c.id.to_string()/>
                                                    <button type="submit" class="link-button">{t(lang, "Withdraw this consent")}</button>
                                                </ActionForm>
                                            }
                                            .into_any(),
                                        }}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                        {crate::products::privacy_sections(lang, changed)}
                        <section class="card">
                            <h2>{t(lang, "Delete my account")}</h2>
                            <p>{t(lang, "This deletes your account and everything in it at once. It cannot be undone. Download your data first if you want to keep it.")}</p>
                            <ActionForm action=delete_account>
                                <Field label=t(lang, "Your account password") name="password" kind="password" autocomplete="current-password" error=account_error/>
                                <label class="choice">
                                    <input type="checkbox" name="confirm" value="yes" required=true/>
                                    " " {t(lang, "Yes, delete my account and all my data")}
                                </label>
                                <p class="field-error" role="alert">{move || account_error.get().and_then(|e| e.message_for("confirm"))}</p>
                                <Submit label=t(lang, "Delete my account") error=account_error class="button button-danger"/>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>{t(lang, "Activity on my account")}</h2>
                            <table class="audit">
                                <thead><tr><th scope="col">{t(lang, "When")}</th><th scope="col">{t(lang, "What")}</th><th scope="col">{t(lang, "Result")}</th></tr></thead>
                                <tbody>
                                    {overview.audit.into_iter().map(|a| view! {
                                        <tr><td>{a.at}</td><td>{a.action}</td><td>{a.outcome}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// `/goodbye`: where a deleted account lands.
#[component]
pub fn GoodbyePage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let t = move |english| crate::i18n::t(lang, english);
    view! {
        <Title text=t("Account deleted")/>
        <section class="card form-card">
            <h1>{t("Your account is deleted")}</h1>
            <p>{t("Everything in it is gone. We sent a confirmation to your email address.")}</p>
            <a class="button" href="/">{t("Home")}</a>
        </section>
    }
}
