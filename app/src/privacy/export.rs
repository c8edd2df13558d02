//! "Download my data": every row of hers, found by walking the schema rather than by a
//! hand-kept list, so a new table is exported the day it is added. Secrets (hashes,
//! email bodies with sign-in links) are left out; encrypted notes are decrypted for her.

use std::collections::BTreeMap;

use axum::{
    Router,
    extract::{FromRequestParts, Path},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use domain::JobStatus;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::store;
use crate::auth::guards::Unlocked;
use crate::platform::{
    RequestInfo, Services, audit,
    crypto::{HealthKey, Place},
};

/// Columns never exported: credentials (a browser's push secret too), message bodies that
/// may carry live links, and the finished file of an earlier export.
const WITHHELD: [&str; 10] = [
    "password_hash",
    "pin_hash",
    "token_hash",
    "code_hash",
    "secret_sealed",
    "body_text",
    "body_html",
    "result_sealed",
    "auth_secret",
    "media_token",
];

/// Sealed columns an export opens, and the name each is exported under.
const OPENED: [(&str, &str); 2] = [("note_ciphertext", "note"), ("transcript", "transcript")];

/// A finished file is downloadable this long, then deleted (see `workers::retention`).
pub const EXPORT_KEPT_DAYS: i32 = 7;

/// Where an export file is sealed.
fn file_place(job: Uuid) -> Place<'static> {
    Place::new("export_jobs", job)
}

/// Every table with a `user_id` column (or an `owner_id`: her rows among shared ones), plus
/// `users` itself (by `id`) and the audit log of her own actions (by `actor_id`): the table
/// and the column that names her.
pub async fn tables_of_a_user(pool: &PgPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    store::tables_of_a_user(pool).await
}

/// Her rows of every table, as JSON objects, by table name.
pub async fn export(pool: &PgPool, key: &HealthKey, user_id: Uuid) -> anyhow::Result<BTreeMap<String, Vec<Value>>> {
    let mut out = BTreeMap::new();
    for (table, column) in tables_of_a_user(pool).await? {
        out.insert(table.clone(), rows_of(pool, key, &table, &column, user_id).await?);
    }
    Ok(out)
}

/// Builds the oldest waiting export, table by table, recording progress as it goes. Any
/// number of workers may run: a job is claimed with SKIP LOCKED, and one left running by
/// a crashed worker is taken over after ten minutes. True when a job ran.
pub async fn run_next(pool: &PgPool, key: &HealthKey) -> anyhow::Result<bool> {
    let claimed = store::claim_export_job(pool).await?;
    let Some((job, user_id)) = claimed else {
        return Ok(false);
    };
    let built = build(pool, key, job, user_id).await;
    // The file holds her notes in clear: it is stored sealed, as they are.
    let (status, result) = match built {
        Ok(json) => (JobStatus::Done, Some(key.seal(file_place(job), &json))),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), %job, "export job failed");
            (JobStatus::Failed, None)
        }
    };
    store::finish_export_job(pool, job, status, result).await?;
    Ok(true)
}

async fn build(pool: &PgPool, key: &HealthKey, job: Uuid, user_id: Uuid) -> anyhow::Result<String> {
    let tables = tables_of_a_user(pool).await?;
    store::export_job_total(pool, job, i32::try_from(tables.len())?).await?;
    let mut out = BTreeMap::new();
    for (done, (table, column)) in tables.into_iter().enumerate() {
        out.insert(table.clone(), rows_of(pool, key, &table, &column, user_id).await?);
        store::export_job_done(pool, job, i32::try_from(done + 1)?).await?;
    }
    Ok(serde_json::to_string_pretty(&out)?)
}

async fn rows_of(
    pool: &PgPool,
    key: &HealthKey,
    table: &str,
    column: &str,
    user_id: Uuid,
) -> anyhow::Result<Vec<Value>> {
    let rows = store::rows_of(pool, table, column, user_id, &WITHHELD).await?;
    rows.into_iter().map(|row| open_sealed(key, table, row)).collect()
}

