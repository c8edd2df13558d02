//! Her logs: symptoms (with a note encrypted at rest), weight, the baby's movements and the
//! contraction timer, each with history, edit and delete. Every query is scoped to her;
//! another account's ids are simply not found.

use domain::{
    account::Language,
    pregnancy::{movements::Movement, symptoms::Symptom},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::store;
use super::{HealthPage, Unlock};
use crate::components::{Field, FormError, Submit, last_error, retrying, saves, toast_on_success};
use crate::error::AppError;
use crate::i18n::{t, tf};

/// One page of her history (each kind newest first), and the weight chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logs {
    pub symptoms: Vec<SymptomEntry>,
    /// Her latest 200 weights in date order, for the chart.
    pub weights: Vec<WeightEntry>,
    pub weight_entries: Vec<WeightEntry>,
    pub movements: Vec<MovementEntry>,
    /// There are older entries than this page's.
    pub older: bool,
}

/// Entries of each kind per page of history: a page stays small on a slow phone.
pub const HISTORY_PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymptomEntry {
    pub id: Uuid,
    pub date: String,
    pub symptoms: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightEntry {
    pub id: Uuid,
    pub date: String,
    pub kg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementEntry {
    pub id: Uuid,
    pub date: String,
    pub movement: String,
    pub count: Option<i32>,
}

#[server(prefix = "/api/mum", endpoint = "symptoms")]
pub async fn log_symptoms(
    #[server(default)] symptoms: Vec<String>,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let ctx = ssr::context().await?;
    let (codes, note) = ssr::parse_symptoms(&symptoms, &note)?;
    let id = Uuid::new_v4();
    let sealed = note.map(|n| ctx.key.seal(ssr::note_place(id), &n));
    store::insert_symptoms(&ctx.pool, id, ctx.user_id, ctx.today, &codes, sealed).await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "edit-symptoms")]
pub async fn edit_symptoms(
    id: String,
    #[server(default)] symptoms: Vec<String>,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let ctx = ssr::context().await?;
    let id = ssr::parse_id(&id)?;
    let (codes, note) = ssr::parse_symptoms(&symptoms, &note)?;
    let sealed = note.map(|n| ctx.key.seal(ssr::note_place(id), &n));
    ssr::found(store::update_symptoms(&ctx.pool, id, ctx.user_id, &codes, sealed).await?)
}

#[server(prefix = "/api/mum", endpoint = "weight")]
pub async fn log_weight(weight_kg: String) -> Result<(), AppError> {
    let grams = ssr::parse_grams(&weight_kg)?;
    let ctx = ssr::context().await?;
    store::insert_weight(&ctx.pool, ctx.user_id, ctx.today, grams).await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "edit-weight")]
pub async fn edit_weight(id: String, weight_kg: String) -> Result<(), AppError> {
    let grams = ssr::parse_grams(&weight_kg)?;
    let ctx = ssr::context().await?;
    let id = ssr::parse_id(&id)?;
    ssr::found(store::update_weight(&ctx.pool, id, ctx.user_id, grams).await?)
}

/// "Less than usual" is a danger sign: the entry is kept, the report recorded, and the
/// urgent screen shown at once.
#[server(prefix = "/api/mum", endpoint = "movement")]
pub async fn log_movement(
    #[server(default)] movement: String,
    #[server(default)] count: String,
) -> Result<(), AppError> {
    let (movement, count) = ssr::parse_movement(&movement, &count)?;
    let ctx = ssr::context().await?;
    let mut tx = ctx.pool.begin().await?;
    store::insert_movement(&mut *tx, ctx.user_id, ctx.today, movement.code(), count).await?;
    if movement.is_danger_sign() {
        let sign = domain::pregnancy::danger::DangerSign::ReducedFetalMovement;
        super::danger::record_danger_report(&mut tx, ctx.user_id, sign).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/mum/danger/now?sign={}", sign.code()));
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "edit-movement")]
pub async fn edit_movement(
    id: String,
    #[server(default)] movement: String,
    #[server(default)] count: String,
) -> Result<(), AppError> {
    let (movement, count) = ssr::parse_movement(&movement, &count)?;
    let ctx = ssr::context().await?;
    let id = ssr::parse_id(&id)?;
    ssr::found(store::update_movement(&ctx.pool, id, ctx.user_id, movement.code(), count).await?)
}

