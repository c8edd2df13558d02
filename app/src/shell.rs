use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::admin::{AdminAuditPage, AdminTicketsPage, AdminUsersPage};
use crate::auth::{
    AccountPage, CheckEmailPage, ForgotPage, ForgotSentPage, LoginPage, ResetPage, SessionsPage, SignupPage, VerifyPage,
};
use crate::components::{AppErrorBoundary, Footer, Header, ToastRegion, provide_toasts, provide_viewer};
use crate::dev_mailbox::DevMailboxPage;
use crate::fishmouth::{
    CallPage, CallSimulatorPage, CallsPage, ContractorDashboard, ImportPage, ImportsPage, InboxPage, LeadPage,
    LeadsPage, NumberPage, OnboardingPage, OperatorDashboard, ScanPage, ScansPage, SendingPage, SequencePage,
    SequencesPage, TasksPage, UnsubscribePage, VoiceSettingsPage, WalletPage,
};
use crate::help::{ArticlePage, HelpButton, HelpPage, LegalPage, SupportPage};
use crate::landing::LandingPage;
use crate::mum::{
    AcceptInvitationPage, BabyCarePage, BabyDangerSignsPage, CompanionPage, ContractionsPage, DangerSignsPage,
    EndPregnancyPage, LogPage, MumHome, PinPage, RegisterMotherPage, SharedPage, UrgentPage, VisitsPage, WeeklyPage,
};
use crate::not_found::NotFound;
use crate::platform::brand::{Brand, CurrentBrand, use_brand};
use crate::privacy::{GoodbyePage, PrivacyPage};

/// Registers the service worker once the page has loaded, for the brand's scope (SasaMum's
/// `/mum`, Fish Mouth's `/pro`, the platform's `/`), told its brand so that its offline pages
/// speak for it. Inline, so it carries the nonce.
fn register_service_worker(brand: &Brand) -> String {
    format!(
        "if('serviceWorker' in navigator){{addEventListener('load',function(){{navigator.serviceWorker.register('/sw.js?for={}',{{scope:'{}'}})}})}}",
        brand.key,
        brand.scope()
    )
}

/// Answers the buttons of `alerts::DeviceAlerts` (a click anywhere, so it works before the
/// WASM and after any navigation): asks the browser's permission, subscribes with our VAPID
/// key (`/api/push-key`) and hands the subscription to `/api/push-subscribe`; "off" undoes it.
const DEVICE_ALERTS: &str = r#"(function(){
var post=function(u,d){return fetch(u,{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},body:new URLSearchParams(d)}).then(function(r){if(!r.ok)throw new Error(r.status);return r})};
var state=function(t){var p=document.querySelector('[data-push-state]');if(p)p.textContent=t};
var ON='Alerts are on for this device.',OFF='Alerts are off on this device.';
var ready=function(){return 'serviceWorker' in navigator&&'PushManager' in window&&'Notification' in window?navigator.serviceWorker.ready:null};
addEventListener('load',function(){var r=ready();if(r&&document.querySelector('[data-push-box]'))r.then(function(g){return g.pushManager.getSubscription()}).then(function(s){if(s)state(ON)})});
document.addEventListener('click',function(e){
var b=e.target.closest&&e.target.closest('[data-push]');if(!b)return;
var r=ready();if(!r){state('This browser cannot show alerts. On an iPhone, add the app to your home screen first.');return}
r.then(function(g){return g.pushManager.getSubscription().then(function(old){
if(b.getAttribute('data-push')==='off'){if(!old){state(OFF);return}
return post('/api/push-unsubscribe',{endpoint:old.endpoint}).then(function(){return old.unsubscribe()}).then(function(){state(OFF)})}
return Notification.requestPermission().then(function(p){
if(p!=='granted'){state('Alerts are blocked for this site: allow notifications in your browser settings.');return}
return fetch('/api/push-key').then(function(k){return k.json()}).then(function(key){
if(!key){state('Alerts are not set up on this server.');return}
return (old?Promise.resolve(old):g.pushManager.subscribe({userVisibleOnly:true,applicationServerKey:key})).then(function(s){var j=s.toJSON();return post('/api/push-subscribe',{endpoint:j.endpoint,p256dh:j.keys.p256dh,auth:j.keys.auth})}).then(function(){state(ON)})})})})}).catch(function(){state('That did not work. Check your connection and try again.')})})})()"#;

