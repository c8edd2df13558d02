//! The peers of a phone call, on loopback: a Telnyx that dials (Call Control v2), sends signed
//! call webhooks and opens the media WebSocket as a homeowner who plays a recorded μ-law WAV
//! of her answers; a Deepgram that hears speech in that audio (by its energy) and answers with
//! the transcripts the test scripted; an ElevenLabs that streams μ-law audio for each text;
//! an Anthropic that streams scripted answers with tool calls. `bench-calls` uses them too.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    body::Body,
    extract::{
        Path, Query, State, WebSocketUpgrade,
        ws::{Message as WsMessage, WebSocket},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, post},
};
use base64::Engine as _;
use ed25519_dalek::Signer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_tungstenite::tungstenite::Message;

/// The Telnyx key these peers sign with: the app under test trusts its public half.
pub fn telnyx_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[42; 32])
}

pub const TELNYX_KEY: &str = "KEY_test";
pub const DEEPGRAM_KEY: &str = "dg_test";
pub const ELEVENLABS_KEY: &str = "xi_test";
pub const CONNECTION_ID: &str = "1494404757140276705";

/// μ-law silence.
const SILENCE: u8 = 0xFF;
/// 20 ms of μ-law at 8 kHz.
const FRAME: usize = 160;

/// A WAV file (format 7, μ-law, 8 kHz, mono) of a homeowner's answers: each answer a burst of
/// a voiced tone, the answers apart by a second of silence, as a phone records them.
pub fn homeowner_wav(answers: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for answer in 0..answers {
        data.extend(std::iter::repeat_n(SILENCE, 8000));
        // 0.6 s of a 200 Hz tone at about half scale, a little different for each answer.
        for i in 0..4800 {
            let phase = (i as f32) * 2.0 * std::f32::consts::PI * (200.0 + answer as f32 * 20.0) / 8000.0;
            data.push(linear_to_mulaw((phase.sin() * 12_000.0) as i16));
        }
    }
    data.extend(std::iter::repeat_n(SILENCE, 8000));
    let mut wav = Vec::with_capacity(data.len() + 58);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(50 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&18u32.to_le_bytes());
    wav.extend_from_slice(&7u16.to_le_bytes()); // μ-law
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&8000u32.to_le_bytes()); // bytes a second
    wav.extend_from_slice(&1u16.to_le_bytes()); // block align
    wav.extend_from_slice(&8u16.to_le_bytes()); // bits
    wav.extend_from_slice(&0u16.to_le_bytes());
    wav.extend_from_slice(b"fact");
    wav.extend_from_slice(&4u32.to_le_bytes());
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    wav
}

/// The answers in a μ-law WAV: its data chunk cut at the silences.
pub fn answers_of(wav: &[u8]) -> Vec<Vec<u8>> {
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(u16::from_le_bytes([wav[20], wav[21]]), 7, "a μ-law WAV");
    let start = wav.windows(4).position(|w| w == b"data").expect("a data chunk") + 8;
    let mut answers = Vec::new();
    let mut current = Vec::new();
    for frame in wav[start..].chunks(FRAME) {
        if is_speech(frame) {
            current.extend_from_slice(frame);
        } else if !current.is_empty() {
            answers.push(std::mem::take(&mut current));
        }
    }
    answers
}

/// G.711 μ-law, as a phone line carries it.
fn linear_to_mulaw(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(32_635) + 0x84;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && s & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

fn mulaw_to_linear(byte: u8) -> i32 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if sign != 0 { -magnitude } else { magnitude }
}

/// Speech, by energy: a frame whose mean amplitude is well above the line's hiss.
fn is_speech(frame: &[u8]) -> bool {
    let sum: i64 = frame.iter().map(|b| i64::from(mulaw_to_linear(*b).abs())).sum();
    sum / frame.len().max(1) as i64 > 1000
}