/// Page `page` (0: the newest) of her history, and the weight chart.
#[server(prefix = "/api/mum", endpoint = "logs", input = GetUrl)]
pub async fn list_logs(#[server(default)] page: u32) -> Result<Logs, AppError> {
    let ctx = ssr::context().await?;
    let page_size = HISTORY_PAGE as i64;
    let skip = i64::from(page.min(10_000)) * page_size;
    // One more than a page of each kind: whether older entries exist.
    let mut symptom_rows = store::symptoms(&ctx.pool, ctx.user_id, skip, page_size + 1).await?;
    let mut weight_rows = store::weight_entries(&ctx.pool, ctx.user_id, skip, page_size + 1).await?;
    let mut movement_rows = store::movements(&ctx.pool, ctx.user_id, skip, page_size + 1).await?;
    let older = [symptom_rows.len(), weight_rows.len(), movement_rows.len()]
        .iter()
        .any(|&n| n > HISTORY_PAGE);
    symptom_rows.truncate(HISTORY_PAGE);
    weight_rows.truncate(HISTORY_PAGE);
    movement_rows.truncate(HISTORY_PAGE);
    let chart_rows = store::weights(&ctx.pool, ctx.user_id).await?;
    ssr::audit_read(
        &ctx.pool,
        ctx.user_id,
        &[
            ("symptom_logs", symptom_rows.len()),
            ("weight_logs", weight_rows.len()),
            ("movement_logs", movement_rows.len()),
        ],
    )
    .await?;
    let mut symptoms = Vec::with_capacity(symptom_rows.len());
    for (id, date, codes, sealed) in symptom_rows {
        let note = match sealed {
            Some(sealed) => Some(
                ctx.key
                    .open(ssr::note_place(id), &sealed)
                    .map_err(|e| anyhow::anyhow!(e))?,
            ),
            None => None,
        };
        symptoms.push(SymptomEntry {
            id,
            date: date.to_string(),
            symptoms: codes,
            note,
        });
    }
    let weight = |(id, date, grams): (Uuid, time::Date, i32)| WeightEntry {
        id,
        date: date.to_string(),
        kg: f64::from(grams) / 1000.0,
    };
    let movements = movement_rows
        .into_iter()
        .map(|(id, date, movement, count)| MovementEntry {
            id,
            date: date.to_string(),
            movement,
            count,
        })
        .collect();
    Ok(Logs {
        symptoms,
        weights: chart_rows.into_iter().map(weight).collect(),
        weight_entries: weight_rows.into_iter().map(weight).collect(),
        movements,
        older,
    })
}

#[server(prefix = "/api/mum", endpoint = "delete-log")]
pub async fn delete_log(kind: String, id: String) -> Result<(), AppError> {
    let ctx = ssr::context().await?;
    let id = ssr::parse_id(&id)?;
    let log = match kind.as_str() {
        "symptom" => store::Log::Symptom,
        "weight" => store::Log::Weight,
        "movement" => store::Log::Movement,
        "contraction" => store::Log::Contraction,
        _ => {
            return Err(AppError::field(
                "kind",
                "choose symptom, weight, movement or contraction",
            ));
        }
    };
    ssr::found(store::delete_log(&ctx.pool, log, id, ctx.user_id).await?)
}

#[cfg(feature = "ssr")]
pub(super) mod ssr {
    use domain::pregnancy::{movements::Movement, symptoms::Symptom};
    use sqlx::PgPool;
    use uuid::Uuid;

    use crate::{error::AppError, platform::crypto::HealthKey};

    /// Who is logging, with her consent checked: no consent, nothing health-related is stored.
    pub struct Context {
        pub user_id: Uuid,
        pub timezone: String,
        pub pool: PgPool,
        pub today: time::Date,
        pub key: HealthKey,
    }

    pub async fn context() -> Result<Context, AppError> {
        let user = crate::auth::guards::Mother::get().await?.user;
        let services = crate::platform::services()?;
        Ok(Context {
            user_id: user.id,
            today: super::super::day::today_in(&user.timezone),
            timezone: user.timezone,
            pool: services.pool,
            key: (*services.health_key).clone(),
        })
    }

    /// Every read of her health records is audited: who, which records, how many, when and from
    /// where. Never the records themselves.
    pub async fn audit_read(pool: &PgPool, user_id: Uuid, records: &[(&str, usize)]) -> Result<(), AppError> {
        let counts: serde_json::Map<String, serde_json::Value> = records
            .iter()
            .map(|(table, n)| ((*table).to_owned(), (*n).into()))
            .collect();
        let detail = serde_json::json!({ "records": counts });
        crate::platform::audit::success(pool, &crate::platform::request_info(), user_id, "health.read", detail).await?;
        Ok(())
    }

