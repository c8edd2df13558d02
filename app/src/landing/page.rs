use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::t;
use crate::platform::brand::use_brand;

use super::due_date_teaser::DueDateTeaser;

/// `/` in the request's brand: SasaMum's or Fish Mouth's own landing on its host (and at
/// `/mum/about`, `/pro/about` on a shared host), or the platform's, which links to both.
#[component]
pub fn LandingPage() -> impl IntoView {
    let key = use_brand().brand.key;
    if key == crate::mum::BRAND.key {
        MumLanding().into_any()
    } else if key == crate::fishmouth::BRAND.key {
        ProLanding().into_any()
    } else {
        PlatformLanding().into_any()
    }
}

/// SasaMum's landing: only SasaMum, in her language, with the due-date calculator.
#[component]
fn MumLanding() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let current = use_brand();
    view! {
        <Title text=""/>
        <section class="hero hero-mum">
            <p class="eyebrow">{t(lang, "For expecting mothers")}</p>
            <h1>{t(lang, "Your pregnancy, week by week")}</h1>
            <p class="lead">
                {t(lang, "Your pregnancy week by week, in English and Kiswahili. Know your due date, your clinic visits and the danger signs that mean: go now.")}
            </p>
            <ul class="ticks">
                <li>{t(lang, "Due date and this week's changes")}</li>
                <li>{t(lang, "Antenatal visit reminders")}</li>
                <li>{t(lang, "Danger-sign alert with one tap to call")}</li>
                <li>{t(lang, "Works on slow networks and shared phones")}</li>
            </ul>
            <p class="actions">
                <a class="button" href=current.link("/signup?product=sasamum")>{t(lang, "Start SasaMum")}</a>
                " "
                <a class="button button-ghost" href=current.link("/login")>{t(lang, "Log in")}</a>
            </p>
        </section>
        <DueDateTeaser/>
    }
}

/// Fish Mouth's landing: only Fish Mouth, in English.
#[component]
fn ProLanding() -> impl IntoView {
    let current = use_brand();
    view! {
        <Title text=""/>
        <section class="hero hero-pro">
            <p class="eyebrow">"For roofing contractors"</p>
            <h1>"Roofing leads worth the drive"</h1>
            <p class="lead">
                "Scan an area, get homes scored by roof age, condition and recent hail, and reach them with outreach that respects the law."
            </p>
            <ul class="ticks">
                <li>"Scored leads with the reasons behind each score"</li>
                <li>"Pay per qualified lead from a prepaid wallet"</li>
                <li>"Email, SMS and call sequences inside quiet hours"</li>
                <li>"Opt-outs honoured at once, on every channel"</li>
            </ul>
            <p class="actions">
                <a class="button" href=current.link("/signup?product=fishmouth")>"Start Fish Mouth"</a>
                " "
                <a class="button button-ghost" href=current.link("/login")>"Log in"</a>
            </p>
        </section>
    }
}

/// The platform's page: what each product is, and the way to each one's own site.
#[component]
fn PlatformLanding() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    let (mum, pro) = (&crate::mum::BRAND, &crate::fishmouth::BRAND);
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{t(lang, "Tools for the moments that matter")}</h1>
            <p class="lead">
                {t(lang, "Two products on one careful platform: a pregnancy companion for mothers, and lead generation for roofing contractors.")}
            </p>
        </section>
        <div class="products">
            <article id="sasamum" class="card product product-mum">
                <p class="eyebrow">{t(lang, "For expecting mothers")}</p>
                <h2>{mum.name}</h2>
                <p>
                    {t(lang, "Your pregnancy week by week, in English and Kiswahili. Know your due date, your clinic visits and the danger signs that mean: go now.")}
                </p>
                <p class="actions">
                    <a class="button" href="/signup?product=sasamum">{t(lang, "Start SasaMum")}</a>
                    // A full load: each product has its own icons, colours and installed app.
                    <a class="button button-ghost" href=mum.landing rel="external">{t(lang, "Visit SasaMum")}</a>
                </p>
            </article>
            <article id="fishmouth" class="card product product-pro">
                <p class="eyebrow">{t(lang, "For roofing contractors")}</p>
                <h2>{pro.name}</h2>
                <p>
                    {t(lang, "Scan an area, get homes scored by roof age, condition and recent hail, and reach them with outreach that respects the law.")}
                </p>
                <p class="actions">
                    <a class="button button-secondary" href="/signup?product=fishmouth">{t(lang, "Start Fish Mouth")}</a>
                    <a class="button button-ghost" href=pro.landing rel="external">{t(lang, "Visit Fish Mouth")}</a>
                </p>
            </article>
        </div>
    }
}
