//! The account API: typed server functions with fixed paths, shared by the forms
//! (before and after hydration), the WASM client and curl (see docs/api.md).
//! Inputs are flat form fields; each is parsed into a domain type before anything else.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use ssr::*;
#[cfg(feature = "ssr")]
pub use ssr::{Recipient, send_link};

/// What the UI and `/api/me` show about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub product: String,
    pub language: String,
    pub timezone: String,
    pub dashboard: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub status: String,
    pub message: String,
}

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

/// The message for both a new and an already registered email: sign-up reveals nothing.
pub const CHECK_EMAIL: &str = "Check your email: we sent a link to confirm your address.";
pub const RESET_SENT: &str =
    "If an account uses this email, we sent it a link to choose a new password. The link works for one hour.";

#[server(prefix = "/api/auth", endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    display_name: String,
    product: String,
    language: String,
    timezone: String,
) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let signups = Limit::per_hour(services.signups_per_ip_hour);
    rate_limit::hit(&services.pool, &ip_key("register", &request), signups).await?;

    let mut problems = FieldErrors::default();
    let email = problems.check(Email::parse(&email));
    let password = problems.check(NewPassword::parse(password, "password"));
    let display_name = problems.check(DisplayName::parse(&display_name));
    let product = problems.check(Product::parse(&product));
    let language = problems.check(Language::parse(&language));
    let timezone = problems.check(TimeZoneName::parse(&timezone));
    let (Some(email), Some(password), Some(display_name), Some(product), Some(language), Some(timezone)) =
        (email, password, display_name, product, language, timezone)
    else {
        return Err(problems.into_error());
    };

    // Hash before looking anything up: known and unknown emails take the same time.
    let password_hash = services.passwords.hash(password.expose().to_owned()).await?;
    let mut tx = services.pool.begin().await?;
    let new_user = store::NewUser {
        email: &email,
        password_hash: &password_hash,
        display_name: &display_name,
        product,
        language,
        timezone: &timezone,
    };
    match store::insert_user(&mut tx, new_user).await? {
        Some(user_id) => {
            let to = Recipient {
                id: user_id,
                email: email.as_ref(),
                name: display_name.as_ref(),
                language,
                product,
            };
            send_link(&mut tx, &services, &to, Purpose::VerifyEmail).await?;
            let detail = serde_json::json!({ "product": product.as_str() });
            crate::platform::usage::record(&mut *tx, Some(user_id), crate::platform::usage::Event::SignedUp, detail)
                .await?;
            audit::record(
                &mut *tx,
                &request,
                Some(user_id),
                "auth.register",
                Outcome::Success,
                serde_json::json!({}),
            )
            .await?;
        }
        None => {
            let existing = store::user_by_email(&mut *tx, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("email taken but user missing"))?;
            // The owner hears about it, at most three times an hour.
            if rate_limit::hit(
                &services.pool,
                &format!("already-registered:{email}"),
                Limit::per_hour(3),
            )
            .await
            .is_ok()
            {
                let link = format!("{}/forgot", services.public_url);
                let message = emails::already_registered(existing.language(), &existing.display_name, &link);
                let key = format!("already-registered:{}:{}", existing.id, Uuid::new_v4());
                enqueue(&mut tx, existing.id, existing.product(), &existing.email, &key, message).await?;
            }
            let detail = serde_json::json!({ "reason": "email_taken" });
            audit::record(
                &mut *tx,
                &request,
                Some(existing.id),
                "auth.register",
                Outcome::Denied,
                detail,
            )
            .await?;
        }
    }
    tx.commit().await?;
    leptos_axum::redirect("/signup/check-email");
    Ok(Notice {
        status: "check_email".into(),
        message: CHECK_EMAIL.into(),
    })
}