    /// Where a symptom note is sealed: its ciphertext opens only in its own row.
    pub(in crate::mum) fn note_place(id: Uuid) -> crate::platform::crypto::Place<'static> {
        crate::platform::crypto::Place::new("symptom_logs", id)
    }

    pub use crate::auth::guards::parse_id;

    /// No row changed: the id is not one of hers.
    pub fn found(rows: u64) -> Result<(), AppError> {
        if rows == 0 { Err(AppError::NotFound) } else { Ok(()) }
    }

    pub fn parse_symptoms(symptoms: &[String], note: &str) -> Result<(Vec<&'static str>, Option<String>), AppError> {
        let codes: Vec<&'static str> = symptoms
            .iter()
            .map(|s| {
                Symptom::parse(s)
                    .map(Symptom::code)
                    .ok_or_else(|| AppError::field("symptoms", format!("unknown symptom {s:?}")))
            })
            .collect::<Result<_, _>>()?;
        let note = domain::pregnancy::symptoms::parse_note(note).map_err(|e| AppError::field("note", e))?;
        if codes.is_empty() && note.is_none() {
            return Err(AppError::field("symptoms", "choose a symptom or write a note"));
        }
        Ok((codes, note))
    }

    pub fn parse_grams(raw: &str) -> Result<i32, AppError> {
        let grams = domain::pregnancy::symptoms::parse_weight_kg(raw).map_err(|e| AppError::field("weight_kg", e))?;
        Ok(i32::try_from(grams).unwrap_or(i32::MAX))
    }

    pub fn parse_movement(movement: &str, count: &str) -> Result<(Movement, Option<i32>), AppError> {
        let movement =
            Movement::parse(movement).ok_or_else(|| AppError::field("movement", "choose how your baby is moving"))?;
        let count = domain::pregnancy::movements::parse_count(count).map_err(|e| AppError::field("count", e))?;
        Ok((movement, count.map(i32::from)))
    }
}

