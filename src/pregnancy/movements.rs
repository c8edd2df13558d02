//! The movements diary: how she felt her baby move today, in her own terms. There is no
//! kick-count score to pass or fail; "less than usual" is a danger sign and says so at once.

use serde::{Deserialize, Serialize};

use crate::account::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Usual,
    More,
    Less,
}

impl Movement {
    pub const ALL: [Movement; 3] = [Self::Usual, Self::More, Self::Less];

    pub fn code(self) -> &'static str {
        match self {
            Self::Usual => "usual",
            Self::More => "more",
            Self::Less => "less",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Usual, Language::En) => "Moving as usual",
            (Self::Usual, Language::Sw) => "Anacheza kama kawaida",
            (Self::More, Language::En) => "Moving more than usual",
            (Self::More, Language::Sw) => "Anacheza zaidi ya kawaida",
            (Self::Less, Language::En) => "Moving less than usual",
            (Self::Less, Language::Sw) => "Anacheza kidogo kuliko kawaida",
        }
    }

    /// Reduced fetal movement is a danger sign: the entry also raises the urgent screen.
    pub fn is_danger_sign(self) -> bool {
        self == Self::Less
    }
}

/// An optional count of movements she felt ("" means she did not count): 0 to 200.
pub fn parse_count(raw: &str) -> Result<Option<u16>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<u16>() {
        Ok(n) if n <= 200 => Ok(Some(n)),
        _ => Err("a whole number from 0 to 200, or leave it empty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_less_than_usual_is_a_danger_sign() {
        let alarming: Vec<_> = Movement::ALL.into_iter().filter(|m| m.is_danger_sign()).collect();
        assert_eq!(alarming, [Movement::Less]);
    }

    #[test]
    fn codes_round_trip_with_labels_in_both_languages() {
        for m in Movement::ALL {
            assert_eq!(Movement::parse(m.code()), Some(m));
            assert_ne!(m.label(Language::En), m.label(Language::Sw));
        }
        assert_eq!(Movement::parse("none"), None);
    }

    #[test]
    fn counts_are_optional_and_bounded() {
        assert_eq!(parse_count(" "), Ok(None));
        assert_eq!(parse_count("10"), Ok(Some(10)));
        assert!(parse_count("201").is_err());
        assert!(parse_count("-1").is_err());
        assert!(parse_count("ten").is_err());
    }
}
