//! Logging in (throttled, never locked), renewing the access token, and logging out.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;
use super::{CurrentUser, Notice};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: CurrentUser,
    /// Only for an API client that asked for it (`token=bearer`): a browser's token lives in an
    /// HttpOnly cookie, out of reach of any script on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    pub expires_in: i64,
    pub redirect_to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refreshed {
    /// Only when the refresh token came in the body (an API client); a browser's stays in cookies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    pub expires_in: i64,
}

#[server(prefix = "/api/auth", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] next: String,
    #[server(default)] token: String,
) -> Result<SignedIn, AppError> {
    let (services, request) = (services()?, request_info());
    rate_limit::hit(&services.pool, &ip_key("login", &request), Limit::per_minute(30)).await?;
    let email = Email::parse(&email)?;
    // Guessing is throttled, never locked: a stranger can slow sign-ins to an account but
    // cannot keep its owner out. Each attempt counts before the password is checked (and is
    // taken back if it was right), so concurrent guesses cannot slip past a limit.
    let (user, phc) = store::credentials(&services.pool, &email).await?.unzip();
    let throttles = login_throttles(&services, &request, &email, user.as_ref()).await?;
    let matches = services.passwords.verify(password, phc).await?;
    let Some(user) = user.filter(|_| matches) else {
        // The audit log outlives accounts: it keeps a hash of the address, never the address.
        use sha2::Digest as _;
        let email_sha256 = crate::platform::encode_hex(&sha2::Sha256::digest(email.as_ref().as_bytes()));
        let detail = serde_json::json!({ "email_sha256": email_sha256 });
        audit::record(&services.pool, &request, None, "auth.login", Outcome::Failure, detail).await?;
        return Err(AppError::BadCredentials);
    };
    for (key, limit) in throttles {
        rate_limit::undo(&services.pool, &key, limit).await?;
    }
    // A right password on an account that may not sign in: refused, and the reason audited.
    let refused = if store::is_disabled(&services.pool, user.id).await? {
        Some(("disabled", AppError::AccountDisabled))
    } else if user.email_verified_at.is_none() {
        Some(("email_not_verified", AppError::EmailNotVerified))
    } else {
        None
    };
    if let Some((reason, error)) = refused {
        let detail = serde_json::json!({ "reason": reason });
        audit::record(
            &services.pool,
            &request,
            Some(user.id),
            "auth.login",
            Outcome::Denied,
            detail,
        )
        .await?;
        return Err(error);
    }
    let issued = session::start(
        &services.pool,
        &services.tokens,
        &user,
        services.session_idle_secs,
        &request,
    )
    .await?;
    let detail = serde_json::json!({ "session": issued.identity.session_id });
    audit::success(&services.pool, &request, user.id, "auth.login", detail).await?;
    set_auth_cookies(&services, &issued);
    // Her language, readable before any data loads (loading lines, footer, form errors).
    remember_language(&services, user.language());
    let redirect_to = safe_next(&next).unwrap_or(user.product().dashboard()).to_owned();
    leptos_axum::redirect(&redirect_to);
    Ok(SignedIn {
        user: current_user_of(&user),
        access_token: (token == "bearer").then_some(issued.access),
        expires_in: ACCESS_TOKEN_SECS,
        redirect_to,
    })
}

#[server(prefix = "/api/auth", endpoint = "refresh")]
pub async fn refresh(#[server(default)] refresh_token: String) -> Result<Refreshed, AppError> {
    let (services, request) = (services()?, request_info());
    rate_limit::hit(&services.pool, &ip_key("refresh", &request), Limit::per_minute(60)).await?;
    let from_body = !refresh_token.is_empty();
    let token = Some(refresh_token)
        .filter(|_| from_body)
        .or_else(|| cookies::REFRESH.read(&request.headers, services.secure_cookies));
    let Some(token) = token else {
        return Err(AppError::Unauthorized);
    };
    match session::refresh(&services.pool, &services.tokens, &token, &request).await? {
        Some(issued) => {
            set_auth_cookies(&services, &issued);
            Ok(Refreshed {
                access_token: from_body.then_some(issued.access),
                expires_in: ACCESS_TOKEN_SECS,
            })
        }
        None => {
            clear_auth_cookies(&services);
            Err(AppError::Unauthorized)
        }
    }
}

