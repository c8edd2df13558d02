//! `/pro/voice`: the call assistant's settings, and `/pro/voice/try`: the call simulator. In
//! the simulator the contractor plays the homeowner by typing and reads what the assistant
//! would say, turn by turn, with her settings and the built-in dialogue rules
//! (`domain::fishmouth::voice`, the assistant used when no AI model is set up). Nothing is
//! saved and nobody is called. Each answer is a plain GET form carrying the answers so far:
//! the rules are deterministic, so the server replays the conversation from them, and the
//! page works the same before the WASM has loaded.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use serde::{Deserialize, Serialize};

use crate::components::{Loaded, retrying};
use crate::error::AppError;

/// At most this many answers, each at most this long.
pub const MAX_ANSWERS: usize = 20;
pub const MAX_ANSWER_CHARS: usize = 300;

/// One exchange: what she said (none before the opening) and the assistant's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub heard: Option<String>,
    pub say: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Simulation {
    pub assistant: String,
    pub exchanges: Vec<Exchange>,
    pub answers: Vec<String>,
    /// What a real call would now do, once it has ended: "Inspection booked for …".
    pub outcome: Option<String>,
    pub ended: bool,
}

#[server(prefix = "/api/pro", endpoint = "simulate-call", input = GetUrl)]
pub async fn simulate_call(#[server(default)] said: Vec<String>) -> Result<Simulation, AppError> {
    use domain::fishmouth::{
        calls::{Slot, upcoming_slots},
        voice::{Action, CallContext, Stage, replay},
    };
    let user = crate::auth::guards::Contractor::get().await?.user;
    if said.len() > MAX_ANSWERS {
        return Err(AppError::field(
            "said",
            format!("a simulated call takes at most {MAX_ANSWERS} answers: start again"),
        ));
    }
    if said
        .iter()
        .any(|s| s.chars().count() > MAX_ANSWER_CHARS || s.trim().is_empty())
    {
        return Err(AppError::field(
            "said",
            format!("say something, in at most {MAX_ANSWER_CHARS} characters"),
        ));
    }
    let pool = &crate::platform::services()?.pool;
    let company = super::calls::ssr::company(pool, user.id).await?;
    let settings = super::calls::store::settings(pool, user.id).await?.unwrap_or_default();
    let today = time::OffsetDateTime::now_utc().date();
    let ctx = CallContext {
        assistant: settings.assistant_name.clone(),
        company,
        homeowner: Some("Maria".to_owned()),
        address: "1200 Main St, Dallas".to_owned(),
        recording: settings.recording,
        slots: upcoming_slots(today, settings.slot_days, &settings.slot_hours, 3)
            .iter()
            .map(Slot::label)
            .collect(),
    };
    let mut turns = replay(&ctx, &said);
    if let (Some((None, opening)), false) = (turns.first_mut(), settings.greeting.is_empty()) {
        opening.say = format!("{} {}", opening.say, settings.greeting);
    }
    let last = turns.last().map(|(_, t)| t.clone());
    let ended = last.as_ref().is_some_and(|t| t.stage == Stage::Ended);
    let outcome = last.and_then(|t| {
        t.actions.iter().find_map(|a| match a {
            Action::BookInspection { slot } => Some(format!("Inspection booked for {}", ctx.slots[*slot])),
            Action::OptOut => Some("Opted out: this number would never be called or texted again".to_owned()),
            Action::ScheduleCallback => Some("A call back from your team would be scheduled".to_owned()),
            Action::TransferToRep => Some("Your team would be asked to call back".to_owned()),
            Action::EndCall => None,
        })
    });
    Ok(Simulation {
        assistant: ctx.assistant.clone(),
        answers: turns.iter().filter_map(|(heard, _)| heard.clone()).collect(),
        exchanges: turns
            .into_iter()
            .map(|(heard, turn)| Exchange { heard, say: turn.say })
            .collect(),
        outcome: outcome.or_else(|| ended.then(|| "The call ended".to_owned())),
        ended,
    })
}

