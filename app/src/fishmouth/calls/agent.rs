//! The assistant's mind on a call: what to say to what she said. The opening is always the
//! domain's (the disclosure the law asks for is never left to a model), and so is "stop": the
//! rules hear it first and opt her out whatever a model would say. The rest comes from an
//! [`Agent`]: Anthropic's Messages API with tools when a key is set, else the domain's rules.

use std::time::Duration;

use domain::fishmouth::voice::{self, Action, CallContext, Stage, Turn};
use futures_util::{StreamExt, future::BoxFuture};
use serde::Deserialize;

use super::providers::ProviderError;

/// What the agent knows for a call: the context the rules use, and her words for a model.
#[derive(Debug, Clone)]
pub struct Brief {
    pub ctx: CallContext,
    pub goals: String,
    pub questions: String,
    /// What the lead's score rests on: roof age and condition, hail nearby.
    pub facts: Vec<String>,
}

/// The conversation so far, as the agent sees it.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub stage: Option<Stage>,
    /// Her answers so far (the one being answered included).
    pub answers: usize,
    /// (homeowner?, words), oldest first; the opening first.
    pub lines: Vec<(bool, String)>,
}

pub trait Agent: Send + Sync {
    /// An outside service (its wait is not the pipeline's own time); the rules are ours.
    fn remote(&self) -> bool {
        true
    }

    fn reply<'a>(
        &'a self,
        brief: &'a Brief,
        convo: &'a Conversation,
        heard: &'a str,
    ) -> BoxFuture<'a, Result<Turn, ProviderError>>;
}

/// The built-in dialogue rules (`domain::fishmouth::voice`): the offline default.
pub struct Rules;

fn rules(brief: &Brief, convo: &Conversation, heard: &str) -> Turn {
    voice::respond(&brief.ctx, convo.stage.unwrap_or(Stage::Opened), convo.answers, heard)
}

impl Agent for Rules {
    fn remote(&self) -> bool {
        false
    }

    fn reply<'a>(
        &'a self,
        brief: &'a Brief,
        convo: &'a Conversation,
        heard: &'a str,
    ) -> BoxFuture<'a, Result<Turn, ProviderError>> {
        Box::pin(std::future::ready(Ok(rules(brief, convo, heard))))
    }
}

/// Claude through the Messages API, streaming, with the call's actions as tools.
pub struct Claude {
    pub http: reqwest::Client,
    pub base: String,
    pub api_key: String,
    pub model: String,
    /// A reply slower than this ends the call politely.
    pub timeout: Duration,
}

/// The system prompt: who it is, for whom, about which home, her goals and questions, the
/// slots it may book, and the rules it must keep.
pub fn system_prompt(brief: &Brief) -> String {
    let ctx = &brief.ctx;
    let slots: Vec<String> = ctx
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect();
    let facts = if brief.facts.is_empty() {
        "none on record".to_owned()
    } else {
        brief.facts.join("; ")
    };
    format!(
        "You are {assistant}, an automated phone assistant calling for {company}, a roofing company. \
         You are on a live phone call with {who} about the home at {address}. You already said the opening, \
         which disclosed that you are an automated assistant and how to stop calls.\n\
         Goals: {goals}\nQuestions to ask: {questions}\nWhat we know about this home: {facts}\n\
         Inspection slots you may offer (book only one of these, by its number): {slots}\n\
         Rules: speak in one to three short plain sentences, as on the phone, with no lists or symbols. \
         Never claim to be a person. Never promise prices, insurance outcomes or anything not stated here; \
         for such questions offer a call back from a person (transfer_to_rep). If they ask to stop, not be \
         called or be removed, call opt_out at once. If they are busy, call schedule_callback. When the \
         conversation is done, call end_call and say goodbye.",
        assistant = ctx.assistant,
        company = ctx.company,
        who = ctx.homeowner.as_deref().unwrap_or("the homeowner"),
        address = ctx.address,
        goals = if brief.goals.is_empty() {
            "book a free roof inspection"
        } else {
            &brief.goals
        },
        questions = if brief.questions.is_empty() {
            "none"
        } else {
            &brief.questions
        },
        slots = if slots.is_empty() {
            "none open".to_owned()
        } else {
            slots.join("; ")
        },
    )
}

