//! One error type for every server function. The browser and curl see a kind and a
//! message meant for people; the server logs the cause once, under the id shown to the user.

use leptos::server_fn::{
    ServerFnError,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A problem with one form field, named as the form and the API name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    #[error("Please check the highlighted fields.")]
    Invalid { fields: Vec<FieldError> },
    #[error("Wrong email or password.")]
    BadCredentials,
    #[error("Please confirm your email address first, with the link we emailed you. No email? Ask for a new link.")]
    EmailNotVerified,
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("We couldn't find that.")]
    NotFound,
    #[error("Enter your PIN to open your pregnancy screens.")]
    Locked,
    /// An operator whose session has not passed the second factor yet.
    #[error("Enter the code from your authenticator app to open the admin pages.")]
    SecondFactor,
    #[error("This account is disabled. Please contact support to reopen it.")]
    AccountDisabled,
    #[error("This link is invalid or has expired. Ask for a new one.")]
    InvalidLink,
    #[error("Too many attempts. Please try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// A plan limit (scans a minute or a day), with the message that names it.
    #[error("{message}")]
    LimitReached { message: String, retry_after_secs: u64 },
    #[error("Not enough credits: this costs {needed}, and your wallet holds {balance}. Add credits and try again.")]
    InsufficientCredits { needed: String, balance: String },
    #[error("We are busy right now. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Network,
    #[error("Something went wrong on our side (error {error_id}). Please try again.")]
    Unexpected { error_id: String },
    /// The page's client went away and its request context with it: nobody to answer,
    /// nothing to log or report.
    #[error("The request ended before its answer was ready.")]
    Gone,
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            fields: vec![FieldError {
                field: field.to_owned(),
                message: message.into(),
            }],
        }
    }

    /// The message for one field, if this error is about that field.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { fields } => fields.iter().find(|f| f.field == field).map(|f| f.message.clone()),
            _ => None,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } | Self::InvalidLink => 400,
            Self::BadCredentials | Self::Unauthorized => 401,
            Self::EmailNotVerified | Self::Forbidden | Self::Locked | Self::SecondFactor | Self::AccountDisabled => 403,
            Self::NotFound => 404,
            Self::RateLimited { .. } | Self::LimitReached { .. } => 429,
            Self::InsufficientCredits { .. } => 402,
            Self::Busy { .. } => 503,
            Self::Network => 502,
            Self::Unexpected { .. } => 500,
            // nginx's "client closed request": no one reads it.
            Self::Gone => 499,
        }
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::Busy { retry_after_secs }
            | Self::LimitReached { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl From<domain::account::AccountError> for AppError {
    fn from(e: domain::account::AccountError) -> Self {
        Self::field(e.field().unwrap_or("request"), e.to_string())
    }
}

/// A domain rule's refused fields.
impl From<Vec<domain::FieldError>> for AppError {
    fn from(errors: Vec<domain::FieldError>) -> Self {
        Self::Invalid {
            fields: errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// Collects the problems of several fields into one error.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value, or records why it was refused.
    pub fn check<T>(&mut self, result: Result<T, domain::account::AccountError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.push(FieldError {
                    field: e.field().unwrap_or("request").to_owned(),
                    message: e.to_string(),
                });
                None
            }
        }
    }

    pub fn into_error(self) -> AppError {
        AppError::Invalid { fields: self.0 }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request did not carry what the function needs: a client error, never a 500.
            // The message can quote what was sent: at most its first 120 characters come back.
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => Self::field(
                missing_field(&message).unwrap_or("request"),
                missing_field(&message).map_or_else(
                    || {
                        let short: String = message.chars().take(120).collect();
                        let more = if short.len() < message.len() { "…" } else { "" };
                        format!("the request could not be read: {short}{more}")
                    },
                    |_| "this field is required".to_owned(),
                ),
            ),
            ServerFnErrorErr::MissingArg(field) => Self::field(&field, "this field is required"),
            ServerFnErrorErr::Request(_) => Self::Network,
            other => Self::Unexpected {
                error_id: new_error_id(&other.to_string()),
            },
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(e: ServerFnError) -> Self {
        Self::Unexpected {
            error_id: new_error_id(&e.to_string()),
        }
    }
}

/// serde's "missing field `timezone`" names the form field.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.split("missing field `").nth(1)?;
    rest.split('`').next()
}

/// A short id for an unexpected error; the server logs the cause under it.
fn new_error_id(cause: &str) -> String {
    let id = short_id();
    #[cfg(feature = "ssr")]
    {
        tracing::error!(error_id = %id, cause, "unexpected error");
        if let Some(reporter) = leptos::prelude::use_context::<crate::platform::Services>().and_then(|s| s.errors) {
            reporter.report(&id, cause);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = cause;
    id
}

#[cfg(feature = "ssr")]
fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// In the browser there is no server log to point at.
#[cfg(not(feature = "ssr"))]
fn short_id() -> String {
    "in-browser".to_owned()
}

#[cfg(feature = "ssr")]
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Unexpected {
            error_id: new_error_id(&format!("{e:#}")),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unexpected {
            error_id: new_error_id(&format!("database: {e}")),
        }
    }
}

/// The answer of a plain axum handler (a download, a webhook) that refuses: the status and
/// the message meant for people.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, self.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_form_field_is_a_client_error_naming_it() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `timezone`".into()));
        assert_eq!(e.status(), 400);
        assert_eq!(e.message_for("timezone").as_deref(), Some("this field is required"));
    }

    #[test]
    fn an_unreadable_request_is_quoted_short() {
        let huge = format!("invalid type: string \"{}\", expected a sequence", "x".repeat(300_000));
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(huge));
        assert_eq!(e.status(), 400);
        let message = e.message_for("request").expect("message");
        assert!(message.chars().count() < 200 && message.ends_with('…'), "{message}");
    }

    #[test]
    fn errors_travel_as_tagged_json() {
        let json = serde_json::to_string(&AppError::RateLimited { retry_after_secs: 30 }).expect("json");
        assert_eq!(json, r#"{"error":"rate_limited","retry_after_secs":30}"#);
        let back: AppError = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.retry_after_secs(), Some(30));
    }
}
