//! One refused form field, for every validation of the domain.

use serde::{Deserialize, Serialize};

/// A problem with one field of a posted form, named as the form names it (`name`,
/// `window_days`, `steps[2].body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
