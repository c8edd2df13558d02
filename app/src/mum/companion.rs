//! A companion she chooses: one person (partner, her mother, a community health volunteer),
//! invited by email or text message, who sees her week, her next visit and her danger alerts,
//! and her logs and notes only if she ticks it. She can stop sharing at any time; every step
//! and every look is in her audit log.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use domain::account::Language;

use crate::components::{Field, FormError, Submit, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{t, tf, use_viewer};

/// Whom she may invite, as the form and the database spell it.
const RELATIONSHIPS: [(&str, &str); 4] = [
    ("partner", "My partner"),
    ("mother", "My mother or a relative"),
    ("health_volunteer", "A community health volunteer"),
    ("other", "Someone else I trust"),
];

/// Her sharing, as her companion page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    pub companion: Option<CompanionView>,
    /// Invitations by text message can be sent on this server.
    pub sms: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanionView {
    pub contact: String,
    pub relationship: String,
    pub share_logs: bool,
    /// Their account's name once they accepted.
    pub name: Option<String>,
    pub accepted: bool,
    pub expired: bool,
    /// When she invited them, in words.
    pub since: String,
}

#[server(prefix = "/api/mum", endpoint = "companion", input = GetUrl)]
pub async fn companion_sharing() -> Result<Sharing, AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let services = crate::platform::services()?;
    let row = super::store::companion(&services.pool, user.id).await?;
    let lang = user.language();
    Ok(Sharing {
        companion: row.map(|c| CompanionView {
            contact: c.contact,
            relationship: c.relationship,
            share_logs: c.share_logs,
            accepted: c.accepted_at.is_some(),
            expired: c.accepted_at.is_none() && c.invite_expires_at < time::OffsetDateTime::now_utc(),
            name: c.name,
            since: domain::long_date(c.created_at.date(), lang),
        }),
        sms: services.sms_available,
    })
}

/// Invites her companion by email or text message; a new invitation replaces the last.
#[server(prefix = "/api/mum", endpoint = "companion-invite")]
pub async fn invite_companion(
    contact: String,
    #[server(default)] relationship: String,
    #[server(default)] share_logs: String,
) -> Result<(), AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let services = crate::platform::services()?;
    let relationship = RELATIONSHIPS
        .iter()
        .map(|(code, _)| *code)
        .find(|code| *code == relationship)
        .ok_or_else(|| AppError::field("relationship", "choose who they are to you"))?;
    let contact = ssr::Contact::parse(&contact, services.sms_available)?;
    let key = format!("companion-invite:{}", user.id);
    crate::platform::rate_limit::hit(&services.pool, &key, crate::platform::rate_limit::Limit::per_hour(5)).await?;
    let token = crate::auth::server::random_token();
    let mut tx = services.pool.begin().await?;
    let invite = super::store::NewCompanion {
        user_id: user.id,
        contact: contact.as_str(),
        relationship,
        share_logs: share_logs == "yes",
        token_hash: &crate::auth::server::token_hash(&token),
    };
    super::store::invite_companion(&mut tx, invite).await?;
    ssr::send_invitation(&mut tx, &services, &user, &contact, &token).await?;
    let detail = serde_json::json!({ "relationship": relationship, "by": contact.channel() });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "mum.companion_invited",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether her companion also sees her logs and notes.
#[server(prefix = "/api/mum", endpoint = "companion-sharing")]
pub async fn share_logs(#[server(default)] share_logs: String) -> Result<(), AppError> {
    let user = crate::auth::guards::Mother::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let share = share_logs == "yes";
    let mut tx = pool.begin().await?;
    if !super::store::set_companion_sharing(&mut tx, user.id, share).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "share_logs": share });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "mum.companion_sharing",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stops sharing at once (or cancels the invitation).
