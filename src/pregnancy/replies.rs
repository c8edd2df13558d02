//! What a mother's text message to SasaMum asks for, in English or Kiswahili: stop or start
//! the texts, or, when it names a danger sign, the urgent guidance at once. Anything else
//! is left for a person to read.

use super::danger::DangerSign;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Stop,
    Start,
    Danger(DangerSign),
    Other,
}

/// The whole message, as carriers read an opt-out ("STOP", "Acha.").
const STOP: [&str; 8] = [
    "STOP",
    "ACHA",
    "SIMAMISHA",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
];
const START: [&str; 3] = ["START", "ANZA", "UNSTOP"];

/// Words that name a danger sign, English and Kiswahili, lower case, matched as whole words;
/// then phrases, matched anywhere. They err toward the urgent answer, but leave out everyday
/// words ("water", "pain", "fit") that would raise a false alarm with her companion too.
const DANGER_WORDS: [(&str, DangerSign); 19] = [
    ("bleeding", DangerSign::VaginalBleeding),
    ("bleed", DangerSign::VaginalBleeding),
    ("blood", DangerSign::VaginalBleeding),
    ("damu", DangerSign::VaginalBleeding),
    ("fits", DangerSign::Convulsions),
    ("convulsion", DangerSign::Convulsions),
    ("convulsions", DangerSign::Convulsions),
    ("degedege", DangerSign::Convulsions),
    ("kifafa", DangerSign::Convulsions),
    ("headache", DangerSign::SevereHeadacheBlurredVision),
    ("fever", DangerSign::FeverTooWeak),
    ("homa", DangerSign::FeverTooWeak),
    ("breathing", DangerSign::FastOrDifficultBreathing),
    ("kupumua", DangerSign::FastOrDifficultBreathing),
    ("hachezi", DangerSign::ReducedFetalMovement),
    ("swelling", DangerSign::SwellingFaceHands),
    ("kuvimba", DangerSign::SwellingFaceHands),
    ("vomiting", DangerSign::SevereVomiting),
    ("kutapika", DangerSign::SevereVomiting),
];
const DANGER_PHRASES: [(&str, DangerSign); 6] = [
    ("not moving", DangerSign::ReducedFetalMovement),
    ("water broke", DangerSign::WatersBreaking),
    ("waters broke", DangerSign::WatersBreaking),
    ("chupa imepasuka", DangerSign::WatersBreaking),
    ("belly pain", DangerSign::SevereAbdominalPain),
    ("maumivu ya tumbo", DangerSign::SevereAbdominalPain),
];

pub fn classify(text: &str) -> Reply {
    let whole: String = text.trim().trim_end_matches(['.', '!']).to_uppercase();
    if STOP.contains(&whole.as_str()) {
        return Reply::Stop;
    }
    if START.contains(&whole.as_str()) {
        return Reply::Start;
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let lower = words.join(" ").to_lowercase();
    let word = lower
        .split(' ')
        .find_map(|word| DANGER_WORDS.iter().find(|(w, _)| *w == word));
    let phrase = || DANGER_PHRASES.iter().find(|(p, _)| lower.contains(p));
    word.or_else(phrase)
        .map_or(Reply::Other, |(_, sign)| Reply::Danger(*sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_and_start_in_both_languages() {
        for text in ["STOP", "stop", " Acha. ", "ACHA", "Simamisha", "unsubscribe"] {
            assert_eq!(classify(text), Reply::Stop, "{text}");
        }
        for text in ["START", "anza", "Anza!"] {
            assert_eq!(classify(text), Reply::Start, "{text}");
        }
        assert_eq!(
            classify("please stop sending"),
            Reply::Other,
            "an opt-out is the whole message"
        );
    }

    #[test]
    fn danger_words_in_both_languages() {
        assert_eq!(classify("I am bleeding"), Reply::Danger(DangerSign::VaginalBleeding));
        assert_eq!(classify("natokwa na DAMU"), Reply::Danger(DangerSign::VaginalBleeding));
        assert_eq!(classify("mtoto ana degedege"), Reply::Danger(DangerSign::Convulsions));
        assert_eq!(classify("Nina homa kali"), Reply::Danger(DangerSign::FeverTooWeak));
        assert_eq!(
            classify("baby NOT   moving!"),
            Reply::Danger(DangerSign::ReducedFetalMovement)
        );
        assert_eq!(
            classify("maumivu ya tumbo"),
            Reply::Danger(DangerSign::SevereAbdominalPain)
        );
        assert_eq!(classify("I drank water, I feel fit"), Reply::Other);
        assert_eq!(classify("asante sana"), Reply::Other);
        assert_eq!(classify("bloody"), Reply::Other, "whole words only");
    }
}
