//! The prepaid wallet: a balance that can never go negative (a CHECK in the database and
//! a conditional UPDATE here), and a ledger row for every change.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::store;
use crate::components::{Field, Loaded, Submit, last_error, retrying, successes, toast_on_success};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletView {
    pub balance: String,
    pub balance_cents: i64,
    pub ledger: Vec<LedgerRow>,
    /// Stripe Checkout is configured.
    pub stripe: bool,
    /// Development mode: the development top-up exists.
    pub development: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    pub at: String,
    pub kind: String,
    pub amount: String,
    pub balance_after: String,
    pub reference: String,
}

#[server(prefix = "/api/pro", endpoint = "wallet", input = GetUrl)]
pub async fn load_wallet() -> Result<WalletView, AppError> {
    use domain::fishmouth::pricing::format_cents;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let balance_cents = store::balance(&services.pool, user.id).await?;
    let rows = store::ledger(&services.pool, user.id).await?;
    Ok(WalletView {
        balance: format_cents(balance_cents),
        balance_cents,
        ledger: rows
            .into_iter()
            .map(|(at, kind, amount, after, reference)| LedgerRow {
                at: crate::platform::format_time(at),
                kind,
                amount: format_cents(amount),
                balance_after: format_cents(after),
                reference,
            })
            .collect(),
        stripe: fishmouth.stripe_secret_key.is_some() && fishmouth.stripe_webhook_secret.is_some(),
        development: services.development,
    })
}

/// Sends her to Stripe Checkout; the wallet is credited later, from the signed webhook.
#[server(prefix = "/api/pro", endpoint = "top-up")]
pub async fn top_up(amount: String) -> Result<(), AppError> {
    let cents = domain::fishmouth::pricing::parse_top_up(&amount).map_err(|e| AppError::field("amount", e))?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let (Some(key), Some(_)) = (
        fishmouth.stripe_secret_key.as_deref(),
        fishmouth.stripe_webhook_secret.as_deref(),
    ) else {
        return Err(AppError::field(
            "amount",
            "card payments are not set up on this server yet",
        ));
    };
    crate::platform::rate_limit::hit(
        &services.pool,
        &format!("top-up:{}", user.id),
        crate::platform::rate_limit::Limit::per_minute(5),
    )
    .await?;
    let url = super::stripe::create_checkout(
        &fishmouth,
        key,
        &services.link(&super::BRAND, ""),
        user.id,
        &user.email,
        cents,
    )
    .await
    .map_err(|e| {
        tracing::warn!(error = %format!("{e:#}"), "Stripe checkout");
        AppError::Network
    })?;
    leptos_axum::redirect(&url);
    Ok(())
}

