//! Signing up: the account form, the emailed confirmation link and sending it again.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use super::Notice;
#[cfg(feature = "ssr")]
use super::ssr::*;
use crate::error::AppError;

/// The message for both a new and an already registered email: sign-up reveals nothing.
pub const CHECK_EMAIL: &str = "Check your email: we sent a link to confirm your address.";

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
            audit::success(&mut *tx, &request, user_id, "auth.register", serde_json::json!({})).await?;
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
                let brand = crate::products::of_product(existing.product());
                let link = services.link(brand, "/forgot");
                let message = emails::already_registered(brand, existing.language(), &existing.display_name, &link);
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
    audit::success(&mut *tx, &request, user_id, "auth.verify_email", serde_json::json!({})).await?;
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
