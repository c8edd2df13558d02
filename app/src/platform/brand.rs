//! How the site presents itself: a brand is a name, colours, icons, an installable web app
//! (manifest and service-worker scope), the sender name of its email, and the languages it
//! speaks. Each product defines its own brand in its own folder; the platform keeps a
//! neutral one ([`Brand::PLATFORM`]) for a host that is neither product's and for `/` on a
//! single host, where a page links to both.
//!
//! Which brand a request gets: the host's (`SASAMUM_HOST`, `FISHMOUTH_HOST`), else the
//! brand whose paths the page is under (`/mum…`, `/pro…`), else the brand named by `?for=`
//! (shared pages: help, legal, sign-up, log-in) or whose page `?next=` returns to (the log-in
//! page a signed-out shortcut leads to), else the platform's.

use domain::account::Language;
use leptos::prelude::*;

/// A shortcut of the installed app (a long press on its icon).
#[derive(Debug, PartialEq, Eq)]
pub struct Shortcut {
    pub name: &'static str,
    pub short_name: &'static str,
    pub description: &'static str,
    /// A page inside the brand's scope.
    pub url: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Brand {
    /// Stable and lower case: in `?for=`, `<html data-brand>` and the account's product.
    pub key: &'static str,
    pub name: &'static str,
    /// At most 12 characters: under the icon on a home screen.
    pub short_name: &'static str,
    /// One sentence, English: the page's description and the manifest's.
    pub description: &'static str,
    pub theme_color: &'static str,
    pub background_color: &'static str,
    /// Paths under the site root: an SVG for any size, and 192 px, 512 px and a maskable
    /// 512 px PNG for installers that want one.
    pub icon_svg: &'static str,
    pub icon_192: &'static str,
    pub icon_512: &'static str,
    pub icon_maskable: &'static str,
    /// The paths this brand owns on a shared host ("/mum": "/mum" and "/mum/…"); empty for
    /// the platform, which owns what no product does. Also the installed app's scope, and
    /// its service worker's.
    pub prefix: &'static str,
    /// Where the installed app opens.
    pub start_url: &'static str,
    /// Its landing page on a shared host (on its own host, `/` shows it).
    pub landing: &'static str,
    pub shortcuts: &'static [Shortcut],
    /// The display name on its email: "SasaMum <no-reply@…>" (the address is MAIL_FROM's).
    pub mail_sender: &'static str,
    /// The languages of its pages, the first the default; a reader's choice outside them
    /// gets the first.
    pub languages: &'static [Language],
    /// The line under the footer links (English; its Kiswahili in sw.tsv).
    pub footer: &'static str,
    /// A warning every offline page of the installed app carries, if any (English; its
    /// Kiswahili in sw.tsv): SasaMum's sends a mother with a danger sign to a facility.
    pub offline_warning: Option<&'static str>,
}

impl Brand {
    /// Sasa, the platform: for a host that is neither product's, and `/` on a single host.
    pub const PLATFORM: Brand = Brand {
        key: "sasa",
        name: "Sasa",
        short_name: "Sasa",
        description: "SasaMum, a pregnancy companion, and Fish Mouth, lead generation for roofers.",
        theme_color: "#0f5c4d",
        background_color: "#fbfaf7",
        icon_svg: "/icons/icon.svg",
        icon_192: "/icons/icon-192.png",
        icon_512: "/icons/icon-512.png",
        icon_maskable: "/icons/icon-maskable-512.png",
        prefix: "",
        start_url: "/",
        landing: "/",
        shortcuts: &[],
        mail_sender: "Sasa",
        languages: &[Language::En, Language::Sw],
        footer: "Sasa: one platform, two products. No ads, no third-party trackers.",
        offline_warning: None,
    };

    pub fn is_platform(&self) -> bool {
        self.prefix.is_empty()
    }

