//! `/dev/mailbox`: in development, with no SMTP server configured, every email the
//! outbox delivers lands here, so sign-up and password reset work offline.
//! It does not exist in production.

use crate::components::retrying;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod store;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub delivered_at: String,
}

/// Development only: the signed-in person's messages waiting for the hours they may go in
/// (a text answered at night) go now, so an end-to-end test sees them leave at any hour.
/// Returns how many. Production answers 404.
#[server(prefix = "/api/dev", endpoint = "outbox-now")]
pub async fn dev_outbox_now() -> Result<u64, AppError> {
    let services = crate::platform::services()?;
    if !services.development {
        return Err(AppError::NotFound);
    }
    let user = crate::auth::guards::SignedIn::get().await?.user;
    Ok(store::due_now(&services.pool, user.id).await?)
}

#[server(prefix = "/api/dev", endpoint = "mailbox", input = GetUrl)]
pub async fn dev_mailbox() -> Result<Vec<DevMail>, AppError> {
    let services = crate::platform::services()?;
    if !services.development {
        return Err(AppError::NotFound);
    }
    let rows = store::latest(&services.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, subject, body_text, at)| DevMail {
            id,
            recipient,
            subject,
            body_text,
            delivered_at: at.to_string(),
        })
        .collect())
}

#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let mail = Resource::new(|| (), retrying(|_| dev_mailbox()));
    view! {
        <Title text="Dev mailbox"/>
        <h1>"Dev mailbox"</h1>
        <p class="hint">"Development only: emails sent while no SMTP server is configured."</p>
        <Transition fallback=|| view! { <crate::components::Loading/> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(list) if list.is_empty() => view! { <p>"No email yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ol class="mailbox">
                            {list.into_iter().map(|m| view! {
                                <li class="card mail" data-recipient=m.recipient.clone()>
                                    <p class="hint">{format!("To {} · {}", m.recipient, m.delivered_at)}</p>
                                    <h2>{m.subject.clone()}</h2>
                                    <div class="mail-body">{body_with_links(&m.body_text)}</div>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(_) => view! { <crate::not_found::NotFound/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Plain-text body with its links made clickable.
fn body_with_links(text: &str) -> impl IntoView + use<> {
    text.lines()
        .map(|line| {
            let parts = line
                .split(' ')
                .map(|word| {
                    if word.starts_with("http://") || word.starts_with("https://") {
                        view! { <a href=word.to_owned()>{word.to_owned()}</a> " " }.into_any()
                    } else {
                        view! { {format!("{word} ")} }.into_any()
                    }
                })
                .collect_view();
            view! { <p>{parts}</p> }
        })
        .collect_view()
}
