use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span>"Sasa"</span>
            </a>
            <nav aria-label="Products" class="site-nav">
                <a href="/#sasamum">"SasaMum"</a>
                <a href="/#fishmouth">"Fish Mouth"</a>
            </nav>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>"Sasa: one platform, two products. No ads, no third-party trackers."</p>
        </footer>
    }
}
