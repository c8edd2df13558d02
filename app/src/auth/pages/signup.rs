use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::{Register, ResendVerification, VerifyEmail};
use crate::components::{Field, FormError, last_error};

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
    let action = ServerAction::<Register>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let product = move || query.read().get("product").unwrap_or_default();
    let is_pro = move || product() == "fishmouth";
    let default_zone = if is_pro() { "America/Chicago" } else { "Africa/Nairobi" };

    view! {
        <Title text="Create your account"/>
        <section class="card form-card">
            <h1>"Create your account"</h1>
            <ActionForm action=action>
                <fieldset class="choices">
                    <legend>"Which product is this account for?"</legend>
                    <label class="choice">
                        <input type="radio" name="product" value="sasamum" checked=move || !is_pro()/>
                        " SasaMum: pregnancy companion"
                    </label>
                    <label class="choice">
                        <input type="radio" name="product" value="fishmouth" checked=is_pro/>
                        " Fish Mouth: roofing leads"
                    </label>
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.message_for("product"))}</p>
                </fieldset>
                <Field label="Your name" name="display_name" autocomplete="name" error/>
                <Field label="Email" name="email" kind="email" autocomplete="email" error/>
                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint="At least 12 characters. A few words you will remember work well." error/>
                <div class="field">
                    <label for="language">"Language / Lugha"</label>
                    <select id="language" name="language">
                        <option value="en">"English"</option>
                        <option value="sw">"Kiswahili"</option>
                    </select>
                </div>
                <Field label="Time zone" name="timezone" value=default_zone list="zones" hint="Used for reminders and sending times." error/>
                <datalist id="zones">{ZONES.map(|z| view! { <option value=z></option> })}</datalist>
                <FormError error/>
                <button type="submit" class="button">"Create account"</button>
            </ActionForm>
            <p class="form-footer">"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let error = last_error(action.value());
    view! {
        <Title text="Check your email"/>
        <section class="card form-card">
            <h1>"Check your email"</h1>
            <p>{crate::auth::CHECK_EMAIL}</p>
            <p>"Open the link on this phone or computer to confirm your address, then log in."</p>
            <details class="resend">
                <summary>"No email after a few minutes?"</summary>
                <ActionForm action=action>
                    <Field label="Email" name="email" kind="email" autocomplete="email" error/>
                    <FormError error/>
                    <button type="submit" class="button button-ghost">"Send the link again"</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// Opening the link shows a button: a GET never changes anything, the POST confirms.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Confirm your email"/>
        <section class="card form-card">
            <h1>"Confirm your email"</h1>
            <ActionForm action=action>
                <input type="hidden" name="token" value=token/>
                <FormError error/>
                <button type="submit" class="button">"Confirm my email"</button>
            </ActionForm>
        </section>
    }
}