/// Sealed columns (bytea as "\x…" hex) become what was written: `note_ciphertext` the `note`
/// she wrote, a call's `transcript` its lines.
fn open_sealed(key: &HealthKey, table: &str, mut row: Value) -> anyhow::Result<Value> {
    let Some(object) = row.as_object_mut() else {
        return Ok(row);
    };
    for (column, name) in OPENED {
        let Some(sealed) = object.remove(column) else { continue };
        let opened = match sealed.as_str().and_then(|hex| hex.strip_prefix("\\x")) {
            Some(hex) => {
                let sealed =
                    crate::platform::decode_hex(hex).ok_or_else(|| anyhow::anyhow!("a sealed value is not hex"))?;
                let id = object
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| anyhow::anyhow!("a sealed value's row has no id"))?;
                let text = key
                    .open(Place::new(table, id), &sealed)
                    .map_err(|e| anyhow::anyhow!(e))?;
                // A transcript is JSON: exported as its lines.
                serde_json::from_str(&text)
                    .ok()
                    .filter(|_| name == "transcript")
                    .unwrap_or(Value::String(text))
            }
            None => Value::Null,
        };
        object.insert(name.to_owned(), opened);
    }
    Ok(row)
}

/// `GET /account/export.json` and `GET /account/export/{table}.csv`.
pub fn routes() -> Router<Services> {
    Router::new()
        .route("/account/export.json", get(download_json))
        .route("/account/export/{file}", get(download_csv))
        .route("/account/export/job/{id}", get(download_job))
}

/// Her files, to her alone: an unlocked session's owner, with what the handler needs and
/// the request for the audit log.
struct Download {
    services: Services,
    user_id: Uuid,
    request: RequestInfo,
}

impl FromRequestParts<Services> for Download {
    type Rejection = crate::error::AppError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, Self::Rejection> {
        let Unlocked(signed_in) = Unlocked::from_request_parts(parts, services).await?;
        Ok(Self {
            services: services.clone(),
            user_id: signed_in.user.id,
            request: RequestInfo::from_parts(parts),
        })
    }
}

impl Download {
    /// Sends `body` as a file, recorded in the audit log as it leaves ("json" or the table).
    async fn send(&self, what: &str, content_type: &'static str, name: &str, body: String) -> Response {
        let detail = serde_json::json!({ "export": what });
        let pool = &self.services.pool;
        if let Err(e) = audit::success(pool, &self.request, self.user_id, "privacy.export", detail).await {
            tracing::warn!(error = %e, "could not audit an export");
        }
        let headers = [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ];
        (headers, body).into_response()
    }

    async fn send_json(&self, body: String) -> Response {
        self.send("json", "application/json", "sasa-my-data.json", body).await
    }
}

/// The file an export job built, for the account that asked for it (404 for anyone else).
async fn download_job(download: Download, Path(id): Path<String>) -> Response {
    let Ok(id) = crate::auth::guards::parse_id(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let services = &download.services;
    let file = store::export_file(&services.pool, id, download.user_id, EXPORT_KEPT_DAYS).await;
    match file.map(|sealed| sealed.map(|sealed| services.health_key.open(file_place(id), &sealed))) {
        Ok(Some(Err(e))) => internal(anyhow::anyhow!(e)),
        Ok(Some(Ok(body))) => download.send_json(body).await,
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => internal(e.into()),
    }
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "export failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn download_json(download: Download) -> Response {
    let services = &download.services;
    match export(&services.pool, &services.health_key, download.user_id).await {
        Ok(data) => {
            download
                .send_json(serde_json::to_string_pretty(&data).unwrap_or_default())
                .await
        }
        Err(e) => internal(e),
    }
}

async fn download_csv(download: Download, Path(file): Path<String>) -> Response {
    let Some(table) = file.strip_suffix(".csv") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let services = &download.services;
    let tables = match tables_of_a_user(&services.pool).await {
        Ok(tables) => tables,
        Err(e) => return internal(e.into()),
    };
    let Some((table, column)) = tables.into_iter().find(|(t, _)| t == table) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match rows_of(&services.pool, &services.health_key, &table, &column, download.user_id).await {
        Ok(rows) => {
            let name = format!("sasa-{table}.csv");
            download
                .send(
                    &table,
                    "text/csv; charset=utf-8",
                    &name,
                    crate::platform::csv::to_csv(&rows),
                )
                .await
        }
        Err(e) => internal(e),
    }
}
