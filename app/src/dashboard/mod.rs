//! The Fish Mouth dashboard a contractor lands on after login (its features come with
//! the leads issue); the shell greets the user and links their account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::session_user;

#[component]
pub fn ProDashboard() -> impl IntoView {
    view! { <Dashboard product="Fish Mouth" tagline="Your leads, scans and outreach."/> }
}

#[component]
fn Dashboard(product: &'static str, tagline: &'static str) -> impl IntoView {
    let user = Resource::new(|| (), |_| session_user());
    view! {
        <Title text=product/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let name = user.await.ok().flatten().map(|u| u.display_name).unwrap_or_default();
                view! {
                    <section class="dashboard-hero">
                        <p class="eyebrow">{product}</p>
                        <h1>{format!("Welcome, {name}")}</h1>
                        <p class="lead">{tagline}</p>
                    </section>
                }
            })}
        </Transition>
        <nav class="card" aria-label="Account">
            <a href="/account">"Your account"</a>
            " · "
            <a href="/account/sessions">"Signed-in devices"</a>
        </nav>
    }
}
