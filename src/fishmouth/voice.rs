//! The assistant's side of a call when no AI model is configured: a dialogue of rules that
//! says first who is calling and how to stop it, asks about the roof, offers inspection
//! slots, and honours "stop", "not interested", "call me later" and questions it cannot
//! answer (it offers a person). Pure: a call, or the simulator, feeds it what the homeowner
//! said and acts on what it answers.
//!
//! Under the FCC's 2024 ruling an AI voice is an "artificial voice" under the TCPA, so the
//! opening always discloses the automated assistant, the company, recording when on, and
//! the opt-out ("say stop or press 9"), which ends the call and opts the number out.

use serde::{Deserialize, Serialize};

/// After this many homeowner turns the assistant thanks her and ends the call.
pub const MAX_TURNS: usize = 12;
/// The key that opts out, announced in the opening.
pub const OPT_OUT_DIGIT: char = '9';

/// What the assistant knows when it calls: who it speaks for, about which home, and the
/// inspection slots it may offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallContext {
    pub assistant: String,
    pub company: String,
    pub homeowner: Option<String>,
    pub address: String,
    pub recording: bool,
    /// Inspection slots as she hears them ("Tuesday 8 December at 9 am").
    pub slots: Vec<String>,
}

/// Where the conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The opening was said; waiting to hear whether she is happy to talk about the roof.
    Opened,
    /// Slots were offered; waiting for her choice.
    OfferedSlots,
    /// A person was offered for a question the assistant cannot answer.
    OfferedPerson,
    Ended,
}

/// What the call does besides speaking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// Book slot `slot` (an index into the context's slots).
    BookInspection {
        slot: usize,
    },
    ScheduleCallback,
    /// Never call (or text) this number again, from now.
    OptOut,
    TransferToRep,
    EndCall,
}

/// One reply of the assistant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub say: String,
    pub actions: Vec<Action>,
    pub stage: Stage,
}

impl Turn {
    fn new(say: String, stage: Stage, actions: Vec<Action>) -> Self {
        Self { say, actions, stage }
    }
}

/// What the homeowner's words amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Stop,
    NotInterested,
    Later,
    Slot(usize),
    Yes,
    No,
    Question,
    Unclear,
}

fn words(heard: &str) -> Vec<String> {
    heard
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('\'', ""))
        .collect()
}

fn has_phrase(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(a, b)| a == b))
}

fn classify(heard: &str, slots: &[String]) -> Intent {
    let w = words(heard);
    let any = |phrases: &[&str]| phrases.iter().any(|p| has_phrase(&w, p));
    // Stopping wins over anything else said in the same breath.
    if any(&[
        "stop",
        "dont call",
        "do not call",
        "never call",
        "remove me",
        "take me off",
        "unsubscribe",
        "opt out",
    ]) {
        return Intent::Stop;
    }
    if any(&[
        "not interested",
        "no thanks",
        "no thank you",
        "dont need",
        "do not need",
    ]) {
        return Intent::NotInterested;
    }
    if any(&[
        "later",
        "busy",
        "another time",
        "call back",
        "call me back",
        "tomorrow",
        "bad time",
    ]) {
        return Intent::Later;
    }
    if let Some(slot) = slot_choice(&w, slots) {
        return Intent::Slot(slot);
    }
    let asks = heard.contains('?')
        || w.first().is_some_and(|first| {
            [
                "how", "what", "who", "why", "when", "where", "is", "are", "can", "do", "does", "will",
            ]
            .contains(&first.as_str())
        })
        || any(&["price", "cost", "insurance", "how much"]);
    if asks {
        return Intent::Question;
    }
    if any(&[
        "yes",
        "yeah",
        "yep",
        "sure",
        "ok",
        "okay",
        "please",
        "sounds good",
        "go ahead",
        "i guess",
    ]) {
        return Intent::Yes;
    }
    if any(&["no", "nope", "nah"]) {
        return Intent::No;
    }
    Intent::Unclear
}

/// "the second one", "2", "Tuesday", "the 9 am": which offered slot she means, if any.
fn slot_choice(w: &[String], slots: &[String]) -> Option<usize> {
    // "first" before "one": "the second one" means the second.
    const ORDINALS: [[&str; 2]; 3] = [["first", "1st"], ["second", "2nd"], ["third", "3rd"]];
    const NUMBERS: [[&str; 2]; 3] = [["1", "one"], ["2", "two"], ["3", "three"]];
    for names in [ORDINALS, NUMBERS] {
        if let Some(i) = names
            .iter()
            .take(slots.len())
            .position(|names| names.iter().any(|n| w.iter().any(|x| x == n)))
        {
            return Some(i);
        }
    }
    // A weekday named in exactly one slot.
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let named: Vec<&str> = days.iter().copied().filter(|d| w.iter().any(|x| x == d)).collect();
    let matching: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            let s = s.to_lowercase();
            !named.is_empty() && named.iter().all(|d| s.contains(d))
        })
        .map(|(i, _)| i)
        .collect();
    match matching.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// The first thing the assistant says: who it is, for whom, recording, how to stop it.