#[component]
pub fn CallSimulatorPage() -> impl IntoView {
    let query = use_query_map();
    let simulation = Resource::new(
        move || query.read().get_all("said").unwrap_or_default(),
        retrying(simulate_call),
    );
    view! {
        <Title text="Try the call assistant"/>
        <h1>"Try the call assistant"</h1>
        <p class="hint">
            "You play the homeowner: type what she might say. This is the built-in assistant, which follows fixed rules; "
            "nothing is saved and nobody is called."
        </p>
        <Loaded data=simulation render=move |sim| {
            let assistant = sim.assistant.clone();
            view! {
                <section class="card" aria-live="polite">
                    <ol class="call-transcript">
                        {sim.exchanges.into_iter().map(|e| {
                            let assistant = assistant.clone();
                            view! {
                                {e.heard.map(|heard| view! { <li class="homeowner"><strong>"You"</strong>" "{heard}</li> })}
                                <li class="assistant"><strong>{assistant}</strong>" "{e.say}</li>
                            }
                        }).collect_view()}
                    </ol>
                    {sim.outcome.map(|o| view! { <p class="call-outcome"><strong>{o}</strong>"."</p> })}
                </section>
                {(!sim.ended).then(|| view! {
                    <Form method="GET" action="/pro/voice/try" attr:class="card">
                        {sim.answers.into_iter().map(|a| view! { <input type="hidden" name="said" value=a/> }).collect_view()}
                        <div class="field">
                            <label for="said">"You say"</label>
                            <p class="hint" id="said-hint">"For example “yes”, “the second one”, “call me later” or “stop”. Type 9 to press the opt-out key."</p>
                            <input id="said" name="said" required maxlength="300" autocomplete="off" aria-describedby="said-hint"/>
                        </div>
                        <button type="submit" class="button">"Say it"</button>
                    </Form>
                })}
                <p><a href="/pro/voice/try">"Start the call again"</a></p>
            }
        }/>
    }
}

/// What the settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoicePage {
    pub settings: domain::fishmouth::calls::VoiceSettings,
    pub price: String,
    /// Calls can be placed from this server.
    pub available: bool,
}

/// The time zones she may choose for her availability (the continental US and its islands).
pub const ZONES: [&str; 8] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
];

#[server(prefix = "/api/pro", endpoint = "voice-settings", input = GetUrl)]
pub async fn load_voice_settings() -> Result<VoicePage, AppError> {
    use domain::fishmouth::{calls, pricing::format_cents};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = &crate::platform::services()?.pool;
    let settings = super::calls::store::settings(pool, user.id).await?.unwrap_or_default();
    Ok(VoicePage {
        settings,
        price: format!(
            "Calls cost {} for each minute answered, started minutes counted whole, from your wallet. A call lasts at most {} minutes, so {} is held while it lasts and the rest returned. Unanswered calls cost nothing.",
            format_cents(calls::PRICE_PER_MINUTE_CENTS),
            calls::MAX_CALL_SECS / 60,
            format_cents(calls::max_price_cents()),
        ),
        available: super::ssr::fishmouth()?.voice.as_ref().is_some_and(|v| v.available()),
    })
}

#[server(prefix = "/api/pro", endpoint = "voice-settings-save")]
pub async fn save_voice_settings(s: domain::fishmouth::calls::VoiceSettingsInput) -> Result<(), AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let settings =
        domain::fishmouth::calls::parse_settings(&s, |zone| ZONES.contains(&zone)).map_err(AppError::from)?;
    let pool = &crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    super::calls::store::save_settings(&mut *tx, user.id, &settings).await?;
    let detail = serde_json::json!({ "enabled": settings.enabled, "recording": settings.recording, "max_attempts": settings.max_attempts });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "voice.settings",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `/pro/voice`: the assistant's name and voice, what it says and asks, when she can inspect,