fn tools(slots: usize) -> serde_json::Value {
    let plain = |name: &str, description: &str| serde_json::json!({ "name": name, "description": description, "input_schema": { "type": "object", "properties": {} } });
    serde_json::json!([
        {
            "name": "book_inspection",
            "description": "Book the free roof inspection in one of the offered slots, once the homeowner has chosen it.",
            "input_schema": {
                "type": "object",
                "properties": { "slot": { "type": "integer", "minimum": 1, "maximum": slots.max(1), "description": "The slot's number in the list." } },
                "required": ["slot"]
            }
        },
        plain("schedule_callback", "A person from the company calls back later, when the homeowner is busy or asks for it."),
        plain("opt_out", "The homeowner asked not to be called or contacted again."),
        plain("transfer_to_rep", "The homeowner has a question only a person can answer: a person calls back soon."),
        plain("end_call", "The conversation is over: hang up after the goodbye.")
    ])
}

#[derive(Deserialize)]
struct SseEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    index: usize,
    content_block: Option<Block>,
    delta: Option<Delta>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    partial_json: Option<String>,
    stop_reason: Option<String>,
}

/// What a streamed answer came to: its words, and each tool it used with its input.
#[derive(Debug, Default, PartialEq)]
struct Answer {
    text: String,
    tools: Vec<(String, serde_json::Value)>,
    stop_reason: Option<String>,
}

/// Reads the Messages API's server-sent events into an answer.
#[derive(Default)]
struct Reader {
    buffer: String,
    answer: Answer,
    /// Per content block: the tool's name and its input JSON so far.
    blocks: Vec<Option<(String, String)>>,
}

impl Reader {
    fn feed(&mut self, chunk: &str) -> Result<(), ProviderError> {
        self.buffer.push_str(chunk);
        while let Some(end) = self.buffer.find("\n\n") {
            let event: String = self.buffer.drain(..end + 2).collect();
            for line in event.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    self.event(data.trim())?;
                }
            }
        }
        Ok(())
    }

    fn event(&mut self, data: &str) -> Result<(), ProviderError> {
        let Ok(event) = serde_json::from_str::<SseEvent>(data) else {
            return Ok(());
        };
        match event.kind.as_str() {
            "content_block_start" => {
                if self.blocks.len() <= event.index {
                    self.blocks.resize(event.index + 1, None);
                }
                if let Some(block) = event.content_block.filter(|b| b.kind == "tool_use") {
                    self.blocks[event.index] = Some((block.name.unwrap_or_default(), String::new()));
                }
            }
            "content_block_delta" => match event.delta {
                Some(Delta {
                    kind: Some(kind),
                    text: Some(text),
                    ..
                }) if kind == "text_delta" => self.answer.text.push_str(&text),
                Some(Delta {
                    partial_json: Some(json),
                    ..
                }) => {
                    if let Some(Some((_, input))) = self.blocks.get_mut(event.index) {
                        input.push_str(&json);
                    }
                }
                _ => {}
            },
            "content_block_stop" => {
                if let Some(Some((name, input))) = self.blocks.get_mut(event.index).map(Option::take) {
                    let input = if input.trim().is_empty() {
                        serde_json::json!({})
                    } else {
                        serde_json::from_str(&input)
                            .map_err(|_| ProviderError::new("anthropic", "a tool's input was not JSON"))?
                    };
                    self.answer.tools.push((name, input));
                }
            }
            "message_delta" => {
                self.answer.stop_reason = event.delta.and_then(|d| d.stop_reason);
            }
            "error" => {
                let what = event.error.map(|e| e["type"].to_string()).unwrap_or_default();
                return Err(ProviderError::new("anthropic", format!("stream error {what}")));
            }
            _ => {}
        }
        Ok(())
    }
}

/// The model's answer as a turn: its tools as actions, its words as what is said.
fn turn_of(brief: &Brief, answer: Answer) -> Result<Turn, ProviderError> {
    if answer.stop_reason.as_deref() == Some("refusal") {
        return Err(ProviderError::new("anthropic", "the model refused"));
    }
    let mut actions = Vec::new();
    for (name, input) in &answer.tools {
        match name.as_str() {
            "book_inspection" => {
                let slot = input["slot"].as_u64().and_then(|n| usize::try_from(n).ok());
                match slot.filter(|n| (1..=brief.ctx.slots.len()).contains(n)) {
                    Some(n) => actions.extend([Action::BookInspection { slot: n - 1 }, Action::EndCall]),
                    None => return Err(ProviderError::new("anthropic", "booked a slot that was not offered")),
                }
            }
            "schedule_callback" => actions.extend([Action::ScheduleCallback, Action::EndCall]),
            "opt_out" => actions.extend([Action::OptOut, Action::EndCall]),
            "transfer_to_rep" => actions.extend([Action::TransferToRep, Action::EndCall]),
            "end_call" => actions.push(Action::EndCall),
            _ => {}
        }
    }
    actions.dedup();
    let ending = actions.contains(&Action::EndCall);
    let mut say = answer.text.trim().to_owned();
    if say.is_empty() {
        say = if ending {
            "Thank you for your time. Goodbye.".to_owned()
        } else {
            "Sorry, could you say that again?".to_owned()
        };
    }
    Ok(Turn {
        say,
        actions,
        stage: if ending { Stage::Ended } else { Stage::OfferedSlots },
    })
}

