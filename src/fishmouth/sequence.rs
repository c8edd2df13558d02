//! Outreach sequences: what a contractor may save, the merge fields their templates may
//! use, and the words in a text message that opt a number out or back in.
//!
//! Timing (delays, sending windows, quiet hours) lives in [`super::schedule`].

use serde::{Deserialize, Serialize};

crate::text_enum::text_enum! {
    /// A sequence's life: built as a draft, activated, paused, and at last archived.
    pub enum SequenceStatus {
        Draft = "draft",
        Active = "active",
        Paused = "paused",
        Archived = "archived",
    }
}

impl SequenceStatus {
    /// What the contractor may change it to from here: (status, the button's label).
    pub fn next(self) -> &'static [(Self, &'static str)] {
        match self {
            Self::Draft => &[(Self::Active, "Activate")],
            Self::Active => &[(Self::Paused, "Pause"), (Self::Archived, "Archive")],
            Self::Paused => &[(Self::Active, "Resume"), (Self::Archived, "Archive")],
            Self::Archived => &[],
        }
    }
}

crate::text_enum::text_enum! {
    /// One lead's way through a sequence.
    pub enum EnrollmentState {
        Active = "active",
        Paused = "paused",
        Finished = "finished",
        Stopped = "stopped",
    }
}

impl EnrollmentState {
    /// What the contractor may do to it from here: (action, the button's label).
    pub fn actions(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Active => &[("pause", "Pause"), ("stop", "Stop")],
            Self::Paused => &[("resume", "Resume"), ("stop", "Stop")],
            Self::Finished | Self::Stopped => &[],
        }
    }
}

pub const NAME_MAX: usize = 100;
pub const MAX_STEPS: usize = 20;
pub const SUBJECT_MAX: usize = 150;
pub const BODY_MAX: usize = 5000;
/// Four SMS segments: longer texts are split by carriers and arrive out of order.
pub const SMS_MAX: usize = 640;
/// A year: a longer wait is a different campaign, not a step.
pub const DELAY_MAX_MINUTES: i32 = 365 * 24 * 60;

pub use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    Email,
    Sms,
    /// A rep calls the homeowner from a script and logs the outcome.
    Call,
    /// Anything else a rep does by hand (drop a flyer, send a card).
    Task,
    /// The call assistant phones the homeowner (only with her written consent to calls).
    AiCall,
}

impl StepKind {
    pub const ALL: [StepKind; 5] = [
        StepKind::Email,
        StepKind::Sms,
        StepKind::AiCall,
        StepKind::Call,
        StepKind::Task,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Email => "email",
            StepKind::Sms => "sms",
            StepKind::Call => "call",
            StepKind::Task => "task",
            StepKind::AiCall => "ai_call",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StepKind::Email => "Email",
            StepKind::Sms => "Text message",
            StepKind::Call => "Call task",
            StepKind::Task => "Manual task",
            StepKind::AiCall => "AI call",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// Steps a rep does by hand wait for the rep; the others are sent by the engine.
    pub fn is_task(self) -> bool {
        matches!(self, StepKind::Call | StepKind::Task)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DelayUnit {
    Minutes,
    Hours,
    Days,
}

impl DelayUnit {
    pub const ALL: [DelayUnit; 3] = [DelayUnit::Minutes, DelayUnit::Hours, DelayUnit::Days];

    pub fn as_str(self) -> &'static str {
        match self {
            DelayUnit::Minutes => "minutes",
            DelayUnit::Hours => "hours",
            DelayUnit::Days => "days",
        }
    }

    pub fn minutes(self) -> i32 {
        match self {
            DelayUnit::Minutes => 1,
            DelayUnit::Hours => 60,
            DelayUnit::Days => 24 * 60,
        }
    }

    /// The largest unit that divides `minutes` evenly, for showing a saved delay.
    pub fn split(minutes: i32) -> (i32, DelayUnit) {
        [DelayUnit::Days, DelayUnit::Hours]
            .into_iter()
            .find(|u| minutes > 0 && minutes % u.minutes() == 0)
            .map_or((minutes, DelayUnit::Minutes), |u| (minutes / u.minutes(), u))
    }
}

/// A step as the form posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInput {
    /// Empty for a new step; the saved step's id otherwise (kept across edits).
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub delay_amount: String,
    #[serde(default)]
    pub delay_unit: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// Version B of an email's subject or a message's text, tried on half the leads; empty:
    /// the same as version A.
    #[serde(default)]
    pub variant_subject: String,
    #[serde(default)]
    pub variant_body: String,
}

/// A step that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: Option<String>,
    pub kind: StepKind,
    pub delay_minutes: i32,
    pub subject: String,
    pub body: String,
    /// Version B (emails and texts only); both empty: no test.
    pub variant_subject: String,
    pub variant_body: String,
}