#[server(prefix = "/api/auth", endpoint = "logout")]
pub async fn logout() -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let identity = match session::identity() {
        Some(id) => Some(id),
        // An expired access token: the refresh cookie still names the session to end.
        None => match cookies::REFRESH.read(&request.headers, services.secure_cookies) {
            Some(token) => session::find_by_refresh(&services.pool, &token).await?,
            None => None,
        },
    };
    if let Some(id) = identity {
        session::revoke(&services.pool, id.user_id, id.session_id, "logout").await?;
        let detail = serde_json::json!({ "session": id.session_id });
        audit::success(&services.pool, &request, id.user_id, "auth.logout", detail).await?;
    }
    clear_auth_cookies(&services);
    cookies::forget_this_device();
    leptos_axum::redirect("/");
    Ok(Notice {
        status: "signed_out".into(),
        message: "You are signed out.".into(),
    })
}

/// Failed sign-ins to one account from one address before that address waits.
/// A short window: a neighbour behind the same carrier address can delay her, not lock her out.
#[cfg(feature = "ssr")]
const FAILED_LOGINS_PER_ADDRESS: Limit = Limit {
    max: 10,
    window: std::time::Duration::from_secs(900),
};
/// Failed sign-ins to one account from everywhere before it is treated as under attack:
/// from then on, addresses she has never signed in from get one try in five minutes.
#[cfg(feature = "ssr")]
const FAILED_LOGINS: Limit = Limit::per_hour(100);
#[cfg(feature = "ssr")]
const UNKNOWN_ADDRESS_UNDER_ATTACK: Limit = Limit {
    max: 1,
    window: std::time::Duration::from_secs(300),
};

/// Counts this sign-in attempt against its throttles, refusing it (429 with Retry-After)
/// when one is spent. Returns the counters to take back if the password is right.
#[cfg(feature = "ssr")]
async fn login_throttles(
    services: &Services,
    request: &RequestInfo,
    email: &Email,
    user: Option<&store::UserRow>,
) -> Result<Vec<(String, Limit)>, AppError> {
    let pool = &services.pool;
    let per_address = format!("login-failures:{email}:{}", ip_key("from", request));
    rate_limit::hit(pool, &per_address, FAILED_LOGINS_PER_ADDRESS).await?;
    let account = format!("login-failures:{email}");
    let mut counted = vec![
        (per_address, FAILED_LOGINS_PER_ADDRESS),
        (account.clone(), FAILED_LOGINS),
    ];
    let failures = rate_limit::count(pool, &account, FAILED_LOGINS).await?;
    if failures <= i64::from(FAILED_LOGINS.max) {
        return Ok(counted);
    }
    let known = match (user, request.ip) {
        (Some(user), Some(ip)) => store::is_known_address(pool, user.id, ip).await?,
        _ => false,
    };
    if let Some(user) = user {
        notify_throttled(services, user).await?;
    }
    if !known {
        let slow = format!("login-slow:{email}:{}", ip_key("from", request));
        rate_limit::hit(pool, &slow, UNKNOWN_ADDRESS_UNDER_ATTACK).await?;
        counted.push((slow, UNKNOWN_ADDRESS_UNDER_ATTACK));
    }
    Ok(counted)
}

/// Tells her, once an hour at most, that sign-ins to her account are being slowed.
#[cfg(feature = "ssr")]
async fn notify_throttled(services: &Services, user: &store::UserRow) -> Result<(), AppError> {
    let hour = time::OffsetDateTime::now_utc().unix_timestamp() / 3600;
    let brand = crate::products::of_product(user.product());
    let link = services.link(brand, "/forgot");
    let message = crate::auth::server::emails::sign_ins_slowed(brand, user.language(), &user.display_name, &link);
    let mut tx = services.pool.begin().await?;
    enqueue(
        &mut tx,
        user.id,
        user.product(),
        &user.email,
        &format!("login-throttled:{}:{hour}", user.id),
        message,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
