//! The outside services a call uses, each behind a small trait: Telnyx Call Control (dial,
//! hang up, and its own `speak` as the fallback voice), speech to text (Deepgram's streaming
//! `/v1/listen`) and text to speech (ElevenLabs' streaming endpoint, μ-law 8 kHz). Field names
//! follow the providers' published API references.

use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt, future::BoxFuture};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct ProviderError {
    pub provider: &'static str,
    pub message: String,
}

impl ProviderError {
    pub fn new(provider: &'static str, message: impl Into<String>) -> Self {
        Self {
            provider,
            message: message.into(),
        }
    }
}

/// What Telnyx is asked to dial.
#[derive(Debug, Clone)]
pub struct Dial {
    pub to: String,
    pub from: String,
    /// `wss://…/webhooks/telnyx/media/<token>`: where Telnyx streams the call's audio.
    pub stream_url: String,
    pub webhook_url: String,
    /// Our call id, echoed in every webhook (`client_state` must be base64).
    pub call_id: uuid::Uuid,
    pub time_limit_secs: i64,
}

/// Placing and ending calls.
pub trait CallControl: Send + Sync {
    /// Dials; Telnyx's `call_control_id`.
    fn dial<'a>(&'a self, dial: &'a Dial) -> BoxFuture<'a, Result<String, ProviderError>>;
    fn hangup<'a>(&'a self, call_control_id: &'a str) -> BoxFuture<'a, Result<(), ProviderError>>;
    /// Telnyx speaks the text on the call itself: the voice when no speech service is set up.
    fn speak<'a>(&'a self, call_control_id: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), ProviderError>>;
}

/// Telnyx Call Control v2 (`POST /v2/calls`, `/v2/calls/{id}/actions/hangup|speak`).
pub struct TelnyxCalls {
    pub http: reqwest::Client,
    pub api_base: String,
    pub api_key: String,
    /// The Call Control Application's id.
    pub connection_id: String,
}

#[derive(Deserialize)]
struct DialAnswer {
    data: DialData,
}

#[derive(Deserialize)]
struct DialData {
    call_control_id: String,
}

impl TelnyxCalls {
    async fn post(&self, path: &str, body: serde_json::Value) -> Result<reqwest::Response, ProviderError> {
        let url = format!("{}{path}", self.api_base.trim_end_matches('/'));
        self.http
            .post(url)
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| ProviderError::new("telnyx", format!("unreachable: {e}")))
    }

    async fn action(&self, call_control_id: &str, action: &str, body: serde_json::Value) -> Result<(), ProviderError> {
        let id: String = url_segment(call_control_id);
        let answer = self.post(&format!("/v2/calls/{id}/actions/{action}"), body).await?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let text = answer.text().await.unwrap_or_default();
        // 90018: the call has already ended, which is what a hangup wants.
        if action == "hangup" && status.as_u16() == 422 && text.contains("90018") {
            return Ok(());
        }
        Err(ProviderError::new("telnyx", format!("{action} answered {status}")))
    }
}

fn url_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl CallControl for TelnyxCalls {
    fn dial<'a>(&'a self, dial: &'a Dial) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let body = serde_json::json!({
                "connection_id": self.connection_id,
                "to": dial.to,
                "from": dial.from,
                "answering_machine_detection": "detect",
                "stream_url": dial.stream_url,
                "stream_track": "inbound_track",
                "stream_bidirectional_mode": "rtp",
                "stream_bidirectional_codec": "PCMU",
                "stream_bidirectional_sampling_rate": 8000,
                "client_state": base64::engine::general_purpose::STANDARD.encode(dial.call_id.to_string()),
                "webhook_url": dial.webhook_url,
                "timeout_secs": 30,
                "time_limit_secs": dial.time_limit_secs,
                "command_id": dial.call_id.to_string(),
            });
            let answer = self.post("/v2/calls", body).await?;
            let status = answer.status();
            if !status.is_success() {
                return Err(ProviderError::new("telnyx", format!("dial answered {status}")));
            }
            let answer: DialAnswer = answer
                .json()
                .await
                .map_err(|e| ProviderError::new("telnyx", format!("unreadable dial answer: {e}")))?;
            Ok(answer.data.call_control_id)
        })
    }

    fn hangup<'a>(&'a self, call_control_id: &'a str) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(self.action(call_control_id, "hangup", serde_json::json!({})))
    }

    fn speak<'a>(&'a self, call_control_id: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), ProviderError>> {
        let payload: String = text.chars().take(3000).collect();
        Box::pin(self.action(
            call_control_id,
            "speak",
            serde_json::json!({ "payload": payload, "voice": "female", "language": "en-US" }),
        ))
    }
}

