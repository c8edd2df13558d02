//! Her logs: symptoms (with a note encrypted at rest) and weight, with history and delete.
//! Every query is scoped to her; another account's ids are simply not found.

use domain::{account::Language, pregnancy::symptoms::Symptom};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{Field, FormError, last_error};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logs {
    pub language: String,
    pub symptoms: Vec<SymptomEntry>,
    pub weights: Vec<WeightEntry>,
}

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

#[server(prefix = "/api/mum", endpoint = "symptoms")]
pub async fn log_symptoms(
    #[server(default)] symptoms: Vec<String>,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use domain::pregnancy::symptoms::parse_note;
    let (user_id, pool, today, key) = ssr::context().await?;
    let symptoms: Vec<Symptom> = symptoms
        .iter()
        .map(|s| Symptom::parse(s).ok_or_else(|| AppError::field("symptoms", format!("unknown symptom {s:?}"))))
        .collect::<Result<_, _>>()?;
    let note = parse_note(&note).map_err(|e| AppError::field("note", e))?;
    if symptoms.is_empty() && note.is_none() {
        return Err(AppError::field("symptoms", "choose a symptom or write a note"));
    }
    let codes: Vec<&str> = symptoms.iter().map(|s| s.code()).collect();
    sqlx::query(
        "INSERT INTO symptom_logs (id, user_id, pregnancy_id, logged_on, symptoms, note_ciphertext)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), $3, $4, $5)",
    )
    .bind(Uuid::new_v4())
    .bind(user_id)
    .bind(today)
    .bind(&codes)
    .bind(note.map(|n| key.seal(&n)))
    .execute(&pool)
    .await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "weight")]
pub async fn log_weight(weight_kg: String) -> Result<(), AppError> {
    let grams =
        domain::pregnancy::symptoms::parse_weight_kg(&weight_kg).map_err(|e| AppError::field("weight_kg", e))?;
    let (user_id, pool, today, _) = ssr::context().await?;
    sqlx::query(
        "INSERT INTO weight_logs (id, user_id, pregnancy_id, logged_on, grams)
         VALUES ($1, $2, (SELECT id FROM pregnancies WHERE user_id = $2 AND ended_on IS NULL), $3, $4)",
    )
    .bind(Uuid::new_v4())
    .bind(user_id)
    .bind(today)
    .bind(i32::try_from(grams).unwrap_or(i32::MAX))
    .execute(&pool)
    .await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "logs", input = GetUrl)]
pub async fn list_logs() -> Result<Logs, AppError> {
    let (user_id, pool, _, key) = ssr::context().await?;
    let language: String = sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&pool)
        .await?;
    /// id, day, symptom codes, sealed note
    type SymptomRow = (Uuid, time::Date, Vec<String>, Option<Vec<u8>>);
    let symptom_rows: Vec<SymptomRow> = sqlx::query_as(
        "SELECT id, logged_on, symptoms, note_ciphertext FROM symptom_logs WHERE user_id = $1 ORDER BY created_at DESC LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(&pool)
    .await?;
    let weight_rows: Vec<(Uuid, time::Date, i32)> = sqlx::query_as(
        "SELECT id, logged_on, grams FROM weight_logs WHERE user_id = $1 ORDER BY logged_on, created_at LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(&pool)
    .await?;
    let mut symptoms = Vec::with_capacity(symptom_rows.len());
    for (id, date, codes, sealed) in symptom_rows {
        let note = match sealed {
            Some(sealed) => Some(key.open(&sealed).map_err(|e| anyhow::anyhow!(e))?),
            None => None,
        };
        symptoms.push(SymptomEntry {
            id,
            date: date.to_string(),
            symptoms: codes,
            note,
        });
    }
    let weights = weight_rows
        .into_iter()
        .map(|(id, date, grams)| WeightEntry {
            id,
            date: date.to_string(),
            kg: f64::from(grams) / 1000.0,
        })
        .collect();
    Ok(Logs {
        language,
        symptoms,
        weights,
    })
}

#[server(prefix = "/api/mum", endpoint = "delete-log")]
pub async fn delete_log(kind: String, id: String) -> Result<(), AppError> {
    let (user_id, pool, _, _) = ssr::context().await?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::field("id", "not an entry id"))?;
    let table = match kind.as_str() {
        "symptom" => "symptom_logs",
        "weight" => "weight_logs",
        _ => return Err(AppError::field("kind", "choose symptom or weight")),
    };
    let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1 AND user_id = $2"))
        .bind(id)
        .bind(user_id)
        .execute(&pool)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use sqlx::PgPool;
    use uuid::Uuid;

    use crate::{auth::server::session, error::AppError, platform::crypto::HealthKey};

    /// Who is logging, with her consent checked: no consent, nothing health-related is stored.
    pub async fn context() -> Result<(Uuid, PgPool, time::Date, HealthKey), AppError> {
        let (_, user) = session::require_user().await?;
        let services = crate::platform::services()?;
        let consented: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM consents WHERE user_id = $1 AND purpose = 'health_data' AND withdrawn_at IS NULL)",
        )
        .bind(user.id)
        .fetch_one(&services.pool)
        .await?;
        if !consented {
            return Err(AppError::Forbidden);
        }
        let today = super::super::api::today_in(&user.timezone);
        Ok((user.id, services.pool, today, (*services.health_key).clone()))
    }
}

