//! The Fish Mouth onboarding wizard: the seed's steps, saved one by one so she can leave
//! and come back; every step but the company profile can be skipped.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::components::{Field, FormError, Loaded, Submit, last_error, retrying, saves};
use crate::error::AppError;

pub const STEPS: [(&str, &str); 8] = [
    ("welcome", "Your company"),
    ("verify", "Email verification"),
    ("integrations", "Integrations"),
    ("scan", "Your first area scan"),
    ("scores", "Understanding lead scores"),
    ("sequence", "Your first sequence"),
    ("credits", "Adding credits"),
    ("next", "Next steps"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wizard {
    pub stripe: bool,
    pub step: String,
    pub done: bool,
    pub company_name: String,
    pub service_area: String,
    pub postal_address: String,
    pub email_verified: bool,
    pub integrations: Vec<(String, String, bool)>,
    pub scans: i64,
    pub balance: String,
}

#[server(prefix = "/api/pro", endpoint = "onboarding", input = GetUrl)]
pub async fn load_wizard() -> Result<Wizard, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    let pool = &services.pool;
    let profile = super::store::profile(pool, user.id).await?;
    let scans = super::store::scan_count(pool, user.id).await?;
    let balance = super::store::balance(pool, user.id).await?;
    let f = &*fishmouth;
    Ok(Wizard {
        stripe: f.stripe_secret_key.is_some(),
        step: profile.0,
        done: profile.1,
        company_name: profile.2.unwrap_or_default(),
        service_area: profile.3.unwrap_or_default(),
        postal_address: profile.4.unwrap_or_default(),
        email_verified: user.email_verified_at.is_some(),
        integrations: vec![
            (
                "Stripe".into(),
                "Card payments for credits (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET).".into(),
                f.stripe_secret_key.is_some(),
            ),
            (
                "Email (SMTP)".into(),
                "Sends your sequence emails and receipts (SMTP_URL).".into(),
                !services.development,
            ),
            (
                "Map tiles".into(),
                "A street map under the scan area (MAP_TILES_URL).".into(),
                f.map_tiles_url.is_some(),
            ),
        ],
        scans,
        balance: domain::fishmouth::pricing::format_cents(balance),
    })
}

/// Saves the company profile (the postal address goes in every email's footer: CAN-SPAM).
#[server(prefix = "/api/pro", endpoint = "company")]
pub async fn save_company(
    company_name: String,
    #[server(default)] service_area: String,
    postal_address: String,
) -> Result<(), AppError> {
    let company_name = company_name.trim();
    let postal_address = postal_address.trim();
    let mut fields = Vec::new();
    if company_name.is_empty() || company_name.chars().count() > 100 {
        fields.push(("company_name", "your company's name, 1 to 100 characters"));
    }
    if service_area.trim().chars().count() > 200 {
        fields.push(("service_area", "at most 200 characters"));
    }
    if postal_address.chars().count() < 10 || postal_address.chars().count() > 300 {
        fields.push((
            "postal_address",
            "a full postal address: the law puts it in every marketing email",
        ));
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid {
            fields: fields
                .into_iter()
                .map(|(field, message)| crate::error::FieldError {
                    field: field.into(),
                    message: message.into(),
                })
                .collect(),
        });
    }
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let company = super::store::Company {
        name: company_name,
        service_area: service_area.trim(),
        postal_address,
    };
    super::store::save_company(&services.pool, user.id, company).await?;
    Ok(())
}

