//! Imports from the browser (`/pro/imports`): she uploads a CSV, matches its columns to our
//! fields with the first rows shown as we would read them, sees every row we would refuse
//! with its line and reason, and only then imports it; a worker writes the rows in batches
//! while the page shows progress. A contractor imports her own list (only her scans see it,
//! and its leads cost her nothing); an operator may also import shared data and NOAA storms.
//! The rules (columns, parsing, refusals) are `domain::fishmouth::import`.

use domain::JobStatus;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod store;

use crate::components::{FormError, Loaded, last_error, retrying, successes};
use crate::error::AppError;

/// Rows shown in the preview, and refused rows listed (all are counted).
pub const PREVIEW_ROWS: usize = 5;
pub const LISTED_REFUSALS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub id: Uuid,
    pub file_name: String,
    pub kind: String,
    pub shared: bool,
    /// None while a draft she has not imported yet.
    pub status: Option<JobStatus>,
    pub total: i32,
    pub processed: i32,
    pub refused: i32,
    pub created: String,
}

/// One of our fields and the column she chose for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChoice {
    pub field: String,
    pub required: bool,
    pub column: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub summary: ImportSummary,
    /// The file's own column names.
    pub header: Vec<String>,
    pub fields: Vec<FieldChoice>,
    /// The first rows as our fields read them, in `fields` order.
    pub preview: Vec<Vec<String>>,
    /// Rows that would be imported, and the first refused ones (line, why).
    pub good: usize,
    pub refused: Vec<(usize, String)>,
    pub refused_count: usize,
    pub error: Option<String>,
}

#[server(prefix = "/api/pro", endpoint = "imports", input = GetUrl)]
pub async fn list_imports() -> Result<ImportsList, AppError> {
    let contractor = crate::auth::guards::Contractor::get().await?;
    let services = crate::platform::services()?;
    Ok(ImportsList {
        imports: store::imports(&services.pool, contractor.user.id)
            .await?
            .into_iter()
            .map(ssr::summary)
            .collect(),
        operator: contractor.operator,
    })
}

#[server(prefix = "/api/pro", endpoint = "import", input = GetUrl)]
pub async fn load_import(id: String) -> Result<ImportView, AppError> {
    let (_, _, row) = ssr::hers(&id).await?;
    Ok(ssr::view(row))
}

/// Saves her choice of column for each field (`columns[field]` = the column's position,
/// empty for none).
#[server(prefix = "/api/pro", endpoint = "map-import")]
pub async fn map_import(
    id: String,
    #[server(default)] columns: std::collections::HashMap<String, String>,
) -> Result<(), AppError> {
    use domain::fishmouth::import::{choose_columns, header};
    let (user_id, services, row) = ssr::hers(&id).await?;
    if row.status != "draft" {
        return Err(AppError::field(
            "columns",
            "this file is already imported: upload it again to change its columns",
        ));
    }
    let kind = ssr::kind(&row.kind)?;
    let chosen = choose_columns(kind, header(&row.body).len(), &columns)
        .map_err(|(field, message)| AppError::field(field, message))?;
    let value = serde_json::to_value(&chosen).map_err(|e| anyhow::anyhow!(e))?;
    store::set_columns(&services.pool, row.id, user_id, value).await?;
    Ok(())
}