/// The HTML document around the app, in the request's brand. Rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::csp::send_header();
    let nonce = leptos::nonce::use_nonce();
    let current = request_brand();
    let brand = current.brand;
    let language = brand.language(crate::i18n::read_visitor_language());
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CONTENT_LANGUAGE,
            http::HeaderValue::from_static(language.as_str()),
        );
    }
    view! {
        <!DOCTYPE html>
        <html lang=language.as_str() data-brand=brand.key data-brand-host=current.by_host.then_some(brand.key)>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content=brand.theme_color/>
                <meta name="description" content=brand.description/>
                <meta name="application-name" content=brand.name/>
                <meta name="apple-mobile-web-app-title" content=brand.short_name/>
                <link rel="manifest" href=current.manifest_path()/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="icon" href=brand.icon_svg type="image/svg+xml"/>
                <link rel="apple-touch-icon" href=brand.icon_192/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrateWhenIdle options/>
                <MetaTags/>
                <script nonce=nonce.clone()>{register_service_worker(brand)}</script>
                // Fish Mouth's pages offer alerts on the device (its inbox), and live maps
                // (public/map.js, which loads Leaflet only on a page with a map).
                {(brand.key == crate::fishmouth::BRAND.key).then(|| view! {
                    <script nonce=nonce.clone()>{DEVICE_ALERTS}</script>
                    <script src="/map.js" defer nonce=nonce></script>
                })}
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Loads the bundle and hydrates once the page has loaded and the browser is idle, with no
/// preload hints (Leptos's `HydrationScripts` fetches the bundle from `<head>`): the page paints
/// before 600 KB of WASM competes for a slow phone's bandwidth, and every form works until then.
#[component]
fn HydrateWhenIdle(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let (js, wasm) = bundle_paths(&options);
    let script = format!(
        "addEventListener('load',function(){{var go=function(){{import('{js}').then(function(m){{return m.default({{module_or_path:'{wasm}'}}).then(function(){{m.hydrate()}})}})}};'requestIdleCallback' in window?requestIdleCallback(go,{{timeout:2000}}):setTimeout(go,0)}})"
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// `/pkg/<name>.<hash>.js` and `.wasm`, the hashes from the `hash.txt` cargo-leptos writes beside
/// the server binary (read once); without hashing, the names cargo-leptos or wasm-bindgen gives.
fn bundle_paths(options: &LeptosOptions) -> (String, String) {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    if !options.hash_files {
        let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        return (format!("{pkg}.js"), format!("{pkg}{wasm_suffix}.wasm"));
    }
    static HASHES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    let (js, wasm) = HASHES.get_or_init(|| {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| std::fs::read_to_string(exe.with_file_name(&*options.hash_file)).ok())
            .unwrap_or_default();
        let hash = |file: &str| {
            hashes
                .lines()
                .find_map(|line| line.split_once(':').filter(|(name, _)| name.trim() == file))
                .map(|(_, hash)| format!(".{}", hash.trim()))
                .unwrap_or_default()
        };
        (hash("js"), hash("wasm"))
    });
    (format!("{pkg}{js}.js"), format!("{pkg}{wasm}.wasm"))
}

/// The brand of the request being rendered: its host's, its path's, or its `?for=`.
#[cfg(feature = "ssr")]
fn request_brand() -> CurrentBrand {
    let brands = crate::platform::brand::provide_brands(&crate::products::ALL);
    let parts = use_context::<http::request::Parts>();
    let path = parts.as_ref().map_or("/", |p| p.uri.path());
    let query = parts.as_ref().and_then(|p| p.uri.query()).unwrap_or_default();
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .map(|value| value.replace("%2F", "/").replace("%2f", "/"))
    };
    CurrentBrand::resolve(
        brands.all,
        brands.host,
        path,
        param("for").as_deref(),
        param("next").as_deref(),
    )
}

#[cfg(not(feature = "ssr"))]
fn request_brand() -> CurrentBrand {
    CurrentBrand {
        brand: &crate::platform::brand::Brand::PLATFORM,
        by_host: false,
    }
}

/// "<page> · SasaMum". leptos_meta writes the server's `<title>` unescaped, so the server
/// escapes it; the browser sets `document.title`, which is text already.
fn page_title(brand: &str, page: &str) -> String {
    let title = if page.is_empty() || page == brand {
        brand.to_owned()
    } else {
        format!("{page} · {brand}")
    };
    if cfg!(feature = "ssr") {
        crate::components::escape_html(&title)
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Router>
            <Layout/>
        </Router>
    }
}

/// Everything inside the router: the viewer context, header, routes and footer.
#[component]
fn Layout() -> impl IntoView {
    crate::platform::brand::provide_brands(&crate::products::ALL);
    let brand_name = Memo::new(move |_| use_brand().brand.name);
    crate::i18n::provide_visitor_language();
    provide_viewer();
    provide_toasts();
    view! {
            // On the server the title may be written after a client that hung up has had its
            // page disposed: the platform's name then, never a panic.
            <Title formatter=move |page: String| {
                let brand = brand_name.try_get_untracked().unwrap_or(crate::platform::brand::Brand::PLATFORM.name);
                page_title(brand, &page)
            }/>
            <crate::components::SkipLink/>
            <Header/>
            <main id="main" class="page">
                <AppErrorBoundary>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=LandingPage/>
                        <Route path=path!("/mum/about") view=LandingPage/>
                        <Route path=path!("/pro/about") view=LandingPage/>
                        <Route path=path!("/signup") view=SignupPage/>
                        <Route path=path!("/signup/check-email") view=CheckEmailPage/>
                        <Route path=path!("/verify") view=VerifyPage/>
                        <Route path=path!("/login") view=LoginPage/>
                        <Route path=path!("/forgot") view=ForgotPage/>
                        <Route path=path!("/forgot/sent") view=ForgotSentPage/>
                        <Route path=path!("/reset") view=ResetPage/>
                        <Route path=path!("/account") view=AccountPage/>
                        <Route path=path!("/account/sessions") view=SessionsPage/>
                        <Route path=path!("/account/privacy") view=PrivacyPage/>
                        <Route path=path!("/goodbye") view=GoodbyePage/>
                        <Route path=path!("/account/support") view=SupportPage/>
                        <Route path=path!("/admin") view=AdminUsersPage/>
                        <Route path=path!("/admin/tickets") view=AdminTicketsPage/>
                        <Route path=path!("/admin/audit") view=AdminAuditPage/>
                        <Route path=path!("/admin/refunds") view=crate::fishmouth::refunds::RefundReviewPage/>
                        <Route path=path!("/admin/verify") view=crate::admin::second_factor::SecondFactorPage/>
                        <Route path=path!("/help") view=HelpPage/>
                        <Route path=path!("/help/:product/:slug") view=ArticlePage/>
                        <Route path=path!("/legal/:slug") view=LegalPage/>
                        <Route path=path!("/mum") view=MumHome/>
                        <Route path=path!("/mum/danger") view=DangerSignsPage/>
                        <Route path=path!("/mum/danger/baby") view=BabyDangerSignsPage/>
                        <Route path=path!("/mum/baby") view=BabyCarePage/>
                        <Route path=path!("/mum/companion") view=CompanionPage/>
                        <Route path=path!("/mum/companion/accept") view=AcceptInvitationPage/>
                        <Route path=path!("/mum/shared") view=SharedPage/>
                        <Route path=path!("/mum/danger/now") view=UrgentPage/>
                        <Route path=path!("/mum/end") view=EndPregnancyPage/>
                        <Route path=path!("/mum/log") view=LogPage/>
                        <Route path=path!("/mum/visits") view=VisitsPage/>
                        <Route path=path!("/mum/messages") view=WeeklyPage/>
                        <Route path=path!("/mum/register") view=RegisterMotherPage/>
                        <Route path=path!("/mum/contractions") view=ContractionsPage/>
                        <Route path=path!("/mum/pin") view=PinPage/>
                        <Route path=path!("/pro") view=ContractorDashboard/>
                        <Route path=path!("/pro/welcome") view=OnboardingPage/>
                        <Route path=path!("/pro/scans") view=ScansPage/>
                        <Route path=path!("/pro/scans/:id") view=ScanPage/>
                        <Route path=path!("/pro/imports") view=ImportsPage/>
                        <Route path=path!("/pro/imports/:id") view=ImportPage/>
                        <Route path=path!("/pro/leads") view=LeadsPage/>
                        <Route path=path!("/pro/leads/:id") view=LeadPage/>
                        <Route path=path!("/pro/wallet") view=WalletPage/>
                        <Route path=path!("/pro/sequences") view=SequencesPage/>
                        <Route path=path!("/pro/sequences/:id") view=SequencePage/>
                        <Route path=path!("/pro/tasks") view=TasksPage/>
                        <Route path=path!("/pro/inbox") view=InboxPage/>
                        <Route path=path!("/pro/number") view=NumberPage/>
                        <Route path=path!("/pro/sending") view=SendingPage/>
                        <Route path=path!("/pro/voice") view=VoiceSettingsPage/>
                        <Route path=path!("/pro/voice/try") view=CallSimulatorPage/>
                        <Route path=path!("/pro/calls") view=CallsPage/>
                        <Route path=path!("/pro/calls/:id") view=CallPage/>
                        <Route path=path!("/u/:token") view=UnsubscribePage/>
                        <Route path=path!("/pro/admin") view=OperatorDashboard/>
                        <Route path=path!("/dev/mailbox") view=DevMailboxPage/>
                    </Routes>
                </AppErrorBoundary>
            </main>
            <ToastRegion/>
            <HelpButton/>
            <Footer/>
    }
}

/// Sets `data-hydrated` on `<body>` once the WASM has taken over, so tests
/// (and CSS) can tell a hydrated page from server-rendered HTML.
fn mark_hydrated() {
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