/// Text a person typed may hold line breaks and tabs, but no other control characters
/// (a NUL byte cannot even be stored).
fn has_control(text: &str, allow_lines: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(allow_lines && matches!(c, '\n' | '\r' | '\t')))
}

pub fn parse_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if has_control(name, false) {
        return Err(FieldError::new("name", "use letters, digits and punctuation only"));
    }
    match name.chars().count() {
        0 => Err(FieldError::new("name", "give the sequence a name")),
        n if n > NAME_MAX => Err(FieldError::new("name", format!("use at most {NAME_MAX} characters"))),
        _ => Ok(name.to_owned()),
    }
}

/// Checks every step and reports every problem at once, each naming its field.
pub fn parse_steps(inputs: &[StepInput]) -> Result<Vec<Step>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if inputs.is_empty() {
        errors.push(FieldError::new("steps", "add at least one step"));
    }
    if inputs.len() > MAX_STEPS {
        errors.push(FieldError::new(
            "steps",
            format!("a sequence has at most {MAX_STEPS} steps"),
        ));
    }
    let mut steps = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let field = |name: &str| format!("steps[{i}].{name}");
        let Some(kind) = StepKind::parse(&input.kind) else {
            errors.push(FieldError::new(
                field("kind"),
                "choose email, text message, call task or manual task",
            ));
            continue;
        };
        let delay =
            parse_delay(&input.delay_amount, &input.delay_unit).map_err(|m| FieldError::new(field("delay_amount"), m));
        let subject = input.subject.trim();
        let body = input.body.trim();
        if kind == StepKind::Email {
            if subject.is_empty() {
                errors.push(FieldError::new(field("subject"), "an email needs a subject"));
            } else if let Err(e) = check_subject(subject) {
                errors.push(FieldError::new(field("subject"), e));
            }
        }
        if body.is_empty() {
            let what = match kind {
                StepKind::Email => "write the email",
                StepKind::Sms => "write the text message",
                StepKind::Call => "write the call script",
                StepKind::Task => "say what the rep should do",
                StepKind::AiCall => "say what the assistant should aim for",
            };
            errors.push(FieldError::new(field("body"), what));
        } else if let Err(e) = check_body(kind, body) {
            errors.push(FieldError::new(field("body"), e));
        }
        // Version B: only what is written is checked; what is left empty is version A's.
        let variant_subject = if kind == StepKind::Email {
            input.variant_subject.trim()
        } else {
            ""
        };
        let variant_body = if matches!(kind, StepKind::Email | StepKind::Sms) {
            input.variant_body.trim()
        } else {
            ""
        };
        if !variant_subject.is_empty()
            && let Err(e) = check_subject(variant_subject)
        {
            errors.push(FieldError::new(field("variant_subject"), e));
        }
        if !variant_body.is_empty()
            && let Err(e) = check_body(kind, variant_body)
        {
            errors.push(FieldError::new(field("variant_body"), e));
        }
        match delay {
            Ok(delay_minutes) => steps.push(Step {
                id: Some(input.id.trim().to_owned()).filter(|s| !s.is_empty()),
                kind,
                delay_minutes,
                subject: if kind == StepKind::Email {
                    subject.to_owned()
                } else {
                    String::new()
                },
                body: body.to_owned(),
                variant_subject: variant_subject.to_owned(),
                variant_body: variant_body.to_owned(),
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(steps) } else { Err(errors) }
}

/// What is wrong with an email subject, if anything (it is not empty).
fn check_subject(subject: &str) -> Result<(), String> {
    if has_control(subject, false) {
        Err("use letters, digits and punctuation only".into())
    } else if subject.chars().count() > SUBJECT_MAX {
        Err(format!("use at most {SUBJECT_MAX} characters"))
    } else {
        check_template(subject)
    }
}

/// What is wrong with a step's text, if anything (it is not empty).
fn check_body(kind: StepKind, body: &str) -> Result<(), String> {
    let max = if kind == StepKind::Sms { SMS_MAX } else { BODY_MAX };
    if has_control(body, true) {
        Err("remove the invisible control characters".into())
    } else if body.chars().count() > max {
        Err(format!("use at most {max} characters"))
    } else {
        check_template(body)
    }
}

/// Which version of an A/B step a lead gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Version {
    A,
    B,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::A => "a",
            Version::B => "b",
        }
    }

    /// Half the enrollments each, fixed by the enrollment's random id: a retried batch
    /// sends the same version, and one lead never sees both.
    pub fn for_enrollment(id: &[u8; 16]) -> Self {
        if id[15] & 1 == 0 { Version::A } else { Version::B }
    }

    /// The version this enrollment gets of a step of `kind` with version B `variant` (subject,
    /// text); None when the step tests nothing (no version B, or a call or a task).
    pub fn of(kind: StepKind, variant: (&str, &str), enrollment_id: &[u8; 16]) -> Option<Self> {
        (matches!(kind, StepKind::Email | StepKind::Sms) && variant != ("", ""))
            .then(|| Self::for_enrollment(enrollment_id))
    }

    /// The subject and text this version sends.
    pub fn pick<'s>(self, step: (&'s str, &'s str), variant: (&'s str, &'s str)) -> (&'s str, &'s str) {
        let or = |b: &'s str, a: &'s str| if b.is_empty() { a } else { b };
        match self {
            Version::A => step,
            Version::B => (or(variant.0, step.0), or(variant.1, step.1)),
        }
    }
}