/// voicemail, recording, attempts and how long transcripts are kept.
#[component]
pub fn VoiceSettingsPage() -> impl IntoView {
    use crate::components::{FormError, last_error, saves, toast_on_success};
    use domain::fishmouth::{
        calls::{VoicemailAction, hour_label},
        schedule::WEEKDAYS,
    };
    let save = ServerAction::<SaveVoiceSettings>::new();
    let saved = saves![save];
    let page = Resource::new(move || saved.get(), retrying(|_| load_voice_settings()));
    let error = last_error(save.value());
    toast_on_success(save.value(), "Voice settings saved");
    let message = move |field: &'static str| move || error.get().and_then(|e| e.message_for(field));
    view! {
        <Title text="Voice settings"/>
        <h1>"Voice settings"</h1>
        <p class="hint">"How your call assistant speaks for you. "<a href="/pro/voice/try">"Try it"</a>" before you turn it on."</p>
        <Loaded data=page render=move |p| {
            let s = p.settings;
            view! {
                {(!p.available).then(|| view! {
                    <p class="notice-inline">"Calls are not set up on this server (Telnyx and speech recognition): you can save settings and try the assistant in the simulator."</p>
                })}
                <ActionForm action=save attr:class="card voice-settings">
                    <FormError error/>
                    <label class="check"><input type="checkbox" name="s[enabled]" value="true" checked=s.enabled/>" The assistant may place calls"</label>
                    <p class="hint">{p.price.clone()}</p>
                    <div class="field">
                        <label for="assistant-name">"Assistant's name"</label>
                        <input id="assistant-name" name="s[assistant_name]" required maxlength="40" value=s.assistant_name.clone()/>
                        <p class="field-error" role="alert">{message("assistant_name")}</p>
                    </div>
                    <div class="field">
                        <label for="voice-id">"Voice (the speech service's voice id; empty for the default)"</label>
                        <input id="voice-id" name="s[voice]" maxlength="64" value=s.voice.clone()/>
                        <p class="field-error" role="alert">{message("voice")}</p>
                    </div>
                    <div class="field">
                        <label for="greeting">"Said after the opening"</label>
                        <p class="hint" id="greeting-hint">"The opening always says it is an automated assistant calling for your company, whether the call is recorded, and how to stop calls."</p>
                        <textarea id="greeting" name="s[greeting]" maxlength="300" rows="2" aria-describedby="greeting-hint">{s.greeting.clone()}</textarea>
                        <p class="field-error" role="alert">{message("greeting")}</p>
                    </div>
                    <div class="field">
                        <label for="goals">"Goals"</label>
                        <textarea id="goals" name="s[goals]" maxlength="1000" rows="2">{s.goals.clone()}</textarea>
                        <p class="field-error" role="alert">{message("goals")}</p>
                    </div>
                    <div class="field">
                        <label for="questions">"Questions to ask"</label>
                        <textarea id="questions" name="s[questions]" maxlength="1000" rows="2">{s.questions.clone()}</textarea>
                        <p class="field-error" role="alert">{message("questions")}</p>
                    </div>
                    <fieldset class="field">
                        <legend>"Inspections on"</legend>
                        <div class="weekdays">
                            {(0u8..7).map(|d| view! {
                                <label class="check">
                                    <input type="checkbox" name=format!("s[slot_days][{d}]") value=d.to_string() checked=s.slot_days & (1 << d) != 0/>
                                    {WEEKDAYS[usize::from(d)]}
                                </label>
                            }).collect_view()}
                        </div>
                        <p class="field-error" role="alert">{message("slot_days")}</p>
                        <p>"Starting at"</p>
                        <div class="weekdays">
                            {(7u8..=19).map(|h| view! {
                                <label class="check">
                                    <input type="checkbox" name=format!("s[slot_hours][{h}]") value=h.to_string() checked=s.slot_hours.contains(&h)/>
                                    {hour_label(h)}
                                </label>
                            }).collect_view()}
                        </div>
                        <p class="field-error" role="alert">{message("slot_hours")}</p>
                        <label for="timezone">"In the time zone"</label>
                        <select id="timezone" name="s[timezone]">
                            {ZONES.map(|z| view! { <option value=z selected=s.timezone == z>{z}</option> })}
                        </select>
                        <p class="field-error" role="alert">{message("timezone")}</p>
                    </fieldset>
                    <fieldset class="field">
                        <legend>"When a machine answers"</legend>
                        <label class="check"><input type="radio" name="s[voicemail_action]" value="hang_up" checked=s.voicemail_action == VoicemailAction::HangUp/>" Hang up"</label>
                        <label class="check"><input type="radio" name="s[voicemail_action]" value="leave" checked=s.voicemail_action == VoicemailAction::Leave/>" Leave this message:"</label>
                        <textarea name="s[voicemail_text]" maxlength="500" rows="2" aria-label="Voicemail message">{s.voicemail_text.clone()}</textarea>
                        <p class="field-error" role="alert">{message("voicemail_action")} {message("voicemail_text")}</p>
                    </fieldset>
                    <label class="check"><input type="checkbox" name="s[recording]" value="true" checked=s.recording/>" Keep a transcript of each call (the opening then says the call may be recorded)"</label>
                    <div class="field">
                        <label for="max-attempts">"Calls to one lead, at most"</label>
                        <input id="max-attempts" name="s[max_attempts]" inputmode="numeric" required value=s.max_attempts.to_string()/>
                        <p class="field-error" role="alert">{message("max_attempts")}</p>
                    </div>
                    <div class="field">
                        <label for="retention">"Keep transcripts for (days)"</label>
                        <input id="retention" name="s[retention_days]" inputmode="numeric" required value=s.retention_days.to_string()/>
                        <p class="field-error" role="alert">{message("retention_days")}</p>
                    </div>
                    <button type="submit" class="button">"Save"</button>
                </ActionForm>
            }
        }/>
    }
}
