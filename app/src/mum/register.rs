//! A health worker registers a mother who has no smartphone: her name, mobile number,
//! language and due date, the day and time of her weekly texts, and her consent, given in
//! person and recorded under the health worker's name. She is reached by text message only:
//! the weekly messages, and the answers to STOP, START and a danger word.

// The registration form has eight fields, each a plain argument so the form posts before the
// WASM loads; the `#[server]` macro's client half cannot carry an attribute of its own.
#![allow(clippy::too_many_arguments)]

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use domain::account::Language;

use crate::components::{Field, Loaded, Submit, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{t, tf};

/// A mother she registered, as her list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredMother {
    pub name: String,
    /// The number's last digits only.
    pub phone: String,
    /// Her week today, while she is pregnant.
    pub week: Option<u32>,
    pub weekly: bool,
    pub stopped: bool,
    pub since: String,
}

/// The page's data: the health worker's language, and the mothers she registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registrations {
    pub language: String,
    pub mothers: Vec<RegisteredMother>,
}

#[server(prefix = "/api/mum", endpoint = "registered", input = GetUrl)]
pub async fn registered_mothers() -> Result<Registrations, AppError> {
    let worker = crate::auth::guards::HealthWorker::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let today = super::day::today_in(&worker.timezone);
    let rows = super::store::registered_by(&pool, worker.id).await?;
    let mothers = rows
        .into_iter()
        .map(|r| RegisteredMother {
            name: r.name,
            phone: r
                .phone
                .map(|p| format!("…{}", &p[p.len().saturating_sub(3)..]))
                .unwrap_or_default(),
            week: r.lmp.and_then(|lmp| u32::try_from((today - lmp).whole_weeks()).ok()),
            weekly: r.weekly,
            stopped: r.stopped,
            since: domain::long_date(r.created_at.date(), worker.language()),
        })
        .collect();
    Ok(Registrations {
        language: worker.language,
        mothers,
    })
}

/// Registers a mother for text messages, with her consent given in person.
#[server(prefix = "/api/mum", endpoint = "register-mother")]
pub async fn register_mother(
    #[server(default)] name: String,
    #[server(default)] reminder_phone: String,
    #[server(default)] language: String,
    #[server(default)] due_date: String,
    #[server(default)] day: String,
    #[server(default)] time: String,
    #[server(default)] facility: String,
    #[server(default)] consent: String,
) -> Result<(), AppError> {
    use domain::account::{DisplayName, MobileNumber, Product};
    use domain::pregnancy::DatingMethod;

    let worker = crate::auth::guards::HealthWorker::get().await?.user;
    let services = crate::platform::services()?;
    let name = DisplayName::parse(&name).map_err(|e| AppError::field("name", e.to_string()))?;
    let phone = MobileNumber::parse(&reminder_phone)?;
    let language = Language::parse(&language)?;
    let date = domain::parse_iso_date(&due_date).map_err(|e| AppError::field("due_date", e.to_string()))?;
    let today = super::day::today_in(&worker.timezone);
    let dating = DatingMethod::ClinicianDueDate { date }
        .dating(today)
        .map_err(|e| AppError::field("due_date", e.to_string()))?;
    let day = super::weekly::ssr::parse_day(&day)?;
    let at = super::day::parse_time(&time).ok_or_else(|| AppError::field("time", "choose a time like 08:00"))?;
    let facility = facility.trim();
    if facility.chars().count() > 120 {
        return Err(AppError::field("facility", "use at most 120 characters"));
    }
    if consent != "yes" {
        return Err(AppError::field(
            "consent",
            "read her the consent, and tick the box only when she agrees",
        ));
    }
    if !services.sms_available {
        return Err(AppError::field(
            "reminder_phone",
            "text messages are not available on this server",
        ));
    }
    let key = format!("register-mother:{}", worker.id);
    crate::platform::rate_limit::hit(&services.pool, &key, crate::platform::rate_limit::Limit::per_hour(60)).await?;
    if !super::store::mothers_with_phone(&services.pool, phone.as_str())
        .await?
        .is_empty()
    {
        return Err(AppError::field(
            "reminder_phone",
            "this number already gets SasaMum's texts",
        ));
    }

    let mut tx = services.pool.begin().await?;
    let mother =
        crate::auth::server::store::insert_text_only_user(&mut tx, &name, Product::SasaMum, language, &worker.timezone)
            .await?;
    let place = Some(facility).filter(|f| !f.is_empty());
    super::store::register_text_only(&mut tx, mother, worker.id, phone.as_str(), at, place).await?;
    super::store::replace_active_pregnancy(&mut tx, mother, dating, "clinician_due_date").await?;
    super::weekly::ssr::start(&mut tx, mother, &worker.timezone, day, at).await?;
    super::store::consents_recorded_by(&mut tx, mother, worker.id).await?;
    ssr::welcome(&mut tx, mother, &phone, language, &worker.display_name, day, at).await?;
    let request = crate::platform::request_info();
    let detail = serde_json::json!({ "mother": mother });
    crate::platform::audit::success(&mut *tx, &request, worker.id, "mum.mother_registered", detail).await?;
    let detail = serde_json::json!({ "health_worker": worker.id });
    crate::platform::audit::success(&mut *tx, &request, mother, "mum.registered_by_health_worker", detail).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use domain::account::{Language, MobileNumber};
    use sqlx::PgConnection;
    use uuid::Uuid;

    use crate::error::AppError;
    use crate::platform::outbox;

    /// Her first text: who signed her up, when her messages come, and how to stop them or
    /// ask for help.
    pub async fn welcome(
        tx: &mut PgConnection,
        mother: Uuid,
        phone: &MobileNumber,
        language: Language,
        health_worker: &str,
        day: i16,
        at: time::Time,
    ) -> Result<(), AppError> {
        let day_name = crate::i18n::t(
            language,
            super::super::weekly::DAYS[usize::try_from(day - 1).unwrap_or(0) % 7],
        );
        let clock = domain::clock_time(at, language);
        let who: String = health_worker.chars().take(30).collect();
        let text = match language {
            Language::Sw => format!(
                "SasaMum: {who} amekusajili. Utapokea ujumbe kila {day_name}, {clock}. Jibu ACHA kusimamisha, au DAMU ukiwa na dalili ya hatari."
            ),
            Language::En => format!(
                "SasaMum: {who} signed you up. A message comes every {day_name} at {clock}. Reply STOP to stop them, or BLEEDING if you have a danger sign."
            ),
        };
        let sms = outbox::Sms {
            idempotency_key: format!("welcome:{mother}"),
            user_id: Some(mother),
            to: phone.as_str().to_owned(),
            text,
        };
        outbox::enqueue_sms(tx, sms).await?;
        Ok(())
    }
}

