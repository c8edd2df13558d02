//! The only cookies the project sets. The cookie policy page reads this list.

use http::{HeaderMap, HeaderValue, header};

use super::tokens::ACCESS_TOKEN_SECS;

pub struct CookieSpec {
    /// Name over plain HTTP; over HTTPS it carries the `__Host-` prefix.
    pub name: &'static str,
    pub purpose: &'static str,
    pub max_age_secs: i64,
}

pub const ACCESS: CookieSpec = CookieSpec {
    name: "sasa_access",
    purpose: "Keeps you signed in: a short-lived proof of who you are.",
    max_age_secs: ACCESS_TOKEN_SECS,
};

pub const REFRESH_MAX_AGE_SECS: i64 = 30 * 24 * 3600;
pub const REFRESH: CookieSpec = CookieSpec {
    name: "sasa_refresh",
    purpose: "Renews your sign-in on this device without asking for your password again.",
    max_age_secs: REFRESH_MAX_AGE_SECS,
};

pub const LANGUAGE: CookieSpec = CookieSpec {
    name: "sasa_lang",
    purpose: "Remembers your language (English or Kiswahili): the one you chose before signing in, then your account's, so pages show it before anything else loads.",
    max_age_secs: 365 * 24 * 3600,
};

pub const ALL: [&CookieSpec; 3] = [&ACCESS, &REFRESH, &LANGUAGE];

/// Clears every cookie of ours on the current response (logout, account deletion).
pub fn clear_all(secure: bool) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        for cookie in ALL {
            response.append_header(header::SET_COOKIE, cookie.clear(secure));
        }
    }
}

/// On leaving a (possibly shared) phone: the browser drops the pages the service worker
/// saved for offline use, with everything else this site stored.
pub fn forget_this_device() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static("\"cache\", \"storage\""),
        );
    }
}

impl CookieSpec {
    pub fn name(&self, secure: bool) -> String {
        if secure {
            format!("__Host-{}", self.name)
        } else {
            self.name.to_owned()
        }
    }

    /// HttpOnly, SameSite=Lax (links from emails arrive signed in; cross-site posts do not),
    /// Path=/, and Secure over HTTPS.
    pub fn set(&self, value: &str, secure: bool) -> HeaderValue {
        self.header(value, self.max_age_secs, secure)
    }

    pub fn clear(&self, secure: bool) -> HeaderValue {
        self.header("", 0, secure)
    }

    fn header(&self, value: &str, max_age: i64, secure: bool) -> HeaderValue {
        let secure_attr = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure_attr}",
            self.name(secure)
        ))
        .expect("cookie values are URL-safe base64")
    }

    /// This cookie's value in a request, if present.
    pub fn read(&self, headers: &HeaderMap, secure: bool) -> Option<String> {
        let name = self.name(secure);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_follow_the_checklist() {
        let plain = REFRESH.set("abc", false);
        assert_eq!(
            plain,
            "sasa_refresh=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"
        );
        let secure = ACCESS.set("xyz", true);
        assert_eq!(
            secure,
            "__Host-sasa_access=xyz; Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure"
        );
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sasa_access=tok; sasa_refresh="),
        );
        assert_eq!(ACCESS.read(&headers, false).as_deref(), Some("tok"));
        assert_eq!(REFRESH.read(&headers, false), None);
        assert_eq!(ACCESS.read(&headers, true), None);
    }
}
