//! Her signed-in devices: the list, signing one out, and signing out everywhere.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Notice;
#[cfg(feature = "ssr")]
use super::ssr::*;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: Uuid,
    pub created_at: String,
    pub last_used_at: String,
    /// "Chrome on Android": what the sessions page shows.
    pub device: String,
    pub user_agent: String,
    pub current: bool,
}

#[server(prefix = "/api/account", endpoint = "sessions", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<DeviceSession>, AppError> {
    let services = services()?;
    let crate::auth::guards::SignedIn { session_id, user, .. } = crate::auth::guards::SignedIn::get().await?;
    let rows = session::list_active(&services.pool, user.id).await?;
    Ok(rows
        .into_iter()
        .map(|s| DeviceSession {
            id: s.id,
            created_at: crate::platform::format_time(s.created_at),
            last_used_at: crate::platform::format_time(s.last_used_at),
            device: domain::account::device_label(s.user_agent.as_deref().unwrap_or_default()),
            user_agent: s.user_agent.unwrap_or_default(),
            current: s.id == session_id,
        })
        .collect())
}

#[server(prefix = "/api/account", endpoint = "revoke-session")]
pub async fn revoke_session(session_id: String) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let crate::auth::guards::SignedIn {
        session_id: current,
        user,
        ..
    } = crate::auth::guards::SignedIn::get().await?;
    let id = crate::auth::guards::parse_id(&session_id)?;
    // Scoped by user: another account's session id is simply not found.
    if !session::revoke(&services.pool, user.id, id, "revoked_by_user").await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "session": id });
    audit::success(&services.pool, &request, user.id, "auth.revoke_session", detail).await?;
    if id == current {
        clear_auth_cookies(&services);
        leptos_axum::redirect("/login");
    }
    Ok(Notice {
        status: "revoked".into(),
        message: "That device is signed out.".into(),
    })
}

#[server(prefix = "/api/account", endpoint = "sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let mut tx = services.pool.begin().await?;
    let count = session::revoke_all(&mut tx, user.id, None, "sign_out_everywhere").await?;
    let detail = serde_json::json!({ "sessions": count });
    audit::success(&mut *tx, &request, user.id, "auth.sign_out_everywhere", detail).await?;
    tx.commit().await?;
    clear_auth_cookies(&services);
    leptos_axum::redirect("/login");
    Ok(Notice {
        status: "signed_out".into(),
        message: format!("{count} device(s) signed out."),
    })
}
