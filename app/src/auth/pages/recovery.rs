use leptos::prelude::*;

use crate::i18n::t;
use leptos_router::hooks::use_query_map;

use crate::auth::{ForgotPassword, RESET_SENT, ResetPassword};
use crate::components::{Field, FormPage, Submit, last_error};

#[component]
pub fn ForgotPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<ForgotPassword>::new();
    let error = last_error(action.value());
    view! {
        <FormPage title=t(lang, "Forgot your password?")>
            <p>{t(lang, "Enter your email and we will send you a link to choose a new password.")}</p>
            <ActionForm action=action>
                <Field label=t(lang, "Email") name="email" kind="email" autocomplete="email" error/>
                <Submit label=t(lang, "Send me a link") error/>
            </ActionForm>
        </FormPage>
    }
}

#[component]
pub fn ForgotSentPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! {
        <FormPage title=t(lang, "Check your email")>
            <p>{t(lang, RESET_SENT)}</p>
            <a class="button button-ghost" href="/login">{t(lang, "Back to log in")}</a>
        </FormPage>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<ResetPassword>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <FormPage title=t(lang, "Choose a new password")>
            <ActionForm action=action>
                <input type="hidden" name="token" value=token/>
                <Field label=t(lang, "New password") name="password" kind="password" autocomplete="new-password" hint=t(lang, "At least 12 characters.") error/>
                <Submit label=t(lang, "Save my new password") error/>
            </ActionForm>
        </FormPage>
    }
}
