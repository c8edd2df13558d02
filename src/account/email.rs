use serde::{Deserialize, Serialize};

use super::AccountError;

/// An email address, trimmed and lower-cased so one mailbox is one account.
/// Checked for shape only: the verification link proves it is real.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let email = raw.trim().to_lowercase();
        let invalid = || AccountError::invalid("email", "enter an email address like name@example.com");
        if email.is_empty() {
            return Err(AccountError::invalid("email", "enter your email address"));
        }
        if email.len() > Self::MAX_LEN {
            return Err(AccountError::invalid(
                "email",
                "an email address has at most 254 characters",
            ));
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok =
            !local.is_empty() && local.len() <= 64 && !local.contains(char::is_whitespace) && !local.contains('@');
        if !(domain_ok && local_ok) {
            return Err(invalid());
        }
        Ok(Self(email))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            Email::parse("  Wanjiru@Example.CO.ke ").expect("valid").as_ref(),
            "wanjiru@example.co.ke"
        );
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@b",
            "a@.com",
            "a@com.",
            "a b@example.com",
            "a@exa mple.com",
            "a@@b.com",
            "a@b..com",
        ] {
            let err = Email::parse(raw).expect_err(raw);
            assert_eq!(err.field(), Some("email"), "{raw}");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let raw = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&raw).is_err());
    }
}
