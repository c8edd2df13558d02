use std::sync::Arc;

use domain::long_date;
use domain::pregnancy::{Milestones, milestones};
use leptos::either::EitherOf3;
use leptos::{prelude::*, web_sys};
use leptos_router::{components::Form, hooks::use_query_map};

use crate::i18n::t;

/// A due-date calculator that works as a plain GET form before the WASM loads
/// and without a page reload after: both paths run the same domain rule.
#[component]
pub fn DueDateTeaser() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let query = use_query_map();
    // This page again: `/` on SasaMum's host, `/mum/about` on a shared one.
    let action = leptos_router::hooks::use_location().pathname.get_untracked();
    let lmp = move || query.read().get("lmp").filter(|raw| !raw.is_empty());
    let result = move || lmp().map(|raw| domain::parse_iso_date(&raw).map(milestones));

    view! {
        <section class="card teaser" aria-labelledby="teaser-title">
            <h2 id="teaser-title">{t(lang, "When is my baby due?")}</h2>
            // The router adds the nameless submit button as an empty "=" pair: drop it.
            <Form method="GET" action=action on_form_data=Arc::new(|data: &web_sys::FormData| data.delete(""))>
                <div class="field">
                    <label for="lmp">{t(lang, "First day of your last period")}</label>
                    <input id="lmp" name="lmp" type="date" required value=lmp/>
                </div>
                <button type="submit" class="button">{t(lang, "Work it out")}</button>
            </Form>
            <div class="teaser-result" aria-live="polite">
                {move || match result() {
                    None => EitherOf3::A(()),
                    Some(Ok(m)) => EitherOf3::B(view! { <MilestoneList m/> }),
                    Some(Err(e)) => EitherOf3::C(view! {
                        <p class="field-error" role="alert">{format!("First day of your last period: {e}")}</p>
                    }),
                }}
            </div>
        </section>
    }
}

#[component]
fn MilestoneList(m: Milestones) -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! {
        <p class="due-date">{t(lang, "Your estimated due date is ")} <strong>{long_date(m.due_date, lang)}</strong></p>
        <dl class="milestones">
            <dt>{t(lang, "Second trimester from")}</dt>
            <dd>{long_date(m.second_trimester, lang)}</dd>
            <dt>{t(lang, "Third trimester from")}</dt>
            <dd>{long_date(m.third_trimester, lang)}</dd>
            <dt>{t(lang, "Full term from")}</dt>
            <dd>{long_date(m.full_term, lang)}</dd>
        </dl>
    }
}
