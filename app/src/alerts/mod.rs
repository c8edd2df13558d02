//! Alerts on this device: a person turns them on in a browser, and what needs them at once
//! (a homeowner's reply) shows there as a notification, on the lock screen too. The browser's
//! side is the page's small script (`shell::DEVICE_ALERTS`) and the service worker's `push`
//! handler (public/sw.js); delivery is the outbox's, through `platform::push`.

#[cfg(feature = "ssr")]
mod store;

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::error::AppError;

/// The key browsers subscribe with; None: alerts are not set up on this server.
#[server(prefix = "/api", endpoint = "push-key", input = GetUrl)]
pub async fn push_key() -> Result<Option<String>, AppError> {
    crate::auth::guards::SignedIn::get().await?;
    Ok(crate::platform::services()?.push.as_ref().map(|p| p.public_key()))
}

/// Turns alerts on for the browser that asks, from its `PushSubscription`.
#[server(prefix = "/api", endpoint = "push-subscribe")]
pub async fn push_subscribe(endpoint: String, p256dh: String, auth: String) -> Result<(), AppError> {
    use crate::platform::push::{PushError, Subscription};
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let services = crate::platform::services()?;
    let Some(push) = services.push.as_ref() else {
        return Err(AppError::field("endpoint", "alerts are not set up on this server"));
    };
    let subscription = Subscription::parse(&endpoint, &p256dh, &auth).map_err(|e| match e {
        PushError::Invalid { field, problem } => AppError::field(field, problem),
        other => AppError::field("endpoint", other.to_string()),
    })?;
    if !push.allows(&subscription.endpoint) {
        return Err(AppError::field(
            "endpoint",
            "this browser's push service is not one we send to",
        ));
    }
    let mut tx = services.pool.begin().await?;
    if !store::save(&mut tx, user.id, &subscription).await? {
        return Err(AppError::field(
            "endpoint",
            "this browser gets another account's alerts",
        ));
    }
    let request = crate::platform::request_info();
    let service = reqwest::Url::parse(&subscription.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    crate::platform::audit::success(
        &mut *tx,
        &request,
        user.id,
        "alerts.on",
        serde_json::json!({ "push_service": service }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns alerts off for the browser at `endpoint`; false when it had none.
#[server(prefix = "/api", endpoint = "push-unsubscribe")]
pub async fn push_unsubscribe(endpoint: String) -> Result<bool, AppError> {
    let user = crate::auth::guards::SignedIn::get().await?.user;
    let pool = crate::platform::services()?.pool;
    Ok(store::forget(&pool, user.id, endpoint.trim()).await?)
}

/// The switch for alerts on this device. It works before the page's WASM has loaded: the
/// page's script (`shell::DEVICE_ALERTS`) answers its buttons.
#[component]
pub fn DeviceAlerts(
    /// What the alerts are about, as the hint says it.
    about: &'static str,
) -> impl IntoView {
    view! {
        <section class="device-alerts" data-push-box="">
            <p class="hint" data-push-state="" role="status" aria-live="polite">{about}</p>
            <button type="button" class="button button-ghost button-small" data-push="on">"Turn on alerts on this device"</button>
            " "
            <button type="button" class="link-button" data-push="off">"Turn them off"</button>
        </section>
    }
}