/// `/mum/register`: for a health worker, the form that registers a mother for text
/// messages, and the mothers she registered.
#[component]
pub fn RegisterMotherPage() -> impl IntoView {
    let register = ServerAction::<RegisterMother>::new();
    let saved = saves![register];
    let list = Resource::new(move || saved.get(), retrying(|_| registered_mothers()));
    let error = last_error(register.value());
    toast_on_success(register.value(), "Registered: she gets a welcome text now");
    view! {
        <Title text="Register a mother"/>
        <Loaded data=list render={move |data: Registrations| {
        let lang = Language::parse(&data.language).unwrap_or(Language::En);
        let mothers = data.mothers;
        view! {
        <section class="card form-card">
            <h1>{t(lang, "Register a mother for text messages")}</h1>
            <p>{t(lang, "For a mother without a smartphone: SasaMum texts her one message a week about her pregnancy, and answers STOP, START and danger words from her phone.")}</p>
            <ActionForm action=register>
                <Field label=t(lang, "Her name") name="name" autocomplete="off" error/>
                <Field label=t(lang, "Her mobile number") name="reminder_phone" kind="tel" autocomplete="off" error/>
                <fieldset class="choices">
                    <legend>{t(lang, "Her language")}</legend>
                    <label class="choice"><input type="radio" name="language" value="sw" checked=true/>" Kiswahili"</label>
                    <label class="choice"><input type="radio" name="language" value="en"/>" English"</label>
                </fieldset>
                <Field label=t(lang, "Due date (from her clinic card)") name="due_date" kind="date" error/>
                <div class="field">
                            <label for="register-day">{t(lang, "Day")}</label>
                            <select id="register-day" name="day">
                        {super::weekly::DAYS.iter().zip(1u8..).map(|(name, n)| view! {
                            <option value=n.to_string() selected=n == 1>{t(lang, name)}</option>
                        }).collect_view()}
                    </select>
                            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("day"))}</p>
                        </div>
                <Field label=t(lang, "Time") name="time" kind="time" value="08:00".to_owned() error/>
                <Field label=t(lang, "Clinic or community unit (optional)") name="facility" required=false error/>
                <label class="choice consent-choice">
                    <input type="checkbox" name="consent" value="yes"/>
                    " " {t(lang, "I read her the consent: SasaMum keeps her due date and texts her each week. She agreed, and knows she can reply STOP at any time.")}
                </label>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("consent"))}</p>
                <Submit label=t(lang, "Register her") error/>
            </ActionForm>
        </section>
            <section class="card">
                <h2>{t(lang, "Mothers you registered")}</h2>
                {mothers.is_empty().then(|| view! { <p>{t(lang, "None yet.")}</p> })}
                <ul class="plain-list registered-list">
                    {mothers.into_iter().map(|m| {
                        let week = m.week.map(|w| tf(lang, "week {}", &[&w.to_string()])).unwrap_or_default();
                        let state = if m.stopped {
                            t(lang, "replied STOP")
                        } else if m.weekly {
                            t(lang, "weekly texts on")
                        } else {
                            t(lang, "weekly texts off")
                        };
                        view! {
                            <li>
                                <strong>{m.name}</strong> " " {m.phone} " · " {week} " · " {state}
                                <span class="hint">" · " {m.since}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }}}/>
    }
}