/// One version's leads so far: how many it went to, and how many of them replied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arm {
    pub sent: i64,
    pub replied: i64,
}

/// Each version goes to this many leads before the better one is named.
pub const AB_MIN_SENDS: i64 = 50;

/// What an A/B test shows so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Fewer than [`AB_MIN_SENDS`] leads have one version: this many more are needed.
    Collecting { more: i64 },
    /// One version's reply rate is higher beyond chance (a two-proportion z-test, 95%).
    Winner(Version),
    /// Enough leads, but the difference could be chance.
    NoClearWinner,
}

/// The verdict on versions `a` and `b` by their reply rates.
pub fn ab_verdict(a: Arm, b: Arm) -> Verdict {
    let fewest = a.sent.min(b.sent);
    if fewest < AB_MIN_SENDS {
        return Verdict::Collecting {
            more: AB_MIN_SENDS - fewest,
        };
    }
    let (na, nb) = (a.sent as f64, b.sent as f64);
    let (ra, rb) = (a.replied.clamp(0, a.sent) as f64, b.replied.clamp(0, b.sent) as f64);
    let pooled = (ra + rb) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se == 0.0 {
        return Verdict::NoClearWinner;
    }
    let z = (ra / na - rb / nb) / se;
    if z >= 1.96 {
        Verdict::Winner(Version::A)
    } else if z <= -1.96 {
        Verdict::Winner(Version::B)
    } else {
        Verdict::NoClearWinner
    }
}

/// A new step of `kind`, already valid, for the editor's "add" buttons.
pub fn blank_step(kind: StepKind) -> StepInput {
    let (subject, body) = match kind {
        StepKind::Email => (
            "A note from {{company}}",
            "Hi {{first_name}},\n\n\n\n{{rep_name}}\n{{company}}",
        ),
        StepKind::Sms => ("", "Hi {{first_name}}, {{rep_name}} from {{company}} here."),
        StepKind::Call => (
            "",
            "Introduce yourself and {{company}}, then ask about the roof at {{street}}.",
        ),
        StepKind::Task => ("", "Describe what to do for {{address}}."),
        StepKind::AiCall => ("", "Ask about the roof at {{street}} and offer a free inspection."),
    };
    StepInput {
        id: String::new(),
        kind: kind.as_str().into(),
        delay_amount: "1".into(),
        delay_unit: DelayUnit::Days.as_str().into(),
        subject: subject.into(),
        body: body.into(),
        ..StepInput::default()
    }
}

/// A change to the list of steps: what the editor's buttons do, in the browser and,
/// before it has loaded, as a form post the server applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Add(StepKind),
    Up(usize),
    Down(usize),
    Duplicate(usize),
    Remove(usize),
}

