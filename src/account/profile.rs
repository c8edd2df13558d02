use serde::{Deserialize, Serialize};

use super::AccountError;

/// The name shown to the user and in emails: 1 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AccountError::invalid(
                "display_name",
                "enter the name we should call you",
            ));
        }
        if name.chars().count() > 80 {
            return Err(AccountError::invalid("display_name", "use at most 80 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(AccountError::invalid("display_name", "remove the special characters"));
        }
        // The name greets the reader of emails sent to any address typed at sign-up: it must
        // not carry a link or an address someone else could be sent to.
        if looks_like_a_link(name) {
            return Err(AccountError::invalid(
                "display_name",
                "a name cannot contain a web or email address",
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

/// "http://x", "www.x", "a@b", or a word with a dot between two letters or digits ("evil.example",
/// "bit.ly/x"); initials such as "J. Smith" or "Dr. Amina" have a space after the dot.
fn looks_like_a_link(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.contains("://")
        || lower.contains("www.")
        || lower.contains('@')
        || lower.contains('/')
        || lower
            .chars()
            .zip(lower.chars().skip(1))
            .zip(lower.chars().skip(2))
            .any(|((a, dot), b)| dot == '.' && a.is_alphanumeric() && b.is_alphanumeric())
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Which product an account signed up for; it decides the dashboard after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    SasaMum,
    FishMouth,
}

impl Product {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        match raw.trim() {
            "sasamum" => Ok(Self::SasaMum),
            "fishmouth" => Ok(Self::FishMouth),
            _ => Err(AccountError::invalid("product", "choose SasaMum or Fish Mouth")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SasaMum => "sasamum",
            Self::FishMouth => "fishmouth",
        }
    }
    pub fn dashboard(self) -> &'static str {
        match self {
            Self::SasaMum => "/mum",
            Self::FishMouth => "/pro",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Sw,
}

impl Language {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        match raw.trim() {
            "en" => Ok(Self::En),
            "sw" => Ok(Self::Sw),
            _ => Err(AccountError::invalid("language", "choose English or Kiswahili")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sw => "sw",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Amina ").expect("valid").as_ref(), "Amina");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(81)).is_err());
        assert!(DisplayName::parse(&"é".repeat(80)).is_ok());
        assert!(DisplayName::parse("bad\u{0007}name").is_err());
    }

    #[test]
    fn a_name_cannot_carry_a_link_into_an_email() {
        for link in [
            "Claim your prize at https://evil.example",
            "evil.example",
            "Amina www.evil.example",
            "bit.ly/prize",
            "write to me: x@evil.example",
            "EVIL.COM",
        ] {
            let refused = DisplayName::parse(link).expect_err(link);
            assert_eq!(refused.field(), Some("display_name"), "{link}");
        }
        for name in [
            "Dr. Amina Otieno",
            "J. R. Mwangi",
            "Mary-Jane O'Brien",
            "Wanjiku 2",
            "Amina.",
        ] {
            assert!(DisplayName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn product_and_language_take_only_known_values() {
        assert_eq!(Product::parse("sasamum"), Ok(Product::SasaMum));
        assert_eq!(Product::parse("fishmouth").map(Product::dashboard), Ok("/pro"));
        assert_eq!(Product::parse("roofs").expect_err("unknown").field(), Some("product"));
        assert_eq!(Language::parse("sw"), Ok(Language::Sw));
        assert_eq!(Language::parse("fr").expect_err("unknown").field(), Some("language"));
    }
}