#[server(prefix = "/api/mum", endpoint = "companion-remove")]
pub async fn remove_companion() -> Result<(), AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let pool = crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    if !super::store::remove_companion(&mut tx, user.id).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({});
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "mum.companion_removed",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who invites the signed-in reader with this token: her name.
#[server(prefix = "/api/mum", endpoint = "companion-invitation", input = GetUrl)]
pub async fn invitation(token: String) -> Result<String, AppError> {
    crate::auth::guards::SignedIn::get_unlocked().await?;
    let pool = crate::platform::services()?.pool;
    let hash = crate::auth::server::token_hash(token.trim());
    super::store::invitation(&pool, &hash)
        .await?
        .map(|(_, name)| name)
        .ok_or_else(|| {
            AppError::field(
                "token",
                "this invitation has expired or was already used: ask her to send a new one",
            )
        })
}

/// Accepts an invitation: the reader becomes her companion; the link is spent.
#[server(prefix = "/api/mum", endpoint = "companion-accept")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    let me = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let pool = crate::platform::services()?.pool;
    let hash = crate::auth::server::token_hash(token.trim());
    let mut tx = pool.begin().await?;
    let Some(mother) = super::store::accept_invitation(&mut tx, &hash, me.id).await? else {
        return Err(AppError::field(
            "token",
            "this invitation has expired or was already used: ask her to send a new one",
        ));
    };
    let detail = serde_json::json!({ "companion": me.id });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        mother,
        "mum.companion_accepted",
        detail,
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect("/mum/shared");
    Ok(())
}

/// What a companion sees of one mother who shares with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedPregnancy {
    pub name: String,
    /// "Week 20, day 3", while she is pregnant.
    pub week: Option<String>,
    pub due_date: Option<String>,
    pub next_visit: Option<String>,
    /// Her danger reports of the last 30 days, newest first.
    pub alerts: Vec<Shared>,
    /// Her latest symptom logs with their notes, only when she shares them.
    pub logs: Option<Vec<Shared>>,
}

/// A day's danger signs or symptoms, and her note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shared {
    pub day: String,
    pub signs: Vec<String>,
    pub note: Option<String>,
}

#[server(prefix = "/api/mum", endpoint = "shared", input = GetUrl)]
pub async fn shared_with_me() -> Result<Vec<SharedPregnancy>, AppError> {
    let me = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let services = crate::platform::services()?;
    let mut shared = Vec::new();
    for (mother, name, share_logs) in super::store::shared_with(&services.pool, me.id).await? {
        shared.push(ssr::shared(&services, me.language(), mother, name, share_logs).await?);
    }
    Ok(shared)
}