impl Edit {
    /// "add:sms", "up:2", "duplicate:0" ...
    pub fn parse(raw: &str) -> Option<Self> {
        let (verb, arg) = raw.trim().split_once(':')?;
        let index = || arg.parse::<usize>().ok();
        Some(match verb {
            "add" => Edit::Add(StepKind::parse(arg)?),
            "up" => Edit::Up(index()?),
            "down" => Edit::Down(index()?),
            "duplicate" => Edit::Duplicate(index()?),
            "remove" => Edit::Remove(index()?),
            _ => return None,
        })
    }

    pub fn value(self) -> String {
        match self {
            Edit::Add(kind) => format!("add:{}", kind.as_str()),
            Edit::Up(i) => format!("up:{i}"),
            Edit::Down(i) => format!("down:{i}"),
            Edit::Duplicate(i) => format!("duplicate:{i}"),
            Edit::Remove(i) => format!("remove:{i}"),
        }
    }

    pub fn apply(self, steps: &mut Vec<StepInput>) -> Result<(), FieldError> {
        self.apply_with(steps, blank_step, |s| StepInput {
            id: String::new(),
            ..s.clone()
        })
    }

    /// The same change on any list of steps (the editor keeps its own rows): `blank`
    /// makes a new step, `copy` a duplicate (which must not keep the original's id).
    pub fn apply_with<T>(
        self,
        steps: &mut Vec<T>,
        blank: impl FnOnce(StepKind) -> T,
        copy: impl FnOnce(&T) -> T,
    ) -> Result<(), FieldError> {
        let full = || FieldError::new("steps", format!("a sequence has at most {MAX_STEPS} steps"));
        let missing = || FieldError::new("steps", "that step no longer exists; reload the page");
        match self {
            Edit::Add(kind) => {
                if steps.len() >= MAX_STEPS {
                    return Err(full());
                }
                steps.push(blank(kind));
            }
            Edit::Up(i) => {
                if i == 0 || i >= steps.len() {
                    return Err(missing());
                }
                steps.swap(i - 1, i);
            }
            Edit::Down(i) => {
                if i.checked_add(1).is_none_or(|next| next >= steps.len()) {
                    return Err(missing());
                }
                steps.swap(i, i + 1);
            }
            Edit::Duplicate(i) => {
                if steps.len() >= MAX_STEPS {
                    return Err(full());
                }
                let duplicate = copy(steps.get(i).ok_or_else(missing)?);
                steps.insert(i + 1, duplicate);
            }
            Edit::Remove(i) => {
                if i >= steps.len() {
                    return Err(missing());
                }
                if steps.len() == 1 {
                    return Err(FieldError::new("steps", "a sequence needs at least one step"));
                }
                steps.remove(i);
            }
        }
        Ok(())
    }
}

/// "3" and "days" -> 4320 minutes.
pub fn parse_delay(amount: &str, unit: &str) -> Result<i32, String> {
    let unit = DelayUnit::ALL
        .into_iter()
        .find(|u| u.as_str() == unit.trim())
        .ok_or("choose minutes, hours or days")?;
    let amount = amount.trim();
    let amount: i32 = if amount.is_empty() {
        0
    } else {
        amount.parse().map_err(|_| "enter a whole number, like 2")?
    };
    if amount < 0 {
        return Err("a delay cannot be negative".into());
    }
    amount
        .checked_mul(unit.minutes())
        .filter(|m| *m <= DELAY_MAX_MINUTES)
        .ok_or_else(|| "wait at most 365 days".into())
}

/// The merge fields a template may use, with what each becomes.
pub const MERGE_FIELDS: [(&str, &str); 8] = [
    (
        "first_name",
        "the homeowner's first name, or \"there\" when we have no name",
    ),
    ("last_name", "the homeowner's last name"),
    ("owner_name", "the homeowner's full name, or \"Homeowner\""),
    ("address", "the property's full address"),
    ("street", "the street address alone"),
    ("city", "the city"),
    ("company", "your company's name"),
    ("rep_name", "your name"),
];

/// What the merge fields of one message stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeData {
    pub owner_name: Option<String>,
    pub address: String,
    pub company: String,
    pub rep_name: String,
}

/// (first names, last name) of an owner as assessor records write it: "SMITH, JOHN" or
/// "John Smith".
fn split_name(owner_name: Option<&str>) -> (String, String) {
    match owner_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => match name.split_once(',') {
            Some((last, first)) => (title_case(first.trim()), title_case(last.trim())),
            None => match name.rsplit_once(' ') {
                Some((first, last)) => (title_case(first), title_case(last)),
                None => (title_case(name), String::new()),
            },
        },
        None => (String::new(), String::new()),
    }
}