/// The integrations step's test button for email: a message to her own address through
/// the outbox (SMTP, or the development mailbox).
#[server(prefix = "/api/pro", endpoint = "test-email")]
pub async fn send_test_email() -> Result<String, AppError> {
    use crate::platform::{outbox, rate_limit};
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    rate_limit::hit(
        &services.pool,
        &format!("test-email:{}", user.id),
        rate_limit::Limit::per_hour(5),
    )
    .await?;
    let message = crate::platform::email::compose(
        &super::BRAND,
        "Fish Mouth: your test email",
        "Hello,",
        &["This is the test email you asked for: email from Fish Mouth reaches you."],
        None,
    );
    let mut tx = services.pool.begin().await?;
    outbox::enqueue_email(
        &mut tx,
        outbox::Email {
            sender: super::BRAND.mail_sender,
            idempotency_key: format!("test-email:{}:{}", user.id, uuid::Uuid::new_v4()),
            user_id: Some(user.id),
            to: user.email.clone(),
            message,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Sent to {}: it should arrive within a minute.", user.email))
}

/// The integrations step's test button for Stripe: asks Stripe for the account balance
/// with the configured key.
#[server(prefix = "/api/pro", endpoint = "test-stripe")]
pub async fn check_stripe() -> Result<String, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = crate::fishmouth::ssr::fishmouth()?;
    // Each check is a call to Stripe with the platform's key: a few an hour per account.
    crate::platform::rate_limit::hit(
        &services.pool,
        &format!("test-stripe:{}", user.id),
        crate::platform::rate_limit::Limit::per_hour(10),
    )
    .await?;
    let config = &*fishmouth;
    let Some(key) = config.stripe_secret_key.as_deref() else {
        return Err(AppError::field("stripe", "no Stripe key is set on this server"));
    };
    let response = config
        .http
        .get(format!("{}/v1/balance", config.stripe_api_base))
        .basic_auth(key, Some(""))
        .send()
        .await
        .map_err(|_| AppError::Network)?;
    Ok(match response.status() {
        s if s.is_success() => "Stripe accepted the key.".to_owned(),
        s if s == http::StatusCode::UNAUTHORIZED => "Stripe refused the key: check STRIPE_SECRET_KEY.".to_owned(),
        s => format!("Stripe answered {s}; try again later."),
    })
}

/// Moves to a step (next, back or skip). "done" finishes the wizard.
#[server(prefix = "/api/pro", endpoint = "onboarding-step")]
pub async fn go_to_step(step: String) -> Result<(), AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    if super::store::company_name(&services.pool, user.id).await?.is_none() {
        return Err(AppError::field(
            "company_name",
            "tell us your company's name and address first",
        ));
    }
    if step == "done" {
        super::store::finish_onboarding(&services.pool, user.id).await?;
        leptos_axum::redirect("/pro");
        return Ok(());
    }
    if !STEPS.iter().any(|(code, _)| *code == step) {
        return Err(AppError::field("step", "not an onboarding step"));
    }
    super::store::set_onboarding_step(&services.pool, user.id, &step).await?;
    let event = crate::platform::usage::Event::OnboardingStep;
    let detail = serde_json::json!({ "product": "fishmouth", "step": step });
    crate::platform::usage::record(&services.pool, Some(user.id), event, detail).await?;
    Ok(())
}

