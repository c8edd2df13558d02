//! The pages and server functions of calls: a lead's calls panel (consent to calls, "Call with
//! the assistant"), `/pro/calls` and `/pro/calls/:id`.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{FormError, Loaded, last_error, or_hint, retrying, saves, toast_on_success};
use crate::error::AppError;

/// One call, as her lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSummary {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub address: String,
    pub status: String,
    pub live: bool,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    pub booked: Option<String>,
    pub at: String,
    pub duration: Option<String>,
    pub cost: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    pub homeowner: bool,
    pub text: String,
    /// "0:12" from the start of the call.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub call: CallSummary,
    pub transcript: Vec<TranscriptLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub wording: String,
    pub source: String,
    pub given_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCallsData {
    pub has_phone: bool,
    pub consent: Option<ConsentView>,
    /// The words she shows the homeowner for consent.
    pub wording: String,
    /// Calls can be placed from this server (Telnyx and a recogniser are set up).
    pub available: bool,
    pub enabled: bool,
    pub price: String,
    pub calls: Vec<CallSummary>,
    /// Today's date, the consent form's default and latest day (the browser has no clock here).
    pub today: String,
}

#[cfg(feature = "ssr")]
fn summary(row: super::store::CallRow) -> CallSummary {
    use domain::fishmouth::pricing::format_cents;
    CallSummary {
        id: row.id,
        lead_id: row.lead_id,
        address: row.address,
        status: row.status.label().to_owned(),
        live: row.status.is_live() || row.status == domain::fishmouth::calls::CallStatus::Queued,
        outcome: row.outcome.map(|o| o.label().to_owned()),
        detail: row.detail,
        booked: row.booked_label,
        at: crate::platform::format_time(row.created_at),
        duration: row
            .duration_secs
            .filter(|s| *s > 0)
            .map(|s| format!("{}:{:02}", s / 60, s % 60)),
        cost: row.cost_cents.map(|c| format_cents(i64::from(c))),
    }
}

