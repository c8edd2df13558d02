//! The PIN that locks a shared phone's health screens: 4 to 6 digits, never an obvious one.

use super::AccountError;

/// A valid PIN. It is only ever stored hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let pin = raw.trim();
        if !(4..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AccountError::invalid("pin", "use 4 to 6 digits"));
        }
        let digits = pin.as_bytes();
        let same = digits.iter().all(|&d| d == digits[0]);
        let ascending = digits.windows(2).all(|w| w[1] == w[0] + 1);
        let descending = digits.windows(2).all(|w| w[0] == w[1] + 1);
        if same || ascending || descending {
            return Err(AccountError::invalid("pin", "choose digits that are harder to guess"));
        }
        Ok(Self(pin.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_four_to_six_digits() {
        assert_eq!(
            Pin::parse(" 2580 ").map(|p| p.as_str().to_owned()),
            Ok("2580".to_owned())
        );
        assert!(Pin::parse("930571").is_ok());
        for bad in ["", "123", "1234567", "12a4", "12 45"] {
            assert_eq!(Pin::parse(bad).expect_err(bad).field(), Some("pin"));
        }
    }

    #[test]
    fn obvious_pins_are_refused() {
        for obvious in ["0000", "1111", "1234", "4321", "3456", "987654"] {
            assert!(Pin::parse(obvious).is_err(), "{obvious}");
        }
    }
}
