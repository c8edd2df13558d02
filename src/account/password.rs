use super::AccountError;

/// A new password that meets the checklist: 12 to 128 characters (counted as
/// characters, never truncated), no composition rules, not a common breached one.
/// Deliberately not `Debug`, `Clone` or `Serialize`: it should not travel or be logged.
pub struct NewPassword(String);

const COMMON: &str = include_str!("common_passwords.txt");

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: String, field: &'static str) -> Result<Self, AccountError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(AccountError::invalid(field, "use at least 12 characters"));
        }
        if chars > Self::MAX_CHARS {
            return Err(AccountError::invalid(field, "use at most 128 characters"));
        }
        if is_common(&raw) {
            return Err(AccountError::invalid(
                field,
                "this password is one of the most common ones; choose another",
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(candidate: &str) -> bool {
    let lower = candidate.to_lowercase();
    COMMON.lines().filter(|l| !l.starts_with('#')).any(|l| l == lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(raw: &str) -> Option<String> {
        NewPassword::parse(raw.to_owned(), "password")
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(problem("short").is_some_and(|p| p.contains("at least 12")));
        assert!(problem("elevenchars").is_some());
        assert!(problem("twelve chars").is_none());
        // 12 characters of 2 bytes each still count as 12.
        assert!(problem("ääääääääääää").is_none());
    }

    #[test]
    fn accepts_128_and_refuses_129_without_truncating() {
        assert!(problem(&"x1".repeat(64)).is_none());
        assert!(problem(&format!("{}y", "x1".repeat(64))).is_some_and(|p| p.contains("at most 128")));
    }

    #[test]
    fn no_composition_rules() {
        assert!(problem("all lower case words here").is_none());
        assert!(problem("123498761234987").is_none());
    }

    #[test]
    fn refuses_common_breached_passwords_in_any_case() {
        assert!(problem("1qaz2wsx3edc").is_some_and(|p| p.contains("most common")));
        assert!(problem("QWERTY123456").is_some());
    }
}
