use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = crate::i18n::visitor_language();
    let t = move |english| crate::i18n::t(lang, english);
    view! {
        <Title text=t("Page not found")/>
        <section class="card notice">
            <p class="eyebrow">"404"</p>
            <h1>{t("We couldn't find that page")}</h1>
            <p>{t("The link may be old, or the address may have a typo.")}</p>
            <a class="button" href="/">{t("Go to the home page")}</a>
        </section>
    }
}