/// `/pro/welcome`
#[component]
pub fn OnboardingPage() -> impl IntoView {
    let company = ServerAction::<SaveCompany>::new();
    let go = ServerAction::<GoToStep>::new();
    let test_email = ServerAction::<SendTestEmail>::new();
    let test_stripe = ServerAction::<CheckStripe>::new();
    let tested = move || {
        [test_email.value().get(), test_stripe.value().get()]
            .into_iter()
            .flatten()
            .map(|r| r.unwrap_or_else(|e| e.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let saved = saves![company, go];
    let wizard = Resource::new(move || saved.get(), retrying(|_| load_wizard()));
    let error = last_error(company.value());
    let go_error = last_error(go.value());
    view! {
        <Title text="Welcome to Fish Mouth"/>
        <Loaded data=wizard render={move |w| {
            let index = STEPS.iter().position(|(code, _)| *code == w.step).unwrap_or(0);
            let (code, title) = STEPS[index];
            let next = STEPS.get(index + 1).map_or("done", |(c, _)| *c);
            let back = index.checked_sub(1).map(|i| STEPS[i].0);
            let body = match code {
                "welcome" => view! {
                    <p>"Fish Mouth finds homes likely to need a new roof, scores them, and helps you reach the owners, within the law."</p>
                    <ActionForm action=company>
                        <Field label="Company name" name="company_name" value=w.company_name.clone() autocomplete="organization" error/>
                        <Field label="Service area (cities or ZIP codes)" name="service_area" value=w.service_area.clone() required=false error/>
                        <Field label="Postal address" name="postal_address" value=w.postal_address.clone() autocomplete="street-address"
                            hint="CAN-SPAM: every marketing email carries your physical postal address." error/>
                        <Submit label="Save and continue" error/>
                    </ActionForm>
                }.into_any(),
                "verify" => view! {
                    {if w.email_verified {
                        view! { <p class="notice-inline notice-inline-ok">"Your email address is confirmed."</p> }.into_any()
                    } else {
                        view! { <p class="notice-inline notice-inline-error">"Please confirm your email address with the link we sent. No email? Ask for a new link on your account page."</p> }.into_any()
                    }}
                }.into_any(),
                "integrations" => view! {
                    <ul class="log-list">
                        {w.integrations.iter().map(|(name, what, set)| view! {
                            <li class="log-entry">
                                <p><strong>{name.clone()}</strong> " · " {if *set { "configured" } else { "not set" }}</p>
                                <p class="hint">{what.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="wizard-nav">
                        <ActionForm action=test_email attr:class="inline-form">
                            <button type="submit" class="button button-ghost">"Send me a test email"</button>
                        </ActionForm>
                        {w.stripe.then(|| view! {
                            <ActionForm action=test_stripe attr:class="inline-form">
                                <button type="submit" class="button button-ghost">"Check the Stripe key"</button>
                            </ActionForm>
                        })}
                    </div>
                    <p class="notice-inline" role="status">{tested}</p>
                }.into_any(),
                "scan" => view! {
                    <p>"Pick an area, as a circle around a point or drawn on the map. Fish Mouth finds the homes inside and scores each."</p>
                    <p>{format!("Scans so far: {}", w.scans)}</p>
                    <a class="button" href="/pro/scans">"Scan an area"</a>
                }.into_any(),
                "scores" => view! {
                    <p>"Each lead scores 0 to 100 from five factors: roof condition (42%), roof age against the material's lifespan (25%), home value (15%), recent hail (10%) and how complete the contact details are (8%)."</p>
                    <p>"Every lead lists its reasons in words and a confidence from how much was known. Leads scoring 80+ cost $1.13, 60–79 cost $0.85, below 60 are free."</p>
                }.into_any(),
                "sequence" => view! {
                    <p>"Sequences send emails and texts and set call tasks for your leads, only inside calling hours in the homeowner's time zone, and stop at once on a reply or an opt-out."</p>
                    <p class="hint">"The sequence builder comes in the next release; you can skip this step."</p>
                }.into_any(),
                "credits" => view! {
                    <p>{format!("Your wallet holds {}.", w.balance)}</p>
                    <a class="button" href="/pro/wallet">"Add credits"</a>
                }.into_any(),
                _ => view! {
                    <ul>
                        <li><a href="/pro/scans">"Scan another area"</a></li>
                        <li><a href="/pro/leads">"Work your leads"</a></li>
                        <li><a href="/pro/wallet">"Check your wallet"</a></li>
                    </ul>
                }.into_any(),
            };
            view! {
                <section class="card form-card wizard" data-step=code>
                    <p class="eyebrow">{format!("Step {} of {}", index + 1, STEPS.len())}</p>
                    <h1>{title}</h1>
                    {body}
                    <FormError error=go_error/>
                    {(code != "welcome").then(|| view! {
                        <div class="wizard-nav">
                            {back.map(|b| view! {
                                <ActionForm action=go attr:class="inline-form">
                                    <input type="hidden" name="step" value=b/>
                                    <button type="submit" class="button button-ghost">"Back"</button>
                                </ActionForm>
                            })}
                            <ActionForm action=go attr:class="inline-form">
                                <input type="hidden" name="step" value=next/>
                                <button type="submit" class="button">{if next == "done" { "Finish" } else { "Next" }}</button>
                            </ActionForm>
                            {(next != "done").then(|| view! {
                                <ActionForm action=go attr:class="inline-form">
                                    <input type="hidden" name="step" value="done"/>
                                    <button type="submit" class="link-button">"Skip the rest"</button>
                                </ActionForm>
                            })}
                        </div>
                    })}
                </section>
            }
        }}/>
    }
}
