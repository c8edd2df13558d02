//! Calls the assistant places for a contractor: their statuses and outcomes, her settings,
//! the inspection slots it offers, the price, and the law's conditions for dialling at all.
//!
//! An AI voice is an "artificial voice" under the TCPA (FCC declaratory ruling, February
//! 2024), so a marketing call needs the homeowner's prior express written consent to calls
//! from this contractor: a consent to texts does not count. Quiet hours are the ones in
//! [`super::schedule`].

use serde::{Deserialize, Serialize};
use time::Date;

use crate::FieldError;

crate::text_enum::text_enum! {
    /// Where a call stands.
    pub enum CallStatus {
        Queued = "queued", Dialing = "dialing", Ringing = "ringing", InProgress = "in_progress",
        Completed = "completed", NoAnswer = "no_answer", Voicemail = "voicemail", Failed = "failed",
        Canceled = "canceled",
    }
}

impl CallStatus {
    /// A number with a live call is never dialled again until it ends.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Dialing | Self::Ringing | Self::InProgress)
    }

    pub fn is_over(self) -> bool {
        !self.is_live() && self != Self::Queued
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Dialing => "Dialing",
            Self::Ringing => "Ringing",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
            Self::NoAnswer => "No answer",
            Self::Voicemail => "Voicemail",
            Self::Failed => "Failed",
            Self::Canceled => "Canceled",
        }
    }
}

crate::text_enum::text_enum! {
    /// What a call that was answered came to.
    pub enum CallOutcome {
        Booked = "booked", Callback = "callback", OptedOut = "opted_out", NotInterested = "not_interested",
        Transfer = "transfer", HungUp = "hung_up", NoOutcome = "no_outcome",
    }
}

impl CallOutcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Booked => "Inspection booked",
            Self::Callback => "Call back",
            Self::OptedOut => "Opted out",
            Self::NotInterested => "Not interested",
            Self::Transfer => "Asked for a person",
            Self::HungUp => "Hung up",
            Self::NoOutcome => "No outcome",
        }
    }
}

crate::text_enum::text_enum! {
    /// What the assistant does when a machine answers.
    pub enum VoicemailAction { Leave = "leave", HangUp = "hang_up" }
}

/// What a call costs for each minute it was answered, started minutes counted whole.
pub const PRICE_PER_MINUTE_CENTS: i64 = 15;
/// The longest call: the assistant says goodbye and hangs up at this length.
pub const MAX_CALL_SECS: i64 = 300;
/// The most homeowner turns in one call.
pub const MAX_TURNS: usize = super::voice::MAX_TURNS;

/// The price of a call answered for `secs` seconds (nothing when nobody answered).
pub fn price_cents(secs: i64) -> i64 {
    if secs <= 0 {
        return 0;
    }
    (secs + 59) / 60 * PRICE_PER_MINUTE_CENTS
}

/// What the wallet must hold before a call is dialled: the longest call's price.
pub fn max_price_cents() -> i64 {
    price_cents(MAX_CALL_SECS)
}

/// Why the assistant will not call a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    Disabled,
    NoPhone,
    NoConsent,
    OptedOut,
    AttemptsUsed(u8),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Self::Disabled => "the call assistant is off: turn it on in your voice settings".to_owned(),
            Self::NoPhone => "no phone number for this lead".to_owned(),
            Self::NoConsent => "no written consent to calls from you is recorded for this lead".to_owned(),
            Self::OptedOut => "this number asked not to be contacted".to_owned(),
            Self::AttemptsUsed(n) => format!("already called {n} times, your limit for one lead"),
        }
    }
}

/// What the engine knows about a lead before it dials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialFacts {
    pub enabled: bool,
    pub has_phone: bool,
    pub consent: bool,
    /// Opted out of anything from her, or suppressed by anyone: no call.
    pub opted_out: bool,
    /// Calls to this lead that rang (not the one being decided).
    pub attempts_made: u8,
    pub max_attempts: u8,
}

