//! `/pro/voice/try`: the call simulator. The contractor plays the homeowner by typing and
//! reads what the assistant would say, turn by turn, with the built-in dialogue rules
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
    use domain::fishmouth::voice::{Action, CallContext, Stage, next_slots, replay};
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
    let company = super::store::company_name(pool, user.id)
        .await?
        .unwrap_or_else(|| "your roofing company".to_owned());
    let ctx = CallContext {
        assistant: "Sam".to_owned(),
        company,
        homeowner: Some("Maria".to_owned()),
        address: "1200 Main St, Dallas".to_owned(),
        recording: true,
        slots: next_slots(time::OffsetDateTime::now_utc().date(), 3),
    };
    let turns = replay(&ctx, &said);
    let last = turns.last().map(|(_, t)| t.clone());
    let ended = last
        .as_ref()
        .is_some_and(|t| t.stage == Stage::Ended || t.actions.contains(&Action::TransferToRep));
    let outcome = last.and_then(|t| {
        t.actions.iter().find_map(|a| match a {
            Action::BookInspection { slot } => Some(format!("Inspection booked for {}", ctx.slots[*slot])),
            Action::OptOut => Some("Opted out: this number would never be called or texted again".to_owned()),
            Action::ScheduleCallback => Some("A call back from your team would be scheduled".to_owned()),
            Action::TransferToRep => Some("The call would be passed to your team".to_owned()),
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
