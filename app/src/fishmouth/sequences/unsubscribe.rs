//! The public unsubscribe page's question: whose emails the link stops, and whether it
//! already has. The unsubscribing itself is in [`super::inbound`].

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{inbound, store};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    pub company: String,
    pub done: bool,
}

/// Public: whose emails the link stops, and whether it already has.
#[server(prefix = "/api", endpoint = "unsubscribe-status", input = GetUrl)]
pub async fn load_unsubscribe(token: String) -> Result<UnsubscribeView, AppError> {
    let services = crate::platform::services()?;
    let (company, done) = store::unsubscribe_status(&services.pool, &inbound::token_only(&token))
        .await?
        .ok_or(AppError::InvalidLink)?;
    Ok(UnsubscribeView { company, done })
}