/// What the homeowner does, in order, each after the assistant has finished speaking.
#[derive(Debug, Clone)]
pub enum Act {
    /// Plays the WAV's answer `n`, then half a second of silence.
    Say(usize),
    /// Presses a key.
    Press(char),
    /// Hangs up.
    HangUp,
    /// Starts playing answer `n` as soon as the assistant's next turn starts to play.
    SpeakOver(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Human,
    Machine,
    Nobody,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub answer: Answer,
    pub wav: Vec<u8>,
    pub acts: Vec<Act>,
}

/// What one call looked like from the homeowner's side.
#[derive(Debug, Default, Clone)]
pub struct CallLog {
    /// μ-law bytes of the assistant's voice that reached her.
    pub assistant_audio: usize,
    pub marks: usize,
    pub clears: usize,
    /// From the first byte of her speaking over the assistant to its `clear`.
    pub barge_in: Option<Duration>,
    pub hung_up_by_app: bool,
}

#[derive(Default)]
pub struct TelnyxSeen {
    pub dials: Vec<Value>,
    pub hangups: Vec<String>,
    pub speaks: Vec<Value>,
    pub calls: Vec<CallLog>,
    scenarios: Vec<Scenario>,
    hangup_signals: HashMap<String, Arc<Notify>>,
}

#[derive(Clone)]
pub struct FakeCalls {
    pub base: String,
    pub seen: Arc<Mutex<TelnyxSeen>>,
    /// The app under test (`http://127.0.0.1:port`): the stream and webhook URLs' origin.
    pub app: Arc<Mutex<String>>,
}

impl FakeCalls {
    pub async fn start() -> Self {
        let fake = Self {
            base: String::new(),
            seen: Arc::new(Mutex::new(TelnyxSeen::default())),
            app: Arc::new(Mutex::new(String::new())),
        };
        let router = Router::new()
            .route("/v2/calls", post(dial))
            .route("/v2/calls/{id}/actions/{action}", post(action))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, ..fake }
    }

    /// The next call dialled plays this scenario.
    pub async fn expect(&self, scenario: Scenario) {
        self.seen.lock().await.scenarios.push(scenario);
    }

    /// A call Telnyx placed (`dial` as our API was asked) plays `scenario` from now on.
    pub fn answer(&self, control_id: String, dial: Value, scenario: Scenario) {
        let fake = self.clone();
        tokio::spawn(async move {
            fake.seen
                .lock()
                .await
                .hangup_signals
                .entry(control_id.clone())
                .or_insert_with(|| Arc::new(Notify::new()));
            play(fake, control_id, dial, scenario).await;
        });
    }

    pub async fn dials(&self) -> usize {
        self.seen.lock().await.dials.len()
    }

    /// The logs of the calls, once `n` have ended (waits up to 20 s).
    pub async fn ended(&self, n: usize) -> Vec<CallLog> {
        self.ended_within(n, Duration::from_secs(20)).await
    }

    pub async fn ended_within(&self, n: usize, wait: Duration) -> Vec<CallLog> {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            let calls = self.seen.lock().await.calls.clone();
            if calls.len() >= n {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.seen.lock().await.calls.clone()
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TELNYX_KEY}"))
}

async fn dial(State(fake): State<FakeCalls>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "errors": [{ "code": "10009" }] })),
        )
            .into_response();
    }
    for field in ["connection_id", "to", "from", "stream_url", "client_state"] {
        if !body[field].is_string() {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": [{ "code": "10015", "detail": field }] })),
            )
                .into_response();
        }
    }
    let control_id = format!("v3:{}", uuid::Uuid::new_v4().simple());
    let scenario = {
        let mut seen = fake.seen.lock().await;
        seen.dials.push(body.clone());
        seen.hangup_signals.insert(control_id.clone(), Arc::new(Notify::new()));
        if seen.scenarios.is_empty() {
            None
        } else {
            Some(seen.scenarios.remove(0))
        }
    };
    if let Some(scenario) = scenario {
        fake.answer(control_id.clone(), body, scenario);
    }
    Json(json!({ "data": {
        "call_control_id": control_id,
        "call_leg_id": uuid::Uuid::new_v4().to_string(),
        "call_session_id": uuid::Uuid::new_v4().to_string(),
        "is_alive": false,
        "record_type": "call",
    }}))
    .into_response()
}

async fn action(
    State(fake): State<FakeCalls>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut seen = fake.seen.lock().await;
    let Some(signal) = seen.hangup_signals.get(&id).cloned() else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errors": [{ "code": "90018" }] })),
        )
            .into_response();
    };
    match action.as_str() {
        "hangup" => {
            seen.hangups.push(id);
            signal.notify_one();
        }
        "speak" => seen.speaks.push(body),
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    Json(json!({ "data": { "result": "ok" } })).into_response()
}

