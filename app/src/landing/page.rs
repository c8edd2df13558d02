use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::t;

use super::due_date_teaser::DueDateTeaser;

#[component]
pub fn LandingPage() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
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
                <h2>"SasaMum"</h2>
                <p>
                    {t(lang, "Your pregnancy week by week, in English and Kiswahili. Know your due date, your clinic visits and the danger signs that mean: go now.")}
                </p>
                <ul class="ticks">
                    <li>{t(lang, "Due date and this week's changes")}</li>
                    <li>{t(lang, "Antenatal visit reminders")}</li>
                    <li>{t(lang, "Danger-sign alert with one tap to call")}</li>
                    <li>{t(lang, "Works on slow networks and shared phones")}</li>
                </ul>
                <a class="button" href="/signup?product=sasamum">{t(lang, "Start SasaMum")}</a>
            </article>
            <article id="fishmouth" class="card product product-pro">
                <p class="eyebrow">{t(lang, "For roofing contractors")}</p>
                <h2>"Fish Mouth"</h2>
                <p>
                    {t(lang, "Scan an area, get homes scored by roof age, condition and recent hail, and reach them with outreach that respects the law.")}
                </p>
                <ul class="ticks">
                    <li>{t(lang, "Scored leads with the reasons behind each score")}</li>
                    <li>{t(lang, "Pay per qualified lead from a prepaid wallet")}</li>
                    <li>{t(lang, "Email, SMS and call sequences inside quiet hours")}</li>
                </ul>
                <a class="button button-secondary" href="/signup?product=fishmouth">{t(lang, "Start Fish Mouth")}</a>
            </article>
        </div>
        <DueDateTeaser/>
    }
}
