//! A call's conversation, held on Telnyx's media WebSocket (`/webhooks/telnyx/media/<token>`):
//! her audio (μ-law 8 kHz, base64 in `media` frames) goes to the recogniser; what she said goes
//! to the agent; its reply goes to the voice, whose audio goes back as `media` frames followed
//! by a `mark`. When she speaks over the assistant, a `clear` stops its playback at once
//! (barge-in). Pressing 9, or saying stop, opts her number out before anything else happens.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{
        Path, State, WebSocketUpgrade,
        ws::{Message, WebSocket},
    },
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use domain::fishmouth::{
    calls::{CallOutcome, MAX_CALL_SECS, Slot, VoiceSettings, VoicemailAction, upcoming_slots},
    voice::{self, Action, CallContext, Stage, Turn},
};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use super::{
    agent::{Brief, Conversation},
    providers::{Audio, Heard, Listening, ProviderError},
    ssr::Voice,
    store,
};
use crate::fishmouth::ssr::FishMouthState;

/// How long the greeting waits for answering-machine detection before taking her for a person.
const DETECTION_WAIT: Duration = Duration::from_secs(4);
/// Before the length limit, the assistant says goodbye this much earlier.
const GOODBYE_MARGIN_SECS: u64 = 15;

/// One line of the transcript, kept sealed with the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// "assistant" or "homeowner".
    pub who: String,
    pub text: String,
    /// Milliseconds from the start of the stream.
    pub at_ms: u64,
}

#[derive(Deserialize)]
struct Frame {
    event: String,
    start: Option<StartFrame>,
    media: Option<MediaFrame>,
    dtmf: Option<DtmfFrame>,
    mark: Option<MarkFrame>,
}

#[derive(Deserialize)]
struct StartFrame {
    call_control_id: Option<String>,
}

#[derive(Deserialize)]
struct MediaFrame {
    #[serde(default)]
    track: Option<String>,
    payload: String,
}

#[derive(Deserialize)]
struct DtmfFrame {
    digit: String,
}

#[derive(Deserialize)]
struct MarkFrame {
    name: String,
}