/// Telnyx's signed webhook to the app.
async fn event(app: &str, event_type: &str, payload: Value) {
    let body = serde_json::to_vec(&json!({ "data": {
        "id": uuid::Uuid::new_v4().to_string(),
        "event_type": event_type,
        "occurred_at": "2026-12-07T18:00:00.000000Z",
        "record_type": "event",
        "payload": payload,
    }}))
    .expect("json");
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let mut message = timestamp.as_bytes().to_vec();
    message.push(b'|');
    message.extend_from_slice(&body);
    let signature = base64::engine::general_purpose::STANDARD.encode(telnyx_key().sign(&message).to_bytes());
    let status = reqwest::Client::new()
        .post(format!("{app}/webhooks/telnyx/calls"))
        .header("content-type", "application/json")
        .header("telnyx-signature-ed25519", signature)
        .header("telnyx-timestamp", timestamp)
        .body(body)
        .send()
        .await
        .expect("webhook")
        .status();
    assert_eq!(status, reqwest::StatusCode::OK, "{event_type}");
}

/// The app's path of a URL it gave us, at the app's real address.
fn at_app(app: &str, url: &str, scheme: &str) -> String {
    let path = url.splitn(4, '/').nth(3).unwrap_or_default();
    format!("{}/{path}", app.replacen("http", scheme, 1))
}

