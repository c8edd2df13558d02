//! Reads variables and collects every problem instead of stopping at the first.

use std::{fmt, str::FromStr};

use super::ConfigError;

/// Where variables come from: the process environment, or a test's own list.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

pub struct Reader<'a> {
    lookup: Lookup<'a>,
    pub errors: Vec<ConfigError>,
    /// Production refuses development secrets and clear-text URLs; each section asks.
    pub production: bool,
}

impl<'a> Reader<'a> {
    pub fn new(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            lookup: Box::new(lookup),
            errors: Vec::new(),
            production: false,
        }
    }

    pub fn fail(&mut self, variable: &'static str, problem: String) {
        self.errors.push(ConfigError { variable, problem });
    }

    /// The trimmed value, or None when unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn parse<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, raw: &str) -> Option<T> {
        match raw.parse() {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(name, format!("invalid value {raw:?}: {e}"));
                None
            }
        }
    }

    pub fn required<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, what: &str) -> Option<T> {
        match self.get(name) {
            Some(raw) => self.parse(name, &raw),
            None => {
                self.fail(name, format!("missing: set it to {what}"));
                None
            }
        }
    }

    pub fn or<T: FromStr<Err: fmt::Display>>(&mut self, name: &'static str, default: T) -> Option<T> {
        match self.get(name) {
            Some(raw) => self.parse(name, &raw),
            None => Some(default),
        }
    }

    pub fn in_range<T>(&mut self, name: &'static str, default: T, range: std::ops::RangeInclusive<T>) -> Option<T>
    where
        T: FromStr<Err: fmt::Display> + PartialOrd + fmt::Display,
    {
        let value = self.or(name, default)?;
        if range.contains(&value) {
            Some(value)
        } else {
            self.fail(
                name,
                format!("{value} is out of range {}..={}", range.start(), range.end()),
            );
            None
        }
    }

    /// A secret of the development build: production refuses it by value (it is in the
    /// public source) and never falls back to it.
    pub fn secret(&mut self, name: &'static str, development: &str) -> Secret {
        match self.get(name) {
            Some(secret) if self.production && secret == development => {
                self.fail(name, super::PUBLISHED.into());
                Secret::Refused
            }
            Some(secret) => Secret::Set(secret),
            None if self.production => Secret::Unset,
            None => Secret::Set(development.to_owned()),
        }
    }

    /// An API base URL: trailing slash dropped, https:// required in production (unless it
    /// points at this machine).
    pub fn api_base(&mut self, name: &'static str, default: &str) -> Option<String> {
        let base = self.or(name, default.to_owned())?.trim_end_matches('/').to_owned();
        if super::clear_text_refused(self.production, &base, base.starts_with("https://")) {
            self.fail(name, "must be https:// in production".into());
        }
        Some(base)
    }
}

/// What [`Reader::secret`] found.
pub enum Secret {
    Set(String),
    /// Production without the variable.
    Unset,
    /// Production with the published development value.
    Refused,
}