/// `/mum/log`: log a symptom or a weight, see the history and a simple weight chart.
#[component]
pub fn LogPage() -> impl IntoView {
    let symptoms = ServerAction::<LogSymptoms>::new();
    let weight = ServerAction::<LogWeight>::new();
    let delete = ServerAction::<DeleteLog>::new();
    let logs = Resource::new(
        move || (symptoms.version().get(), weight.version().get(), delete.version().get()),
        |_| list_logs(),
    );
    let symptom_error = last_error(symptoms.value());
    let weight_error = last_error(weight.value());
    view! {
        <Title text="My log"/>
        <h1>"My log"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let logs = logs.await;
                let lang = logs.as_ref().ok().and_then(|l| Language::parse(&l.language).ok()).unwrap_or(Language::En);
                view! {
                    <div class="stack">
                        <section class="card">
                            <h2>"How do you feel today?"</h2>
                            <ActionForm action=symptoms>
                                <fieldset class="choices">
                                    <legend>"Symptoms"</legend>
                                    {Symptom::ALL.map(|s| view! {
                                        <label class="choice">
                                            <input type="checkbox" name="symptoms[]" value=s.code()/>
                                            " " {s.label(lang)}
                                        </label>
                                    })}
                                    <p class="field-error" role="alert">{move || symptom_error.get().and_then(|e| e.message_for("symptoms"))}</p>
                                </fieldset>
                                <div class="field">
                                    <label for="note">"A note, in your own words (optional)"</label>
                                    <textarea id="note" name="note" rows="3" maxlength="1000"></textarea>
                                    <p class="field-error" role="alert">{move || symptom_error.get().and_then(|e| e.message_for("note"))}</p>
                                </div>
                                <FormError error=symptom_error/>
                                <button type="submit" class="button">"Save symptoms"</button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>"Weight"</h2>
                            <ActionForm action=weight>
                                <Field label="Weight in kg" name="weight_kg" kind="text" error=weight_error/>
                                <FormError error=weight_error/>
                                <button type="submit" class="button">"Save weight"</button>
                            </ActionForm>
                            {logs.as_ref().ok().map(|l| view! { <WeightChart weights=l.weights.clone()/> })}
                        </section>
                        <section class="card">
                            <h2>"History"</h2>
                            <ul class="log-list">
                                {logs.clone().ok().map(|l| {
                                    let symptom_items = l.symptoms.into_iter().map(|e| {
                                        let text = e.symptoms.iter().filter_map(|c| Symptom::parse(c)).map(|s| s.label(lang)).collect::<Vec<_>>().join(", ");
                                        view! {
                                            <li class="log-entry">
                                                <p class="hint">{e.date.clone()}</p>
                                                <p>{text}</p>
                                                {e.note.clone().map(|n| view! { <p class="log-note">{n}</p> })}
                                                <DeleteButton action=delete kind="symptom" id=e.id/>
                                            </li>
                                        }
                                    }).collect_view();
                                    let weight_items = l.weights.into_iter().rev().map(|w| view! {
                                        <li class="log-entry">
                                            <p class="hint">{w.date.clone()}</p>
                                            <p>{format!("{:.1} kg", w.kg)}</p>
                                            <DeleteButton action=delete kind="weight" id=w.id/>
                                        </li>
                                    }).collect_view();
                                    view! { {symptom_items} {weight_items} }
                                })}
                            </ul>
                        </section>
                    </div>
                }
            })}
        </Transition>
    }
}

#[component]
fn DeleteButton(action: ServerAction<DeleteLog>, kind: &'static str, id: Uuid) -> impl IntoView {
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name="kind" value=kind/>
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" class="link-button">"Delete"</button>
        </ActionForm>
    }
}

/// Weight over time as an SVG line: no chart library, nothing to download.
#[component]
fn WeightChart(weights: Vec<WeightEntry>) -> impl IntoView {
    (weights.len() >= 2).then(|| {
        let (min, max) = weights.iter().fold((f64::MAX, f64::MIN), |(lo, hi), w| (lo.min(w.kg), hi.max(w.kg)));
        let span = (max - min).max(1.0);
        let step = 300.0 / (weights.len() - 1) as f64;
        let points = weights
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{:.1},{:.1}", 10.0 + i as f64 * step, 90.0 - (w.kg - min) / span * 80.0))
            .collect::<Vec<_>>()
            .join(" ");
        view! {
            <svg class="weight-chart" viewBox="0 0 320 100" role="img" aria-label=format!("Weight from {min:.1} to {max:.1} kg")>
                <polyline points=points fill="none" stroke="currentColor" stroke-width="3"/>
            </svg>
        }
    })
}