/// The law and her settings, before anything is dialled. Quiet hours decide when, not whether.
pub fn may_dial(f: &DialFacts) -> Result<(), Refusal> {
    if !f.has_phone {
        return Err(Refusal::NoPhone);
    }
    if f.opted_out {
        return Err(Refusal::OptedOut);
    }
    if !f.consent {
        return Err(Refusal::NoConsent);
    }
    if !f.enabled {
        return Err(Refusal::Disabled);
    }
    if f.attempts_made >= f.max_attempts {
        return Err(Refusal::AttemptsUsed(f.attempts_made));
    }
    Ok(())
}

/// An inspection slot: a day, and the hour it starts in the contractor's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub date: Date,
    pub hour: u8,
}

impl Slot {
    /// As she hears it: "Monday 7 December at 9 am".
    pub fn label(&self) -> String {
        format!(
            "{} {} {} at {}",
            self.date.weekday(),
            self.date.day(),
            self.date.month(),
            hour_label(self.hour)
        )
    }
}

/// "9 am", "12 pm", "2 pm".
pub fn hour_label(hour: u8) -> String {
    let h12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{h12} {}", if hour < 12 { "am" } else { "pm" })
}

/// The next `count` slots after `today`, on the days (Monday = bit 0) and at the hours she is
/// available.
pub fn upcoming_slots(today: Date, days: u8, hours: &[u8], count: usize) -> Vec<Slot> {
    let mut hours: Vec<u8> = hours.iter().copied().filter(|h| *h < 24).collect();
    hours.sort_unstable();
    hours.dedup();
    let mut slots = Vec::with_capacity(count);
    if days & 0x7f == 0 || hours.is_empty() {
        return slots;
    }
    let mut day = today;
    while slots.len() < count {
        let Some(next) = day.next_day() else { break };
        day = next;
        if days & (1 << day.weekday().number_days_from_monday()) == 0 {
            continue;
        }
        for &hour in &hours {
            if slots.len() < count {
                slots.push(Slot { date: day, hour });
            }
        }
    }
    slots
}

/// Weekdays, 9 am and 2 pm: her availability until she sets her own.
pub const DEFAULT_SLOT_DAYS: u8 = 0b001_1111;
pub const DEFAULT_SLOT_HOURS: [u8; 2] = [9, 14];

/// The assistant's settings, as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceSettings {
    pub enabled: bool,
    pub assistant_name: String,
    pub voice: String,
    pub greeting: String,
    pub goals: String,
    pub questions: String,
    pub slot_days: u8,
    pub slot_hours: Vec<u8>,
    pub timezone: String,
    pub voicemail_action: VoicemailAction,
    pub voicemail_text: String,
    pub recording: bool,
    pub max_attempts: u8,
    pub retention_days: u16,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            assistant_name: "Sam".to_owned(),
            voice: String::new(),
            greeting: String::new(),
            goals: "Book a free roof inspection.".to_owned(),
            questions: String::new(),
            slot_days: DEFAULT_SLOT_DAYS,
            slot_hours: DEFAULT_SLOT_HOURS.to_vec(),
            timezone: "America/Chicago".to_owned(),
            voicemail_action: VoicemailAction::HangUp,
            voicemail_text: String::new(),
            recording: false,
            max_attempts: 2,
            retention_days: 90,
        }
    }
}

/// The settings form as posted (`s[assistant_name]`, `s[slot_days][2]=2`): every field
/// text, days and hours as ticked boxes, switches absent when off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceSettingsInput {
    pub enabled: bool,
    pub assistant_name: String,
    pub voice: String,
    pub greeting: String,
    pub goals: String,
    pub questions: String,
    pub slot_days: Vec<String>,
    pub slot_hours: Vec<String>,
    pub timezone: String,
    pub voicemail_action: String,
    pub voicemail_text: String,
    pub recording: bool,
    pub max_attempts: String,
    pub retention_days: String,
}

