use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_location;

use super::retrying;
use crate::auth::{Logout, session_user};
use crate::i18n::{Viewer, t, translate, use_viewer};
use crate::platform::brand::use_brand;
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
    // Back to this page after choosing a language. Read with `try_get`: this runs inside the
    // streamed header, and a client that hangs up mid-page disposes the location first.
    let switch = move |code: &str| {
        let path = location.pathname.try_get().unwrap_or_default();
        let next = match location.search.try_get().unwrap_or_default() {
            search if search.is_empty() => path,
            search => format!("{path}?{}", search.trim_start_matches('?')),
        };
        format!("/language/{code}?next={}", encode_next(&next))
    };
    view! {
        <header class="site-header">
            {move || {
                let current = use_brand();
                view! {
                    <a class="brand" href=current.home()>
                        <img src=current.brand.icon_svg alt="" width="28" height="28"/>
                        <span>{current.brand.name}</span>
                    </a>
                }
            }}
            <nav aria-label="Main" class="site-nav">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await.ok().flatten() {
                            Some(u) => Either::Left({
                                let lang = use_brand().brand.language(Language::parse(&u.language).unwrap_or(Language::En));
                                view! {
                                    <a href=u.dashboard>{t(lang, "Dashboard")}</a>
                                    {crate::products::header_links(&u.product)}
                                    <a href="/account">{t(lang, "Account")}</a>
                                    <ActionForm action=logout attr:class="inline-form">
                                        <button type="submit" class="link-button">{t(lang, "Log out")}</button>
                                    </ActionForm>
                                }
                            }),
                            None => Either::Right({
                                let current = use_brand();
                                let signup = if current.brand.is_platform() {
                                    "/signup".to_owned()
                                } else {
                                    current.link(&format!("/signup?product={}", current.brand.key))
                                };
                                // The other language, where this brand speaks more than one.
                                let other = current.brand.languages.iter().copied().find(|l| *l != visitor);
                                view! {
                                    <a href=current.link("/login")>{t(visitor, "Log in")}</a>
                                    <a href=signup>{t(visitor, "Sign up")}</a>
                                    {other.map(|other| match other {
                                        Language::Sw => view! { <a href=switch("sw") rel="external" lang="sw">"Kiswahili"</a> },
                                        Language::En => view! { <a href=switch("en") rel="external" lang="en">"English"</a> },
                                    })}
                                }
                            }),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

/// `?next=` of the language switch: the path and its query, with what would end the
/// parameter escaped.
fn encode_next(next: &str) -> String {
    next.replace('%', "%25")
        .replace('&', "%26")
        .replace('#', "%23")
        .replace('?', "%3F")
}

/// The footer, in the reader's language (her `sasa_lang` cookie, which signing in sets) as
/// far as the page's brand speaks it, with the brand's own help and legal pages.
#[component]
pub fn Footer() -> impl IntoView {
    let visitor = crate::i18n::visitor_language();
    view! {
        <footer class="site-footer">
            {move || {
                let current = use_brand();
                let lang = current.brand.language(visitor);
                view! {
                    <nav aria-label=t(lang, "Legal and help")>
                        <a href=current.link("/legal/terms")>{t(lang, "Terms")}</a>
                        " · "
                        <a href=current.link("/legal/privacy")>{t(lang, "Privacy")}</a>
                        " · "
                        <a href=current.link("/legal/cookies")>{t(lang, "Cookies")}</a>
                        " · "
                        <a href=current.link("/help")>{t(lang, "Help")}</a>
                    </nav>
                    <p>{translate(lang, current.brand.footer)}</p>
                }
            }}
        </footer>
    }
}

/// The first link of every page, for keyboards and screen readers.
#[component]
pub fn SkipLink() -> impl IntoView {
    let lang = crate::i18n::visitor_language();
    view! { <a class="skip-link" href="#main">{t(lang, "Skip to content")}</a> }
}

/// A row of links to a product's main pages, as chips.
#[component]
pub fn ChipNav(label: &'static str, links: &'static [(&'static str, &'static str)]) -> impl IntoView {
    view! {
        <nav class="chips" aria-label=label>
            {links.iter().map(|(href, text)| view! { <a href=*href>{*text}</a> }).collect_view()}
        </nav>
    }
}

/// `list()`, or `hint` when there is nothing to list.
pub fn or_hint<V: IntoView>(empty: bool, hint: &'static str, list: impl FnOnce() -> V) -> impl IntoView {
    if empty {
        leptos::either::Either::Left(view! { <p class="hint">{hint}</p> })
    } else {
        leptos::either::Either::Right(list())
    }
}
