//! The contraction timer: one tap to start, one to stop. Durations, intervals and the 5-1-1
//! "time to go" hint come from the domain rule; the clock is the server's, so a reload or a
//! second device shows the same running contraction.

use domain::account::Language;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeleteButton, DeleteLog, HealthPage, Unlock};
use crate::components::{FormError, last_error, retrying, saves};
use crate::error::AppError;
use crate::i18n::t;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// Seconds since the running contraction started, if one is running.
    pub running_secs: Option<i64>,
    /// Newest first.
    pub contractions: Vec<ContractionRow>,
    pub time_to_go: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractionRow {
    pub id: Uuid,
    /// Wall-clock start in her zone, "14:05:09".
    pub started: String,
    pub duration_secs: i64,
    /// From the start of the one before, when there was one.
    pub interval_secs: Option<i64>,
}

#[server(prefix = "/api/mum", endpoint = "contraction-start")]
pub async fn start_contraction() -> Result<(), AppError> {
    let ctx = super::tracking::ssr::context().await?;
    super::store::start_contraction(&ctx.pool, ctx.user_id).await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "contraction-stop")]
pub async fn stop_contraction() -> Result<(), AppError> {
    let ctx = super::tracking::ssr::context().await?;
    super::store::stop_contraction(&ctx.pool, ctx.user_id).await?;
    Ok(())
}

/// Corrects how long a contraction lasted (she stopped the timer late, say): 5 s to 5 min.
#[server(prefix = "/api/mum", endpoint = "contraction-edit")]
pub async fn edit_contraction(id: String, seconds: String) -> Result<(), AppError> {
    let seconds: i32 = seconds
        .trim()
        .parse()
        .ok()
        .filter(|s| (5..=300).contains(s))
        .ok_or_else(|| AppError::field("seconds", "from 5 to 300 seconds"))?;
    let ctx = super::tracking::ssr::context().await?;
    let id = super::tracking::ssr::parse_id(&id)?;
    let updated = super::store::set_contraction_length(&ctx.pool, id, ctx.user_id, seconds).await?;
    super::tracking::ssr::found(updated)
}

#[server(prefix = "/api/mum", endpoint = "contractions", input = GetUrl)]
pub async fn contraction_timer() -> Result<Timer, AppError> {
    use domain::pregnancy::contractions::{Contraction, time_to_go};
    let ctx = super::tracking::ssr::context().await?;
    let rows = super::store::recent_contractions(&ctx.pool, ctx.user_id).await?;
    super::tracking::ssr::audit_read(&ctx.pool, ctx.user_id, &[("contractions", rows.len())]).await?;
    let now = jiff::Timestamp::now().as_second();
    let zone = jiff::tz::db().get(&ctx.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let running_secs = rows
        .iter()
        .find(|(_, _, end)| end.is_none())
        .map(|(_, start, _)| now - start);
    let done: Vec<(Uuid, Contraction)> = rows
        .iter()
        .filter_map(|&(id, start, end)| end.map(|end| (id, Contraction { start, end })))
        .collect();
    let timed: Vec<Contraction> = done.iter().map(|(_, c)| *c).collect();
    let mut contractions: Vec<ContractionRow> = done
        .iter()
        .enumerate()
        .map(|(i, (id, c))| ContractionRow {
            id: *id,
            started: jiff::Timestamp::from_second(c.start)
                .map(|ts| ts.to_zoned_datetime(zone.clone()).strftime("%H:%M:%S").to_string())
                .unwrap_or_default(),
            duration_secs: c.duration_secs(),
            interval_secs: i.checked_sub(1).map(|before| c.start - done[before].1.start),
        })
        .collect();
    contractions.reverse();
    Ok(Timer {
        running_secs,
        time_to_go: time_to_go(&timed),
        contractions,
    })
}

fn minutes_seconds(secs: i64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// `/mum/contractions`
#[component]
pub fn ContractionsPage() -> impl IntoView {
    let start = ServerAction::<StartContraction>::new();
    let stop = ServerAction::<StopContraction>::new();
    let delete = ServerAction::<DeleteLog>::new();
    let edit = ServerAction::<EditContraction>::new();
    let unlock = ServerAction::<Unlock>::new();
    let saved = saves![start, stop, delete, edit, unlock];
    let timer = Resource::new(move || saved.get(), retrying(|_| contraction_timer()));
    let error = Signal::derive(move || {
        last_error(start.value())
            .get()
            .or_else(|| last_error(stop.value()).get())
    });
    view! {
        <Title text="Contraction timer"/>
        <HealthPage data=timer unlock render={move |timer, lang| {
            view! {
                <h1>{t(lang, "Contraction timer")}</h1>
                <p class="hint">{t(lang, "Tap when a contraction starts, and again when it ends.")}</p>
                {timer.time_to_go.then(|| view! {
                    <p class="notice-inline notice-inline-error" role="alert">
                        {t(lang, "Your contractions are 5 minutes apart or closer, each lasting a minute, for an hour: it is time to go to your health facility.")}
                    </p>
                })}
                <FormError error/>
                {match timer.running_secs {
                    Some(secs) => view! {
                        <RunningClock started_secs=secs lang/>
                        <ActionForm action=stop>
                            <button type="submit" class="button button-big button-block">{t(lang, "Stop: the contraction ended")}</button>
                        </ActionForm>
                    }
                    .into_any(),
                    None => view! {
                        <ActionForm action=start>
                            <button type="submit" class="button button-big button-block">{t(lang, "Start: a contraction began")}</button>
                        </ActionForm>
                    }
                    .into_any(),
                }}
                <section class="card">
                    <h2>{t(lang, "The last 12 hours")}</h2>
                    <table class="contractions">
                        <thead>
                            <tr>
                                <th scope="col">{t(lang, "Started")}</th>
                                <th scope="col">{t(lang, "Lasted")}</th>
                                <th scope="col">{t(lang, "Since the one before")}</th>
                                <th scope="col"><span class="visually-hidden">{t(lang, "Delete")}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {timer.contractions.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.started}</td>
                                    <td>{minutes_seconds(c.duration_secs)}</td>
                                    <td>{c.interval_secs.map(minutes_seconds).unwrap_or_else(|| "–".to_owned())}</td>
                                    <td>
                                        <details>
                                            <summary>{t(lang, "Edit")}</summary>
                                            <ActionForm action=edit>
                                                <input type="hidden" name="id" value=c.id.to_string()/>
                                                <label>{t(lang, "Seconds it lasted")}
                                                    <input name="seconds" inputmode="numeric" required=true value=c.duration_secs.to_string()/>
                                                </label>
                                                <button type="submit" class="link-button">{t(lang, "Save changes")}</button>
                                            </ActionForm>
                                        </details>
                                        <DeleteButton action=delete kind="contraction" id=c.id lang/>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
                <p class="form-footer"><a href="/mum/log">{t(lang, "Back to my log")}</a></p>
            }
            .into_any()
        }}/>
    }
}

/// The running contraction's length: the server's count at render, ticking once hydrated.
#[component]
fn RunningClock(started_secs: i64, lang: Language) -> impl IntoView {
    let elapsed = RwSignal::new(started_secs);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(move || elapsed.update(|s| *s += 1), std::time::Duration::from_secs(1));
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <p class="timer" role="timer" aria-live="off">
            {t(lang, "Contraction running")} " " <strong>{move || minutes_seconds(elapsed.get())}</strong>
        </p>
    }
}