#[server(prefix = "/api/auth", endpoint = "verify-email")]
pub async fn verify_email(token: String) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    // As many confirmations an hour as sign-ups: each sign-up needs one.
    let verifications = Limit::per_hour(services.signups_per_ip_hour);
    rate_limit::hit(&services.pool, &ip_key("verify", &request), verifications).await?;
    let mut tx = services.pool.begin().await?;
    let Some(user_id) = store::consume_email_token(&mut tx, Purpose::VerifyEmail, token.trim()).await? else {
        audit::record(
            &services.pool,
            &request,
            None,
            "auth.verify_email",
            Outcome::Failure,
            serde_json::json!({}),
        )
        .await?;
        return Err(AppError::InvalidLink);
    };
    store::mark_verified(&mut tx, user_id).await?;
    audit::record(
        &mut *tx,
        &request,
        Some(user_id),
        "auth.verify_email",
        Outcome::Success,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect("/login?verified=1");
    Ok(Notice {
        status: "verified".into(),
        message: "Your email is confirmed. You can log in now.".into(),
    })
}

#[server(prefix = "/api/auth", endpoint = "resend-verification")]
pub async fn resend_verification(email: String) -> Result<Notice, AppError> {
    request_link(&email, Purpose::VerifyEmail).await?;
    leptos_axum::redirect("/signup/check-email");
    Ok(Notice {
        status: "check_email".into(),
        message: CHECK_EMAIL.into(),
    })
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
    let user = store::user_by_email(&services.pool, &email).await?;
    let throttles = login_throttles(&services, &request, &email, user.as_ref()).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
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
    if store::is_disabled(&services.pool, user.id).await? {
        let detail = serde_json::json!({ "reason": "disabled" });
        audit::record(
            &services.pool,
            &request,
            Some(user.id),
            "auth.login",
            Outcome::Denied,
            detail,
        )
        .await?;
        return Err(AppError::AccountDisabled);
    }
    if user.email_verified_at.is_none() {
        let detail = serde_json::json!({ "reason": "email_not_verified" });
        audit::record(
            &services.pool,
            &request,
            Some(user.id),
            "auth.login",
            Outcome::Denied,
            detail,
        )
        .await?;
        return Err(AppError::EmailNotVerified);
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
    audit::record(
        &services.pool,
        &request,
        Some(user.id),
        "auth.login",
        Outcome::Success,
        detail,
    )
    .await?;
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
        audit::record(
            &services.pool,
            &request,
            Some(id.user_id),
            "auth.logout",
            Outcome::Success,
            detail,
        )
        .await?;
    }
    clear_auth_cookies(&services);
    cookies::forget_this_device();
    leptos_axum::redirect("/");
    Ok(Notice {
        status: "signed_out".into(),
        message: "You are signed out.".into(),
    })
}

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
    audit::record(
        &mut *tx,
        &request,
        Some(user_id),
        "auth.reset_password",
        Outcome::Success,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    // No automatic sign-in after a reset: the new password proves itself at the login form.
    clear_auth_cookies(&services);
    leptos_axum::redirect("/login?reset=1");
    Ok(Notice {
        status: "password_reset".into(),
        message: "Your password is changed. Log in with the new one.".into(),
    })
}

#[server(prefix = "/api/account", endpoint = "change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<Notice, AppError> {
    let (services, request) = (services()?, request_info());
    let crate::auth::guards::SignedIn { session_id, user } = crate::auth::guards::SignedIn::get().await?;
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
    audit::record(
        &mut *tx,
        &request,
        Some(user.id),
        "auth.change_password",
        Outcome::Success,
        serde_json::json!({ "other_sessions_revoked": signed_out }),
    )
    .await?;
    tx.commit().await?;
    Ok(Notice {
        status: "password_changed".into(),
        message: format!("Your password is changed. {signed_out} other device(s) were signed out."),
    })
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