/// `/mum/companion`: invite one person, choose what they see, stop sharing.
#[component]
pub fn CompanionPage() -> impl IntoView {
    let invite = ServerAction::<InviteCompanion>::new();
    let sharing = ServerAction::<ShareLogs>::new();
    let remove = ServerAction::<RemoveCompanion>::new();
    let unlock = ServerAction::<super::Unlock>::new();
    let saved = saves![invite, sharing, remove, unlock];
    let data = Resource::new(move || saved.get(), retrying(|_| companion_sharing()));
    let error = last_error(invite.value());
    toast_on_success(invite.value(), "Invitation sent");
    toast_on_success(remove.value(), "Sharing stopped");
    view! {
        <Title text="A companion"/>
        <super::HealthPage data unlock render={move |data: Sharing, lang| {
            let what = view! {
                <p>{t(lang, "They see your week, your due date, your next clinic visit and any danger sign you report, and get an email when you report one. They never see your logs or notes unless you tick the box.")}</p>
            };
            match data.companion {
                None => view! {
                    <section class="card form-card">
                        <h1>{t(lang, "A companion")}</h1>
                        <p>{t(lang, "Invite one person you trust to follow your pregnancy: your partner, your mother, or a community health volunteer.")}</p>
                        {what}
                        <ActionForm action=invite>
                            <Field label=if data.sms { t(lang, "Their email or mobile number") } else { t(lang, "Their email") }
                                name="contact" autocomplete="off" error/>
                            <fieldset class="choices">
                                <legend>{t(lang, "Who are they to you?")}</legend>
                                {RELATIONSHIPS.map(|(code, label)| view! {
                                    <label class="choice">
                                        <input type="radio" name="relationship" value=code checked=code == "partner"/>
                                        " " {t(lang, label)}
                                    </label>
                                })}
                                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("relationship"))}</p>
                            </fieldset>
                            <label class="choice">
                                <input type="checkbox" name="share_logs" value="yes"/>
                                " " {t(lang, "Also share my logs and notes")}
                            </label>
                            <Submit label=t(lang, "Send the invitation") error/>
                        </ActionForm>
                    </section>
                }
                .into_any(),
                Some(c) => {
                    let who = c.name.clone().unwrap_or_else(|| c.contact.clone());
                    let status = if c.accepted {
                        tf(lang, "Shared with {} since {}.", &[&who, &c.since])
                    } else if c.expired {
                        tf(lang, "The invitation to {} has expired. Send a new one.", &[&c.contact])
                    } else {
                        tf(lang, "Invitation sent to {} on {}. It works for 7 days.", &[&c.contact, &c.since])
                    };
                    view! {
                        <section class="card form-card">
                            <h1>{t(lang, "A companion")}</h1>
                            <p class="companion-status">{status}</p>
                            {what}
                            <ActionForm action=sharing>
                                <input type="hidden" name="share_logs" value=if c.share_logs { "no" } else { "yes" }/>
                                <p>{if c.share_logs { t(lang, "They also see your logs and notes.") } else { t(lang, "They do not see your logs or notes.") }}</p>
                                <button type="submit" class="button button-ghost">
                                    {if c.share_logs { t(lang, "Stop sharing my logs and notes") } else { t(lang, "Share my logs and notes too") }}
                                </button>
                            </ActionForm>
                            <ActionForm action=remove>
                                <button type="submit" class="button button-danger">
                                    {if c.accepted { t(lang, "Stop sharing") } else { t(lang, "Cancel the invitation") }}
                                </button>
                            </ActionForm>
                        </section>
                    }
                    .into_any()
                }
            }
        }}/>
    }
}

/// `/mum/companion/accept?token=…`: the link in the invitation.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = last_error(accept.value());
    let viewer = use_viewer();
    let inviter = Resource::new(token, retrying(invitation));
    view! {
        <Title text="An invitation"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                let body = match inviter.await {
                    Ok(name) => view! {
                        <h1>{tf(lang, "{} invites you to follow her pregnancy", &[&name])}</h1>
                        <p>{t(lang, "You will see her week, her next clinic visit and any danger sign she reports, and get an email when she reports one. She can stop sharing at any time.")}</p>
                        <FormError error/>
                        <ActionForm action=accept>
                            <input type="hidden" name="token" value=token()/>
                            <button type="submit" class="button">{t(lang, "Accept")}</button>
                        </ActionForm>
                    }
                    .into_any(),
                    Err(e) => view! {
                        <h1>{t(lang, "This invitation cannot be used")}</h1>
                        <p class="field-error">{e.message_for("token").map(|m| crate::i18n::translate(lang, &m))}</p>
                    }
                    .into_any(),
                };
                view! { <section class="card form-card">{body}</section> }
            })}
        </Transition>
    }
}

/// `/mum/shared`: the pregnancies shared with the reader.
#[component]
pub fn SharedPage() -> impl IntoView {
    let viewer = use_viewer();
    let shared = Resource::new(|| (), retrying(|_| shared_with_me()));
    view! {
        <Title text="Shared with you"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                shared.await.map(|shared| view! {
                    <h1>{t(lang, "Shared with you")}</h1>
                    {shared.is_empty().then(|| view! { <p>{t(lang, "Nobody shares a pregnancy with you yet.")}</p> })}
                    {shared.into_iter().map(|s| view! { <SharedCard s lang/> }).collect_view()}
                })
            })}
        </Transition>
    }
}

