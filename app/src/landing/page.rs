use leptos::prelude::*;
use leptos_meta::Title;

use super::due_date_teaser::DueDateTeaser;

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Tools for the moments that matter"</h1>
            <p class="lead">
                "Two products on one careful platform: a pregnancy companion for mothers, "
                "and lead generation for roofing contractors."
            </p>
        </section>
        <div class="products">
            <article id="sasamum" class="card product product-mum">
                <p class="eyebrow">"For expecting mothers"</p>
                <h2>"SasaMum"</h2>
                <p>
                    "Your pregnancy week by week, in English and Kiswahili. Know your due date, "
                    "your clinic visits and the danger signs that mean: go now."
                </p>
                <ul class="ticks">
                    <li>"Due date and this week's changes"</li>
                    <li>"Antenatal visit reminders"</li>
                    <li>"Danger-sign alert with one tap to call"</li>
                    <li>"Works on slow networks and shared phones"</li>
                </ul>
                <a class="button" href="/signup?product=sasamum">"Start SasaMum"</a>
            </article>
            <article id="fishmouth" class="card product product-pro">
                <p class="eyebrow">"For roofing contractors"</p>
                <h2>"Fish Mouth"</h2>
                <p>
                    "Scan an area, get homes scored by roof age, condition and recent hail, "
                    "and reach them with outreach that respects the law."
                </p>
                <ul class="ticks">
                    <li>"Scored leads with the reasons behind each score"</li>
                    <li>"Pay per qualified lead from a prepaid wallet"</li>
                    <li>"Email, SMS and call sequences inside quiet hours"</li>
                </ul>
                <a class="button button-secondary" href="/signup?product=fishmouth">"Start Fish Mouth"</a>
            </article>
        </div>
        <DueDateTeaser/>
    }
}