    /// Whether `path` is one of this brand's own pages.
    pub fn owns(&self, path: &str) -> bool {
        !self.is_platform()
            && path
                .strip_prefix(self.prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    pub fn speaks(&self, language: Language) -> bool {
        self.languages.contains(&language)
    }

    /// `wanted` if this brand speaks it, else its first language.
    pub fn language(&self, wanted: Language) -> Language {
        if self.speaks(wanted) {
            wanted
        } else {
            self.languages.first().copied().unwrap_or(Language::En)
        }
    }

    /// The installed app's scope: its paths, or the whole site for the platform.
    pub fn scope(&self) -> &'static str {
        if self.is_platform() { "/" } else { self.prefix }
    }

    /// Where its manifest is served on any host (on its own host `/manifest.webmanifest` is it too).
    pub fn manifest_path(&self) -> String {
        format!("{}/manifest.webmanifest", self.prefix)
    }

    /// The web app manifest, as `/manifest.webmanifest` answers it.
    pub fn manifest(&self) -> serde_json::Value {
        let icon = |src: &str, sizes: &str, kind: &str, purpose: &str| serde_json::json!({ "src": src, "sizes": sizes, "type": kind, "purpose": purpose });
        let shortcuts: Vec<serde_json::Value> = self
            .shortcuts
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "short_name": s.short_name,
                    "description": s.description,
                    "url": s.url,
                    "icons": [{ "src": self.icon_192, "sizes": "192x192", "type": "image/png" }],
                })
            })
            .collect();
        serde_json::json!({
            "id": self.start_url,
            "name": self.name,
            "short_name": self.short_name,
            "description": self.description,
            "start_url": self.start_url,
            "scope": self.scope(),
            "display": "standalone",
            "orientation": "portrait-primary",
            "background_color": self.background_color,
            "theme_color": self.theme_color,
            "lang": self.languages.first().copied().unwrap_or(Language::En).as_str(),
            "icons": [
                icon(self.icon_192, "192x192", "image/png", "any"),
                icon(self.icon_512, "512x512", "image/png", "any"),
                icon(self.icon_maskable, "512x512", "image/png", "maskable"),
                icon(self.icon_svg, "any", "image/svg+xml", "any"),
            ],
            "shortcuts": shortcuts,
        })
    }
}

/// The brand of the page being shown, and whether its host chose it (then links need not
/// say which brand they are for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentBrand {
    pub brand: &'static Brand,
    pub by_host: bool,
}

impl CurrentBrand {
    /// Which brand a page gets: see the module's comment.
    /// `wanted` is `?for=`, `next` is `?next=` (decoded).
    pub fn resolve(
        brands: &[&'static Brand],
        host: Option<&'static Brand>,
        path: &str,
        wanted: Option<&str>,
        next: Option<&str>,
    ) -> Self {
        if let Some(brand) = host {
            return Self { brand, by_host: true };
        }
        let brand = brands
            .iter()
            .find(|b| b.owns(path))
            .or_else(|| wanted.and_then(|key| brands.iter().find(|b| b.key == key && !b.is_platform())))
            .or_else(|| next.and_then(|next| brands.iter().find(|b| b.owns(next))))
            .copied()
            .unwrap_or(&Brand::PLATFORM);
        Self { brand, by_host: false }
    }

    /// A link to a shared page (help, legal, log-in) that stays in this brand: on a shared
    /// host it says `?for=<brand>`.
    pub fn link(&self, path: &str) -> String {
        if self.by_host || self.brand.is_platform() || self.brand.owns(path) {
            return path.to_owned();
        }
        let joiner = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joiner}for={}", self.brand.key)
    }

    /// The brand's front page: `/` on its own host, its landing page on a shared one.
    pub fn home(&self) -> &'static str {
        if self.by_host { "/" } else { self.brand.landing }
    }

    /// The manifest this page links to.
    pub fn manifest_path(&self) -> String {
        if self.by_host {
            "/manifest.webmanifest".to_owned()
        } else {
            self.brand.manifest_path()
        }
    }
}

/// Every brand the app knows, and the one the request's host names (if any): provided once
/// in the app's root.
#[derive(Debug, Clone, Copy)]
pub struct Brands {
    pub all: &'static [&'static Brand],
    pub host: Option<&'static Brand>,
}

