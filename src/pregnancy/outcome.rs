//! How a pregnancy ended (opensrp anc_close). After a loss, all week-by-week content and
//! reminders stop at once, and a later pregnancy assumes nothing about this one.

use serde::{Deserialize, Serialize};

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
}