#[server(prefix = "/api/account", endpoint = "sessions", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<DeviceSession>, AppError> {
    let services = services()?;
    let crate::auth::guards::SignedIn { session_id, user } = crate::auth::guards::SignedIn::get().await?;
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
    } = crate::auth::guards::SignedIn::get().await?;
    let id = crate::auth::guards::parse_id(&session_id)?;
    // Scoped by user: another account's session id is simply not found.
    if !session::revoke(&services.pool, user.id, id, "revoked_by_user").await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &services.pool,
        &request,
        Some(user.id),
        "auth.revoke_session",
        Outcome::Success,
        serde_json::json!({ "session": id }),
    )
    .await?;
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
    audit::record(
        &mut *tx,
        &request,
        Some(user.id),
        "auth.sign_out_everywhere",
        Outcome::Success,
        serde_json::json!({ "sessions": count }),
    )
    .await?;
    tx.commit().await?;
    clear_auth_cookies(&services);
    leptos_axum::redirect("/login");
    Ok(Notice {
        status: "signed_out".into(),
        message: format!("{count} device(s) signed out."),
    })
}

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

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::auth::guards::reauthenticate;
    pub use crate::auth::server::{
        ACCESS_TOKEN_SECS, cookies, emails, random_token, safe_next, session,
        store::{self, Purpose, UserRow},
    };
    pub use crate::error::FieldErrors;
    pub use crate::platform::{
        RequestInfo, Services,
        audit::{self, Outcome},
        outbox,
        rate_limit::{self, Limit},
        request_info, services,
    };
    pub use domain::account::{DisplayName, Email, Language, NewPassword, Product, TimeZoneName};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;
    use sqlx::PgConnection;
    use uuid::Uuid;

    use super::CurrentUser;
    use crate::error::AppError;

    /// Failed sign-ins to one account from one address before that address waits.
    /// A short window: a neighbour behind the same carrier address can delay her, not lock her out.
    pub const FAILED_LOGINS_PER_ADDRESS: Limit = Limit {
        max: 10,
        window: std::time::Duration::from_secs(900),
    };
    /// Failed sign-ins to one account from everywhere before it is treated as under attack:
    /// from then on, addresses she has never signed in from get one try in five minutes.
    pub const FAILED_LOGINS: Limit = Limit::per_hour(100);
    const UNKNOWN_ADDRESS_UNDER_ATTACK: Limit = Limit {
        max: 1,
        window: std::time::Duration::from_secs(300),
    };

    /// Counts this sign-in attempt against its throttles, refusing it (429 with Retry-After)
    /// when one is spent. Returns the counters to take back if the password is right.
    pub async fn login_throttles(
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
    async fn notify_throttled(services: &Services, user: &store::UserRow) -> Result<(), AppError> {
        let hour = time::OffsetDateTime::now_utc().unix_timestamp() / 3600;
        let link = format!("{}/forgot", services.public_url);
        let message = crate::auth::server::emails::sign_ins_slowed(user.language(), &user.display_name, &link);
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

    /// Rate-limit key for the client's address; IPv6 clients are counted per /64,
    /// the block one subscriber usually holds.
    pub fn ip_key(action: &str, request: &RequestInfo) -> String {
        let client = match request.ip {
            Some(std::net::IpAddr::V6(v6)) => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
            Some(ip) => ip.to_string(),
            None => "unknown".to_owned(),
        };
        format!("{action}-ip:{client}")
    }

    /// Who a link email goes to.
    pub struct Recipient<'a> {
        pub id: Uuid,
        pub email: &'a str,
        pub name: &'a str,
        pub language: Language,
        /// Her product: the email goes out under its name.
        pub product: Product,
    }

    /// Issues a single-use link for `purpose` and queues the email carrying it, in the
    /// caller's transaction. Only the token's hash is stored; the outbox key names no token.
    pub async fn send_link(
        tx: &mut PgConnection,
        services: &Services,
        to: &Recipient<'_>,
        purpose: Purpose,
    ) -> Result<(), AppError> {
        let token = random_token();
        store::insert_email_token(tx, to.id, purpose, &token).await?;
        type Compose = fn(Language, &str, &str) -> emails::Message;
        let (path, compose): (&str, Compose) = match purpose {
            Purpose::VerifyEmail => ("verify", emails::verify_email),
            Purpose::ResetPassword => ("reset", emails::reset_password),
        };
        let link = format!("{}/{path}?token={token}", services.public_url);
        let key = format!("{path}:{}:{}", to.id, Uuid::new_v4());
        enqueue(
            tx,
            to.id,
            to.product,
            to.email,
            &key,
            compose(to.language, to.name, &link),
        )
        .await?;
        Ok(())
    }

    /// A request for an emailed link (verification or reset) that answers the same, in the
    /// same time, whether or not the account exists: the link is sent after the reply.
    /// Each address gets at most three links an hour; past that, requests go quiet.
    pub async fn request_link(email: &str, purpose: Purpose) -> Result<(), AppError> {
        let (services, request) = (services()?, request_info());
        let (name, action) = match purpose {
            Purpose::VerifyEmail => ("resend", "auth.resend_verification"),
            Purpose::ResetPassword => ("forgot", "auth.forgot_password"),
        };
        rate_limit::hit(&services.pool, &ip_key(name, &request), Limit::per_hour(10)).await?;
        let email = Email::parse(email)?;
        let quiet = rate_limit::hit(&services.pool, &format!("{name}-email:{email}"), Limit::per_hour(3))
            .await
            .is_err();
        let wanted = |user: &UserRow| match purpose {
            Purpose::VerifyEmail => user.email_verified_at.is_none(),
            Purpose::ResetPassword => true,
        };
        let Some(user) = store::user_by_email(&services.pool, &email)
            .await?
            .filter(|u| !quiet && wanted(u))
        else {
            return Ok(());
        };
        tokio::spawn(async move {
            let result: Result<(), AppError> = async {
                let mut tx = services.pool.begin().await?;
                let to = Recipient {
                    id: user.id,
                    email: &user.email,
                    name: &user.display_name,
                    language: user.language(),
                    product: user.product(),
                };
                send_link(&mut tx, &services, &to, purpose).await?;
                audit::record(
                    &mut *tx,
                    &request,
                    Some(user.id),
                    action,
                    Outcome::Success,
                    serde_json::json!({}),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }
            .await;
            if let Err(error) = result {
                tracing::error!(%error, action, "could not send the link");
            }
        });
        Ok(())
    }

    pub fn current_user_of(user: &UserRow) -> CurrentUser {
        CurrentUser {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            product: user.product().as_str().to_owned(),
            language: user.language().as_str().to_owned(),
            timezone: user.timezone.clone(),
            dashboard: user.product().dashboard().to_owned(),
        }
    }

    /// Queues an account email to her, under her product's name.
    pub async fn enqueue(
        tx: &mut PgConnection,
        user_id: Uuid,
        product: Product,
        to: &str,
        key: &str,
        message: emails::Message,
    ) -> Result<(), sqlx::Error> {
        outbox::enqueue_email(
            tx,
            outbox::Email {
                sender: crate::brands::of_product(product).mail_sender,
                idempotency_key: key.to_owned(),
                user_id: Some(user_id),
                to: to.to_owned(),
                subject: message.subject,
                text: message.text,
                html: message.html,
            },
        )
        .await
    }

    pub async fn notify_password_changed(
        tx: &mut PgConnection,
        services: &Services,
        user_id: Uuid,
    ) -> Result<(), AppError> {
        let user = store::user_by_id(&mut *tx, user_id)
            .await?
            .ok_or(AppError::InvalidLink)?;
        let link = format!("{}/forgot", services.public_url);
        let key = format!("password-changed:{user_id}:{}", Uuid::new_v4());
        enqueue(
            tx,
            user_id,
            user.product(),
            &user.email,
            &key,
            emails::password_changed(user.language(), &user.display_name, &link),
        )
        .await?;
        Ok(())
    }

    pub fn set_auth_cookies(services: &Services, issued: &session::Issued) {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.append_header(
                http::header::SET_COOKIE,
                cookies::ACCESS.set(&issued.access, services.secure_cookies),
            );
            if let Some(refresh) = &issued.refresh {
                response.append_header(
                    http::header::SET_COOKIE,
                    cookies::REFRESH.set(refresh, services.secure_cookies),
                );
            }
        }
    }

    pub fn remember_language(services: &Services, language: domain::account::Language) {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.append_header(
                http::header::SET_COOKIE,
                cookies::LANGUAGE.set(language.as_str(), services.secure_cookies),
            );
        }
    }

    pub fn clear_auth_cookies(services: &Services) {
        cookies::clear_all(services.secure_cookies);
    }
}
