//! What the account server functions share on the server: their imports, rate-limit keys
//! by address, emailed links, outbox mail, the user as the UI sees her, and cookies.

pub use crate::auth::guards::reauthenticate;
pub use crate::auth::server::{
    ACCESS_TOKEN_SECS, cookies, emails, random_token, safe_next, session,
    store::{self, Purpose, UserRow},
};
pub use crate::error::FieldErrors;
use crate::platform::brand::Brand;
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

impl<'a> From<&'a UserRow> for Recipient<'a> {
    fn from(user: &'a UserRow) -> Self {
        Self {
            id: user.id,
            email: &user.email,
            name: &user.display_name,
            language: user.language(),
            product: user.product(),
        }
    }
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
    type Compose = fn(&Brand, Language, &str, &str) -> crate::platform::email::Message;
    let (path, compose): (&str, Compose) = match purpose {
        Purpose::VerifyEmail => ("verify", emails::verify_email),
        Purpose::ResetPassword => ("reset", emails::reset_password),
    };
    let brand = crate::products::of_product(to.product);
    let link = services.link(brand, &format!("/{path}?token={token}"));
    let key = format!("{path}:{}:{}", to.id, Uuid::new_v4());
    let message = compose(brand, to.language, to.name, &link);
    enqueue(tx, to.id, to.product, to.email, &key, message).await?;
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
            send_link(&mut tx, &services, &Recipient::from(&user), purpose).await?;
            audit::success(&mut *tx, &request, user.id, action, serde_json::json!({})).await?;
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
    message: crate::platform::email::Message,
) -> Result<(), sqlx::Error> {
    outbox::enqueue_email(
        tx,
        outbox::Email {
            sender: crate::products::of_product(product).mail_sender,
            idempotency_key: key.to_owned(),
            user_id: Some(user_id),
            to: to.to_owned(),
            message,
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
    let brand = crate::products::of_product(user.product());
    let link = services.link(brand, "/forgot");
    let key = format!("password-changed:{user_id}:{}", Uuid::new_v4());
    let message = emails::password_changed(brand, user.language(), &user.display_name, &link);
    enqueue(tx, user_id, user.product(), &user.email, &key, message).await?;
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
