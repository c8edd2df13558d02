use serde::{Deserialize, Serialize};

/// A refused input, naming the form field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AccountError {
    field: String,
    message: String,
}

impl AccountError {
    pub fn invalid(field: &str, message: &str) -> Self {
        Self {
            field: field.to_owned(),
            message: message.to_owned(),
        }
    }
    pub fn field(&self) -> Option<&str> {
        Some(&self.field)
    }
}