/// Checks every field; each problem names its field. `zone_exists` says whether a time zone
/// name is known (the caller's zone database).
pub fn parse_settings(
    input: &VoiceSettingsInput,
    zone_exists: impl Fn(&str) -> bool,
) -> Result<VoiceSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut text = |field: &str, raw: &str, min: usize, max: usize| {
        let value = raw.trim().replace('\0', "");
        let n = value.chars().count();
        if n < min || n > max {
            let message = if min > 0 {
                format!("write between {min} and {max} characters")
            } else {
                format!("write at most {max} characters")
            };
            errors.push(FieldError::new(field, message));
        }
        value
    };
    let assistant_name = text("assistant_name", &input.assistant_name, 1, 40);
    let voice = text("voice", &input.voice, 0, 64);
    let greeting = text("greeting", &input.greeting, 0, 300);
    let goals = text("goals", &input.goals, 0, 1000);
    let questions = text("questions", &input.questions, 0, 1000);
    let voicemail_text = text("voicemail_text", &input.voicemail_text, 0, 500);
    let timezone = input.timezone.trim().to_owned();
    if !voice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        errors.push(FieldError::new("voice", "a voice id has letters, digits, - and _ only"));
    }
    let mut slot_days = 0u8;
    for day in &input.slot_days {
        match day.trim().parse::<u8>() {
            Ok(d) if d < 7 => slot_days |= 1 << d,
            _ => errors.push(FieldError::new("slot_days", "choose days of the week from the list")),
        }
    }
    if slot_days == 0 {
        errors.push(FieldError::new("slot_days", "choose at least one day for inspections"));
    }
    let mut slot_hours = Vec::new();
    for hour in &input.slot_hours {
        match hour.trim().parse::<u8>() {
            Ok(h) if (7..=19).contains(&h) => slot_hours.push(h),
            _ => errors.push(FieldError::new(
                "slot_hours",
                "choose start times between 7 am and 7 pm",
            )),
        }
    }
    slot_hours.sort_unstable();
    slot_hours.dedup();
    if slot_hours.is_empty() {
        errors.push(FieldError::new("slot_hours", "choose at least one start time"));
    }
    if !zone_exists(&timezone) {
        errors.push(FieldError::new("timezone", "choose a time zone from the list"));
    }
    let voicemail_action = VoicemailAction::parse(&input.voicemail_action).unwrap_or_else(|| {
        errors.push(FieldError::new("voicemail_action", "choose leave a message or hang up"));
        VoicemailAction::HangUp
    });
    if voicemail_action == VoicemailAction::Leave && voicemail_text.is_empty() {
        errors.push(FieldError::new("voicemail_text", "write the message to leave"));
    }
    let max_attempts = match input.max_attempts.trim().parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => {
            errors.push(FieldError::new("max_attempts", "choose 1 to 5 attempts"));
            1
        }
    };
    let retention_days = match input.retention_days.trim().parse::<u16>() {
        Ok(n) if (1..=3650).contains(&n) => n,
        _ => {
            errors.push(FieldError::new("retention_days", "keep transcripts 1 to 3650 days"));
            90
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(VoiceSettings {
        enabled: input.enabled,
        assistant_name,
        voice,
        greeting,
        goals,
        questions,
        slot_days,
        slot_hours,
        timezone,
        voicemail_action,
        voicemail_text,
        recording: input.recording,
        max_attempts,
        retention_days,
    })
}

/// The words a homeowner agrees to, kept with her consent: prior express written consent to
/// marketing calls, with an artificial voice, from this company.
pub fn consent_wording(company: &str) -> String {
    format!(
        "I agree that {company} may call me at the number I gave, including with an automated assistant \
         using an artificial voice, about a roof inspection. I do not have to agree to buy anything, \
         and I can say stop or press 9 on any call to end these calls."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u8, day: u8) -> Date {
        Date::from_calendar_date(year, time::Month::try_from(month).expect("a month"), day).expect("a date")
    }

    #[test]
    fn calls_cost_per_started_minute_and_unanswered_calls_nothing() {
        assert_eq!(price_cents(0), 0);
        assert_eq!(price_cents(1), PRICE_PER_MINUTE_CENTS);
        assert_eq!(price_cents(60), PRICE_PER_MINUTE_CENTS);
        assert_eq!(price_cents(61), 2 * PRICE_PER_MINUTE_CENTS);
        assert_eq!(max_price_cents(), 5 * PRICE_PER_MINUTE_CENTS);
    }

    #[test]
    fn the_law_comes_before_her_settings() {
        let ok = DialFacts {
            enabled: true,
            has_phone: true,
            consent: true,
            opted_out: false,
            attempts_made: 0,
            max_attempts: 2,
        };
        assert_eq!(may_dial(&ok), Ok(()));
        assert_eq!(may_dial(&DialFacts { consent: false, ..ok }), Err(Refusal::NoConsent));
        // Opted out wins over consent given earlier.
        assert_eq!(may_dial(&DialFacts { opted_out: true, ..ok }), Err(Refusal::OptedOut));
        assert_eq!(
            may_dial(&DialFacts { attempts_made: 2, ..ok }),
            Err(Refusal::AttemptsUsed(2))
        );
        assert_eq!(may_dial(&DialFacts { enabled: false, ..ok }), Err(Refusal::Disabled));
        assert_eq!(may_dial(&DialFacts { has_phone: false, ..ok }), Err(Refusal::NoPhone));
    }

    #[test]
    fn slots_follow_her_days_and_hours() {
        // 4 December 2026 is a Friday: weekdays skip to Monday.
        let labels: Vec<String> = upcoming_slots(date(2026, 12, 4), DEFAULT_SLOT_DAYS, &DEFAULT_SLOT_HOURS, 3)
            .iter()
            .map(Slot::label)
            .collect();
        assert_eq!(
            labels,
            [
                "Monday 7 December at 9 am",
                "Monday 7 December at 2 pm",
                "Tuesday 8 December at 9 am"
            ]
        );
        // Saturdays only, at noon.
        let saturday = upcoming_slots(date(2026, 12, 4), 1 << 5, &[12], 2);
        assert_eq!(saturday[0].label(), "Saturday 5 December at 12 pm");
        assert_eq!(saturday[1].date, date(2026, 12, 12));
        assert!(upcoming_slots(date(2026, 12, 4), 0, &[9], 2).is_empty());
    }

    #[test]
    fn settings_name_each_bad_field() {
        let good = VoiceSettingsInput {
            enabled: true,
            assistant_name: "Sam".into(),
            slot_days: vec!["0".into(), "2".into()],
            slot_hours: vec!["14".into(), "9".into(), "9".into()],
            timezone: "America/Chicago".into(),
            voicemail_action: "hang_up".into(),
            max_attempts: "3".into(),
            retention_days: "90".into(),
            ..VoiceSettingsInput::default()
        };
        let zones = |z: &str| z == "America/Chicago";
        let saved = parse_settings(&good, zones).expect("good settings");
        assert_eq!(saved.slot_days, 0b101);
        assert_eq!(saved.slot_hours, [9, 14]);
        assert_eq!(saved.max_attempts, 3);
        let bad = VoiceSettingsInput {
            assistant_name: " ".into(),
            voice: "x y".into(),
            slot_days: vec!["9".into()],
            slot_hours: vec!["3".into()],
            timezone: "Mars/Olympus".into(),
            voicemail_action: "leave".into(),
            max_attempts: "9".into(),
            retention_days: "0".into(),
            ..good
        };
        let fields: Vec<String> = parse_settings(&bad, zones)
            .expect_err("bad settings")
            .into_iter()
            .map(|e| e.field)
            .collect();
        for field in [
            "assistant_name",
            "voice",
            "slot_days",
            "slot_hours",
            "timezone",
            "voicemail_text",
            "max_attempts",
            "retention_days",
        ] {
            assert!(fields.iter().any(|f| f == field), "{field}: {fields:?}");
        }
    }
}
