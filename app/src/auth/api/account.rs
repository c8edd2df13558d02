//! Her account: who is signed in, her profile, and changing her password.

use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use super::ssr::*;
use super::{CurrentUser, Notice};
use crate::error::AppError;

/// `GET /api/me`: the signed-in user, or 401.
#[server(prefix = "/api", endpoint = "me", input = GetUrl)]
pub async fn me() -> Result<CurrentUser, AppError> {
    let user = crate::auth::guards::SignedIn::get().await?.user;
    Ok(current_user_of(&user))
}

/// The signed-in user for rendering, or `None`: never an error status on a page.
#[server(prefix = "/api", endpoint = "session-user", input = GetUrl)]
pub async fn session_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(session::current_user().await?.map(|(_, user)| current_user_of(&user)))
}

#[server(prefix = "/api/account", endpoint = "profile")]
pub async fn update_profile(display_name: String, language: String, timezone: String) -> Result<CurrentUser, AppError> {
    let services = services()?;
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let mut problems = FieldErrors::default();
    let name = problems.check(DisplayName::parse(&display_name));
    let language = problems.check(Language::parse(&language));
    let timezone = problems.check(TimeZoneName::parse(&timezone));
    let (Some(name), Some(language), Some(timezone)) = (name, language, timezone) else {
        return Err(problems.into_error());
    };
    store::update_profile(&services.pool, user.id, &name, language, &timezone).await?;
    remember_language(&services, language);
    let updated = store::user_by_id(&services.pool, user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(current_user_of(&updated))
}

#[server(prefix = "/api/account", endpoint = "change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let crate::auth::guards::SignedIn { session_id, user, .. } = crate::auth::guards::SignedIn::get().await?;
    let new_password = NewPassword::parse(new_password, "new_password")?;
    reauthenticate(
        &services,
        &user,
        current_password,
        "current_password",
        "auth.change_password",
    )
    .await?;
    let password_hash = services.passwords.hash(new_password.expose().to_owned()).await?;
    let mut tx = services.pool.begin().await?;
    store::set_password(&mut tx, user.id, &password_hash).await?;
    let signed_out = session::revoke_all(&mut tx, user.id, Some(session_id), "password_changed").await?;
    notify_password_changed(&mut tx, &services, user.id).await?;
    let detail = serde_json::json!({ "other_sessions_revoked": signed_out });
    audit::success(&mut *tx, &request, user.id, "auth.change_password", detail).await?;
    tx.commit().await?;
    Ok(Notice {
        status: "password_changed".into(),
        message: format!("Your password is changed. {signed_out} other device(s) were signed out."),
    })
}
