use leptos::prelude::*;

use crate::i18n::t;
use domain::account::Language;
use leptos_router::hooks::use_query_map;

use crate::auth::{Register, ResendVerification, VerifyEmail};
use crate::components::{Field, FormPage, Submit, last_error};

/// Time zones offered first; any IANA name is accepted.
const ZONES: [&str; 12] = [
    "Africa/Nairobi",
    "Africa/Kampala",
    "Africa/Dar_es_Salaam",
    "Africa/Kigali",
    "Africa/Lagos",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "UTC",
];

#[component]
pub fn SignupPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<Register>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    // On a product's own pages (its host, or `?for=`) the account is for that product.
    let brand = crate::platform::brand::use_brand();
    let own = (!brand.brand.is_platform()).then_some(brand.brand.key);
    let product = move || own.map_or_else(|| query.read().get("product").unwrap_or_default(), str::to_owned);
    let is_pro = move || product() == "fishmouth";
    let default_zone = if is_pro() { "America/Chicago" } else { "Africa/Nairobi" };

    view! {
        <FormPage title=t(lang, "Create your account")>
            <ActionForm action=action>
                {own.map(|key| view! { <input type="hidden" name="product" value=key/> })}
                {own.is_none().then(|| view! {
                <fieldset class="choices">
                    <legend>{t(lang, "Which product is this account for?")}</legend>
                    <label class="choice">
                        <input type="radio" name="product" value="sasamum" checked=move || !is_pro()/>
                        {t(lang, " SasaMum: pregnancy companion")}
                    </label>
                    <label class="choice">
                        <input type="radio" name="product" value="fishmouth" checked=is_pro/>
                        {t(lang, " Fish Mouth: roofing leads")}
                    </label>
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("product"))}</p>
                </fieldset>
                })}
                <Field label=t(lang, "Your name") name="display_name" autocomplete="name" error/>
                <Field label=t(lang, "Email") name="email" kind="email" autocomplete="email" error/>
                <Field label=t(lang, "Password") name="password" kind="password" autocomplete="new-password" hint=t(lang, "At least 12 characters. A few words you will remember work well.") error/>
                {(brand.brand.languages.len() == 1).then(|| view! {
                    <input type="hidden" name="language" value=brand.brand.languages[0].as_str()/>
                })}
                {(brand.brand.languages.len() > 1).then(|| view! {
                <div class="field">
                    <label for="language">"Language / Lugha"</label>
                    <select id="language" name="language">
                        <option value="en" selected=lang == Language::En>"English"</option>
                        <option value="sw" selected=lang == Language::Sw>"Kiswahili"</option>
                    </select>
                </div>
                })}
                <Field label=t(lang, "Time zone") name="timezone" value=default_zone list="zones" hint=t(lang, "Used for reminders and sending times.") error/>
                <datalist id="zones">{ZONES.map(|z| view! { <option value=z></option> })}</datalist>
                <Submit label=t(lang, "Create account") error/>
            </ActionForm>
            <p class="form-footer">{t(lang, "Already have an account? ")} <a href=brand.link("/login")>{t(lang, "Log in")}</a></p>
        </FormPage>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<ResendVerification>::new();
    let error = last_error(action.value());
    view! {
        <FormPage title=t(lang, "Check your email")>
            <p>{t(lang, crate::auth::CHECK_EMAIL)}</p>
            <p>{t(lang, "Open the link on this phone or computer to confirm your address, then log in.")}</p>
            <details class="resend">
                <summary>{t(lang, "No email after a few minutes?")}</summary>
                <ActionForm action=action>
                    <Field label=t(lang, "Email") name="email" kind="email" autocomplete="email" error/>
                    <Submit label=t(lang, "Send the link again") error class="button button-ghost"/>
                </ActionForm>
            </details>
        </FormPage>
    }
}

/// Opening the link shows a button: a GET never changes anything, the POST confirms.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<VerifyEmail>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <FormPage title=t(lang, "Confirm your email")>
            <ActionForm action=action>
                <input type="hidden" name="token" value=token/>
                <Submit label=t(lang, "Confirm my email") error/>
            </ActionForm>
        </FormPage>
    }
}
