//! Danger signs in pregnancy (WHO PCPNC chart C15 and the reference's additions), and after
//! birth: the mother's (WHO PCPNC, postpartum care) and the newborn's (WHO PCPNC and IMCI,
//! "signs of illness in the young infant"). Any one of them means: go to a health facility
//! now. Never a diagnosis.

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
    // After birth, the mother.
    HeavyBleedingAfterBirth,
    FoulDischarge,
    LegPainSwelling,
    ThoughtsOfHarm,
    // After birth, the baby.
    NewbornNotFeeding,
    NewbornConvulsions,
    NewbornBreathing,
    NewbornNotMoving,
    NewbornHotOrCold,
    NewbornYellow,
    NewbornCord,
}

impl DangerSign {
    /// In pregnancy, the order of the danger-sign screen.
    pub const PREGNANCY: &'static [DangerSign] = &[
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

    /// The mother's after birth (the shared ones as in pregnancy).
    pub const AFTER_BIRTH: &'static [DangerSign] = &[
        Self::HeavyBleedingAfterBirth,
        Self::Convulsions,
        Self::FastOrDifficultBreathing,
        Self::FeverTooWeak,
        Self::SevereAbdominalPain,
        Self::SevereHeadacheBlurredVision,
        Self::FoulDischarge,
        Self::LegPainSwelling,
        Self::ThoughtsOfHarm,
    ];

    /// The newborn's.
    pub const NEWBORN: &'static [DangerSign] = &[
        Self::NewbornNotFeeding,
        Self::NewbornConvulsions,
        Self::NewbornBreathing,
        Self::NewbornNotMoving,
        Self::NewbornHotOrCold,
        Self::NewbornYellow,
        Self::NewbornCord,
    ];

    fn all() -> impl Iterator<Item = DangerSign> {
        Self::PREGNANCY
            .iter()
            .chain(Self::AFTER_BIRTH)
            .chain(Self::NEWBORN)
            .copied()
    }

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
            Self::HeavyBleedingAfterBirth => "heavy_bleeding_after_birth",
            Self::FoulDischarge => "foul_discharge",
            Self::LegPainSwelling => "leg_pain_swelling",
            Self::ThoughtsOfHarm => "thoughts_of_harm",
            Self::NewbornNotFeeding => "newborn_not_feeding",
            Self::NewbornConvulsions => "newborn_convulsions",
            Self::NewbornBreathing => "newborn_breathing",
            Self::NewbornNotMoving => "newborn_not_moving",
            Self::NewbornHotOrCold => "newborn_hot_or_cold",
            Self::NewbornYellow => "newborn_yellow",
            Self::NewbornCord => "newborn_cord",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::all().find(|s| s.code() == code)
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
            (Self::HeavyBleedingAfterBirth, Language::En) => "Heavy bleeding: a pad soaked in less than an hour",
            (Self::HeavyBleedingAfterBirth, Language::Sw) => {
                "Kutokwa na damu nyingi: pedi moja inalowa kwa chini ya saa moja"
            }
            (Self::FoulDischarge, Language::En) => "Bad-smelling discharge from the vagina",
            (Self::FoulDischarge, Language::Sw) => "Uchafu wenye harufu mbaya kutoka ukeni",
            (Self::LegPainSwelling, Language::En) => "Pain, redness or swelling in one leg",
            (Self::LegPainSwelling, Language::Sw) => "Maumivu, wekundu au uvimbe kwenye mguu mmoja",
            (Self::ThoughtsOfHarm, Language::En) => "Thoughts of harming yourself or your baby",
            (Self::ThoughtsOfHarm, Language::Sw) => "Mawazo ya kujidhuru au kumdhuru mtoto wako",
            (Self::NewbornNotFeeding, Language::En) => "Baby is not feeding well, or has stopped feeding",
            (Self::NewbornNotFeeding, Language::Sw) => "Mtoto hanyonyi vizuri, au ameacha kunyonya",
            (Self::NewbornConvulsions, Language::En) => "Baby has fits (convulsions)",
            (Self::NewbornConvulsions, Language::Sw) => "Mtoto ana degedege",
            (Self::NewbornBreathing, Language::En) => "Baby breathes fast or with difficulty, or the chest pulls in",
            (Self::NewbornBreathing, Language::Sw) => {
                "Mtoto anapumua kwa haraka au kwa shida, au kifua kinabonyea ndani"
            }
            (Self::NewbornNotMoving, Language::En) => "Baby moves only when touched, or not at all",
            (Self::NewbornNotMoving, Language::Sw) => "Mtoto anajongea tu akiguswa, au hajongei kabisa",
            (Self::NewbornHotOrCold, Language::En) => "Baby is hot with fever, or feels very cold",
            (Self::NewbornHotOrCold, Language::Sw) => "Mtoto ana joto kali (homa), au ni baridi sana",
            (Self::NewbornYellow, Language::En) => "Baby's palms or soles are yellow",
            (Self::NewbornYellow, Language::Sw) => "Viganja au nyayo za mtoto ni za njano",
            (Self::NewbornCord, Language::En) => "The cord stump is red, swollen or has pus",
            (Self::NewbornCord, Language::Sw) => "Kitovu ni chekundu, kimevimba au kina usaha",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sign_has_a_stable_code_and_both_languages() {
        let mut codes = Vec::new();
        for sign in DangerSign::all() {
            assert_eq!(DangerSign::parse(sign.code()), Some(sign));
            assert!(!sign.label(Language::En).is_empty());
            assert_ne!(sign.label(Language::En), sign.label(Language::Sw));
            codes.push(sign.code());
        }
        codes.sort_unstable();
        codes.dedup();
        let shared = DangerSign::AFTER_BIRTH
            .iter()
            .filter(|s| DangerSign::PREGNANCY.contains(s))
            .count();
        assert_eq!(codes.len(), 10 + 9 + 7 - shared, "one code per sign");
        assert_eq!(DangerSign::parse("headache"), None);
    }
}
