use leptos::prelude::*;

use crate::i18n::t;
use leptos_router::hooks::use_query_map;

use crate::auth::Login;
use crate::components::{Field, FormPage, LinkRow, Submit, last_error};

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let action = ServerAction::<Login>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let banner = move || {
        let q = query.read();
        if q.get("verified").is_some() {
            Some(t(lang, "Your email is confirmed. You can log in now."))
        } else if q.get("reset").is_some() {
            Some(t(lang, "Your password is changed. Log in with the new one."))
        } else {
            None
        }
    };

    view! {
        <FormPage title=t(lang, "Log in")>
            {move || banner().map(|text| view! { <p class="notice-inline notice-inline-ok" role="status">{text}</p> })}
            <ActionForm action=action>
                <input type="hidden" name="next" value=next/>
                <Field label=t(lang, "Email") name="email" kind="email" autocomplete="username" error/>
                <Field label=t(lang, "Password") name="password" kind="password" autocomplete="current-password" error/>
                <Submit label=t(lang, "Log in") error/>
            </ActionForm>
            <LinkRow links=vec![
                ("/forgot".into(), t(lang, "Forgot your password?")),
                ("/signup".into(), t(lang, "Create an account")),
                ("/signup/check-email".into(), t(lang, "Resend the confirmation email")),
            ]/>
        </FormPage>
    }
}
