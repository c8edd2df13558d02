//! How a pregnancy ended (opensrp anc_close). After a loss, all week-by-week content and
//! reminders stop at once, and a later pregnancy assumes nothing about this one.

use serde::{Deserialize, Serialize};

use crate::account::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    LiveBirth,
    Stillbirth,
    Miscarriage,
    Abortion,
    MovedAway,
    FalsePregnancy,
    WrongEntry,
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Self::LiveBirth,
        Self::Stillbirth,
        Self::Miscarriage,
        Self::Abortion,
        Self::MovedAway,
        Self::FalsePregnancy,
        Self::WrongEntry,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::LiveBirth => "live_birth",
            Self::Stillbirth => "stillbirth",
            Self::Miscarriage => "miscarriage",
            Self::Abortion => "abortion",
            Self::MovedAway => "moved_away",
            Self::FalsePregnancy => "false_pregnancy",
            Self::WrongEntry => "wrong_entry",
            Self::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::LiveBirth, Language::En) => "My baby was born",
            (Self::LiveBirth, Language::Sw) => "Mtoto wangu amezaliwa",
            (Self::Stillbirth, Language::En) => "My baby was stillborn",
            (Self::Stillbirth, Language::Sw) => "Mtoto wangu alizaliwa akiwa amefariki",
            (Self::Miscarriage, Language::En) => "I had a miscarriage",
            (Self::Miscarriage, Language::Sw) => "Mimba yangu iliharibika",
            (Self::Abortion, Language::En) => "The pregnancy was ended (abortion)",
            (Self::Abortion, Language::Sw) => "Ujauzito ulitolewa",
            (Self::MovedAway, Language::En) => "I moved away or changed clinic",
            (Self::MovedAway, Language::Sw) => "Nimehama au nimebadilisha kliniki",
            (Self::FalsePregnancy, Language::En) => "I was not pregnant after all",
            (Self::FalsePregnancy, Language::Sw) => "Kumbe sikuwa mjamzito",
            (Self::WrongEntry, Language::En) => "I entered this by mistake",
            (Self::WrongEntry, Language::Sw) => "Niliingiza hili kwa makosa",
            (Self::Other, Language::En) => "Something else",
            (Self::Other, Language::Sw) => "Kitu kingine",
        }
    }

    /// A loss: no baby imagery, kind wording, no congratulations.
    pub fn is_loss(self) -> bool {
        matches!(self, Self::Stillbirth | Self::Miscarriage | Self::Abortion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_recognised() {
        assert!(Outcome::Stillbirth.is_loss() && Outcome::Miscarriage.is_loss());
        assert!(!Outcome::LiveBirth.is_loss() && !Outcome::MovedAway.is_loss());
    }

    #[test]
    fn codes_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.code()), Some(outcome));
        }
        assert_eq!(Outcome::parse("twins"), None);
    }
}