impl Brands {
    pub fn by_key(&self, key: &str) -> Option<&'static Brand> {
        self.all.iter().find(|b| b.key == key).copied()
    }
}

/// Provides [`Brands`]: on the server from the request's host, in the browser from what the
/// server wrote into `<html data-brand-host>`.
pub fn provide_brands(all: &'static [&'static Brand]) -> Brands {
    let host = host_brand_key().and_then(|key| all.iter().find(|b| b.key == key).copied());
    let brands = Brands { all, host };
    provide_context(brands);
    brands
}

/// The brand of the current page. Reactive: inside a closure it follows navigation.
pub fn use_brand() -> CurrentBrand {
    let Some(brands) = use_context::<Brands>() else {
        return CurrentBrand {
            brand: &Brand::PLATFORM,
            by_host: false,
        };
    };
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get();
    let (wanted, next) = location.query.with(|q| (q.get("for"), q.get("next")));
    CurrentBrand::resolve(brands.all, brands.host, &path, wanted.as_deref(), next.as_deref())
}

/// The key of the brand the host names, on the server.
#[cfg(feature = "ssr")]
fn host_brand_key() -> Option<&'static str> {
    let hosts = use_context::<BrandHosts>()?;
    let parts = use_context::<http::request::Parts>()?;
    hosts.for_request(&parts).map(|b| b.key)
}

/// The key of the brand the host names, as the server wrote it into the page.
#[cfg(not(feature = "ssr"))]
fn host_brand_key() -> Option<String> {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("data-brand-host"))
        .filter(|key| !key.is_empty())
}