/// One call, as the homeowner lives it.
async fn play(fake: FakeCalls, control_id: String, dial: Value, scenario: Scenario) {
    let app = fake.app.lock().await.clone();
    let state = dial["client_state"].clone();
    let payload = |extra: Value| {
        let mut p =
            json!({ "call_control_id": control_id, "client_state": state, "from": dial["from"], "to": dial["to"] });
        if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
            p.extend(extra.clone());
        }
        p
    };
    let mut log = CallLog::default();
    event(
        &app,
        "call.initiated",
        payload(json!({ "direction": "outgoing", "state": "parked" })),
    )
    .await;
    if scenario.answer == Answer::Nobody {
        event(
            &app,
            "call.hangup",
            payload(json!({ "hangup_cause": "timeout", "hangup_source": "unknown" })),
        )
        .await;
        fake.seen.lock().await.calls.push(log);
        return;
    }
    event(&app, "call.answered", payload(json!({ "state": "answered" }))).await;
    let result = if scenario.answer == Answer::Machine {
        "machine"
    } else {
        "human"
    };
    event(
        &app,
        "call.machine.detection.ended",
        payload(json!({ "result": result })),
    )
    .await;

    let url = at_app(&app, dial["stream_url"].as_str().unwrap_or_default(), "ws");
    let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("the media stream");
    let (mut write, mut read) = socket.split();
    let stream_id = uuid::Uuid::new_v4().to_string();
    let send = |v: Value| Message::Text(v.to_string().into());
    write
        .send(send(json!({ "event": "connected", "version": "1.0.0" })))
        .await
        .expect("connected");
    write
        .send(send(json!({
            "event": "start", "sequence_number": "1", "stream_id": stream_id,
            "start": { "call_control_id": control_id, "media_format": { "encoding": "PCMU", "sample_rate": 8000, "channels": 1 } }
        })))
        .await
        .expect("start");

    // What the app sends, read on its own: marks are echoed (the audio before them has
    // played), clears and media noted.
    #[derive(Debug)]
    enum Heard {
        Media,
        /// A mark, due back once the audio before it has played (8,000 bytes a second).
        Mark(String, Instant),
        Clear(Instant),
    }
    let (heard_tx, mut heard_rx) = mpsc::unbounded_channel();
    let audio = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let reader = {
        let audio = audio.clone();
        tokio::spawn(async move {
            let mut played_until = Instant::now();
            while let Some(Ok(message)) = read.next().await {
                let Message::Text(text) = message else { continue };
                let frame: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                let heard = match frame["event"].as_str() {
                    Some("media") => {
                        let payload = frame["media"]["payload"].as_str().unwrap_or_default();
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(payload)
                            .expect("base64 audio");
                        audio.fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
                        played_until =
                            played_until.max(Instant::now()) + Duration::from_micros(bytes.len() as u64 * 125);
                        Heard::Media
                    }
                    Some("mark") => Heard::Mark(
                        frame["mark"]["name"].as_str().unwrap_or_default().to_owned(),
                        played_until.max(Instant::now()),
                    ),
                    Some("clear") => {
                        // Playback stops; marks queued after this come back at once.
                        played_until = Instant::now();
                        Heard::Clear(Instant::now())
                    }
                    _ => continue,
                };
                if heard_tx.send(heard).is_err() {
                    return;
                }
            }
        })
    };
    let hangup = fake
        .seen
        .lock()
        .await
        .hangup_signals
        .get(&control_id)
        .cloned()
        .expect("signal");
    let answers = answers_of(&scenario.wav);
    let media = |bytes: &[u8]| {
        send(json!({ "event": "media", "stream_id": stream_id,
            "media": { "track": "inbound", "chunk": "1", "timestamp": "0", "payload": base64::engine::general_purpose::STANDARD.encode(bytes) } }))
    };
    let mut acts = scenario.acts.into_iter();
    let mut hung_up_by_her = false;
    'call: loop {
        // Wait for the assistant to finish a turn (its mark), or to hang up.
        let act = acts.next();
        let speak_over = matches!(act, Some(Act::SpeakOver(_)));
        loop {
            tokio::select! {
                _ = hangup.notified() => { log.hung_up_by_app = true; break 'call; }
                heard = heard_rx.recv() => match heard {
                    Some(Heard::Mark(name, at)) => {
                        tokio::time::sleep_until(at.into()).await;
                        log.marks += 1;
                        write.send(send(json!({ "event": "mark", "stream_id": stream_id, "mark": { "name": name } }))).await.expect("mark");
                        if !speak_over { break; }
                    }
                    Some(Heard::Media) if speak_over && log.marks > 0 => break,
                    Some(Heard::Media) => {}
                    Some(Heard::Clear(_)) => log.clears += 1,
                    None => break 'call,
                },
                _ = tokio::time::sleep(Duration::from_secs(15)) => break 'call,
            }
        }
        match act {
            None => {
                // Nothing left to say: wait for the app to end the call.
                tokio::select! {
                    _ = hangup.notified() => log.hung_up_by_app = true,
                    _ = tokio::time::sleep(Duration::from_secs(10)) => {}
                }
                break;
            }
            Some(Act::Say(n)) | Some(Act::SpeakOver(n)) => {
                let started = Instant::now();
                for frame in answers[n].chunks(FRAME) {
                    write.send(media(frame)).await.expect("media");
                }
                for _ in 0..25 {
                    write.send(media(&[SILENCE; FRAME])).await.expect("silence");
                }
                if speak_over {
                    // The assistant must have stopped talking over her.
                    let deadline = tokio::time::sleep(Duration::from_secs(2));
                    tokio::pin!(deadline);
                    loop {
                        tokio::select! {
                            heard = heard_rx.recv() => match heard {
                                Some(Heard::Clear(at)) => { log.clears += 1; log.barge_in = Some(at - started); break; }
                                Some(Heard::Mark(name, at)) => {
                                    tokio::time::sleep_until(at.into()).await;
                                    write.send(send(json!({ "event": "mark", "stream_id": stream_id, "mark": { "name": name } }))).await.expect("mark");
                                }
                                Some(Heard::Media) => {}
                                None => break,
                            },
                            _ = &mut deadline => break,
                        }
                    }
                }
            }
            Some(Act::Press(digit)) => {
                write
                    .send(send(
                        json!({ "event": "dtmf", "stream_id": stream_id, "dtmf": { "digit": digit.to_string() } }),
                    ))
                    .await
                    .expect("dtmf");
            }
            Some(Act::HangUp) => {
                hung_up_by_her = true;
                break;
            }
        }
    }
    let _ = write
        .send(send(
            json!({ "event": "stop", "stream_id": stream_id, "stop": { "call_control_id": control_id } }),
        ))
        .await;
    let _ = write.close().await;
    reader.abort();
    log.assistant_audio = audio.load(std::sync::atomic::Ordering::Relaxed);
    let source = if hung_up_by_her { "callee" } else { "caller" };
    event(
        &app,
        "call.hangup",
        payload(json!({ "hangup_cause": "normal_clearing", "hangup_source": source })),
    )
    .await;
    fake.seen.lock().await.calls.push(log);
}