/// The name to greet an owner by ("GARCIA, MARIA" is "Maria"), if the record has one.
pub fn first_name(owner_name: Option<&str>) -> Option<String> {
    let (first, _) = split_name(owner_name);
    first.split_whitespace().next().map(str::to_owned)
}

impl MergeData {
    fn value(&self, field: &str) -> String {
        let (first, last) = split_name(self.owner_name.as_deref());
        let parts: Vec<&str> = self.address.split(',').map(str::trim).collect();
        match field {
            "first_name" if first.is_empty() => "there".into(),
            "first_name" => first.split_whitespace().next().unwrap_or_default().to_owned(),
            "last_name" => last,
            "owner_name" if first.is_empty() => "Homeowner".into(),
            "owner_name" => format!("{first} {last}").trim().to_owned(),
            "address" => self.address.clone(),
            "street" => parts.first().copied().unwrap_or_default().to_owned(),
            "city" => parts.get(1).copied().unwrap_or_default().to_owned(),
            "company" => self.company.clone(),
            "rep_name" => self.rep_name.clone(),
            _ => String::new(),
        }
    }
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or("a merge field is missing its closing }}")?;
        let name = after[..close].trim();
        if !MERGE_FIELDS.iter().any(|(f, _)| *f == name) {
            let known: Vec<String> = MERGE_FIELDS.iter().map(|(f, _)| format!("{{{{{f}}}}}")).collect();
            return Err(format!(
                "unknown merge field {{{{{name}}}}}; use one of {}",
                known.join(", ")
            ));
        }
        out.push(Piece::Field(name));
        rest = &after[close + 2..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Ok when every `{{field}}` in the template is one we know.
pub fn check_template(template: &str) -> Result<(), String> {
    pieces(template).map(drop)
}

/// The template with its merge fields filled in. An invalid template renders as written
/// (saving refuses one, so this only happens in a preview of unsaved text).
pub fn render(template: &str, data: &MergeData) -> String {
    match pieces(template) {
        Ok(pieces) => pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_owned(),
                Piece::Field(f) => data.value(f),
            })
            .collect(),
        Err(_) => template.to_owned(),
    }
}

/// What an inbound text message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsIntent {
    OptOut,
    OptIn,
    /// Anything else is a reply, which stops the sequences that texted them.
    Reply,
}

/// Opt-out words (carrier defaults plus REVOKE and OPT OUT, which the FCC's 2024 rule adds)
/// and opt-in words. A message that is, or starts with, one of them counts: we honour
/// "Stop texting me" rather than argue with it.
pub fn classify_sms(text: &str) -> SmsIntent {
    const OPT_OUT: [&str; 8] = [
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPT OUT",
    ];
    const OPT_IN: [&str; 2] = ["START", "UNSTOP"];
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    let normalized = words.join(" ");
    let starts_with = |kw: &str| normalized == kw || normalized.starts_with(&format!("{kw} "));
    if normalized == "OPTOUT" || OPT_OUT.iter().any(|kw| starts_with(kw)) {
        SmsIntent::OptOut
    } else if OPT_IN.iter().any(|kw| normalized == *kw) {
        SmsIntent::OptIn
    } else {
        SmsIntent::Reply
    }
}

/// The two-letter state of a US address ending "..., TX 75201".
pub fn us_state(address: &str) -> Option<&str> {
    let last = address.rsplit(',').next()?.trim();
    let state = last.split_whitespace().next()?;
    (state.len() == 2 && state.chars().all(|c| c.is_ascii_uppercase())).then_some(state)
}

/// The display name a contractor's emails go under: "<rep> at <company>" (CAN-SPAM: the
/// sender is identified), the rep's name alone without a company. Control characters, quotes
/// and angle brackets are dropped, and the name is kept to one header line's worth.
pub fn sender_name(rep: &str, company: &str) -> String {
    let clean = |s: &str| -> String {
        let kept: String = s
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '\\'))
            .collect();
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let (rep, company) = (clean(rep), clean(company));
    let name = match (rep.is_empty(), company.is_empty()) {
        (false, false) => format!("{rep} at {company}"),
        (false, true) => rep,
        (true, _) => company,
    };
    name.chars().take(70).collect()
}