#[component]
fn SharedCard(s: SharedPregnancy, lang: Language) -> impl IntoView {
    view! {
        <section class="card shared">
            <h2>{s.name}</h2>
            {match s.week {
                Some(week) => view! { <p class="today-week">{week}</p> }.into_any(),
                None => view! { <p>{t(lang, "No pregnancy is being followed now.")}</p> }.into_any(),
            }}
            <dl class="milestones">
                {s.due_date.map(|d| view! { <dt>{t(lang, "Due date")}</dt><dd>{d}</dd> })}
                {s.next_visit.map(|v| view! { <dt>{t(lang, "Next clinic visit")}</dt><dd>{v}</dd> })}
            </dl>
            <h3>{t(lang, "Danger signs reported")}</h3>
            {if s.alerts.is_empty() {
                view! { <p>{t(lang, "None in the last 30 days.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="care-list alerts">
                        {s.alerts.into_iter().map(|a| view! { <li><strong>{a.day}</strong> " · " {a.signs.join(", ")}</li> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {s.logs.map(|logs| view! {
                <h3>{t(lang, "Her latest logs")}</h3>
                <ul class="care-list">
                    {logs.into_iter().map(|log| view! {
                        <li><strong>{log.day}</strong> " · " {log.signs.join(", ")} {log.note.map(|n| view! { <p class="log-note">{n}</p> })}</li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use domain::{
        account::{Email, Language, MobileNumber},
        pregnancy::{anc, danger::DangerSign, symptoms::Symptom},
    };
    use sqlx::PgConnection;
    use uuid::Uuid;

    use super::{Shared, SharedPregnancy};
    use crate::{
        auth::server::store::UserRow,
        error::AppError,
        mum::{BRAND, store},
        platform::{Services, email::compose, outbox},
    };

    /// Where an invitation goes.
    pub enum Contact {
        Email(Email),
        Mobile(MobileNumber),
    }

    impl Contact {
        /// An email address, or a mobile number when text messages can be sent.
        pub fn parse(raw: &str, sms: bool) -> Result<Self, AppError> {
            let field = |e: domain::account::AccountError| AppError::field("contact", e.to_string());
            match raw.trim() {
                "" => Err(AppError::field("contact", "enter their email address or mobile number")),
                raw if raw.contains('@') => Email::parse(raw).map(Self::Email).map_err(field),
                _ if !sms => Err(AppError::field(
                    "contact",
                    "text messages are not available yet: enter their email address",
                )),
                raw => MobileNumber::parse(raw).map(Self::Mobile).map_err(field),
            }
        }

        pub fn as_str(&self) -> &str {
            match self {
                Self::Email(email) => email.as_ref(),
                Self::Mobile(mobile) => mobile.as_str(),
            }
        }

        pub fn channel(&self) -> &'static str {
            match self {
                Self::Email(_) => "email",
                Self::Mobile(_) => "sms",
            }
        }
    }

    /// The invitation, in her language, with the one-time link.
    pub async fn send_invitation(
        tx: &mut PgConnection,
        services: &Services,
        mother: &UserRow,
        contact: &Contact,
        token: &str,
    ) -> Result<(), AppError> {
        let link = services.link(&BRAND, &format!("/mum/companion/accept?token={token}"));
        let name = &mother.display_name;
        let key = format!("companion-invite:{}:{}", mother.id, &token[..12]);
        let sw = mother.language() == Language::Sw;
        match contact {
            Contact::Email(email) => {
                let (subject, lines) = if sw {
                    (
                        format!("{name} anakualika kufuatilia ujauzito wake kwenye SasaMum"),
                        [
                            format!(
                                "{name} anakualika uone wiki yake, ziara yake ijayo ya kliniki na dalili zozote za hatari atakazoripoti."
                            ),
                            "Fungua kiungo hiki ndani ya siku 7 na uingie (au ufungue akaunti ya bure) ili ukubali."
                                .to_owned(),
                        ],
                    )
                } else {
                    (
                        format!("{name} invites you to follow her pregnancy on SasaMum"),
                        [
                            format!(
                                "{name} invites you to see her week, her next clinic visit and any danger sign she reports."
                            ),
                            "Open this link within 7 days and sign in (or create a free account) to accept.".to_owned(),
                        ],
                    )
                };
                let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                let action = if sw { "Kubali mwaliko" } else { "Accept the invitation" };
                let message = compose(
                    &BRAND,
                    &subject,
                    if sw { "Habari," } else { "Hello," },
                    &lines,
                    Some((action, &link)),
                );
                let email = outbox::Email {
                    sender: BRAND.mail_sender,
                    idempotency_key: key,
                    user_id: Some(mother.id),
                    to: email.as_ref().to_owned(),
                    message,
                };
                outbox::enqueue_email(tx, email).await?;
            }
            Contact::Mobile(mobile) => {
                let text = if sw {
                    format!("SasaMum: {name} anakualika kufuatilia ujauzito wake. Kubali ndani ya siku 7: {link}")
                } else {
                    format!("SasaMum: {name} invites you to follow her pregnancy. Accept within 7 days: {link}")
                };
                let sms = outbox::Sms {
                    idempotency_key: key,
                    user_id: Some(mother.id),
                    to: mobile.as_str().to_owned(),
                    text,
                };
                outbox::enqueue_sms(tx, sms).await?;
            }
        }
        Ok(())
    }

    /// What her companion sees of her; the look is in her audit log.
    pub async fn shared(
        services: &Services,
        lang: Language,
        mother: Uuid,
        name: String,
        share_logs: bool,
    ) -> Result<SharedPregnancy, AppError> {
        let pool = &services.pool;
        let pregnancy = store::active_pregnancy(pool, mother).await?;
        let timezone: String = store::timezone(pool, mother).await?;
        let today = crate::mum::day::today_in(&timezone);
        let (week, due_date, next_visit) = match pregnancy {
            Some((_, dating)) => {
                let age = dating
                    .age_on(today)
                    .unwrap_or(domain::pregnancy::GestationalAge::from_days(0));
                let week = format!(
                    "{} {}, {} {}",
                    crate::i18n::t(lang, "Week"),
                    age.weeks(),
                    crate::i18n::t(lang, "day"),
                    age.days_into_week()
                );
                let next = anc::upcoming_contacts(anc::AncSchedule::Who2016, dating, today)
                    .into_iter()
                    .find(|c| c.date >= today)
                    .map(|c| domain::long_date(c.date, lang));
                (Some(week), Some(domain::long_date(dating.due_date, lang)), next)
            }
            None => (None, None, None),
        };
        let alerts: Vec<Shared> = store::recent_danger_reports(pool, mother)
            .await?
            .into_iter()
            .map(|(at, signs)| {
                let labels = signs
                    .iter()
                    .map(|code| DangerSign::parse(code).map_or_else(|| code.clone(), |s| s.label(lang).to_owned()))
                    .collect();
                Shared {
                    day: domain::long_date(at.date(), lang),
                    signs: labels,
                    note: None,
                }
            })
            .collect();
        let logs = if share_logs {
            let mut logs = Vec::new();
            for (id, day, codes, sealed) in store::symptoms(pool, mother, 0, 10).await? {
                let note = match sealed {
                    Some(sealed) => Some(
                        services
                            .health_key
                            .open(crate::mum::tracking::ssr::note_place(id), &sealed)
                            .map_err(|e| anyhow::anyhow!(e))?,
                    ),
                    None => None,
                };
                let labels = codes
                    .iter()
                    .map(|c| Symptom::parse(c).map_or_else(|| c.clone(), |s| s.label(lang).to_owned()))
                    .collect();
                logs.push(Shared {
                    day: domain::long_date(day, lang),
                    signs: labels,
                    note,
                });
            }
            Some(logs)
        } else {
            None
        };
        let detail = serde_json::json!({
            "by": "companion",
            "records": { "danger_reports": alerts.len(), "symptom_logs": logs.as_ref().map_or(0, Vec::len) },
        });
        crate::platform::audit::success(pool, &crate::platform::request_info(), mother, "health.read", detail).await?;
        Ok(SharedPregnancy {
            name,
            week,
            due_date,
            next_visit,
            alerts,
            logs,
        })
    }
}