/// A Deepgram `/v1/listen` on loopback: hears speech by energy, says `SpeechStarted` when it
/// starts, an interim result after 200 ms of it, and, after 300 ms of silence, the next of
/// the scripted transcripts as a final result. `fail_after`: the socket closes after that
/// many sentences, as a provider failing mid-call.
#[derive(Clone)]
pub struct FakeDeepgram {
    pub url: String,
    pub script: Arc<Mutex<Vec<String>>>,
    pub streams: Arc<Mutex<Vec<HashMap<String, String>>>>,
    pub audio: Arc<std::sync::atomic::AtomicUsize>,
    pub fail_after: Arc<Mutex<Option<usize>>>,
}

impl FakeDeepgram {
    pub async fn start(script: &[&str]) -> Self {
        let fake = Self {
            url: String::new(),
            script: Arc::new(Mutex::new(script.iter().map(|s| s.to_string()).collect())),
            streams: Arc::default(),
            audio: Arc::default(),
            fail_after: Arc::default(),
        };
        let router = Router::new().route("/v1/listen", any(listen)).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, ..fake }
    }
}

async fn listen(
    State(fake): State<FakeDeepgram>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok());
    if token != Some(&format!("Token {DEEPGRAM_KEY}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let wanted = [
        ("encoding", "mulaw"),
        ("sample_rate", "8000"),
        ("interim_results", "true"),
        ("vad_events", "true"),
    ];
    if wanted
        .iter()
        .any(|(k, v)| query.get(*k).map(String::as_str) != Some(*v))
        || !query.contains_key("model")
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    fake.streams.lock().await.push(query);
    ws.on_upgrade(move |socket| hear(fake, socket))
}

async fn hear(fake: FakeDeepgram, mut socket: WebSocket) {
    // Each stream is one call: it hears the script from its start.
    let mut script = fake.script.lock().await.clone();
    let (mut speech, mut silence, mut interim_sent, mut sentences) = (0usize, 0usize, false, 0usize);
    let mut seconds = 0.0f64;
    while let Some(Ok(message)) = socket.recv().await {
        let bytes = match message {
            WsMessage::Binary(bytes) => bytes,
            WsMessage::Text(text) if text.contains("CloseStream") => break,
            WsMessage::Close(_) => break,
            _ => continue,
        };
        fake.audio.fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
        seconds += bytes.len() as f64 / 8000.0;
        let mut out = Vec::new();
        if is_speech(&bytes) {
            if speech == 0 {
                out.push(json!({ "type": "SpeechStarted", "channel": [0], "timestamp": seconds }));
            }
            speech += bytes.len();
            silence = 0;
            if speech >= 1600 && !interim_sent {
                interim_sent = true;
                let next = script.first().cloned().unwrap_or_default();
                let first_word = next.split_whitespace().next().unwrap_or_default().to_owned();
                out.push(results(&first_word, false, false, seconds));
            }
        } else if speech > 0 {
            silence += bytes.len();
            if silence >= 2400 {
                let transcript = if script.is_empty() {
                    String::new()
                } else {
                    script.remove(0)
                };
                out.push(results(&transcript, true, true, seconds));
                (speech, silence, interim_sent) = (0, 0, false);
                sentences += 1;
            }
        }
        for message in out {
            if socket.send(WsMessage::Text(message.to_string().into())).await.is_err() {
                return;
            }
        }
        if fake.fail_after.lock().await.is_some_and(|n| sentences >= n) {
            // A provider that drops the stream mid-call.
            return;
        }
    }
}

fn results(transcript: &str, is_final: bool, speech_final: bool, at: f64) -> Value {
    json!({
        "type": "Results", "channel_index": [0, 1], "duration": 0.6, "start": at - 0.6,
        "is_final": is_final, "speech_final": speech_final,
        "channel": { "alternatives": [{ "transcript": transcript, "confidence": 0.97, "words": [] }] },
        "metadata": { "request_id": "fake", "model_uuid": "fake" }
    })
}

/// ElevenLabs' streaming speech on loopback: 16 bytes of μ-law (2 ms) a character, in three
/// chunks: quicker than a person speaks, so tests stay short.
#[derive(Clone)]
pub struct FakeElevenLabs {
    pub base: String,
    pub texts: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeElevenLabs {
    pub async fn start() -> Self {
        let fake = Self {
            base: String::new(),
            texts: Arc::default(),
        };
        let router = Router::new()
            .route("/v1/text-to-speech/{voice}/stream", post(speak))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, ..fake }
    }