/// A piece of a message's text: plain words, or a web address written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// The text in pieces, each `http://` or `https://` address its own (up to the next space,
/// without the punctuation that ends a sentence around it), so the email can link it.
pub fn link_spans(text: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let tail = &rest[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"', '>']);
        let scheme_only = url.ends_with("//");
        if start > 0 {
            out.push(Span::Text(&rest[..start]));
        }
        if scheme_only {
            out.push(Span::Text(url));
        } else {
            out.push(Span::Link(url));
        }
        rest = &tail[url.len().max(1)..];
    }
    if !rest.is_empty() {
        out.push(Span::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn web_addresses_are_found_without_the_punctuation_around_them() {
        use super::Span::{Link, Text};
        assert_eq!(
            link_spans("See https://roofco.com/hail. Or (http://x.io/a?b=1), then call."),
            [
                Text("See "),
                Link("https://roofco.com/hail"),
                Text(". Or ("),
                Link("http://x.io/a?b=1"),
                Text("), then call."),
            ]
        );
        assert_eq!(link_spans("no links here"), [Text("no links here")]);
        assert_eq!(link_spans("https://"), [Text("https://")]);
        assert_eq!(link_spans(""), []);
        // Whatever the text, the pieces put back together are the text.
        for text in [
            "a https://x.y b",
            "https://a.b/c https://d.e",
            "x http:// y",
            "\"https://q.r\"",
        ] {
            let joined: String = link_spans(text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }

    use super::*;

    #[test]
    fn version_b_is_checked_like_version_a_and_only_where_it_applies() {
        let mut email = step("email", "Hi {{first_name}}");
        email.variant_subject = "Roof check, {{first_name}}?".into();
        let mut sms = step("sms", "Hi");
        sms.variant_subject = "ignored: texts have no subject".into();
        sms.variant_body = "Hello {{nickname}}".into();
        let mut task = step("task", "Drop a flyer");
        task.variant_body = "ignored".into();
        let errors = parse_steps(&[email.clone(), sms, task.clone()]).expect_err("sms version B");
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["steps[1].variant_body"]
        );
        let steps = parse_steps(&[email, task]).expect("valid");
        let tested = |s: &Step| Version::of(s.kind, (&s.variant_subject, &s.variant_body), &[0; 16]).is_some();
        assert!(tested(&steps[0]));
        assert_eq!(steps[0].variant_body, "", "empty: version A's text");
        assert!(!tested(&steps[1]), "tasks have no versions");
        assert_eq!(Version::of(StepKind::Task, ("B", "B"), &[0; 16]), None);
        assert_eq!(
            Version::B.pick(("A subject", "A text"), (&steps[0].variant_subject, "")),
            ("Roof check, {{first_name}}?", "A text")
        );
        assert_eq!(
            Version::A.pick(("A subject", "A text"), ("B", "B")),
            ("A subject", "A text")
        );
    }

    #[test]
    fn enrollments_split_half_and_half_and_always_the_same_way() {
        let mut id = [7u8; 16];
        let first = Version::for_enrollment(&id);
        assert_eq!(Version::for_enrollment(&id), first);
        id[15] ^= 1;
        assert_ne!(Version::for_enrollment(&id), first);
    }

    #[test]
    fn a_winner_is_named_only_with_enough_leads_and_a_real_difference() {
        let arm = |sent, replied| Arm { sent, replied };
        assert_eq!(ab_verdict(arm(49, 20), arm(200, 0)), Verdict::Collecting { more: 1 });
        assert_eq!(
            ab_verdict(arm(0, 0), arm(0, 0)),
            Verdict::Collecting { more: AB_MIN_SENDS }
        );
        // 10% against 2% of 100 each: z is about 2.4.
        assert_eq!(ab_verdict(arm(100, 10), arm(100, 2)), Verdict::Winner(Version::A));
        assert_eq!(ab_verdict(arm(100, 2), arm(100, 10)), Verdict::Winner(Version::B));
        // 6% against 4%: could be chance.
        assert_eq!(ab_verdict(arm(100, 6), arm(100, 4)), Verdict::NoClearWinner);
        assert_eq!(ab_verdict(arm(60, 0), arm(60, 0)), Verdict::NoClearWinner);
    }

    fn step(kind: &str, body: &str) -> StepInput {
        StepInput {
            kind: kind.into(),
            delay_amount: "1".into(),
            delay_unit: "days".into(),
            subject: "Hello {{first_name}}".into(),
            body: body.into(),
            ..StepInput::default()
        }
    }

    #[test]
    fn names_are_one_to_a_hundred_characters() {
        assert_eq!(parse_name("  Storm follow-up ").as_deref(), Ok("Storm follow-up"));
        assert_eq!(parse_name(" ").unwrap_err().field, "name");
        assert!(parse_name(&"a".repeat(100)).is_ok());
        assert!(parse_name(&"a".repeat(101)).is_err());
        assert!(parse_name("Storm\0").is_err());
        let mut nul = step("sms", "Hi\0");
        assert_eq!(parse_steps(&[nul.clone()]).unwrap_err()[0].field, "steps[0].body");
        nul.body = "Line one\nLine two\tend".into();
        assert!(parse_steps(&[nul]).is_ok(), "line breaks and tabs are fine");
    }

    #[test]
    fn steps_are_one_to_twenty_and_errors_name_their_field() {
        assert_eq!(parse_steps(&[]).unwrap_err()[0].field, "steps");
        let twenty: Vec<StepInput> = (0..20).map(|_| step("sms", "Hi")).collect();
        assert_eq!(parse_steps(&twenty).map(|s| s.len()), Ok(20));
        let many: Vec<StepInput> = (0..21).map(|_| step("sms", "Hi")).collect();
        assert!(parse_steps(&many).is_err());
        let errors = parse_steps(&[step("email", "Hi {{first_name}}"), step("sms", "Hi {{nickname}}")]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "steps[1].body");
        assert!(errors[0].message.contains("{{nickname}}"), "{}", errors[0].message);
        let mut no_subject = step("email", "Body");
        no_subject.subject.clear();
        assert_eq!(parse_steps(&[no_subject]).unwrap_err()[0].field, "steps[0].subject");
        assert_eq!(parse_steps(&[step("fax", "x")]).unwrap_err()[0].field, "steps[0].kind");
        assert_eq!(
            parse_steps(&[step("sms", &"x".repeat(641))]).unwrap_err()[0].field,
            "steps[0].body"
        );
    }

    #[test]
    fn only_emails_keep_a_subject() {
        let steps = parse_steps(&[step("call", "Ask about the roof")]).unwrap();
        assert_eq!(steps[0].subject, "");
        assert_eq!(steps[0].delay_minutes, 24 * 60);
        assert!(steps[0].kind.is_task());
    }

    #[test]
    fn edits_reorder_duplicate_and_remove_and_keep_ids_only_on_the_original() {
        let mut steps = vec![blank_step(StepKind::Email)];
        steps[0].id = "a".into();
        assert!(parse_steps(&steps).is_ok(), "a blank step is valid as it is");
        Edit::parse("add:sms").unwrap().apply(&mut steps).unwrap();
        Edit::parse("duplicate:0").unwrap().apply(&mut steps).unwrap();
        let kinds = |s: &[StepInput]| s.iter().map(|x| x.kind.clone()).collect::<Vec<_>>().join(",");
        assert_eq!(kinds(&steps), "email,email,sms");
        assert_eq!((steps[0].id.as_str(), steps[1].id.as_str()), ("a", ""));
        Edit::Down(0).apply(&mut steps).unwrap();
        assert_eq!(steps[1].id, "a");
        Edit::Up(2).apply(&mut steps).unwrap();
        assert_eq!(kinds(&steps), "email,sms,email");
        Edit::Remove(1).apply(&mut steps).unwrap();
        assert_eq!(kinds(&steps), "email,email");
        assert!(Edit::Up(0).apply(&mut steps).is_err());
        assert!(Edit::Down(1).apply(&mut steps).is_err());
        assert!(Edit::Remove(5).apply(&mut steps).is_err());
        steps.truncate(1);
        assert_eq!(Edit::Remove(0).apply(&mut steps).unwrap_err().field, "steps");
        let mut full: Vec<StepInput> = (0..MAX_STEPS).map(|_| blank_step(StepKind::Task)).collect();
        assert!(Edit::Add(StepKind::Sms).apply(&mut full).is_err());
        assert!(Edit::Duplicate(0).apply(&mut full).is_err());
        for kind in StepKind::ALL {
            assert!(parse_steps(&[blank_step(kind)]).is_ok(), "{kind:?}");
            for e in [
                Edit::Add(kind),
                Edit::Up(3),
                Edit::Duplicate(1),
                Edit::Remove(19),
                Edit::Down(0),
            ] {
                assert_eq!(Edit::parse(&e.value()), Some(e));
            }
        }
        assert_eq!(Edit::parse("explode:1"), None);
        assert_eq!(Edit::parse("up:x"), None);
        let huge = Edit::parse(&format!("down:{}", usize::MAX)).expect("parses");
        assert!(
            huge.apply(&mut steps).is_err(),
            "an absurd index is refused, not a panic"
        );
    }

    #[test]
    fn delays() {
        assert_eq!(parse_delay("3", "days"), Ok(3 * 24 * 60));
        assert_eq!(parse_delay("", "minutes"), Ok(0));
        assert_eq!(parse_delay("90", "minutes"), Ok(90));
        assert!(parse_delay("-1", "hours").is_err());
        assert!(parse_delay("366", "days").is_err());
        assert!(parse_delay("99999999999", "days").is_err());
        assert!(parse_delay("2", "weeks").is_err());
        assert_eq!(DelayUnit::split(4320), (3, DelayUnit::Days));
        assert_eq!(DelayUnit::split(120), (2, DelayUnit::Hours));
        assert_eq!(DelayUnit::split(90), (90, DelayUnit::Minutes));
        assert_eq!(DelayUnit::split(0), (0, DelayUnit::Minutes));
    }

    #[test]
    fn templates_render_merge_fields() {
        let data = MergeData {
            owner_name: Some("GARCIA, MARIA ELENA".into()),
            address: "412 Oak Hollow Dr, Plano, TX 75023".into(),
            company: "Lone Star Roofing".into(),
            rep_name: "Sam".into(),
        };
        assert_eq!(
            render(
                "Hi {{ first_name }}, {{rep_name}} from {{company}} about {{street}} in {{city}}.",
                &data
            ),
            "Hi Maria, Sam from Lone Star Roofing about 412 Oak Hollow Dr in Plano."
        );
        assert_eq!(
            render("{{owner_name}} / {{last_name}}", &data),
            "Maria Elena Garcia / Garcia"
        );
        let nobody = MergeData {
            owner_name: None,
            ..data
        };
        assert_eq!(render("Hi {{first_name}}", &nobody), "Hi there");
        assert_eq!(render("Dear {{owner_name}}", &nobody), "Dear Homeowner");
        assert!(check_template("Hi {{first_name").unwrap_err().contains("closing"));
        assert!(check_template("{{ company }} and {{x}}").unwrap_err().contains("{{x}}"));
        assert_eq!(render("{{nope}}", &nobody), "{{nope}}");
    }

    #[test]
    fn opt_out_and_opt_in_words() {
        for text in [
            "STOP",
            "stop",
            " Stop. ",
            "STOPALL",
            "unsubscribe",
            "Cancel",
            "END",
            "quit",
            "REVOKE",
            "opt out",
            "Opt-out",
            "OPTOUT",
            "Stop texting me",
        ] {
            assert_eq!(classify_sms(text), SmsIntent::OptOut, "{text}");
        }
        for text in ["START", "unstop", "Start!"] {
            assert_eq!(classify_sms(text), SmsIntent::OptIn, "{text}");
        }
        for text in [
            "Yes please call me",
            "Ending soon?",
            "stopped by yesterday",
            "",
            "Start Monday?",
        ] {
            assert_eq!(classify_sms(text), SmsIntent::Reply, "{text}");
        }
    }

    #[test]
    fn states_come_from_the_end_of_the_address() {
        assert_eq!(us_state("412 Oak Hollow Dr, Plano, TX 75023"), Some("TX"));
        assert_eq!(us_state("1 Ocean Dr, Miami, FL 33139"), Some("FL"));
        assert_eq!(us_state("somewhere"), None);
        assert_eq!(us_state("1 Main St, Springfield, Texas 75001"), None);
    }

    #[test]
    fn emails_name_the_rep_and_the_company_and_nothing_can_break_the_header() {
        assert_eq!(
            sender_name("Sam Ortiz", "Lone Star Roofing"),
            "Sam Ortiz at Lone Star Roofing"
        );
        assert_eq!(sender_name("Sam Ortiz", "  "), "Sam Ortiz");
        assert_eq!(sender_name("", "Lone Star Roofing"), "Lone Star Roofing");
        assert_eq!(
            sender_name("Sam\r\nBcc: x@evil.test", "\"Acme\" <Roofing>"),
            "SamBcc: x@evil.test at Acme Roofing"
        );
        assert!(sender_name(&"a".repeat(100), "b").chars().count() <= 70);
    }
}
