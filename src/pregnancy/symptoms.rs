//! The symptoms a mother can log in a tap, plus her own words.

use serde::{Deserialize, Serialize};

use crate::account::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Symptom {
    Nausea,
    Heartburn,
    BackPain,
    Headache,
    SwollenFeet,
    LegCramps,
    Tiredness,
    Constipation,
    TroubleSleeping,
}

impl Symptom {
    pub const ALL: [Symptom; 9] = [
        Self::Nausea,
        Self::Heartburn,
        Self::BackPain,
        Self::Headache,
        Self::SwollenFeet,
        Self::LegCramps,
        Self::Tiredness,
        Self::Constipation,
        Self::TroubleSleeping,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Nausea => "nausea",
            Self::Heartburn => "heartburn",
            Self::BackPain => "back_pain",
            Self::Headache => "headache",
            Self::SwollenFeet => "swollen_feet",
            Self::LegCramps => "leg_cramps",
            Self::Tiredness => "tiredness",
            Self::Constipation => "constipation",
            Self::TroubleSleeping => "trouble_sleeping",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Nausea, Language::En) => "Feeling sick",
            (Self::Nausea, Language::Sw) => "Kichefuchefu",
            (Self::Heartburn, Language::En) => "Heartburn",
            (Self::Heartburn, Language::Sw) => "Kiungulia",
            (Self::BackPain, Language::En) => "Back pain",
            (Self::BackPain, Language::Sw) => "Maumivu ya mgongo",
            (Self::Headache, Language::En) => "Mild headache",
            (Self::Headache, Language::Sw) => "Maumivu madogo ya kichwa",
            (Self::SwollenFeet, Language::En) => "Swollen feet",
            (Self::SwollenFeet, Language::Sw) => "Miguu kuvimba",
            (Self::LegCramps, Language::En) => "Leg cramps",
            (Self::LegCramps, Language::Sw) => "Misuli ya miguu kukaza",
            (Self::Tiredness, Language::En) => "Tiredness",
            (Self::Tiredness, Language::Sw) => "Uchovu",
            (Self::Constipation, Language::En) => "Constipation",
            (Self::Constipation, Language::Sw) => "Kufunga choo",
            (Self::TroubleSleeping, Language::En) => "Trouble sleeping",
            (Self::TroubleSleeping, Language::Sw) => "Shida ya kulala",
        }
    }
}

/// A weight as she types it ("62.5"), kept in grams: 30 to 250 kg.
pub fn parse_weight_kg(raw: &str) -> Result<u32, &'static str> {
    let kg: f64 = raw
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| "enter your weight in kg, e.g. 62.5")?;
    if !(30.0..=250.0).contains(&kg) {
        return Err("a weight between 30 and 250 kg");
    }
    Ok((kg * 1000.0).round() as u32)
}

/// Her own words about how she feels: at most 1,000 characters.
pub fn parse_note(raw: &str) -> Result<Option<String>, &'static str> {
    let note = raw.trim();
    if note.chars().count() > 1000 {
        return Err("keep the note under 1,000 characters");
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("remove the special characters");
    }
    Ok(Some(note.to_owned()).filter(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptom_codes_round_trip_in_both_languages() {
        for s in Symptom::ALL {
            assert_eq!(Symptom::parse(s.code()), Some(s));
            assert_ne!(s.label(Language::En), s.label(Language::Sw));
        }
        assert_eq!(Symptom::parse("bleeding"), None, "danger signs are not symptoms");
    }

    #[test]
    fn weights_are_kept_in_grams_within_range() {
        assert_eq!(parse_weight_kg("62.5"), Ok(62_500));
        assert_eq!(parse_weight_kg(" 71,2 "), Ok(71_200));
        assert!(parse_weight_kg("29.9").is_err());
        assert!(parse_weight_kg("heavy").is_err());
        assert!(parse_weight_kg("NaN").is_err());
    }

    #[test]
    fn notes_are_bounded() {
        assert_eq!(parse_note("  "), Ok(None));
        assert_eq!(parse_note("slept badly\nback hurts").map(|n| n.is_some()), Ok(true));
        assert!(parse_note(&"a".repeat(1001)).is_err());
        assert!(parse_note("bad\u{0}byte").is_err());
    }
}
