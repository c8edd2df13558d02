use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_location;

use super::retrying;
use crate::auth::{Logout, session_user};
use crate::i18n::{Viewer, t, use_viewer};
use domain::account::Language;

/// Provides the viewer to everything under it. Lives inside the router: it follows navigation.
pub fn provide_viewer() {
    let location = use_location();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(
        move || (location.pathname.get(), logout.version().get()),
        retrying(|_| session_user()),
    );
    provide_context(Viewer {
        user,
        logout,
        visitor: crate::i18n::visitor_language(),
    });
}

#[component]
pub fn Header() -> impl IntoView {
    let Viewer { user, logout, visitor } = use_viewer();
    let location = use_location();
    // Back to this page after choosing a language.
    let switch = move |code: &str| format!("/language/{code}?next={}", location.pathname.get());
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span>"Sasa"</span>
            </a>
            <nav aria-label="Main" class="site-nav">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await.ok().flatten() {
                            Some(u) => Either::Left({
                                let lang = Language::parse(&u.language).unwrap_or(Language::En);
                                view! {
                                    <a href=u.dashboard>{t(lang, "Dashboard")}</a>
                                    <a href="/account">{t(lang, "Account")}</a>
                                    <ActionForm action=logout attr:class="inline-form">
                                        <button type="submit" class="link-button">{t(lang, "Log out")}</button>
                                    </ActionForm>
                                }
                            }),
                            None => Either::Right(view! {
                                <a href="/login">{t(visitor, "Log in")}</a>
                                <a href="/signup">{t(visitor, "Sign up")}</a>
                                {match visitor {
                                    Language::En => view! { <a href=switch("sw") rel="external" lang="sw">"Kiswahili"</a> },
                                    Language::Sw => view! { <a href=switch("en") rel="external" lang="en">"English"</a> },
                                }}
                            }),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

/// The footer, in the reader's language (her `sasa_lang` cookie, which signing in sets).
#[component]
pub fn Footer() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! {
        <footer class="site-footer">
            <nav aria-label=t(lang, "Legal and help")>
                <a href="/legal/terms">{t(lang, "Terms")}</a>
                " · "
                <a href="/legal/privacy">{t(lang, "Privacy")}</a>
                " · "
                <a href="/legal/cookies">{t(lang, "Cookies")}</a>
                " · "
                <a href="/help">{t(lang, "Help")}</a>
            </nav>
            <p>{t(lang, "Sasa: one platform, two products. No ads, no third-party trackers.")}</p>
        </footer>
    }
}

/// The first link of every page, for keyboards and screen readers.
#[component]
pub fn SkipLink() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! { <a class="skip-link" href="#main">{t(lang, "Skip to content")}</a> }
}