/// Imports the file's good rows in the background (its refused rows are skipped).
#[server(prefix = "/api/pro", endpoint = "commit-import")]
pub async fn commit_import(id: String) -> Result<(), AppError> {
    use domain::fishmouth::import::unmapped;
    let (user_id, services, row) = ssr::hers(&id).await?;
    let id = row.id;
    let kind = ssr::kind(&row.kind)?;
    let missing = unmapped(kind, &ssr::columns(&row.columns));
    if !missing.is_empty() {
        return Err(AppError::field(
            "columns",
            format!("choose a column for {} first", missing.join(", ")),
        ));
    }
    let (good, _) = ssr::check(&row);
    if good == 0 {
        return Err(AppError::field(
            "columns",
            "no row of this file can be imported: see the refused rows",
        ));
    }
    if !store::queue(&services.pool, id, user_id, i32::try_from(good).unwrap_or(i32::MAX)).await? {
        return Err(AppError::field("columns", "this file is already imported"));
    }
    crate::platform::audit::success(
        &services.pool,
        &crate::platform::request_info(),
        user_id,
        "pro.import_queued",
        serde_json::json!({ "import": id, "kind": row.kind, "shared": row.shared, "rows": good }),
    )
    .await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::JobStatus;
    use domain::fishmouth::import::{
        Columns, ImportKind, RowError, assessor_rows_with, guess_columns, header, preview, storm_event_rows_with,
    };
    use sqlx::PgPool;
    use uuid::Uuid;

    pub use super::store::ImportRow;
    use super::{FieldChoice, ImportSummary, ImportView, LISTED_REFUSALS, PREVIEW_ROWS, store};
    use crate::error::AppError;

    /// Largest file taken from the browser; bigger ones go through `server import-properties`.
    pub const MAX_UPLOAD_BYTES: usize = 900 * 1024;
    /// Rows written per statement; progress is reported after each.
    const BATCH: usize = 2_000;

    /// Her import `id` (not found for anyone else), her id and the services.
    pub async fn hers(id: &str) -> Result<(Uuid, crate::platform::Services, ImportRow), AppError> {
        let id = crate::auth::guards::parse_id(id)?;
        let user = crate::auth::guards::Contractor::get().await?.user;
        let services = crate::platform::services()?;
        let row = store::import(&services.pool, id, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((user.id, services, row))
    }

    pub fn kind(raw: &str) -> Result<ImportKind, AppError> {
        ImportKind::parse(raw).ok_or_else(|| AppError::field("kind", "choose homes or NOAA storm events"))
    }

    pub fn columns(value: &serde_json::Value) -> Columns {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub fn summary(row: ImportRow) -> ImportSummary {
        ImportSummary {
            id: row.id,
            file_name: row.file_name,
            kind: row.kind,
            shared: row.shared,
            status: JobStatus::parse(&row.status),
            total: row.total,
            processed: row.processed,
            refused: row.refused,
            created: crate::platform::format_time(row.created_at),
        }
    }

    fn this_year() -> i32 {
        time::OffsetDateTime::now_utc().year()
    }

    /// How many rows would be imported, and the refused ones.
    pub fn check(row: &ImportRow) -> (usize, Vec<RowError>) {
        let columns = columns(&row.columns);
        match ImportKind::parse(&row.kind) {
            Some(ImportKind::Properties) => {
                let (good, refused) = assessor_rows_with(&row.body, this_year(), &columns);
                (good.len(), refused)
            }
            Some(ImportKind::Storms) => {
                let (good, refused) = storm_event_rows_with(&row.body, &columns);
                (good.len(), refused)
            }
            None => (0, Vec::new()),
        }
    }

    pub fn view(row: ImportRow) -> ImportView {
        let kind = ImportKind::parse(&row.kind).unwrap_or(ImportKind::Properties);
        let chosen = columns(&row.columns);
        // Once handed to the worker, the page shows progress only: no need to read the file
        // again at every poll.
        let draft = row.status == "draft";
        let (good, refused) = if draft {
            check(&row)
        } else {
            (usize::try_from(row.total).unwrap_or(0), Vec::new())
        };
        let fields = kind
            .fields()
            .map(|f| FieldChoice {
                field: f.to_owned(),
                required: kind.required().contains(&f),
                column: chosen.get(f).copied(),
            })
            .collect();
        ImportView {
            header: if draft { header(&row.body) } else { Vec::new() },
            fields,
            preview: if draft {
                preview(kind, &row.body, &chosen, PREVIEW_ROWS)
            } else {
                Vec::new()
            },
            good,
            refused_count: refused.len(),
            refused: refused
                .into_iter()
                .take(LISTED_REFUSALS)
                .map(|e| (e.line, e.message))
                .collect(),
            error: row.error.clone(),
            summary: summary(row),
        }
    }

    /// A new draft from an uploaded file, with its columns guessed from their names.
    pub async fn create(
        pool: &PgPool,
        user_id: Uuid,
        kind: ImportKind,
        shared: bool,
        file_name: &str,
        body: String,
    ) -> Result<Uuid, AppError> {
        let guessed = guess_columns(kind, &header(&body));
        let id = Uuid::new_v4();
        let columns = serde_json::to_value(&guessed).map_err(|e| anyhow::anyhow!(e))?;
        store::insert(pool, id, user_id, kind.as_str(), shared, file_name, &body, columns).await?;
        Ok(id)
    }

    /// Claims the oldest queued import and writes it. False when none was waiting.
    pub async fn run_next(pool: &PgPool) -> anyhow::Result<bool> {
        let Some(row) = store::claim(pool).await? else {
            return Ok(false);
        };
        if let Err(e) = run(pool, &row).await {
            tracing::error!(import = %row.id, error = %format!("{e:#}"), "import failed");
            store::fail(
                pool,
                row.id,
                "The import could not finish. The rows written so far are kept; upload the file again to finish it.",
            )
            .await?;
        }
        Ok(true)
    }

    async fn run(pool: &PgPool, row: &ImportRow) -> anyhow::Result<()> {
        let owner = (!row.shared).then_some(row.user_id);
        let columns = columns(&row.columns);
        let refused = match ImportKind::parse(&row.kind) {
            Some(ImportKind::Properties) => {
                let (homes, refused) = assessor_rows_with(&row.body, this_year(), &columns);
                let mut done = 0;
                for chunk in homes.chunks(BATCH) {
                    let mut tx = pool.begin().await?;
                    crate::fishmouth::properties::insert_properties(&mut tx, chunk, "import", owner).await?;
                    done += chunk.len();
                    store::progress(&mut *tx, row.id, i32::try_from(done).unwrap_or(i32::MAX)).await?;
                    tx.commit().await?;
                }
                refused.len()
            }
            Some(ImportKind::Storms) => {
                let (reports, refused) = storm_event_rows_with(&row.body, &columns);
                let mut done = 0;
                for chunk in reports.chunks(BATCH) {
                    let mut tx = pool.begin().await?;
                    crate::fishmouth::properties::insert_hail(&mut tx, chunk, "import").await?;
                    done += chunk.len();
                    store::progress(&mut *tx, row.id, i32::try_from(done).unwrap_or(i32::MAX)).await?;
                    tx.commit().await?;
                }
                refused.len()
            }
            None => anyhow::bail!("unknown import kind {}", row.kind),
        };
        store::finish(pool, row.id, i32::try_from(refused).unwrap_or(i32::MAX)).await?;
        Ok(())
    }

    /// Why an upload was refused: the code the page shows (see `upload_error`).
    enum Refusal {
        Code(&'static str),
        Failed(AppError),
    }

    impl From<AppError> for Refusal {
        fn from(e: AppError) -> Self {
            Self::Failed(e)
        }
    }

    impl From<sqlx::Error> for Refusal {
        fn from(e: sqlx::Error) -> Self {
            Self::Failed(e.into())
        }
    }

    /// `POST /pro/imports/upload` (multipart: `kind`, `file`): a new draft. A browser's form
    /// post is redirected to the draft's page, or back with `?error=`; a caller that asks for
    /// JSON gets 201 with the draft's id, or 400 naming the field.
    pub async fn upload(
        axum::extract::State(services): axum::extract::State<crate::platform::Services>,
        contractor: crate::auth::guards::Contractor,
        request: crate::platform::RequestInfo,
        mut multipart: axum::extract::Multipart,
    ) -> axum::response::Response {
        use axum::response::{IntoResponse, Redirect};
        let json = request
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"));
        match read_upload(&services, &contractor, &mut multipart, &request).await {
            Ok(id) if json => (http::StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id }))).into_response(),
            Ok(id) => Redirect::to(&format!("/pro/imports/{id}")).into_response(),
            Err(Refusal::Code(code)) if json => {
                let field = if code == "kind" { "kind" } else { "file" };
                let error = AppError::field(field, super::upload_error(code).unwrap_or("not imported"));
                (http::StatusCode::BAD_REQUEST, axum::Json(error)).into_response()
            }
            Err(Refusal::Code(code)) => Redirect::to(&format!("/pro/imports?error={code}")).into_response(),
            Err(Refusal::Failed(e)) => e.into_response(),
        }
    }

    async fn read_upload(
        services: &crate::platform::Services,
        contractor: &crate::auth::guards::Contractor,
        multipart: &mut axum::extract::Multipart,
        request: &crate::platform::RequestInfo,
    ) -> Result<Uuid, Refusal> {
        let user = &contractor.user;
        crate::platform::rate_limit::hit(
            &services.pool,
            &format!("import-upload:{}", user.id),
            crate::platform::rate_limit::Limit::per_hour(30),
        )
        .await?;
        let (mut kind, mut file) = (String::new(), None);
        while let Some(mut field) = multipart.next_field().await.map_err(|_| Refusal::Code("file"))? {
            match field.name() {
                Some("kind") => kind = field.text().await.map_err(|_| Refusal::Code("kind"))?,
                Some("file") => {
                    let name = field.file_name().map(file_name).unwrap_or_default();
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(|_| Refusal::Code("too_large"))? {
                        if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                            return Err(Refusal::Code("too_large"));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    file = Some((name, bytes));
                }
                _ => {}
            }
        }
        let (kind, shared) = match (kind.as_str(), contractor.operator) {
            ("mine" | "", _) => (ImportKind::Properties, false),
            ("shared", true) => (ImportKind::Properties, true),
            ("storms", true) => (ImportKind::Storms, true),
            _ => return Err(Refusal::Code("kind")),
        };
        let Some((name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
            return Err(Refusal::Code("file"));
        };
        // PostgreSQL text holds no NUL: a file with one is not a CSV anyway.
        let body = String::from_utf8(bytes)
            .ok()
            .filter(|text| !text.contains('\0'))
            .ok_or(Refusal::Code("not_text"))?;
        let id = create(&services.pool, user.id, kind, shared, &name, body).await?;
        crate::platform::audit::success(
            &services.pool,
            request,
            user.id,
            "pro.import_uploaded",
            serde_json::json!({ "import": id, "kind": kind.as_str(), "shared": shared }),
        )
        .await?;
        Ok(id)
    }

    /// The uploaded file's own name, without any folders or control characters, at most 200
    /// characters ("upload.csv" when it has none).
    fn file_name(raw: &str) -> String {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
        let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
        if clean.trim().is_empty() {
            "upload.csv".to_owned()
        } else {
            clean.trim().to_owned()
        }
    }
}

/// What the imports page needs: her imports, and whether she may import shared data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportsList {
    pub imports: Vec<ImportSummary>,
    pub operator: bool,
}

fn kind_label(kind: &str, shared: bool) -> &'static str {
    match (kind, shared) {
        ("storms", _) => "NOAA storm events (hail), for everyone",
        (_, true) => "Homes, shared with every contractor",
        _ => "Your own list of homes",
    }
}

