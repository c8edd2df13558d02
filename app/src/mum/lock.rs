//! The PIN lock for a shared phone. With a PIN set, her health screens open only on a
//! session unlocked in the last 30 minutes. The danger-sign flow never asks for it.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::store;
#[cfg(feature = "ssr")]
use crate::auth::guards::SignedIn;
use crate::components::{Field, Submit, last_error};
use crate::error::AppError;
use crate::i18n::t;
use domain::account::Language;

#[server(prefix = "/api/mum", endpoint = "unlock")]
pub async fn unlock(pin: String) -> Result<(), AppError> {
    use crate::platform::{audit, rate_limit, request_info, services};
    let SignedIn { session_id, user, .. } = SignedIn::get().await?;
    let services = services()?;
    // Four digits are few: five tries per 15 minutes, then wait.
    let limit = rate_limit::Limit {
        max: 5,
        window: std::time::Duration::from_secs(15 * 60),
    };
    rate_limit::hit(&services.pool, &format!("pin:{}", user.id), limit).await?;
    let Some(hash) = store::pin_hash(&services.pool, user.id).await? else {
        return Ok(());
    };
    let matches = services.passwords.verify(pin, Some(hash)).await?;
    let outcome = if matches {
        audit::Outcome::Success
    } else {
        audit::Outcome::Failure
    };
    audit::record(
        &services.pool,
        &request_info(),
        Some(user.id),
        "mum.unlock",
        outcome,
        serde_json::json!({}),
    )
    .await?;
    if !matches {
        return Err(AppError::field("pin", "that PIN is not right"));
    }
    store::unlock_session(&services.pool, user.id, session_id).await?;
    Ok(())
}

#[server(prefix = "/api/mum", endpoint = "lock")]
pub async fn lock_now() -> Result<(), AppError> {
    let SignedIn { session_id, user, .. } = SignedIn::get().await?;
    store::lock_session(&crate::platform::services()?.pool, user.id, session_id).await?;
    leptos_axum::redirect("/mum");
    Ok(())
}

/// Sets or changes the PIN (from an unlocked session), or removes it with an empty PIN.
#[server(prefix = "/api/mum", endpoint = "pin")]
pub async fn set_pin(#[server(default)] pin: String) -> Result<(), AppError> {
    use crate::platform::{audit, request_info, services};
    let services = services()?;
    let SignedIn { session_id, user, .. } = SignedIn::get_unlocked().await?;
    let hash = match pin.trim() {
        "" => None,
        raw => Some(
            services
                .passwords
                .hash(domain::account::Pin::parse(raw)?.as_str().to_owned())
                .await?,
        ),
    };
    let action = if hash.is_some() {
        "mum.pin_set"
    } else {
        "mum.pin_removed"
    };
    let mut tx = services.pool.begin().await?;
    store::set_pin_hash(&mut *tx, user.id, hash.as_deref()).await?;
    store::lock_other_sessions(&mut *tx, user.id, session_id).await?;
    audit::success(&mut *tx, &request_info(), user.id, action, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgot the PIN: her account password removes it.
#[server(prefix = "/api/mum", endpoint = "forgot-pin")]
pub async fn forgot_pin(password: String) -> Result<(), AppError> {
    use crate::platform::{audit, request_info, services};
    let user = SignedIn::get().await?.user;
    let services = services()?;
    crate::auth::guards::reauthenticate(&services, &user, password, "password", "mum.pin_removed").await?;
    store::set_pin_hash(&services.pool, user.id, None).await?;
    let detail = serde_json::json!({ "by": "password" });
    audit::success(&services.pool, &request_info(), user.id, "mum.pin_removed", detail).await?;
    Ok(())
}

/// The optional PIN that locks her pregnancy screens: 4 to 6 digits, empty for none.
#[component]
pub fn PinField(label: &'static str, hint: &'static str, error: crate::components::LastError) -> impl IntoView {
    view! { <Field label name="pin" kind="password" inputmode="numeric" hint required=false error/> }
}

/// A screen of her health data: "Loading…", then `render(data, her language)`; while the
/// phone is locked, the PIN prompt (`unlock` reads the data again once she opens it); an
/// error, in words in her language.
#[component]
pub fn HealthPage<T, V, F>(
    data: Resource<Result<T, AppError>>,
    unlock: ServerAction<Unlock>,
    render: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T, Language) -> V + Clone + Send + Sync + 'static,
{
    let viewer = crate::i18n::use_viewer();
    view! {
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    let lang = viewer.language().await;
                    match data.await {
                        Ok(data) => render(data, lang).into_any(),
                        Err(AppError::Locked) => view! { <PinPrompt action=unlock lang/> }.into_any(),
                        Err(e) => view! { <p class="notice-inline notice-inline-error">{crate::i18n::error_text(lang, &e)}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Shown instead of a health screen while the phone is locked.
#[component]
pub fn PinPrompt(action: ServerAction<Unlock>, lang: Language) -> impl IntoView {
    let error = last_error(action.value());
    let forgot = ServerAction::<ForgotPin>::new();
    let forgot_error = last_error(forgot.value());
    view! {
        <section class="card form-card">
            <h1>{t(lang, "Enter your PIN")}</h1>
            <p>{t(lang, "Your pregnancy screens are locked on this phone.")}</p>
            <ActionForm action>
                <Field label=t(lang, "PIN") name="pin" kind="password" autocomplete="off" inputmode="numeric" error/>
                <Submit label=t(lang, "Unlock") error/>
            </ActionForm>
            <p><a class="button button-danger button-block" href="/mum/danger">{t(lang, "I have a danger sign")}</a></p>
            <details class="resend">
                <summary>{t(lang, "I forgot my PIN")}</summary>
                <ActionForm action=forgot>
                    <Field label=t(lang, "Your account password") name="password" kind="password" autocomplete="current-password" error=forgot_error/>
                    <Submit label=t(lang, "Remove the PIN") error=forgot_error class="button button-ghost"/>
                </ActionForm>
                {move || forgot.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="notice-inline">{t(lang, "The PIN is removed. Reload to continue.")}</p> })}
            </details>
        </section>
    }
}

/// `/mum/pin`: set, change or remove the PIN; lock the phone now.
#[component]
pub fn PinPage() -> impl IntoView {
    let set = ServerAction::<SetPin>::new();
    let lock = ServerAction::<LockNow>::new();
    let error = last_error(set.value());
    let viewer = crate::i18n::use_viewer();
    view! {
        <leptos_meta::Title text="PIN lock"/>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                let lang = viewer.language().await;
                view! {
                    <section class="card form-card">
                        <h1>{t(lang, "PIN lock")}</h1>
                        <p>{t(lang, "On a shared phone, a PIN keeps your pregnancy screens private. The danger-sign button always works without it.")}</p>
                        <ActionForm action=set>
                            <PinField label=t(lang, "New PIN (4 to 6 digits)") hint=t(lang, "Leave it empty to remove the PIN.") error/>
                            <Submit label=t(lang, "Save PIN") error/>
                        </ActionForm>
                        {move || set.value().get().and_then(|r| r.ok()).map(|_| view! {
                            <p class="notice-inline notice-inline-ok" role="status">{t(lang, "Saved.")}</p>
                        })}
                        <ActionForm action=lock>
                            <button type="submit" class="button button-ghost">{t(lang, "Lock now")}</button>
                        </ActionForm>
                    </section>
                }
            })}
        </Transition>
    }
}
