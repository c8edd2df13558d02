//! A forgotten password: the emailed reset link, and choosing a new password with it.

use leptos::prelude::*;

use super::Notice;
#[cfg(feature = "ssr")]
use super::ssr::*;
use crate::error::AppError;

pub const RESET_SENT: &str =
    "If an account uses this email, we sent it a link to choose a new password. The link works for one hour.";

#[server(prefix = "/api/auth", endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<Notice, AppError> {
    request_link(&email, Purpose::ResetPassword).await?;
    leptos_axum::redirect("/forgot/sent");
    Ok(Notice {
        status: "reset_sent".into(),
        message: RESET_SENT.into(),
    })
}

#[server(prefix = "/api/auth", endpoint = "reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    rate_limit::hit(&services.pool, &ip_key("reset", &request), Limit::per_hour(20)).await?;
    let password = NewPassword::parse(password, "password")?;
    let password_hash = services.passwords.hash(password.expose().to_owned()).await?;
    let mut tx = services.pool.begin().await?;
    let Some(user_id) = store::consume_email_token(&mut tx, Purpose::ResetPassword, token.trim()).await? else {
        audit::record(
            &services.pool,
            &request,
            None,
            "auth.reset_password",
            Outcome::Failure,
            serde_json::json!({}),
        )
        .await?;
        return Err(AppError::InvalidLink);
    };
    store::set_password(&mut tx, user_id, &password_hash).await?;
    // The link arrived by email, which proves the address as well as a verification link.
    store::mark_verified(&mut tx, user_id).await?;
    session::revoke_all(&mut tx, user_id, None, "password_reset").await?;
    notify_password_changed(&mut tx, &services, user_id).await?;
    let detail = serde_json::json!({});
    audit::success(&mut *tx, &request, user_id, "auth.reset_password", detail).await?;
    tx.commit().await?;
    // No automatic sign-in after a reset: the new password proves itself at the login form.
    clear_auth_cookies(&services);
    leptos_axum::redirect("/login?reset=1");
    Ok(Notice {
        status: "password_reset".into(),
        message: "Your password is changed. Log in with the new one.".into(),
    })
}
