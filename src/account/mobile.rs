//! A mobile number that can receive SMS, kept in E.164 ("+254712345678"). Mothers type
//! numbers the local way ("0712 345 678"), so a leading 0 is read as a Kenyan number.

use super::AccountError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let invalid = || AccountError::invalid("reminder_phone", "a mobile number like +254 712 345678 or 0712 345678");
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = if let Some(international) = compact.strip_prefix('+') {
            international.to_owned()
        } else if let Some(local) = compact.strip_prefix('0') {
            // Kenya's trunk prefix: 07xx / 01xx local numbers are +2547xx / +2541xx.
            if local.len() != 9 {
                return Err(invalid());
            }
            format!("254{local}")
        } else {
            return Err(invalid());
        };
        let valid =
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if valid {
            Ok(Self(format!("+{digits}")))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_numbers_become_e164() {
        for (raw, e164) in [
            ("0712 345 678", "+254712345678"),
            ("+254 712-345-678", "+254712345678"),
            ("0110 123456", "+254110123456"),
            ("+1 (214) 555-0142", "+12145550142"),
        ] {
            assert_eq!(
                MobileNumber::parse(raw).map(|m| m.as_str().to_owned()),
                Ok(e164.to_owned()),
                "{raw}"
            );
        }
    }

    #[test]
    fn other_shapes_are_refused_naming_the_field() {
        for bad in [
            "",
            "712345678",
            "07123",
            "+0712345678",
            "+25471234567890123",
            "07123456789",
            "+2547123x5678",
        ] {
            assert_eq!(
                MobileNumber::parse(bad).expect_err(bad).field(),
                Some("reminder_phone"),
                "{bad}"
            );
        }
    }
}
