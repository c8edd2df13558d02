//! Her pregnancy records, SasaMum's section of the privacy page: each one, and deleting it
//! for good with its logs, visits and reminders.

use domain::account::Language;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::{FormError, LastError, last_error, retrying, successes};
use crate::error::AppError;
use crate::i18n::t;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PregnancyRecord {
    pub id: Uuid,
    pub due_date: String,
    pub ended_on: Option<String>,
}

/// Her pregnancy records, newest first.
#[server(prefix = "/api/mum", endpoint = "records", input = GetUrl)]
pub async fn pregnancy_records() -> Result<Vec<PregnancyRecord>, AppError> {
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let pool = crate::platform::services()?.pool;
    let rows = super::store::pregnancies(&pool, user.id).await?;
    Ok(rows
        .into_iter()
        .map(|(id, due, ended)| PregnancyRecord {
            id,
            due_date: due.to_string(),
            ended_on: ended.map(|d| d.to_string()),
        })
        .collect())
}

#[server(prefix = "/api/privacy", endpoint = "delete-pregnancy")]
pub async fn delete_pregnancy(id: String, #[server(default)] confirm: String) -> Result<(), AppError> {
    use crate::platform::{audit, request_info};
    let user = crate::auth::guards::SignedIn::get_unlocked().await?.user;
    let id = crate::auth::guards::parse_id(&id)?;
    if confirm != "yes" {
        return Err(AppError::field("confirm", "tick the box to confirm the deletion"));
    }
    let pool = crate::platform::services()?.pool;
    let mut tx = pool.begin().await?;
    if !super::store::delete_pregnancy(&mut tx, id, user.id).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "pregnancy": id });
    audit::success(&mut *tx, &request_info(), user.id, "privacy.delete_pregnancy", detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The privacy page's "Pregnancy records", when she has any. A deletion bumps `changed`:
/// the page's audit trail and table list change with it.
#[component]
pub fn PregnancyRecords(lang: Language, changed: RwSignal<usize>) -> impl IntoView {
    let delete = ServerAction::<DeletePregnancy>::new();
    let deleted = successes(delete.value());
    Effect::watch(move || deleted.get(), move |_, _, _| changed.update(|n| *n += 1), false);
    let records = Resource::new(move || deleted.get(), retrying(|_| pregnancy_records()));
    let error = last_error(delete.value());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                records.await.ok().filter(|r| !r.is_empty()).map(|records| view! {
                    <section class="card">
                        <h2>{t(lang, "Pregnancy records")}</h2>
                        <FormError error/>
                        <ul class="log-list">
                            {records.into_iter().map(|record| view! { <Record record delete error lang/> }).collect_view()}
                        </ul>
                        <p><a href="/mum/companion">{t(lang, "Who you share your pregnancy with (a companion)")}</a></p>
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
fn Record(
    record: PregnancyRecord,
    delete: ServerAction<DeletePregnancy>,
    error: LastError,
    lang: Language,
) -> impl IntoView {
    let ended = record.ended_on.map(|d| format!(" · {} {d}", t(lang, "ended")));
    view! {
        <li class="log-entry">
            <p>{t(lang, "Due date")} " " {record.due_date} {ended}</p>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=record.id.to_string()/>
                <label class="choice">
                    <input type="checkbox" name="confirm" value="yes" required=true/>
                    " " {t(lang, "Delete this record with its logs and visits, for good")}
                </label>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("confirm"))}</p>
                <button type="submit" class="button button-ghost">{t(lang, "Delete this pregnancy record")}</button>
            </ActionForm>
        </li>
    }
}