pub fn opening(ctx: &CallContext) -> Turn {
    let hello = match &ctx.homeowner {
        Some(name) => format!("Hello {name}, this is {}", ctx.assistant),
        None => format!("Hello, this is {}", ctx.assistant),
    };
    let recorded = if ctx.recording {
        " This call may be recorded."
    } else {
        ""
    };
    Turn::new(
        format!(
            "{hello}, an automated assistant calling for {company}.{recorded} Say stop or press {OPT_OUT_DIGIT} at any time and we will not call again. \
             We are inspecting roofs near {address} after recent storms. Do you have a minute to talk about your roof?",
            company = ctx.company,
            address = ctx.address,
        ),
        Stage::Opened,
        Vec::new(),
    )
}

fn offer_slots(ctx: &CallContext) -> Turn {
    if ctx.slots.is_empty() {
        return Turn::new(
            format!(
                "Thank you. There are no inspection times open just now, so someone from {} will call you back to find one. Goodbye.",
                ctx.company
            ),
            Stage::Ended,
            vec![Action::ScheduleCallback, Action::EndCall],
        );
    }
    let listed: Vec<String> = ctx
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}: {s}", ["first", "second", "third"][i.min(2)]))
        .collect();
    Turn::new(
        format!(
            "A free roof inspection takes about 30 minutes and you do not need to be on the roof. I can offer {}. Which suits you?",
            listed.join("; ")
        ),
        Stage::OfferedSlots,
        Vec::new(),
    )
}

/// The assistant's reply to what she said at `stage`, on her `turn`-th answer (from 1).
pub fn respond(ctx: &CallContext, stage: Stage, turn: usize, heard: &str) -> Turn {
    let goodbye = |say: String, actions: Vec<Action>| Turn::new(say, Stage::Ended, actions);
    if stage == Stage::Ended {
        return goodbye(String::new(), vec![Action::EndCall]);
    }
    let intent = classify(heard, &ctx.slots);
    match intent {
        Intent::Stop => {
            return goodbye(
                "Understood. We will not call you again. Goodbye.".to_owned(),
                vec![Action::OptOut, Action::EndCall],
            );
        }
        Intent::NotInterested => {
            return goodbye(
                "No problem, thank you for your time. Goodbye.".to_owned(),
                vec![Action::EndCall],
            );
        }
        Intent::Later => {
            return goodbye(
                format!(
                    "Of course. Someone from {} will call you back at a better time. Goodbye.",
                    ctx.company
                ),
                vec![Action::ScheduleCallback, Action::EndCall],
            );
        }
        _ => {}
    }
    if turn >= MAX_TURNS {
        return goodbye(
            format!(
                "I am sorry I could not help more. Someone from {} will call you back. Goodbye.",
                ctx.company
            ),
            vec![Action::ScheduleCallback, Action::EndCall],
        );
    }
    match (stage, intent) {
        (_, Intent::Slot(slot)) if slot < ctx.slots.len() => goodbye(
            format!(
                "You are booked for {}. You will get a confirmation if you have agreed to messages from {}. Thank you, goodbye.",
                ctx.slots[slot], ctx.company
            ),
            vec![Action::BookInspection { slot }, Action::EndCall],
        ),
        (Stage::Opened, Intent::Yes) => offer_slots(ctx),
        (Stage::OfferedPerson, Intent::Yes) => goodbye(
            format!(
                "I will ask someone from {} to call you back as soon as they can. Goodbye.",
                ctx.company
            ),
            vec![Action::TransferToRep, Action::EndCall],
        ),
        (Stage::OfferedPerson, Intent::No) => offer_slots(ctx),
        (_, Intent::No) => goodbye(
            "No problem, thank you for your time. Goodbye.".to_owned(),
            vec![Action::EndCall],
        ),
        (_, Intent::Question) => Turn::new(
            format!(
                "That is a good question for a person at {}: I am an automated assistant and cannot answer it. Would you like me to pass you to someone?",
                ctx.company
            ),
            Stage::OfferedPerson,
            Vec::new(),
        ),
        (Stage::OfferedSlots, _) => Turn::new(
            format!("Sorry, which time suits you? {}", ctx.slots.join("; ")),
            Stage::OfferedSlots,
            Vec::new(),
        ),
        _ => Turn::new(
            "Sorry, I did not catch that. Is now a good time to talk about your roof? You can say yes, no, or later."
                .to_owned(),
            stage,
            Vec::new(),
        ),
    }
}

/// A key she pressed: 9 opts out at once; other keys change nothing.
pub fn pressed(digit: char) -> Option<Turn> {
    (digit == OPT_OUT_DIGIT).then(|| {
        Turn::new(
            "Understood. We will not call you again. Goodbye.".to_owned(),
            Stage::Ended,
            vec![Action::OptOut, Action::EndCall],
        )
    })
}