/// `/mum/log`: log a symptom, a weight or the baby's movements; see, edit and delete the history.
#[component]
pub fn LogPage() -> impl IntoView {
    let symptoms = ServerAction::<LogSymptoms>::new();
    let weight = ServerAction::<LogWeight>::new();
    let movement = ServerAction::<LogMovement>::new();
    let edit_symptoms = ServerAction::<EditSymptoms>::new();
    let edit_weight = ServerAction::<EditWeight>::new();
    let edit_movement = ServerAction::<EditMovement>::new();
    let delete = ServerAction::<DeleteLog>::new();
    let unlock = ServerAction::<Unlock>::new();
    let saved = saves![
        symptoms,
        weight,
        movement,
        edit_symptoms,
        edit_weight,
        edit_movement,
        delete,
        unlock
    ];
    // `?page=` pages through older entries; `?edit=<id>` opens that entry's editor, so the
    // page carries one editor, not one per entry (links work before the WASM has loaded).
    let query = leptos_router::hooks::use_query_map();
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    });
    let editing = Memo::new(move |_| query.read().get("edit").and_then(|id| Uuid::parse_str(&id).ok()));
    let logs = Resource::new(move || (saved.get(), page.get()), retrying(|(_, page)| list_logs(page)));
    let symptom_error = last_error(symptoms.value());
    let weight_error = last_error(weight.value());
    let movement_error = last_error(movement.value());
    toast_on_success(symptoms.value(), "Saved");
    toast_on_success(weight.value(), "Saved");
    toast_on_success(movement.value(), "Saved");
    toast_on_success(edit_symptoms.value(), "Changes saved");
    toast_on_success(edit_weight.value(), "Changes saved");
    toast_on_success(edit_movement.value(), "Changes saved");
    toast_on_success(delete.value(), "Deleted");
    let edit_error = Signal::derive(move || {
        last_error(edit_symptoms.value())
            .get()
            .or_else(|| last_error(edit_weight.value()).get())
            .or_else(|| last_error(edit_movement.value()).get())
    });
    view! {
        <Title text="My log"/>
        <HealthPage data=logs unlock render={move |logs, lang| {
            view! {
                <h1>{t(lang, "My log")}</h1>
                <nav class="chips" aria-label=t(lang, "My log")>
                    <a href="#symptoms">{t(lang, "Symptoms")}</a>
                    <a href="#weight">{t(lang, "Weight")}</a>
                    <a href="#movements">{t(lang, "Baby's movements")}</a>
                    <a href="/mum/contractions">{t(lang, "Contraction timer")}</a>
                </nav>
                <div class="stack">
                    <section class="card" id="symptoms">
                        <h2>{t(lang, "How do you feel today?")}</h2>
                        <ActionForm action=symptoms>
                            <SymptomFields lang chosen=Vec::new() note=None error=symptom_error/>
                            <Submit label=t(lang, "Save symptoms") error=symptom_error/>
                        </ActionForm>
                    </section>
                    <section class="card" id="weight">
                        <h2>{t(lang, "Weight")}</h2>
                        <ActionForm action=weight>
                            <Field label=t(lang, "Weight in kg") name="weight_kg" kind="text" inputmode="decimal" error=weight_error/>
                            <Submit label=t(lang, "Save weight") error=weight_error/>
                        </ActionForm>
                        <WeightChart weights=logs.weights.clone() lang/>
                    </section>
                    <section class="card" id="movements">
                        <h2>{t(lang, "Baby's movements")}</h2>
                        <p class="hint">{t(lang, "Only if you want to: how is your baby moving today, compared with usual? There is no score.")}</p>
                        <ActionForm action=movement>
                            <MovementFields lang chosen=None count=None error=movement_error/>
                            <Submit label=t(lang, "Save movements") error=movement_error/>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>{t(lang, "History")}</h2>
                        <FormError error=edit_error/>
                        <ul class="log-list">
                            {logs.symptoms.into_iter().map(|e| {
                                let text = e.symptoms.iter().filter_map(|c| Symptom::parse(c)).map(|s| s.label(lang)).collect::<Vec<_>>().join(", ");
                                let SymptomEntry { id, symptoms: chosen, note, .. } = e.clone();
                                let editor = move || {
                                    let (chosen, note) = (chosen.clone(), note.clone());
                                    view! {
                                        <ActionForm action=edit_symptoms>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <SymptomFields lang chosen note error=edit_error/>
                                            <button type="submit" class="button">{t(lang, "Save changes")}</button>
                                        </ActionForm>
                                    }
                                };
                                view! {
                                    <LogEntry id date=e.date kind="symptom" delete editing page lang editor>
                                        <p>{text}</p>
                                        {e.note.map(|n| view! { <p class="log-note">{n}</p> })}
                                    </LogEntry>
                                }
                            }).collect_view()}
                            {logs.weight_entries.into_iter().map(|w| {
                                let editor = move || view! {
                                    <ActionForm action=edit_weight>
                                        <input type="hidden" name="id" value=w.id.to_string()/>
                                        <div class="field">
                                            <label>{t(lang, "Weight in kg")} <input name="weight_kg" inputmode="decimal" required=true value=format!("{:.1}", w.kg)/></label>
                                        </div>
                                        <button type="submit" class="button">{t(lang, "Save changes")}</button>
                                    </ActionForm>
                                };
                                view! {
                                    <LogEntry id=w.id date=w.date.clone() kind="weight" delete editing page lang editor>
                                        <p>{format!("{:.1} kg", w.kg)}</p>
                                    </LogEntry>
                                }
                            }).collect_view()}
                            {logs.movements.into_iter().map(|m| {
                                let feeling = Movement::parse(&m.movement);
                                let text = match (feeling, m.count) {
                                    (Some(f), Some(n)) => format!("{} · {}", f.label(lang), crate::i18n::plural(lang, n.into(), "{} movement counted", "{} movements counted")),
                                    (Some(f), None) => f.label(lang).to_owned(),
                                    (None, _) => m.movement.clone(),
                                };
                                let (id, count) = (m.id, m.count);
                                let editor = move || view! {
                                    <ActionForm action=edit_movement>
                                        <input type="hidden" name="id" value=id.to_string()/>
                                        <MovementFields lang chosen=feeling count error=edit_error/>
                                        <button type="submit" class="button">{t(lang, "Save changes")}</button>
                                    </ActionForm>
                                };
                                view! {
                                    <LogEntry id date=m.date kind="movement" delete editing page lang editor>
                                        <p>{text}</p>
                                    </LogEntry>
                                }
                            }).collect_view()}
                        </ul>
                        <nav class="pager">
                            {(page.get_untracked() > 0).then(|| view! {
                                <a href=history_link(page.get_untracked() - 1, None)>{t(lang, "Newer entries")}</a>
                            })}
                            {logs.older.then(|| view! {
                                <a href=history_link(page.get_untracked() + 1, None)>{t(lang, "Older entries")}</a>
                            })}
                        </nav>
                    </section>
                </div>
            }
            .into_any()
        }}/>
    }
}