/// Development only: signs a Stripe-shaped event with the development secret and sends
/// it through the same webhook code as a real payment.
#[server(prefix = "/api/pro", endpoint = "dev-top-up")]
pub async fn dev_top_up(amount: String) -> Result<(), AppError> {
    // Production has no such endpoint, whoever asks and whatever they send.
    if !crate::platform::services()?.development {
        return Err(AppError::NotFound);
    }
    let cents = domain::fishmouth::pricing::parse_top_up(&amount).map_err(|e| AppError::field("amount", e))?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let Some(secret) = fishmouth.stripe_webhook_secret.as_deref() else {
        return Err(AppError::NotFound);
    };
    let payload = super::stripe::checkout_completed_event(user.id, cents);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = super::stripe::sign(secret, now, payload.as_bytes());
    let request = crate::platform::request_info();
    receive_top_up(
        &services.pool,
        &request,
        secret,
        Some(&signature),
        payload.as_bytes(),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(())
}

/// Takes `cents` from her wallet with a ledger row of `kind` ("lead_charge", "roof_image"),
/// or refuses with the amounts when it holds less.
#[cfg(feature = "ssr")]
pub async fn charge(
    tx: &mut sqlx::PgConnection,
    user_id: uuid::Uuid,
    cents: i64,
    kind: &'static str,
    reference: &str,
) -> Result<(), AppError> {
    use domain::fishmouth::pricing::format_cents;
    let Some(after) = store::debit(&mut *tx, user_id, cents).await? else {
        return Err(AppError::InsufficientCredits {
            needed: format_cents(cents),
            balance: format_cents(store::balance(&mut *tx, user_id).await?),
        });
    };
    let entry = store::Entry {
        user_id,
        kind,
        amount_cents: -cents,
        balance_after_cents: after,
        reference,
    };
    store::add_to_ledger(&mut *tx, entry).await?;
    Ok(())
}

/// What a webhook delivery did.
#[cfg(feature = "ssr")]
#[derive(Debug, PartialEq, Eq)]
pub enum Delivered {
    Credited {
        user_id: uuid::Uuid,
        cents: i64,
    },
    /// Seen before: nothing changed.
    Replay,
    /// Not an event that moves money (or not paid yet): recorded, nothing credited.
    Ignored,
}

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum TopUpError {
    #[error(transparent)]
    Stripe(#[from] super::stripe::WebhookError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Verifies and applies one Stripe webhook delivery. The event id is recorded in the same
/// transaction as the credit, so a delivery is applied once however often it arrives.
#[cfg(feature = "ssr")]
pub async fn receive_top_up(
    pool: &sqlx::PgPool,
    request: &crate::platform::RequestInfo,
    secret: &str,
    signature: Option<&str>,
    payload: &[u8],
    now: i64,
) -> Result<Delivered, TopUpError> {
    use domain::fishmouth::pricing::{MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS};
    let delivery = super::stripe::read(secret, signature, payload, now)?;
    let mut tx = pool.begin().await?;
    if !store::record_stripe_event(&mut *tx, &delivery.event_id, &delivery.kind, delivery.user_id).await? {
        return Ok(Delivered::Replay);
    }
    let (Some(user_id), Some(cents)) = (delivery.user_id, delivery.cents) else {
        tx.commit().await?;
        return Ok(Delivered::Ignored);
    };
    if !(MIN_TOP_UP_CENTS..=MAX_TOP_UP_CENTS).contains(&cents)
        || !credit(&mut tx, request, user_id, cents, "top_up", &delivery.reference).await?
    {
        tx.commit().await?;
        return Ok(Delivered::Ignored);
    }
    crate::platform::usage::record(
        &mut *tx,
        Some(user_id),
        crate::platform::usage::Event::CreditsPurchased,
        serde_json::json!({ "cents": cents }),
    )
    .await?;
    tx.commit().await?;
    Ok(Delivered::Credited { user_id, cents })
}

/// Adds `cents` to her wallet with a ledger row and an audit row (who, how much, why, from
/// where). False when the account no longer exists.
#[cfg(feature = "ssr")]
pub async fn credit(
    tx: &mut sqlx::PgConnection,
    request: &crate::platform::RequestInfo,
    user_id: uuid::Uuid,
    cents: i64,
    kind: &str,
    reference: &str,
) -> Result<bool, sqlx::Error> {
    let Some(after) = store::deposit(&mut *tx, user_id, cents).await? else {
        return Ok(false);
    };
    let entry = store::Entry {
        user_id,
        kind,
        amount_cents: cents,
        balance_after_cents: after,
        reference,
    };
    store::add_to_ledger(&mut *tx, entry).await?;
    let detail =
        serde_json::json!({ "cents": cents, "kind": kind, "reference": reference, "balance_after_cents": after });
    crate::platform::audit::success(&mut *tx, request, user_id, "wallet.credit", detail).await?;
    Ok(true)
}

/// `/pro/wallet`
#[component]
pub fn WalletPage() -> impl IntoView {
    let top_up = ServerAction::<TopUp>::new();
    let dev_top_up = ServerAction::<DevTopUp>::new();
    let saved = successes(dev_top_up.value());
    toast_on_success(dev_top_up.value(), "Credits added");
    let wallet = Resource::new(move || saved.get(), retrying(|_| load_wallet()));
    let error = Signal::derive(move || {
        last_error(top_up.value())
            .get()
            .or_else(|| last_error(dev_top_up.value()).get())
    });
    view! {
        <Title text="Wallet"/>
        <h1>"Wallet"</h1>
        <Loaded data=wallet render={move |w| view! {
            <section class="card">
                <p class="eyebrow">"Balance"</p>
                <p class="balance" data-cents=w.balance_cents>{w.balance.clone()}</p>
                <p class="hint">"Leads scoring 80+ cost $1.13, 60–79 cost $0.85, below 60 are free."</p>
            </section>
            <section class="card">
                <h2>"Add credits"</h2>
                {w.stripe.then(|| view! {
                    <ActionForm action=top_up>
                        <Field label="Amount in dollars (5 to 10,000)" name="amount" inputmode="decimal" error/>
                        <Submit label="Pay with card (Stripe)" error/>
                    </ActionForm>
                })}
                {w.development.then(|| view! {
                    <ActionForm action=dev_top_up>
                        <Field label="Development top-up, in dollars" name="amount" inputmode="decimal"
                            hint="Signs a test event with the development secret and sends it through the Stripe webhook code." error/>
                        <Submit label="Add development credits" error class="button button-ghost"/>
                    </ActionForm>
                })}
                {(!w.stripe && !w.development).then(|| view! { <p>"Card payments are not set up on this server yet."</p> })}
            </section>
            <section class="card">
                <h2>"Ledger"</h2>
                <table class="audit">
                    <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Amount"</th><th scope="col">"Balance"</th></tr></thead>
                    <tbody>
                        {w.ledger.into_iter().map(|row| view! {
                            <tr>
                                <td>{row.at}</td>
                                <td>{row.kind.replace('_', " ")} <span class="hint">{row.reference}</span></td>
                                <td>{row.amount}</td>
                                <td>{row.balance_after}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }}/>
    }
}
