//! `/pro/sending`: a contractor sends her sequence email from her own domain. She names the
//! address, publishes the DKIM record shown (SPF and DMARC are advised), and once DNS shows
//! it her email goes from that address, signed; her 24-hour allowance warms up from 50. The
//! keys and DNS checks are `platform::sending`; the rules `domain::sending`. She may also count
//! opens of her email (off unless she turns it on; the email then says so).

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::components::{FormError, Loaded, last_error, retrying, saves};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    pub value: String,
    pub purpose: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDomain {
    pub address: String,
    pub verified: bool,
    pub records: Vec<Record>,
    /// When DNS was last read, and what it found wanting.
    pub checked: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sending {
    pub own: Option<OwnDomain>,
    /// Her sequence email in the last 24 hours, and how many it may be.
    pub sent: i64,
    pub limit: i64,
    /// Why her email is paused, if it is.
    pub paused: Option<String>,
    /// She counts opens of her sequence email (off unless she turns it on).
    pub track_opens: bool,
}

#[server(prefix = "/api/pro", endpoint = "sending", input = server_fn::codec::GetUrl)]
pub async fn load_sending() -> Result<Sending, AppError> {
    use domain::sending::daily_email_limit;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let own = crate::platform::sending::status(&pool, user.id, fishmouth.spf_include.as_deref()).await?;
    let allowance = super::sequences::ssr::email_allowance(&pool, user.id).await?;
    let track_opens = super::sequences::ssr::track_opens(&pool, user.id).await?;
    Ok(Sending {
        own: own.map(|d| OwnDomain {
            address: d.address,
            verified: d.verified_at.is_some(),
            records: d
                .records
                .into_iter()
                .map(|r| Record {
                    name: r.name,
                    value: r.value,
                    purpose: r.purpose.to_owned(),
                    required: r.required,
                })
                .collect(),
            checked: d.checked_at.map(crate::platform::format_time),
            problem: d.problem,
        }),
        sent: allowance.sent,
        limit: daily_email_limit(allowance.days_verified),
        paused: allowance.paused,
        track_opens,
    })
}

/// Turns counting opens on (`on` = "yes") or off.
#[server(prefix = "/api/pro", endpoint = "track-opens")]
pub async fn set_track_opens(#[server(default)] on: String) -> Result<(), AppError> {
    let on = match on.as_str() {
        "yes" => true,
        "" | "no" => false,
        _ => return Err(AppError::field("on", "choose yes or no")),
    };
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    super::sequences::ssr::set_track_opens(&pool, user.id, on).await?;
    Ok(())
}

/// Sets the address her email goes from ("sam@roofco.com"). A new domain gets its own DKIM
/// key and must be verified before any email goes from it.
#[server(prefix = "/api/pro", endpoint = "sending-address")]
pub async fn set_sending_address(#[server(default)] address: String) -> Result<(), AppError> {
    use domain::sending::{parse_domain, parse_local_part};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let address = address.trim();
    let (local, domain_name) = address
        .rsplit_once('@')
        .ok_or_else(|| AppError::field("address", "enter the address to send from, like sam@roofco.com"))?;
    let local = parse_local_part(local).map_err(|why| AppError::field("address", why))?;
    let domain_name = parse_domain(domain_name).map_err(|why| AppError::field("address", why))?;
    let services = crate::platform::services()?;
    crate::platform::rate_limit::hit(
        &services.pool,
        &format!("sending-address:{}", user.id),
        crate::platform::rate_limit::Limit::per_hour(20),
    )
    .await?;
    crate::platform::sending::set_address(&services.pool, &services.health_key, user.id, &domain_name, &local).await?;
    crate::platform::audit::success(
        &services.pool,
        &crate::platform::request_info(),
        user.id,
        "fishmouth.sending_address",
        serde_json::json!({ "address": format!("{local}@{domain_name}") }),
    )
    .await?;
    Ok(())
}

/// Reads her domain's DNS now.
#[server(prefix = "/api/pro", endpoint = "sending-check")]
pub async fn check_sending_domain() -> Result<(), AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    crate::platform::rate_limit::hit(
        &pool,
        &format!("sending-check:{}", user.id),
        crate::platform::rate_limit::Limit::per_minute(10),
    )
    .await?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    crate::platform::sending::check(&pool, fishmouth.dns.as_ref(), user.id).await
}

/// Back to sending from Fish Mouth's address; her key is deleted.
#[server(prefix = "/api/pro", endpoint = "sending-remove")]
pub async fn remove_sending_domain() -> Result<(), AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let pool = crate::platform::services()?.pool;
    crate::platform::sending::remove(&pool, user.id).await?;
    Ok(())
}