impl Agent for Claude {
    fn reply<'a>(
        &'a self,
        brief: &'a Brief,
        convo: &'a Conversation,
        heard: &'a str,
    ) -> BoxFuture<'a, Result<Turn, ProviderError>> {
        Box::pin(async move {
            // "Stop" is the law's, not the model's: the rules hear it first.
            let by_rules = rules(brief, convo, heard);
            if by_rules.actions.contains(&Action::OptOut) {
                return Ok(by_rules);
            }
            // The opening is in the system prompt; the messages start with her first answer.
            let messages: Vec<serde_json::Value> = convo
                .lines
                .iter()
                .skip_while(|(homeowner, _)| !homeowner)
                .map(|(homeowner, text)| {
                    serde_json::json!({ "role": if *homeowner { "user" } else { "assistant" }, "content": text })
                })
                .collect();
            let body = serde_json::json!({
                "model": self.model,
                "max_tokens": 300,
                "stream": true,
                "system": system_prompt(brief),
                "tools": tools(brief.ctx.slots.len()),
                "messages": messages,
            });
            let fail = |m: String| ProviderError::new("anthropic", m);
            let request = self
                .http
                .post(format!("{}/v1/messages", self.base.trim_end_matches('/')))
                .header("x-api-key", &self.api_key)
                .header("anthropic-version", "2023-06-01")
                .json(&body)
                .send();
            let work = async {
                let response = request.await.map_err(|e| fail(format!("unreachable: {e}")))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(fail(format!("answered {status}")));
                }
                let mut reader = Reader::default();
                let mut stream = response.bytes_stream();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| fail(format!("stream broke: {e}")))?;
                    reader.feed(&String::from_utf8_lossy(&chunk))?;
                }
                Ok(reader.answer)
            };
            let answer = tokio::time::timeout(self.timeout, work)
                .await
                .map_err(|_| fail(format!("no answer within {} s", self.timeout.as_secs())))??;
            turn_of(brief, answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> Brief {
        Brief {
            ctx: CallContext {
                assistant: "Sam".into(),
                company: "Lone Star Roofing".into(),
                homeowner: Some("Maria".into()),
                address: "1 Elm St, Dallas".into(),
                recording: false,
                slots: vec!["Monday 7 December at 9 am".into(), "Monday 7 December at 2 pm".into()],
            },
            goals: String::new(),
            questions: "How old is the roof?".into(),
            facts: vec!["Roof 22 years old".into()],
        }
    }

    #[test]
    fn a_streamed_answer_with_a_tool_becomes_a_booking() {
        let mut reader = Reader::default();
        let events = [
            r#"{"type":"message_start","message":{"id":"m","content":[]}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"You are booked for "}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Monday at 2 pm."}}"#,
            r#"{"type":"content_block_stop","index":0}"#,
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"book_inspection","input":{}}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"slot\": 2}"}}"#,
            r#"{"type":"content_block_stop","index":1}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":20}}"#,
            r#"{"type":"message_stop"}"#,
        ];
        let stream: String = events.iter().map(|e| format!("event: x\ndata: {e}\n\n")).collect();
        // Chunks split anywhere.
        for part in stream.as_bytes().chunks(37) {
            reader.feed(std::str::from_utf8(part).expect("ascii")).expect("events");
        }
        let turn = turn_of(&brief(), reader.answer).expect("a turn");
        assert_eq!(turn.say, "You are booked for Monday at 2 pm.");
        assert_eq!(turn.actions, [Action::BookInspection { slot: 1 }, Action::EndCall]);
        assert_eq!(turn.stage, Stage::Ended);
    }

    #[test]
    fn a_slot_never_offered_or_a_stream_error_is_an_error() {
        let answer = Answer {
            text: "Booked.".into(),
            tools: vec![("book_inspection".into(), serde_json::json!({ "slot": 7 }))],
            stop_reason: Some("tool_use".into()),
        };
        assert!(turn_of(&brief(), answer).is_err());
        let mut reader = Reader::default();
        let error = reader.feed("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        assert!(error.is_err());
    }

    #[test]
    fn the_prompt_carries_her_words_the_home_and_the_slots() {
        let prompt = system_prompt(&brief());
        for part in [
            "Sam",
            "Lone Star Roofing",
            "1 Elm St, Dallas",
            "How old is the roof?",
            "Roof 22 years old",
            "2. Monday 7 December at 2 pm",
            "Never claim to be a person",
        ] {
            assert!(prompt.contains(part), "{part}");
        }
    }
}
