//! Danger signs in pregnancy (WHO PCPNC chart C15 and the reference's additions).
//! Any one of them means: go to a health facility now. Never a diagnosis.

use serde::{Deserialize, Serialize};

use crate::account::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DangerSign {
    VaginalBleeding,
    Convulsions,
    SevereHeadacheBlurredVision,
    FeverTooWeak,
    SevereAbdominalPain,
    FastOrDifficultBreathing,
    ReducedFetalMovement,
    WatersBreaking,
    SwellingFaceHands,
    SevereVomiting,
}

impl DangerSign {
    pub const ALL: [DangerSign; 10] = [
        Self::VaginalBleeding,
        Self::Convulsions,
        Self::SevereHeadacheBlurredVision,
        Self::FeverTooWeak,
        Self::SevereAbdominalPain,
        Self::FastOrDifficultBreathing,
        Self::ReducedFetalMovement,
        Self::WatersBreaking,
        Self::SwellingFaceHands,
        Self::SevereVomiting,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::VaginalBleeding => "vaginal_bleeding",
            Self::Convulsions => "convulsions",
            Self::SevereHeadacheBlurredVision => "severe_headache_blurred_vision",
            Self::FeverTooWeak => "fever_too_weak",
            Self::SevereAbdominalPain => "severe_abdominal_pain",
            Self::FastOrDifficultBreathing => "fast_or_difficult_breathing",
            Self::ReducedFetalMovement => "reduced_fetal_movement",
            Self::WatersBreaking => "waters_breaking",
            Self::SwellingFaceHands => "swelling_face_hands",
            Self::SevereVomiting => "severe_vomiting",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::VaginalBleeding, Language::En) => "Bleeding from the vagina",
            (Self::VaginalBleeding, Language::Sw) => "Kutokwa na damu ukeni",
            (Self::Convulsions, Language::En) => "Convulsions or fits",
            (Self::Convulsions, Language::Sw) => "Degedege au kifafa",
            (Self::SevereHeadacheBlurredVision, Language::En) => "Severe headache with blurred vision",
            (Self::SevereHeadacheBlurredVision, Language::Sw) => "Maumivu makali ya kichwa na kuona ukungu",
            (Self::FeverTooWeak, Language::En) => "Fever and too weak to get out of bed",
            (Self::FeverTooWeak, Language::Sw) => "Homa, na udhaifu mwingi hadi kushindwa kutoka kitandani",
            (Self::SevereAbdominalPain, Language::En) => "Severe pain in the belly",
            (Self::SevereAbdominalPain, Language::Sw) => "Maumivu makali ya tumbo",
            (Self::FastOrDifficultBreathing, Language::En) => "Fast or difficult breathing",
            (Self::FastOrDifficultBreathing, Language::Sw) => "Kupumua kwa haraka au kwa shida",
            (Self::ReducedFetalMovement, Language::En) => "Baby moving less than usual, or not at all",
            (Self::ReducedFetalMovement, Language::Sw) => "Mtoto anacheza kidogo kuliko kawaida, au hachezi kabisa",
            (Self::WatersBreaking, Language::En) => "Water leaking from the vagina before labour",
            (Self::WatersBreaking, Language::Sw) => "Kutokwa na maji ukeni kabla ya uchungu kuanza (chupa kupasuka)",
            (Self::SwellingFaceHands, Language::En) => "Swelling of the face and hands",
            (Self::SwellingFaceHands, Language::Sw) => "Kuvimba uso na mikono",
            (Self::SevereVomiting, Language::En) => "Vomiting a lot, cannot keep food or water down",
            (Self::SevereVomiting, Language::Sw) => "Kutapika sana, chakula na maji havikai",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sign_has_a_stable_code_and_both_languages() {
        for sign in DangerSign::ALL {
            assert_eq!(DangerSign::parse(sign.code()), Some(sign));
            assert!(!sign.label(Language::En).is_empty());
            assert_ne!(sign.label(Language::En), sign.label(Language::Sw));
        }
        assert_eq!(DangerSign::parse("headache"), None);
    }
}