    pub async fn said(&self) -> Vec<String> {
        self.texts.lock().await.iter().map(|(_, t)| t.clone()).collect()
    }
}

async fn speak(
    State(fake): State<FakeElevenLabs>,
    Path(voice): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if headers.get("xi-api-key").and_then(|v| v.to_str().ok()) != Some(ELEVENLABS_KEY) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if query.get("output_format").map(String::as_str) != Some("ulaw_8000") || !body["model_id"].is_string() {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    let total = text.len() * 16;
    fake.texts.lock().await.push((voice, text));
    // A low hum: audio, but quiet enough not to be taken for her speech.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..3)
        .map(|i| Ok(vec![0xF0; total / 3 + usize::from(i == 0)]))
        .collect();
    Response::builder()
        .header("content-type", "audio/basic")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .expect("response")
}

/// Anthropic's Messages API on loopback, streaming: each request gets the next scripted
/// answer, (its text, its tool calls), as server-sent events the way the API sends them.
#[derive(Clone)]
pub struct FakeClaude {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Value>>>,
    script: Arc<Mutex<Vec<ScriptedAnswer>>>,
}

pub const ANTHROPIC_KEY: &str = "sk-ant-test";

/// One scripted answer: its text, and its tool calls (name, input).
type ScriptedAnswer = (String, Vec<(String, Value)>);

impl FakeClaude {
    pub async fn start(script: Vec<(&str, Vec<(&str, Value)>)>) -> Self {
        let fake = Self {
            base: String::new(),
            requests: Arc::default(),
            script: Arc::new(Mutex::new(
                script
                    .into_iter()
                    .map(|(text, tools)| {
                        (
                            text.to_owned(),
                            tools.into_iter().map(|(n, i)| (n.to_owned(), i)).collect(),
                        )
                    })
                    .collect(),
            )),
        };
        let router = Router::new()
            .route("/v1/messages", post(messages))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, ..fake }
    }
}

async fn messages(State(fake): State<FakeClaude>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    if header("x-api-key") != ANTHROPIC_KEY || header("anthropic-version") != "2023-06-01" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "type": "error", "error": { "type": "authentication_error" } })),
        )
            .into_response();
    }
    if body["stream"] != true || !body["tools"].is_array() || body["messages"][0]["role"] != "user" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "type": "error", "error": { "type": "invalid_request_error" } })),
        )
            .into_response();
    }
    fake.requests.lock().await.push(body);
    let (text, tools) = {
        let mut script = fake.script.lock().await;
        if script.is_empty() {
            ("Goodbye.".to_owned(), vec![("end_call".to_owned(), json!({}))])
        } else {
            script.remove(0)
        }
    };
    let mut events = vec![
        json!({ "type": "message_start", "message": { "id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "claude", "stop_reason": null, "usage": { "input_tokens": 10, "output_tokens": 1 } } }),
        json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } }),
        json!({ "type": "ping" }),
    ];
    for word in text.split_inclusive(' ') {
        events.push(
            json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": word } }),
        );
    }
    events.push(json!({ "type": "content_block_stop", "index": 0 }));
    for (i, (name, input)) in tools.iter().enumerate() {
        let index = i + 1;
        events.push(json!({ "type": "content_block_start", "index": index, "content_block": { "type": "tool_use", "id": format!("toolu_{index}"), "name": name, "input": {} } }));
        let input = input.to_string();
        let (a, b) = input.split_at(input.len() / 2);
        for part in ["", a, b] {
            events.push(json!({ "type": "content_block_delta", "index": index, "delta": { "type": "input_json_delta", "partial_json": part } }));
        }
        events.push(json!({ "type": "content_block_stop", "index": index }));
    }
    let stop = if tools.is_empty() { "end_turn" } else { "tool_use" };
    events.push(json!({ "type": "message_delta", "delta": { "stop_reason": stop, "stop_sequence": null }, "usage": { "output_tokens": 30 } }));
    events.push(json!({ "type": "message_stop" }));
    let body: String = events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or_default()))
        .collect();
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(body))
        .expect("response")
}
