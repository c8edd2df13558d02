//! The audit log: every authentication decision and every access to sensitive records.
//! Records who, what, when, from where and the outcome, never a secret.

#![cfg(feature = "ssr")]

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::RequestInfo;

#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

pub async fn record(
    db: impl PgExecutor<'_>,
    request: &RequestInfo,
    actor: Option<Uuid>,
    action: &str,
    outcome: Outcome,
    detail: Value,
) -> Result<(), sqlx::Error> {
    super::store::insert_audit(db, request, actor, action, outcome.as_str(), detail).await
}

/// Records that `actor` did `action`: the common case of [`record`].
pub async fn success(
    db: impl PgExecutor<'_>,
    request: &RequestInfo,
    actor: Uuid,
    action: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    record(db, request, Some(actor), action, Outcome::Success, detail).await
}