/// `/mum/log` at page `page` of her history, with `edit`'s editor open.
fn history_link(page: u32, edit: Option<Uuid>) -> String {
    let mut link = String::from("/mum/log");
    let mut params = Vec::new();
    if page > 0 {
        params.push(format!("page={page}"));
    }
    if let Some(id) = edit {
        params.push(format!("edit={id}"));
    }
    if !params.is_empty() {
        link.push('?');
        link.push_str(&params.join("&"));
    }
    if let Some(id) = edit {
        link.push_str(&format!("#entry-{id}"));
    }
    link
}

/// One entry of her history. Its editor is drawn only while `?edit=` names it (an "Edit" link
/// asks for it), so the page carries one editor instead of one per entry.
#[component]
fn LogEntry<E, V>(
    id: Uuid,
    date: String,
    kind: &'static str,
    delete: ServerAction<DeleteLog>,
    editing: Memo<Option<Uuid>>,
    page: Memo<u32>,
    lang: Language,
    editor: E,
    children: Children,
) -> impl IntoView
where
    E: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <li class="log-entry" id=format!("entry-{id}")>
            <p class="hint">{date}</p>
            {children()}
            {move || if editing.get() == Some(id) {
                view! {
                    {editor()}
                    <a href=history_link(page.get(), None)>{t(lang, "Close")}</a>
                }
                .into_any()
            } else {
                view! { <a href=history_link(page.get(), Some(id))>{t(lang, "Edit")}</a> }.into_any()
            }}
            <DeleteButton action=delete kind id lang/>
        </li>
    }
}

#[component]
fn SymptomFields(
    lang: Language,
    chosen: Vec<String>,
    note: Option<String>,
    error: crate::components::LastError,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>{t(lang, "Symptoms")}</legend>
            {Symptom::ALL.map(|s| view! {
                <label class="choice">
                    <input type="checkbox" name="symptoms[]" value=s.code() checked=chosen.iter().any(|c| c == s.code())/>
                    " " {s.label(lang)}
                </label>
            })}
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("symptoms"))}</p>
        </fieldset>
        <div class="field">
            <label>
                {t(lang, "A note, in your own words (optional)")}
                <textarea name="note" rows="3" maxlength="1000" inner_html=crate::components::escape_html(note.as_deref().unwrap_or_default())></textarea>
            </label>
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("note"))}</p>
        </div>
    }
}

#[component]
fn MovementFields(
    lang: Language,
    chosen: Option<Movement>,
    count: Option<i32>,
    error: crate::components::LastError,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>{t(lang, "How is your baby moving?")}</legend>
            {Movement::ALL.map(|m| view! {
                <label class="choice">
                    <input type="radio" name="movement" value=m.code() required=true checked=chosen == Some(m)/>
                    " " {m.label(lang)}
                </label>
            })}
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("movement"))}</p>
        </fieldset>
        <div class="field">
            <label>
                {t(lang, "Movements you counted (optional)")}
                <input name="count" inputmode="numeric" value=count.map(|n| n.to_string())/>
            </label>
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("count"))}</p>
        </div>
    }
}

#[component]
pub(super) fn DeleteButton(
    action: ServerAction<DeleteLog>,
    kind: &'static str,
    id: Uuid,
    lang: Language,
) -> impl IntoView {
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name="kind" value=kind/>
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" class="link-button">{t(lang, "Delete")}</button>
        </ActionForm>
    }
}

/// Weight over time as an SVG line: no chart library, nothing to download.
#[component]
fn WeightChart(weights: Vec<WeightEntry>, lang: Language) -> impl IntoView {
    (weights.len() >= 2).then(|| {
        let (min, max) = weights
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), w| (lo.min(w.kg), hi.max(w.kg)));
        let span = (max - min).max(1.0);
        let step = 300.0 / (weights.len() - 1) as f64;
        let points = weights
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{:.1},{:.1}", 10.0 + i as f64 * step, 90.0 - (w.kg - min) / span * 80.0))
            .collect::<Vec<_>>()
            .join(" ");
        let label = tf(
            lang,
            "Weight from {} to {} kg",
            &[&format!("{min:.1}"), &format!("{max:.1}")],
        );
        view! {
            <svg class="weight-chart" viewBox="0 0 320 100" role="img" aria-label=label>
                <polyline points=points fill="none" stroke="currentColor" stroke-width="3"/>
            </svg>
        }
    })
}
