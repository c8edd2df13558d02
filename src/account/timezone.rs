use serde::{Deserialize, Serialize};

use super::AccountError;

/// An IANA time zone name known to the bundled tz database, e.g. "Africa/Nairobi".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(AccountError::invalid(
                "timezone",
                "choose your time zone, e.g. Africa/Nairobi",
            ));
        }
        let zone = jiff::tz::db().get(name).map_err(|_| {
            AccountError::invalid(
                "timezone",
                "this is not a time zone we know; use a name like Africa/Nairobi",
            )
        })?;
        // Store the database's own spelling ("africa/nairobi" -> "Africa/Nairobi").
        Ok(Self(zone.iana_name().unwrap_or(name).to_owned()))
    }
}

impl AsRef<str> for TimeZoneName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_zones_are_accepted_in_canonical_spelling() {
        assert_eq!(
            TimeZoneName::parse("Africa/Nairobi").expect("valid").as_ref(),
            "Africa/Nairobi"
        );
        assert_eq!(
            TimeZoneName::parse(" america/chicago ").expect("valid").as_ref(),
            "America/Chicago"
        );
        assert!(TimeZoneName::parse("UTC").is_ok());
    }

    #[test]
    fn unknown_zones_name_the_field() {
        for raw in ["", "Mars/Olympus", "Nairobi", "../../etc/passwd"] {
            assert_eq!(TimeZoneName::parse(raw).expect_err(raw).field(), Some("timezone"));
        }
    }
}