#[server(prefix = "/api/pro", endpoint = "calls", input = GetUrl)]
pub async fn load_calls() -> Result<Vec<CallSummary>, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = &crate::platform::services()?.pool;
    Ok(super::store::list(pool, user.id, None)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

#[server(prefix = "/api/pro", endpoint = "call", input = GetUrl)]
pub async fn load_call(id: String) -> Result<CallView, AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let (row, sealed) = super::store::one(&services.pool, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let transcript = sealed
        .map(|sealed| super::media::open_transcript(&services.health_key, id, &sealed))
        .unwrap_or_default()
        .into_iter()
        .map(|line| TranscriptLine {
            homeowner: line.who == "homeowner",
            text: line.text,
            at: format!("{}:{:02}", line.at_ms / 60_000, line.at_ms / 1000 % 60),
        })
        .collect();
    Ok(CallView {
        call: summary(row),
        transcript,
    })
}

#[server(prefix = "/api/pro", endpoint = "lead-calls", input = GetUrl)]
pub async fn load_lead_calls(id: String) -> Result<LeadCallsData, AppError> {
    use domain::fishmouth::{calls, pricing::format_cents};
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = &crate::platform::services()?.pool;
    let line = super::store::lead_line(pool, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let consent = super::store::consent(pool, id, user.id).await?;
    let settings = super::store::settings(pool, user.id).await?.unwrap_or_default();
    let company = super::ssr::company(pool, user.id).await?;
    let voice = crate::fishmouth::ssr::fishmouth()?.voice.clone();
    Ok(LeadCallsData {
        has_phone: line.phone.is_some(),
        consent: consent.map(|c| ConsentView {
            wording: c.wording,
            source: c.source,
            given_on: c.given_at.date().to_string(),
        }),
        wording: calls::consent_wording(&company),
        available: voice.is_some_and(|v| v.available()),
        enabled: settings.enabled,
        price: format!(
            "{} a minute, started minutes counted whole; {} is held from your wallet while a call lasts",
            format_cents(calls::PRICE_PER_MINUTE_CENTS),
            format_cents(calls::max_price_cents())
        ),
        calls: super::store::list(pool, user.id, Some(id))
            .await?
            .into_iter()
            .map(summary)
            .collect(),
        today: time::OffsetDateTime::now_utc().date().to_string(),
    })
}

/// Records the homeowner's written consent to calls from her: where it was given and when,
/// with the words shown.
#[server(prefix = "/api/pro", endpoint = "lead-call-consent")]
pub async fn record_call_consent(id: String, source: String, given_on: String) -> Result<(), AppError> {
    use domain::fishmouth::calls::consent_wording;
    let id = crate::auth::guards::parse_id(&id)?;
    let source = source.trim().replace('\0', "");
    if source.is_empty() || source.chars().count() > 200 {
        return Err(AppError::field(
            "source",
            "say where they agreed, in at most 200 characters (for example “signed form at the door”)",
        ));
    }
    let today = time::OffsetDateTime::now_utc().date();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let given = time::Date::parse(given_on.trim(), &format)
        .ok()
        .filter(|d| *d <= today && *d > today - time::Duration::days(3650))
        .ok_or_else(|| AppError::field("given_on", "choose the day they agreed, not in the future"))?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let pool = &services.pool;
    let phone = super::store::lead_line(pool, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?
        .phone
        .ok_or_else(|| AppError::field("source", "this lead has no phone number to agree to calls on"))?;
    let company = super::ssr::company(pool, user.id).await?;
    let consent = super::store::Consent {
        phone,
        wording: consent_wording(&company),
        source,
        given_at: given.midnight().assume_utc(),
    };
    let mut tx = pool.begin().await?;
    if !super::store::record_consent(&mut tx, id, user.id, &consent).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "id": id, "source": consent.source, "given_on": given.to_string() });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "lead.call_consent",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/pro", endpoint = "lead-call-consent-withdraw")]
pub async fn withdraw_call_consent(id: String) -> Result<(), AppError> {
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = &crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    if super::store::withdraw_consent(&mut *tx, id, user.id).await? {
        let detail = serde_json::json!({ "id": id });
        crate::platform::audit::success(
            &mut *tx,
            &crate::platform::request_info(),
            user.id,
            "lead.call_consent_withdrawn",
            detail,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Queues a call to her lead now. Everything the worker checks is checked here first, so she
/// learns at once why a call cannot be placed; quiet hours only delay it.
#[server(prefix = "/api/pro", endpoint = "call-lead")]
pub async fn call_lead(id: String) -> Result<Uuid, AppError> {
    use domain::fishmouth::calls::{DialFacts, max_price_cents, may_dial};
    let id = crate::auth::guards::parse_id(&id)?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = &crate::platform::services()?.pool;
    let line = super::store::lead_line(pool, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let refused = |why: String| AppError::field("call", why);
    if !crate::fishmouth::ssr::fishmouth()?
        .voice
        .as_ref()
        .is_some_and(|v| v.available())
    {
        return Err(refused(
            "calls are not set up on this server (Telnyx and speech recognition): try the assistant in the simulator"
                .to_owned(),
        ));
    }
    let settings = super::store::settings(pool, user.id).await?.unwrap_or_default();
    let phone = line.phone.unwrap_or_default();
    let facts = super::store::call_facts(pool, id, user.id, &phone).await?;
    if facts.live {
        return Err(refused("a call to this lead is already queued or under way".to_owned()));
    }
    may_dial(&DialFacts {
        enabled: settings.enabled,
        has_phone: !phone.is_empty(),
        consent: facts.consent,
        opted_out: facts.opted_out,
        attempts_made: u8::try_from(facts.attempts).unwrap_or(u8::MAX),
        max_attempts: settings.max_attempts,
    })
    .map_err(|r| refused(r.message()))?;
    let balance = crate::fishmouth::store::balance(pool, user.id).await?;
    if balance < max_price_cents() {
        use domain::fishmouth::pricing::format_cents;
        return Err(AppError::InsufficientCredits {
            needed: format_cents(max_price_cents()),
            balance: format_cents(balance),
        });
    }
    let call_id = Uuid::new_v4();
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let mut tx = pool.begin().await?;
    let call = super::store::NewCall {
        id: call_id,
        user_id: user.id,
        lead_id: id,
        phone: &phone,
        media_token: &token,
        due_at: time::OffsetDateTime::now_utc(),
    };
    super::store::queue(&mut *tx, call).await?;
    let detail = serde_json::json!({ "lead": id, "call": call_id });
    crate::platform::audit::success(&mut *tx, &crate::platform::request_info(), user.id, "lead.call", detail).await?;
    tx.commit().await?;
    Ok(call_id)
}

/// Refetches every few seconds while `live` says a call is under way.
fn poll_while(live: impl Fn() -> bool + Send + Sync + 'static, refetch: impl Fn() + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if live() {
                    refetch();
                }
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (live, refetch);
}

/// A lead's calls panel's data and actions, made where the lead page starts.
#[derive(Clone, Copy)]
pub struct LeadCallsState {
    data: Resource<Result<LeadCallsData, AppError>>,
    consent: ServerAction<RecordCallConsent>,
    withdraw: ServerAction<WithdrawCallConsent>,
    call: ServerAction<CallLead>,
}

pub fn use_lead_calls(lead: impl Fn() -> String + Send + Sync + 'static) -> LeadCallsState {
    let consent = ServerAction::<RecordCallConsent>::new();
    let withdraw = ServerAction::<WithdrawCallConsent>::new();
    let call = ServerAction::<CallLead>::new();
    let saved = saves![consent, withdraw, call];
    let data = Resource::new(move || (lead(), saved.get()), retrying(|(id, _)| load_lead_calls(id)));
    toast_on_success(consent.value(), "Consent to calls recorded");
    toast_on_success(withdraw.value(), "Consent to calls withdrawn");
    toast_on_success(call.value(), "Call queued");
    poll_while(
        move || {
            data.get()
                .and_then(Result::ok)
                .is_some_and(|d| d.calls.iter().any(|c| c.live))
        },
        move || data.refetch(),
    );
    LeadCallsState {
        data,
        consent,
        withdraw,
        call,
    }
}

#[component]
fn CallList(calls: Vec<CallSummary>) -> impl IntoView {
    view! {
        <ul class="log-list calls">
            {calls.into_iter().map(|c| view! {
                <li class="log-entry">
                    <a href=format!("/pro/calls/{}", c.id)>{c.at.clone()}</a>
                    " · " <strong class="call-status">{c.status.clone()}</strong>
                    {c.outcome.clone().map(|o| view! { " · " {o} })}
                    {c.booked.clone().map(|b| view! { " · " {b} })}
                    <br/><span class="hint">{c.address.clone()}</span>
                    {c.detail.clone().map(|d| view! { <br/><span class="hint">{d}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The calls part of a lead's page.
#[component]
pub fn LeadCalls(lead: Uuid, state: LeadCallsState) -> impl IntoView {
    let LeadCallsState {
        data,
        consent,
        withdraw,
        call,
    } = state;
    let error = Signal::derive(move || {
        last_error(consent.value())
            .get()
            .or_else(|| last_error(withdraw.value()).get())
            .or_else(|| last_error(call.value()).get())
    });
    view! {
        <Loaded data=data render={move |d| {
            let (id, today) = (lead.to_string(), d.today.clone());
            view! {
                <section class="card lead-calls">
                    <h2>"Calls by the assistant"</h2>
                    <FormError error/>
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("call").or_else(|| e.message_for("source")).or_else(|| e.message_for("given_on")))}</p>
                    {match d.consent.clone() {
                        Some(c) => view! {
                            <p>{format!("They agreed in writing to calls on {} ({}).", c.given_on, c.source)}</p>
                            <ActionForm action=withdraw>
                                <input type="hidden" name="id" value=lead.to_string()/>
                                <button type="submit" class="button button-ghost button-small">"Withdraw consent to calls"</button>
                            </ActionForm>
                        }.into_any(),
                        None if !d.has_phone => view! { <p class="hint">"No phone number on record: the assistant cannot call."</p> }.into_any(),
                        None => view! {
                            <p class="hint">"The assistant calls only homeowners who agreed in writing to calls from you. Record that here when they did:"</p>
                            <blockquote class="consent-wording">{d.wording.clone()}</blockquote>
                            <ActionForm action=consent>
                                <input type="hidden" name="id" value=lead.to_string()/>
                                <div class="field">
                                    <label for="consent-source">"Where they agreed"</label>
                                    <input id="consent-source" name="source" required maxlength="200" placeholder="Signed form at the door"/>
                                </div>
                                <div class="field">
                                    <label for="consent-given">"On"</label>
                                    <input id="consent-given" name="given_on" type="date" required max=today.clone() value=today.clone()/>
                                </div>
                                <button type="submit" class="button button-small">"They agreed to calls"</button>
                            </ActionForm>
                        }.into_any(),
                    }}
                    {if !d.available {
                        view! { <p class="hint">"Calls are not set up on this server. "<a href="/pro/voice/try">"Try the assistant in the simulator"</a>"."</p> }.into_any()
                    } else if !d.enabled {
                        view! { <p class="hint">"The assistant is off. "<a href="/pro/voice">"Turn it on in voice settings"</a>"."</p> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=call>
                                <input type="hidden" name="id" value=id.clone()/>
                                <button type="submit" class="button" disabled=d.consent.is_none()>"Call with the assistant"</button>
                                <p class="hint">{d.price.clone()}</p>
                            </ActionForm>
                        }.into_any()
                    }}
                    {(!d.calls.is_empty()).then(|| view! { <CallList calls=d.calls.clone()/> })}
                </section>
            }
        }}/>
    }
}

/// `/pro/calls`: every call, newest first, with its live status.
#[component]
pub fn CallsPage() -> impl IntoView {
    let calls = Resource::new(|| (), retrying(|()| load_calls()));
    poll_while(
        move || {
            calls
                .get()
                .and_then(Result::ok)
                .is_some_and(|c| c.iter().any(|c| c.live))
        },
        move || calls.refetch(),
    );
    view! {
        <Title text="Calls"/>
        <h1>"Calls"</h1>
        <p class="hint">
            "Calls your assistant placed. It calls only homeowners who agreed in writing, within their calling hours. "
            <a href="/pro/voice">"Voice settings"</a> " · " <a href="/pro/voice/try">"Try the assistant"</a>
        </p>
        <Loaded data=calls render=move |calls| view! {
            <section class="card">
                {or_hint(calls.is_empty(), "No calls yet. Start one from a lead's page, or add an AI call step to a sequence.", move || view! { <CallList calls=calls/> })}
            </section>
        }/>
    }
}

/// `/pro/calls/:id`: one call, its outcome and transcript turn by turn.
#[component]
pub fn CallPage() -> impl IntoView {
    let params = use_params_map();
    let call = Resource::new(move || params.read().get("id").unwrap_or_default(), retrying(load_call));
    poll_while(
        move || call.get().and_then(Result::ok).is_some_and(|c| c.call.live),
        move || call.refetch(),
    );
    view! {
        <Title text="Call"/>
        <h1>"Call"</h1>
        <Loaded data=call render=move |v| {
            let c = v.call;
            view! {
                <section class="card" aria-live="polite">
                    <p><a href=format!("/pro/leads/{}", c.lead_id)>{c.address.clone()}</a></p>
                    <dl class="milestones">
                        <dt>"Status"</dt><dd class="call-status">{c.status.clone()}</dd>
                        <dt>"Placed"</dt><dd>{c.at.clone()}</dd>
                        {c.outcome.clone().map(|o| view! { <dt>"Outcome"</dt><dd class="call-outcome">{o}</dd> })}
                        {c.booked.clone().map(|b| view! { <dt>"Inspection"</dt><dd>{b}</dd> })}
                        {c.duration.clone().map(|d| view! { <dt>"Length"</dt><dd>{d}</dd> })}
                        {c.cost.clone().map(|d| view! { <dt>"Cost"</dt><dd>{d}</dd> })}
                    </dl>
                    {c.detail.clone().map(|d| view! { <p class="hint">{d}</p> })}
                </section>
                <section class="card">
                    <h2>"Transcript"</h2>
                    {or_hint(v.transcript.is_empty(), "No transcript: nothing was said yet, transcripts are off in your voice settings, or it was kept past its time.", move || view! {
                        <ol class="call-transcript">
                            {v.transcript.into_iter().map(|l| view! {
                                <li class=if l.homeowner { "homeowner" } else { "assistant" }>
                                    <span class="hint">{l.at}</span> " "
                                    <strong>{if l.homeowner { "Homeowner" } else { "Assistant" }}</strong> " " {l.text}
                                </li>
                            }).collect_view()}
                        </ol>
                    })}
                </section>
            }
        }/>
    }
}