/// The products' brands with their own hosts, registered at start-up.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Default)]
pub struct BrandHosts(std::sync::Arc<Vec<(&'static Brand, Option<String>)>>);

#[cfg(feature = "ssr")]
impl BrandHosts {
    /// `brands` with their host names (lower case, without port), if they have one.
    pub fn new(brands: Vec<(&'static Brand, Option<String>)>) -> Self {
        let brands = brands
            .into_iter()
            .map(|(brand, host)| (brand, host.map(|h| h.to_ascii_lowercase())))
            .collect();
        Self(std::sync::Arc::new(brands))
    }

    /// Every product brand, whether or not it has a host.
    pub fn brands(&self) -> impl Iterator<Item = &'static Brand> + '_ {
        self.0.iter().map(|(brand, _)| *brand)
    }

    /// The configured host names.
    pub fn hosts(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().filter_map(|(_, host)| host.as_deref())
    }

    /// The brand whose host `authority` names (`mum.example:443` → SasaMum's).
    pub fn for_host(&self, authority: &str) -> Option<&'static Brand> {
        let name = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        self.0
            .iter()
            .find(|(_, host)| host.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(name)))
            .map(|(brand, _)| *brand)
    }

    /// The brand the request's host names.
    pub fn for_request(&self, parts: &http::request::Parts) -> Option<&'static Brand> {
        let authority = parts.uri.authority().map(|a| a.as_str().to_owned()).or_else(|| {
            parts
                .headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })?;
        self.for_host(&authority)
    }

    /// Where a link we send in `brand`'s name points: its own host when it has one (keeping
    /// the public URL's scheme, port and path), so she lands where her session lives; else
    /// the public URL.
    pub fn link(&self, public_url: &str, brand: &Brand, path: &str) -> String {
        let base = public_url.trim_end_matches('/');
        let host = self
            .0
            .iter()
            .find(|(b, _)| b.key == brand.key)
            .and_then(|(_, host)| host.as_deref());
        let (Some(host), Some((scheme, rest))) = (host, base.split_once("://")) else {
            return format!("{base}{path}");
        };
        let (authority, base_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let port = authority
            .rsplit_once(':')
            .map(|(_, port)| port)
            .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{scheme}://{host}{port}{base_path}{path}")
    }

    /// The brand a request for `path` on `authority` gets, with no `?for=`.
    pub fn resolve(&self, authority: Option<&str>, path: &str) -> &'static Brand {
        let all: Vec<&'static Brand> = self.brands().collect();
        CurrentBrand::resolve(&all, authority.and_then(|a| self.for_host(a)), path, None, None).brand
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MUM: Brand = Brand {
        key: "one",
        prefix: "/one",
        landing: "/one/about",
        start_url: "/one",
        languages: &[Language::En],
        ..Brand::PLATFORM
    };

    #[cfg(feature = "ssr")]
    #[test]
    fn links_go_to_the_brands_own_host_with_the_public_scheme_and_port() {
        let hosts = BrandHosts::new(vec![(&MUM, Some("mum.example".into())), (&Brand::PLATFORM, None)]);
        assert_eq!(
            hosts.link("https://sasa.example/", &MUM, "/forgot"),
            "https://mum.example/forgot"
        );
        assert_eq!(
            hosts.link("http://127.0.0.1:3000", &MUM, "/verify?t=1"),
            "http://mum.example:3000/verify?t=1"
        );
        assert_eq!(
            hosts.link("http://[::1]:8080/app", &MUM, "/x"),
            "http://mum.example:8080/app/x"
        );
        assert_eq!(
            hosts.link("https://sasa.example", &Brand::PLATFORM, "/forgot"),
            "https://sasa.example/forgot"
        );
    }

    #[test]
    fn the_host_wins_then_the_path_then_for() {
        let all: &[&'static Brand] = &[&MUM];
        let pick = |host, path, wanted| CurrentBrand::resolve(all, host, path, wanted, None).brand.key;
        assert_eq!(pick(Some(&MUM), "/", None), "one");
        assert_eq!(pick(None, "/one", None), "one");
        assert_eq!(pick(None, "/one/log", None), "one");
        assert_eq!(pick(None, "/onely", None), "sasa");
        assert_eq!(pick(None, "/legal/terms", Some("one")), "one");
        assert_eq!(pick(None, "/legal/terms", Some("sasa")), "sasa");
        assert_eq!(pick(None, "/", None), "sasa");
        let login = CurrentBrand::resolve(all, None, "/login", None, Some("/one/log"));
        assert_eq!(login.brand.key, "one");
    }

    #[test]
    fn links_name_the_brand_only_on_a_shared_host() {
        let shared = CurrentBrand {
            brand: &MUM,
            by_host: false,
        };
        assert_eq!(shared.link("/legal/terms"), "/legal/terms?for=one");
        assert_eq!(shared.link("/help?q=x"), "/help?q=x&for=one");
        assert_eq!(shared.link("/one/log"), "/one/log");
        assert_eq!(shared.home(), "/one/about");
        let own = CurrentBrand {
            brand: &MUM,
            by_host: true,
        };
        assert_eq!(own.link("/legal/terms"), "/legal/terms");
        assert_eq!(own.home(), "/");
        assert_eq!(own.manifest_path(), "/manifest.webmanifest");
        assert_eq!(shared.manifest_path(), "/one/manifest.webmanifest");
    }

    #[test]
    fn a_brand_speaks_only_its_languages() {
        assert_eq!(MUM.language(Language::Sw), Language::En);
        assert_eq!(Brand::PLATFORM.language(Language::Sw), Language::Sw);
    }

    #[test]
    fn hosts_match_without_port_or_case() {
        let hosts = BrandHosts::new(vec![(&MUM, Some("One.Example".into()))]);
        assert_eq!(hosts.for_host("one.example:8443").map(|b| b.key), Some("one"));
        assert_eq!(hosts.for_host("ONE.example").map(|b| b.key), Some("one"));
        assert!(hosts.for_host("two.example").is_none());
        assert_eq!(hosts.resolve(Some("other"), "/one/x").key, "one");
        assert_eq!(hosts.resolve(Some("one.example"), "/").key, "one");
        assert_eq!(hosts.resolve(None, "/").key, "sasa");
    }
}