/// The whole conversation from her answers so far (the rules are deterministic): each
/// assistant turn with the answer that led to it. The first turn is the opening.
pub fn replay(ctx: &CallContext, answers: &[String]) -> Vec<(Option<String>, Turn)> {
    let mut turns = vec![(None, opening(ctx))];
    for (i, heard) in answers.iter().enumerate() {
        let stage = turns.last().map_or(Stage::Opened, |(_, t)| t.stage);
        if stage == Stage::Ended {
            break;
        }
        let turn = match heard.trim().chars().collect::<Vec<_>>().as_slice() {
            [digit] if digit.is_ascii_digit() => pressed(*digit).unwrap_or_else(|| respond(ctx, stage, i + 1, heard)),
            _ => respond(ctx, stage, i + 1, heard),
        };
        turns.push((Some(heard.clone()), turn));
    }
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fishmouth::calls::{DEFAULT_SLOT_DAYS, DEFAULT_SLOT_HOURS, Slot, upcoming_slots};

    fn date(year: i32, month: u8, day: u8) -> time::Date {
        time::Date::from_calendar_date(year, time::Month::try_from(month).expect("a month"), day).expect("a date")
    }

    fn ctx() -> CallContext {
        CallContext {
            assistant: "Sam".into(),
            company: "Lone Star Roofing".into(),
            homeowner: Some("Maria".into()),
            address: "3878 Lakeview Cir, Dallas".into(),
            recording: true,
            slots: upcoming_slots(date(2026, 12, 4), DEFAULT_SLOT_DAYS, &DEFAULT_SLOT_HOURS, 3)
                .iter()
                .map(Slot::label)
                .collect(),
        }
    }

    fn said(answers: &[&str]) -> Vec<(Option<String>, Turn)> {
        replay(&ctx(), &answers.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_opening_discloses_the_assistant_the_company_recording_and_the_opt_out() {
        let first = opening(&ctx()).say;
        for part in [
            "Hello Maria",
            "automated assistant calling for Lone Star Roofing",
            "may be recorded",
            "Say stop or press 9",
        ] {
            assert!(first.contains(part), "{part}: {first}");
        }
        let unrecorded = opening(&CallContext {
            recording: false,
            ..ctx()
        })
        .say;
        assert!(!unrecorded.contains("recorded"));
    }

    #[test]
    fn yes_then_a_slot_books_the_inspection() {
        let turns = said(&["Yes, sure", "The second one please"]);
        assert_eq!(turns[1].1.stage, Stage::OfferedSlots);
        assert!(turns[1].1.say.contains("Monday 7 December at 2 pm"));
        let last = &turns[2].1;
        assert_eq!(last.actions, [Action::BookInspection { slot: 1 }, Action::EndCall]);
        assert!(last.say.contains("booked for Monday 7 December at 2 pm"));
        // A weekday named once picks its slot.
        assert_eq!(
            said(&["yeah", "Tuesday works"])[2].1.actions[0],
            Action::BookInspection { slot: 2 }
        );
    }

    #[test]
    fn stop_opts_out_at_once_from_any_stage_by_word_or_key() {
        for answers in [
            &["stop calling me"][..],
            &["yes", "please don't call again"],
            &["9"],
            &["yes", "9"],
        ] {
            let turns = said(answers);
            let last = &turns.last().expect("a turn").1;
            assert_eq!(last.actions, [Action::OptOut, Action::EndCall], "{answers:?}");
            assert_eq!(last.stage, Stage::Ended);
        }
        // Other keys change nothing.
        assert_eq!(said(&["5"])[1].1.stage, Stage::Opened);
        // Nothing is said after the end.
        assert_eq!(said(&["stop", "yes"]).len(), 2);
    }

    #[test]
    fn later_not_interested_and_questions_are_honoured() {
        assert_eq!(
            said(&["I'm busy, call me back"])[1].1.actions,
            [Action::ScheduleCallback, Action::EndCall]
        );
        assert_eq!(said(&["not interested"])[1].1.actions, [Action::EndCall]);
        let asked = said(&["How much does a new roof cost?", "yes"]);
        assert_eq!(asked[1].1.stage, Stage::OfferedPerson);
        assert_eq!(asked[2].1.actions, [Action::TransferToRep, Action::EndCall]);
        // Declining the person goes back to the slots.
        assert_eq!(said(&["what is this about?", "no"])[2].1.stage, Stage::OfferedSlots);
    }

    #[test]
    fn mumbling_is_asked_again_and_the_call_ends_after_the_turn_limit() {
        let turns = said(&["hmm"]);
        assert_eq!(turns[1].1.stage, Stage::Opened);
        assert!(turns[1].1.say.contains("did not catch"));
        let many: Vec<&str> = vec!["hmm"; MAX_TURNS];
        let turns = said(&many);
        let last = &turns.last().expect("a turn").1;
        assert_eq!(last.stage, Stage::Ended);
        assert!(last.actions.contains(&Action::ScheduleCallback));
    }
}