/// What the recogniser heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// She started speaking (the assistant stops talking over her).
    SpeechStarted,
    /// Words so far, which may still change.
    Interim(String),
    /// She finished a sentence: everything she said since the last one.
    Final(String),
}

/// An open recognition stream: μ-law 8 kHz audio in, what was heard out.
pub struct Listening {
    pub audio: mpsc::Sender<Vec<u8>>,
    pub heard: mpsc::Receiver<Result<Heard, ProviderError>>,
}

pub trait SpeechToText: Send + Sync {
    fn listen(&self) -> BoxFuture<'_, Result<Listening, ProviderError>>;
}

/// Deepgram's streaming recogniser.
pub struct Deepgram {
    /// `wss://api.deepgram.com` (tests: a loopback peer's `ws://` address).
    pub base: String,
    pub api_key: String,
    pub model: String,
}

#[derive(Deserialize)]
struct DeepgramMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    is_final: bool,
    #[serde(default)]
    speech_final: bool,
    channel: Option<DeepgramChannel>,
}

#[derive(Deserialize)]
struct DeepgramChannel {
    alternatives: Vec<DeepgramAlternative>,
}

#[derive(Deserialize)]
struct DeepgramAlternative {
    transcript: String,
}

impl SpeechToText for Deepgram {
    fn listen(&self) -> BoxFuture<'_, Result<Listening, ProviderError>> {
        Box::pin(async move {
            let url = format!(
                "{}/v1/listen?model={}&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true\
                 &endpointing=300&utterance_end_ms=1000&vad_events=true&punctuate=true&smart_format=true",
                self.base.trim_end_matches('/'),
                self.model
            );
            let fail = |e: String| ProviderError::new("deepgram", e);
            let mut request = url.into_client_request().map_err(|e| fail(e.to_string()))?;
            let token = format!("Token {}", self.api_key)
                .parse()
                .map_err(|_| fail("the API key is not a valid header".into()))?;
            request.headers_mut().insert("authorization", token);
            let (socket, _) = tokio::time::timeout(Duration::from_secs(5), tokio_tungstenite::connect_async(request))
                .await
                .map_err(|_| fail("no answer within 5 seconds".into()))?
                .map_err(|e| fail(format!("could not connect: {e}")))?;
            let (audio_tx, mut audio_rx) = mpsc::channel::<Vec<u8>>(64);
            let (heard_tx, heard_rx) = mpsc::channel(32);
            tokio::spawn(async move {
                let (mut write, mut read) = socket.split();
                let mut sentence: Vec<String> = Vec::new();
                let mut keep_alive = tokio::time::interval(Duration::from_secs(4));
                keep_alive.tick().await;
                loop {
                    tokio::select! {
                        audio = audio_rx.recv() => match audio {
                            Some(bytes) => {
                                if write.send(Message::Binary(bytes.into())).await.is_err() {
                                    let _ = heard_tx.send(Err(fail("the stream closed".into()))).await;
                                    return;
                                }
                            }
                            None => {
                                let _ = write.send(Message::Text(r#"{"type":"CloseStream"}"#.into())).await;
                                return;
                            }
                        },
                        _ = keep_alive.tick() => {
                            let _ = write.send(Message::Text(r#"{"type":"KeepAlive"}"#.into())).await;
                        }
                        message = read.next() => {
                            let text = match message {
                                Some(Ok(Message::Text(text))) => text,
                                Some(Ok(_)) => continue,
                                Some(Err(e)) => {
                                    let _ = heard_tx.send(Err(fail(format!("stream error: {e}")))).await;
                                    return;
                                }
                                None => {
                                    let _ = heard_tx.send(Err(fail("the stream ended".into()))).await;
                                    return;
                                }
                            };
                            let Ok(message) = serde_json::from_str::<DeepgramMessage>(&text) else { continue };
                            for heard in read_message(message, &mut sentence) {
                                if heard_tx.send(Ok(heard)).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            });
            Ok(Listening {
                audio: audio_tx,
                heard: heard_rx,
            })
        })
    }
}

/// Deepgram's results into what she said: final segments gather into a sentence, which
/// ends at an endpoint (`speech_final`) or an `UtteranceEnd`.
fn read_message(message: DeepgramMessage, sentence: &mut Vec<String>) -> Vec<Heard> {
    let mut heard = Vec::new();
    match message.kind.as_str() {
        "SpeechStarted" => heard.push(Heard::SpeechStarted),
        "Results" => {
            let transcript = message
                .channel
                .and_then(|c| c.alternatives.into_iter().next())
                .map(|a| a.transcript.trim().to_owned())
                .unwrap_or_default();
            if message.is_final {
                if !transcript.is_empty() {
                    sentence.push(transcript);
                }
            } else if !transcript.is_empty() {
                heard.push(Heard::Interim(transcript));
            }
            if message.speech_final && !sentence.is_empty() {
                heard.push(Heard::Final(std::mem::take(sentence).join(" ")));
            }
        }
        "UtteranceEnd" if !sentence.is_empty() => {
            heard.push(Heard::Final(std::mem::take(sentence).join(" ")));
        }
        _ => {}
    }
    heard
}

/// Audio in chunks as the voice service makes it: μ-law, 8 kHz, mono, no header.
pub type Audio = mpsc::Receiver<Result<Vec<u8>, ProviderError>>;

pub trait TextToSpeech: Send + Sync {
    fn synthesize<'a>(&'a self, text: &'a str, voice: &'a str) -> BoxFuture<'a, Result<Audio, ProviderError>>;
}

/// ElevenLabs' streaming speech (`POST /v1/text-to-speech/{voice_id}/stream`).
pub struct ElevenLabs {
    pub http: reqwest::Client,
    pub base: String,
    pub api_key: String,
    pub model: String,
    /// The voice when her settings name none.
    pub default_voice: String,
}

impl TextToSpeech for ElevenLabs {
    fn synthesize<'a>(&'a self, text: &'a str, voice: &'a str) -> BoxFuture<'a, Result<Audio, ProviderError>> {
        Box::pin(async move {
            let voice = if voice.is_empty() { &self.default_voice } else { voice };
            let url = format!(
                "{}/v1/text-to-speech/{}/stream?output_format=ulaw_8000",
                self.base.trim_end_matches('/'),
                url_segment(voice)
            );
            let answer = self
                .http
                .post(url)
                .header("xi-api-key", &self.api_key)
                .json(&serde_json::json!({ "text": text, "model_id": self.model }))
                .send()
                .await
                .map_err(|e| ProviderError::new("elevenlabs", format!("unreachable: {e}")))?;
            let status = answer.status();
            if !status.is_success() {
                return Err(ProviderError::new("elevenlabs", format!("answered {status}")));
            }
            let (tx, rx) = mpsc::channel(16);
            tokio::spawn(async move {
                let mut body = answer.bytes_stream();
                let mut first = true;
                while let Some(chunk) = body.next().await {
                    let chunk = chunk
                        .map(|bytes| {
                            let bytes = bytes.to_vec();
                            // A WAV header, if one came, is not audio.
                            if std::mem::take(&mut first) && bytes.starts_with(b"RIFF") && bytes.len() >= 44 {
                                bytes[44..].to_vec()
                            } else {
                                bytes
                            }
                        })
                        .map_err(|e| ProviderError::new("elevenlabs", format!("stream broke: {e}")));
                    if tx.send(chunk).await.is_err() {
                        return;
                    }
                }
            });
            Ok(rx)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(transcript: &str, is_final: bool, speech_final: bool) -> DeepgramMessage {
        DeepgramMessage {
            kind: "Results".into(),
            is_final,
            speech_final,
            channel: Some(DeepgramChannel {
                alternatives: vec![DeepgramAlternative {
                    transcript: transcript.into(),
                }],
            }),
        }
    }

    #[test]
    fn final_segments_gather_into_one_sentence() {
        let mut sentence = Vec::new();
        assert_eq!(
            read_message(results("yes", false, false), &mut sentence),
            [Heard::Interim("yes".into())]
        );
        assert!(read_message(results("Yes,", true, false), &mut sentence).is_empty());
        assert_eq!(
            read_message(results("the second one.", true, true), &mut sentence),
            [Heard::Final("Yes, the second one.".into())]
        );
        // An utterance end with nothing gathered says nothing.
        let end = DeepgramMessage {
            kind: "UtteranceEnd".into(),
            is_final: false,
            speech_final: false,
            channel: None,
        };
        assert!(read_message(end, &mut sentence).is_empty());
        assert_eq!(url_segment("v3:a/b c"), "v3%3Aa%2Fb%20c");
    }
}