/// `/pro/sending`
#[component]
pub fn SendingPage() -> impl IntoView {
    let set = ServerAction::<SetSendingAddress>::new();
    let check = ServerAction::<CheckSendingDomain>::new();
    let remove = ServerAction::<RemoveSendingDomain>::new();
    let opens = ServerAction::<SetTrackOpens>::new();
    let saved = saves![set, check, remove, opens];
    let page = Resource::new(move || saved.get(), retrying(|_| load_sending()));
    let error = Signal::derive(move || {
        last_error(set.value())
            .get()
            .or_else(|| last_error(check.value()).get())
            .or_else(|| last_error(remove.value()).get())
            .or_else(|| last_error(opens.value()).get())
    });
    view! {
        <Title text="Sending from your domain"/>
        <h1>"Sending from your domain"</h1>
        <p class="hint">"Your sequence emails go out under your name. From your own domain they look like yours, and more of them reach the inbox."</p>
        <FormError error/>
        <Loaded data=page render=move |page: Sending| view! {
            {match page.own {
                None => view! {
                    <p>"Your emails go from Fish Mouth's address now."</p>
                    <AddressForm set label="Send from my domain" value=String::new()/>
                }.into_any(),
                Some(own) => view! {
                    <section class="card">
                        <p class="big-number">{own.address.clone()}</p>
                        {if own.verified {
                            view! { <p>"Verified: your emails go from this address, signed for your domain."</p> }.into_any()
                        } else {
                            view! { <p>"Not verified yet: your emails go from Fish Mouth's address until it is. Publish the records below, then check."</p> }.into_any()
                        }}
                        {own.problem.clone().map(|p| view! { <p class="notice-inline" role="status">{p}</p> })}
                        {own.checked.clone().map(|c| view! { <p class="hint">"Last checked " {c}</p> })}
                        <ActionForm action=check attr:class="inline-form">
                            <button type="submit" class="button">"Check DNS now"</button>
                        </ActionForm>
                    </section>
                    <h2>"DNS records"</h2>
                    <p class="hint">"Add these at the company that runs your domain's DNS. Each is a TXT record."</p>
                    <ul class="log-list dns-records">
                        {own.records.into_iter().map(|r| view! {
                            <li class="card">
                                <p><strong>{r.purpose}</strong>{r.required.then_some(" (required)")}</p>
                                <p class="hint">"Name"</p>
                                <p><code class="wrap">{r.name}</code></p>
                                <p class="hint">"Value"</p>
                                <p><code class="wrap">{r.value}</code></p>
                            </li>
                        }).collect_view()}
                    </ul>
                    <h2>"Change or stop"</h2>
                    <AddressForm set label="Save address" value=own.address/>
                    <ActionForm action=remove attr:class="inline-form">
                        <button type="submit" class="button button-ghost">"Send from Fish Mouth's address again"</button>
                    </ActionForm>
                }.into_any(),
            }}
            {page.paused.map(|why| view! {
                <p class="notice-inline" role="alert">{format!("Your sequence emails are paused: {why}. Texts, calls and tasks go on. Clean your list, then write to support to resume.")}</p>
            })}
            <h2>"Daily sending"</h2>
            <p>{format!("{} of {} sequence emails in the last 24 hours.", page.sent, page.limit)}</p>
            <p class="hint">"A domain new to sending starts at 50 emails a day and doubles each day, up to 1,000, so inboxes learn to trust it. Emails over the day's number wait and go later."</p>
            <h2>"Opens"</h2>
            {if page.track_opens {
                view! {
                    <p>"On: your emails carry a tiny image that tells you when each is opened, and their footer says so. Some mail apps load images on their own, so read the count as a rough guide."</p>
                    <ActionForm action=opens attr:class="inline-form">
                        <input type="hidden" name="on" value="no"/>
                        <button type="submit" class="button button-ghost">"Stop counting opens"</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p>"Off: we do not know whether your emails are opened. Replies and link clicks are counted either way."</p>
                    <ActionForm action=opens attr:class="inline-form">
                        <input type="hidden" name="on" value="yes"/>
                        <button type="submit" class="button button-ghost">"Count opens"</button>
                    </ActionForm>
                }.into_any()
            }}
        }/>
    }
}

#[component]
fn AddressForm(set: ServerAction<SetSendingAddress>, label: &'static str, value: String) -> impl IntoView {
    view! {
        <ActionForm action=set>
            <div class="field">
                <label for="address">"Address to send from"</label>
                <input id="address" name="address" type="email" autocomplete="email" placeholder="sam@roofco.com"
                    maxlength="254" value=value required/>
            </div>
            <button type="submit" class="button">{label}</button>
        </ActionForm>
    }
}