/// Why an upload was refused, by the code the upload route sends back.
pub fn upload_error(code: &str) -> Option<&'static str> {
    Some(match code {
        "file" => "choose a CSV file to upload",
        "too_large" => "that file is over 900 KB: split it, or ask an operator to import it from the command line",
        "not_text" => "that file is not a CSV text file (UTF-8): export it from your spreadsheet as CSV",
        "kind" => "only operators may import shared data or storm events",
        _ => return None,
    })
}

/// `/pro/imports`: upload a CSV file, and the files uploaded before.
#[component]
pub fn ImportsPage() -> impl IntoView {
    let data = Resource::new(|| (), retrying(|_| list_imports()));
    let query = leptos_router::hooks::use_query_map();
    let error = move || query.read().get("error").and_then(|code| upload_error(&code));
    view! {
        <Title text="Imports"/>
        <h1>"Imports"</h1>
        <section class="card">
            <h2>"Upload a CSV file"</h2>
            <p>"Your own list of homes: a county assessor extract, a parcel list, past customers. Only your scans see it, and its leads cost nothing. You match its columns to ours and see every row we would refuse before anything is imported."</p>
            <form method="post" action="/pro/imports/upload" enctype="multipart/form-data">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let operator = data.await.map(|d| d.operator).unwrap_or(false);
                        if operator {
                            view! {
                                <fieldset class="choices">
                                    <legend>"What the file holds (you are an operator)"</legend>
                                    <label class="choice"><input type="radio" name="kind" value="mine" checked=true/>" My own list of homes"</label>
                                    <label class="choice"><input type="radio" name="kind" value="shared"/>" Homes for every contractor (shared data)"</label>
                                    <label class="choice"><input type="radio" name="kind" value="storms"/>" NOAA Storm Events details file (hail)"</label>
                                </fieldset>
                            }.into_any()
                        } else {
                            view! { <input type="hidden" name="kind" value="mine"/> }.into_any()
                        }
                    })}
                </Transition>
                <div class="field">
                    <label for="file">"CSV file (up to 900 KB)"</label>
                    <p class="hint" id="file-hint">"The first line names the columns. Homes need a parcel id, an address, a latitude and a longitude; the columns are listed in the help."</p>
                    <input id="file" name="file" type="file" accept=".csv,text/csv" required=true
                        aria-describedby="file-hint file-error" aria-invalid=move || error().is_some().then_some("true")/>
                    <p class="field-error" id="file-error" role="alert">{error}</p>
                </div>
                <button type="submit" class="button">"Upload and check"</button>
            </form>
        </section>
        <section class="card">
            <h2>"Your imports"</h2>
            <Loaded data render={move |list| view! {
                {list.imports.is_empty().then(|| view! { <p class="hint">"Nothing uploaded yet."</p> })}
                <ul class="log-list">
                    {list.imports.into_iter().map(|i| view! {
                        <li class="log-entry">
                            <a href=format!("/pro/imports/{}", i.id)>{i.file_name.clone()}</a>
                            <p class="hint">{format!("{} · {} · {}", i.created, kind_label(&i.kind, i.shared), status_text(&i))}</p>
                        </li>
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}

fn status_text(i: &ImportSummary) -> String {
    match i.status {
        None => "not imported yet: check its columns".to_owned(),
        Some(JobStatus::Queued) => "waiting to start".to_owned(),
        Some(JobStatus::Running) => format!("importing: {} of {} rows", i.processed, i.total),
        Some(JobStatus::Done) => format!("{} rows imported, {} refused", i.processed, i.refused),
        Some(JobStatus::Failed) => "the import could not finish".to_owned(),
    }
}

/// `/pro/imports/:id`: match the columns, preview, the refused rows, then import (with progress).
#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let map = ServerAction::<MapImport>::new();
    let commit = ServerAction::<CommitImport>::new();
    let (mapped, committed) = (successes(map.value()), successes(commit.value()));
    let tick = RwSignal::new(0u32);
    let import = Resource::new(
        move || (id(), tick.get(), mapped.get(), committed.get()),
        retrying(|(id, _, _, _)| load_import(id)),
    );
    let map_error = last_error(map.value());
    let commit_error = last_error(commit.value());
    Effect::new(move |_| {
        let running = import
            .get()
            .and_then(Result::ok)
            .is_some_and(|i| i.summary.status.is_some_and(JobStatus::in_progress));
        if running {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_millis(700));
        }
    });
    view! {
        <Title text="Import"/>
        <Loaded data=import render={move |v| {
            let s = v.summary.clone();
            let draft = s.status.is_none();
            let running = s.status.is_some_and(JobStatus::in_progress);
            let percent = if s.total > 0 { s.processed * 100 / s.total } else { 0 };
            let (id_for_map, id_for_commit) = (s.id.to_string(), s.id.to_string());
            let header = v.header.clone();
            let fields = v.fields.clone();
            view! {
                {running.then(|| view! { <noscript inner_html=crate::components::NOSCRIPT_REFRESH></noscript> })}
                <h1>{s.file_name.clone()}</h1>
                <p class="badge">{kind_label(&s.kind, s.shared)}</p>
                {s.status.map(|status| view! {
                    <section class="card" aria-live="polite">
                        <p class="eyebrow" data-status=status.as_str()>{status_text(&s)}</p>
                        <progress max="100" value=if status == JobStatus::Done { 100 } else { percent }>{format!("{percent}%")}</progress>
                        {v.error.clone().map(|e| view! { <p class="field-error">{e}</p> })}
                        {(status == JobStatus::Done).then(|| view! { <p><a href="/pro/scans">"Scan an area"</a>" to score these homes."</p> })}
                    </section>
                })}
                {draft.then(move || view! {
                    <section class="card">
                        <h2>"Match the columns"</h2>
                        <p class="hint">"Each of our fields, and the column of your file that holds it. Fields marked * are needed."</p>
                        <ActionForm action=map>
                            <input type="hidden" name="id" value=id_for_map.clone()/>
                            <div class="field-row">
                                {fields.into_iter().map(|f| {
                                    let name = format!("columns[{}]", f.field);
                                    let label = if f.required { format!("{} *", f.field) } else { f.field.clone() };
                                    let field_error = move |field: String| move || map_error.get().and_then(|e| e.message_for(&field));
                                    view! {
                                        <div class="field">
                                            <label for=name.clone()>{label}</label>
                                            <select id=name.clone() name=name>
                                                <option value="" selected=f.column.is_none()>"(none)"</option>
                                                {header.iter().enumerate().map(|(i, column)| view! {
                                                    <option value=i.to_string() selected=f.column == Some(i)>{column.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                            <p class="field-error" role="alert">{field_error(f.field.clone())}</p>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                            <FormError error=map_error/>
                            <button type="submit" class="button">"Check these columns"</button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"The first rows, as we read them"</h2>
                        <ol class="log-list">
                            {v.preview.iter().map(|row| view! {
                                <li class="log-entry">
                                    <dl class="milestones">
                                        {v.fields.iter().zip(row).filter(|(_, value)| !value.is_empty()).map(|(f, value)| view! {
                                            <dt>{f.field.clone()}</dt><dd>{value.clone()}</dd>
                                        }).collect_view()}
                                    </dl>
                                </li>
                            }).collect_view()}
                        </ol>
                    </section>
                    <section class="card">
                        <h2>{format!("{} rows to import, {} refused", v.good, v.refused_count)}</h2>
                        {(v.refused_count > 0).then(|| view! {
                            <ul class="refused-rows">
                                {v.refused.iter().map(|(line, why)| view! { <li><strong>{format!("Line {line}")}</strong>": "{why.clone()}</li> }).collect_view()}
                            </ul>
                            {(v.refused_count > v.refused.len()).then(|| view! { <p class="hint">{format!("and {} more", v.refused_count - v.refused.len())}</p> })}
                        })}
                        <ActionForm action=commit>
                            <input type="hidden" name="id" value=id_for_commit.clone()/>
                            <FormError error=commit_error/>
                            <p class="field-error" role="alert">{move || commit_error.get().and_then(|e| e.message_for("columns"))}</p>
                            <button type="submit" class="button" disabled=v.good == 0>
                                {format!("Import {} rows", v.good)}
                            </button>
                            {(v.refused_count > 0).then(|| view! { <p class="hint">"Refused rows are skipped. Fix them in your file and upload it again to add them."</p> })}
                        </ActionForm>
                    </section>
                })}
            }
        }}/>
    }
}