pub async fn upgrade(State(state): State<FishMouthState>, Path(token): Path<String>, ws: WebSocketUpgrade) -> Response {
    let Some(voice) = state.fishmouth.voice.clone().filter(|v| v.available()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let token: String = token.chars().filter(char::is_ascii_alphanumeric).take(64).collect();
    let pool = state.services.pool.clone();
    let call = match store::by_media_token(&pool, &token).await {
        Ok(Some(call)) => call,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "media stream: reading the call");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let settings = match store::settings(&pool, call.user_id).await {
        Ok(settings) => settings.unwrap_or_default(),
        Err(error) => {
            tracing::error!(%error, "media stream: reading the settings");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let services = state.services.clone();
    ws.on_upgrade(move |socket| async move {
        let id = call.id;
        let session = Session::new(voice, services, call, settings);
        if let Err(error) = session.run(socket).await {
            tracing::warn!(call = %id, %error, "media stream ended with an error");
        }
    })
}

/// What happened inside the session, from its own tasks.
enum Inner {
    /// Answering-machine detection said (or the wait ended): start talking.
    Begin(Option<String>),
    /// The agent's reply, and how long the agent (a provider's time, not ours) took.
    Reply(Result<Turn, ProviderError>, Duration),
    /// Telnyx's own voice is speaking the last words: hang up after it.
    HangUpNow,
}

struct Session {
    voice: Arc<Voice>,
    services: crate::platform::Services,
    call: store::MediaCall,
    settings: VoiceSettings,
    brief: Brief,
    slots: Vec<Slot>,
    control_id: Option<String>,
    convo: Conversation,
    lines: Vec<Line>,
    outcome: Option<CallOutcome>,
    booked: Option<(time::OffsetDateTime, String)>,
    started: Instant,
    /// The audio being played, and the mark that follows it.
    playback: Option<Audio>,
    pending_mark: Option<String>,
    marks: u32,
    /// The turn being played may be talked over (not the opening, not a goodbye).
    interruptible: bool,
    ending: bool,
    thinking: bool,
    /// From the end of her sentence to the reply's first audio, for [`super::ssr::TurnTimes`].
    turn_clock: Option<TurnClock>,
}

/// The time of one reply: when her sentence ended, and how much of it the providers took.
struct TurnClock {
    heard: Instant,
    providers: Duration,
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the media socket failed: {0}")]
    Socket(String),
}

async fn next_audio(playback: &mut Option<Audio>) -> Option<Result<Vec<u8>, ProviderError>> {
    match playback {
        Some(audio) => audio.recv().await,
        None => std::future::pending().await,
    }
}

async fn next_heard(listening: &mut Option<Listening>) -> Option<Result<Heard, ProviderError>> {
    match listening {
        Some(l) => l.heard.recv().await,
        None => std::future::pending().await,
    }
}

impl Session {
    fn new(
        voice: Arc<Voice>,
        services: crate::platform::Services,
        call: store::MediaCall,
        settings: VoiceSettings,
    ) -> Self {
        let today = jiff::tz::TimeZone::get(&settings.timezone)
            .map(|zone| zone.to_datetime(jiff::Timestamp::now()).date())
            .ok()
            .and_then(|d| {
                time::Date::from_calendar_date(
                    i32::from(d.year()),
                    time::Month::try_from(d.month().unsigned_abs()).ok()?,
                    d.day().unsigned_abs(),
                )
                .ok()
            })
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
        let slots = upcoming_slots(today, settings.slot_days, &settings.slot_hours, 3);
        let ctx = CallContext {
            assistant: settings.assistant_name.clone(),
            company: if call.company.is_empty() {
                "a local roofing company".to_owned()
            } else {
                call.company.clone()
            },
            homeowner: domain::fishmouth::sequence::first_name(call.owner_name.as_deref()),
            address: call.address.clone(),
            recording: settings.recording,
            slots: slots.iter().map(Slot::label).collect(),
        };
        let brief = Brief {
            ctx,
            goals: if call.goal.is_empty() {
                settings.goals.clone()
            } else {
                call.goal.clone()
            },
            questions: settings.questions.clone(),
            facts: serde_json::from_value(call.reasons.clone()).unwrap_or_default(),
        };
        Self {
            control_id: call.call_control_id.clone(),
            voice,
            services,
            call,
            settings,
            brief,
            slots,
            convo: Conversation::default(),
            lines: Vec::new(),
            outcome: None,
            booked: None,
            started: Instant::now(),
            playback: None,
            pending_mark: None,
            marks: 0,
            interruptible: false,
            ending: false,
            thinking: false,
            turn_clock: None,
        }
    }

    async fn run(mut self, mut socket: WebSocket) -> Result<(), SessionError> {
        let (inner_tx, mut inner_rx) = mpsc::channel::<Inner>(8);
        let mut listening: Option<Listening> = None;
        let deadline = self.started + Duration::from_secs(MAX_CALL_SECS.unsigned_abs() - GOODBYE_MARGIN_SECS);
        let mut said_goodbye_for_time = false;
        let mut her_hangup = false;
        loop {
            tokio::select! {
                frame = socket.recv() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_))) | None => { her_hangup = !self.ending; break; }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return Err(SessionError::Socket(e.to_string())),
                    };
                    let Ok(frame) = serde_json::from_str::<Frame>(text.as_str()) else { continue };
                    match frame.event.as_str() {
                        "start" => {
                            if let Some(id) = frame.start.and_then(|s| s.call_control_id) {
                                self.control_id.get_or_insert(id);
                            }
                            listening = self.open_listening(&mut socket).await;
                            if listening.is_none() {
                                break;
                            }
                            let (pool, id, tx) = (self.services.pool.clone(), self.call.id, inner_tx.clone());
                            tokio::spawn(async move {
                                let until = Instant::now() + DETECTION_WAIT;
                                let mut answered_by = None;
                                while Instant::now() < until {
                                    answered_by = store::answered_by(&pool, id).await.ok().flatten();
                                    if answered_by.is_some() { break; }
                                    tokio::time::sleep(Duration::from_millis(100)).await;
                                }
                                let _ = tx.send(Inner::Begin(answered_by)).await;
                            });
                        }
                        "media" => {
                            let Some(media) = frame.media else { continue };
                            if media.track.as_deref().is_some_and(|t| t != "inbound") { continue; }
                            if let (Some(l), Ok(bytes)) = (&listening, base64::engine::general_purpose::STANDARD.decode(media.payload)) {
                                // A recogniser that falls behind loses audio rather than holding the call.
                                let _ = l.audio.try_send(bytes);
                            }
                        }
                        "dtmf" => {
                            let digit = frame.dtmf.and_then(|d| d.digit.chars().next());
                            if let Some(turn) = digit.and_then(voice::pressed) {
                                self.lines.push(self.line("homeowner", &format!("(pressed {})", voice::OPT_OUT_DIGIT)));
                                self.stop_playback(&mut socket).await?;
                                self.act(&mut socket, &inner_tx, turn).await?;
                            }
                        }
                        "mark" => {
                            let name = frame.mark.map(|m| m.name);
                            if name.is_some() && name == self.pending_mark {
                                self.pending_mark = None;
                                if self.ending {
                                    self.hang_up().await;
                                    break;
                                }
                            }
                        }
                        "stop" => { her_hangup = !self.ending; break; }
                        _ => {}
                    }
                }
                inner = inner_rx.recv() => match inner {
                    Some(Inner::Begin(answered_by)) => {
                        if answered_by.as_deref() == Some("machine") {
                            if self.settings.voicemail_action == VoicemailAction::Leave {
                                let text = self.settings.voicemail_text.clone();
                                self.lines.push(self.line("assistant", &text));
                                self.ending = true;
                                self.say(&mut socket, &inner_tx, &text).await?;
                            } else {
                                self.hang_up().await;
                                break;
                            }
                        } else {
                            let opening = voice::opening(&self.brief.ctx);
                            let mut say = opening.say.clone();
                            if !self.settings.greeting.is_empty() {
                                say = format!("{say} {}", self.settings.greeting);
                            }
                            self.convo.stage = Some(opening.stage);
                            self.convo.lines.push((false, say.clone()));
                            self.lines.push(self.line("assistant", &say));
                            self.interruptible = false;
                            self.say(&mut socket, &inner_tx, &say).await?;
                        }
                    }
                    Some(Inner::Reply(reply, agent_took)) => {
                        self.thinking = false;
                        if let (Some(turn), true) = (self.turn_clock.as_mut(), self.voice.agent.remote()) {
                            turn.providers += agent_took;
                        }
                        let turn = reply.unwrap_or_else(|error| {
                            tracing::warn!(call = %self.call.id, %error, "the agent failed mid-call");
                            self.trouble_turn()
                        });
                        self.act(&mut socket, &inner_tx, turn).await?;
                    }
                    Some(Inner::HangUpNow) => { self.hang_up().await; break; }
                    None => break,
                },
                heard = next_heard(&mut listening) => match heard {
                    Some(Ok(Heard::SpeechStarted)) => self.barge_in(&mut socket).await?,
                    Some(Ok(Heard::Interim(words))) if !words.is_empty() => self.barge_in(&mut socket).await?,
                    Some(Ok(Heard::Interim(_))) => {}
                    Some(Ok(Heard::Final(words))) => {
                        if self.ending || self.thinking { continue; }
                        self.barge_in(&mut socket).await?;
                        self.lines.push(self.line("homeowner", &words));
                        self.convo.answers += 1;
                        self.convo.lines.push((true, words.clone()));
                        self.thinking = true;
                        let (agent, brief, convo, tx) = (self.voice.agent.clone(), self.brief.clone(), self.convo.clone(), inner_tx.clone());
                        self.turn_clock = Some(TurnClock { heard: Instant::now(), providers: Duration::ZERO });
                        tokio::spawn(async move {
                            let asked = Instant::now();
                            let reply = agent.reply(&brief, &convo, &words).await;
                            let _ = tx.send(Inner::Reply(reply, asked.elapsed())).await;
                        });
                    }
                    Some(Err(error)) => {
                        tracing::warn!(call = %self.call.id, %error, "speech recognition failed mid-call");
                        listening = None;
                        if !self.ending {
                            let turn = self.trouble_turn();
                            self.act(&mut socket, &inner_tx, turn).await?;
                        }
                    }
                    None => { listening = None; }
                },
                chunk = next_audio(&mut self.playback) => match chunk {
                    Some(Ok(bytes)) => send_audio(&mut socket, &bytes).await?,
                    Some(Err(error)) => {
                        tracing::warn!(call = %self.call.id, %error, "the voice failed mid-sentence");
                        self.playback = None;
                        self.end_of_audio(&mut socket).await?;
                    }
                    None => {
                        self.playback = None;
                        self.end_of_audio(&mut socket).await?;
                    }
                },
                _ = tokio::time::sleep_until(deadline), if !said_goodbye_for_time && !self.ending => {
                    said_goodbye_for_time = true;
                    self.stop_playback(&mut socket).await?;
                    let turn = Turn {
                        say: format!("I am sorry, we are out of time. Someone from {} will call you back. Goodbye.", self.brief.ctx.company),
                        actions: vec![Action::ScheduleCallback, Action::EndCall],
                        stage: Stage::Ended,
                    };
                    self.act(&mut socket, &inner_tx, turn).await?;
                }
            }
        }
        if her_hangup && self.outcome.is_none() {
            self.outcome = Some(CallOutcome::HungUp);
        }
        self.save().await?;
        Ok(())
    }

    fn line(&self, who: &str, text: &str) -> Line {
        Line {
            who: who.to_owned(),
            text: text.to_owned(),
            at_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Something failed on our side: apologise, promise a call back, end.
    fn trouble_turn(&self) -> Turn {
        Turn {
            say: format!(
                "I am sorry, I am having trouble on this line. Someone from {} will call you back. Goodbye.",
                self.brief.ctx.company
            ),
            actions: vec![Action::ScheduleCallback, Action::EndCall],
            stage: Stage::Ended,
        }
    }

    async fn open_listening(&self, socket: &mut WebSocket) -> Option<Listening> {
        let stt = self.voice.stt.as_ref()?;
        match stt.listen().await {
            Ok(listening) => Some(listening),
            Err(error) => {
                tracing::warn!(call = %self.call.id, %error, "speech recognition unavailable: ending the call");
                let _ = socket.send(Message::Close(None)).await;
                self.hang_up().await;
                None
            }
        }
    }

    /// She spoke over the assistant: its playback stops now.
    async fn barge_in(&mut self, socket: &mut WebSocket) -> Result<(), SessionError> {
        if self.interruptible && (self.playback.is_some() || self.pending_mark.is_some()) {
            self.stop_playback(socket).await?;
        }
        Ok(())
    }

    async fn stop_playback(&mut self, socket: &mut WebSocket) -> Result<(), SessionError> {
        if self.playback.is_some() || self.pending_mark.is_some() {
            self.playback = None;
            self.pending_mark = None;
            send(socket, serde_json::json!({ "event": "clear" })).await?;
        }
        Ok(())
    }

    /// The audio of a turn has all been sent: a mark tells us when it has been heard.
    async fn end_of_audio(&mut self, socket: &mut WebSocket) -> Result<(), SessionError> {
        self.marks += 1;
        let name = format!("turn-{}", self.marks);
        send(socket, serde_json::json!({ "event": "mark", "mark": { "name": name } })).await?;
        self.pending_mark = Some(name);
        Ok(())
    }

    /// What the assistant does with a turn: its actions first (an opt-out is recorded before
    /// the goodbye is spoken), then its words.
    async fn act(
        &mut self,
        socket: &mut WebSocket,
        inner: &mpsc::Sender<Inner>,
        turn: Turn,
    ) -> Result<(), SessionError> {
        if self.ending {
            return Ok(());
        }
        self.convo.stage = Some(turn.stage);
        let mut booking = None;
        for action in &turn.actions {
            match action {
                // The law's first: recorded before a word of the goodbye is said.
                Action::OptOut => {
                    self.outcome = Some(CallOutcome::OptedOut);
                    super::ssr::opt_out(&self.services.pool, self.call.user_id, &self.call.phone).await?;
                }
                Action::BookInspection { slot } => {
                    booking = self.slots.get(*slot).copied();
                    self.outcome = Some(CallOutcome::Booked);
                }
                Action::ScheduleCallback => {
                    self.outcome.get_or_insert(CallOutcome::Callback);
                }
                Action::TransferToRep => {
                    self.outcome.get_or_insert(CallOutcome::Transfer);
                }
                Action::EndCall => {
                    // Ended with nothing else decided, after she answered: she declined.
                    if self.outcome.is_none() && self.convo.answers > 0 {
                        self.outcome = Some(CallOutcome::NotInterested);
                    }
                    self.ending = true;
                }
            }
        }
        if self.convo.answers >= voice::MAX_TURNS && !self.ending {
            let last = Turn {
                say: format!(
                    "I am sorry I could not help more. Someone from {} will call you back. Goodbye.",
                    self.brief.ctx.company
                ),
                actions: vec![Action::ScheduleCallback, Action::EndCall],
                stage: Stage::Ended,
            };
            return Box::pin(self.act(socket, inner, last)).await;
        }
        if !turn.say.is_empty() {
            self.convo.lines.push((false, turn.say.clone()));
            self.lines.push(self.line("assistant", &turn.say));
            self.interruptible = !self.ending;
            // She hears the reply first; the booking and the transcript are written as it plays.
            self.say(socket, inner, &turn.say).await?;
        }
        if let Some(slot) = booking {
            self.book(slot).await?;
        }
        self.save().await?;
        if turn.say.is_empty() && self.ending {
            self.hang_up().await;
        }
        Ok(())
    }

    /// Speaks through the voice service, or Telnyx's own voice when there is none (or it fails).
    async fn say(
        &mut self,
        socket: &mut WebSocket,
        inner: &mpsc::Sender<Inner>,
        text: &str,
    ) -> Result<(), SessionError> {
        self.stop_playback(socket).await?;
        if let Some(tts) = self.voice.tts.clone() {
            let asked = Instant::now();
            match tts.synthesize(text, &self.settings.voice).await {
                Ok(mut audio) => {
                    // Its first audio, waited for here: the provider's time, not ours.
                    let first = audio.recv().await;
                    if let (Some(turn), Some(Ok(_))) = (self.turn_clock.take(), &first) {
                        let providers = turn.providers + asked.elapsed();
                        self.voice.turns.record(turn.heard.elapsed().saturating_sub(providers));
                    }
                    match first {
                        Some(Ok(bytes)) => {
                            send_audio(socket, &bytes).await?;
                            self.playback = Some(audio);
                        }
                        Some(Err(error)) => {
                            tracing::warn!(call = %self.call.id, %error, "the voice failed mid-sentence");
                            self.end_of_audio(socket).await?;
                        }
                        None => self.end_of_audio(socket).await?,
                    }
                    return Ok(());
                }
                Err(error) => tracing::warn!(call = %self.call.id, %error, "the voice failed: Telnyx speaks instead"),
            }
        }
        let (Some(control), Some(id)) = (self.voice.control.clone(), self.control_id.clone()) else {
            return Ok(());
        };
        if let Err(error) = control.speak(&id, text).await {
            tracing::warn!(call = %self.call.id, %error, "Telnyx could not speak");
        }
        if self.ending {
            // Telnyx speaks about 15 characters a second; hang up once it is done.
            let wait = Duration::from_millis(1000 + 70 * text.len() as u64);
            let inner = inner.clone();
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let _ = inner.send(Inner::HangUpNow).await;
            });
        }
        Ok(())
    }

    async fn hang_up(&self) {
        let (Some(control), Some(id)) = (&self.voice.control, &self.control_id) else {
            return;
        };
        if let Err(error) = control.hangup(id).await {
            tracing::warn!(call = %self.call.id, %error, "hanging up");
        }
    }

    /// Books the slot: the lead moves to appointment, she is emailed, the homeowner gets a
    /// confirmation where she agreed to messages.
    async fn book(&mut self, slot: Slot) -> Result<(), SessionError> {
        let label = slot.label();
        let at = super::ssr::slot_instant(slot, &self.settings.timezone);
        self.booked = Some((at, label.clone()));
        let booking = super::ssr::Booking {
            call_id: self.call.id,
            user_id: self.call.user_id,
            lead_id: self.call.lead_id,
            label: &label,
            address: &self.call.address,
            company: &self.brief.ctx.company,
        };
        super::ssr::booked(&self.services.pool, booking).await?;
        Ok(())
    }

    /// Keeps the outcome so far, and the transcript (sealed) when she records calls: the
    /// opening says the call may be recorded only then.
    async fn save(&self) -> Result<(), SessionError> {
        let sealed = self.settings.recording.then(|| {
            let json = serde_json::to_string(&self.lines).unwrap_or_default();
            let place = crate::platform::crypto::Place::new("fm_calls", self.call.id);
            self.services.health_key.seal(place, &json)
        });
        let outcome = self.outcome.unwrap_or(CallOutcome::NoOutcome);
        let booked = self.booked.as_ref().map(|(at, label)| (*at, label.as_str()));
        store::save_conversation(&self.services.pool, self.call.id, sealed.as_deref(), outcome, booked).await?;
        Ok(())
    }
}

/// Audio to her: μ-law bytes, base64, in a `media` frame.
async fn send_audio(socket: &mut WebSocket, bytes: &[u8]) -> Result<(), SessionError> {
    let payload = base64::engine::general_purpose::STANDARD.encode(bytes);
    send(
        socket,
        serde_json::json!({ "event": "media", "media": { "payload": payload } }),
    )
    .await
}

async fn send(socket: &mut WebSocket, frame: serde_json::Value) -> Result<(), SessionError> {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .map_err(|e| SessionError::Socket(e.to_string()))
}

/// Reads a sealed transcript back.
pub fn open_transcript(key: &crate::platform::crypto::HealthKey, id: Uuid, sealed: &[u8]) -> Vec<Line> {
    key.open(crate::platform::crypto::Place::new("fm_calls", id), sealed)
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}
