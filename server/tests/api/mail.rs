//! A real SMTP server on loopback (mailin), receiving what the outbox worker sends.

use std::{
    io,
    net::TcpListener,
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin_embedded::{Handler, Response, Server, response};

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as sent, with quoted-printable soft breaks and escapes decoded.
    pub data: String,
    /// The message's bytes exactly as they arrived (what a DKIM verifier reads).
    pub raw: Vec<u8>,
}

#[derive(Clone, Default)]
struct Collector {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let data = decode_quoted_printable(&String::from_utf8_lossy(&self.data));
        self.inbox.lock().expect("inbox").push(Received {
            to: std::mem::take(&mut self.to),
            data,
            raw: std::mem::take(&mut self.data),
        });
        response::OK
    }
}

pub struct MailServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl MailServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let port = listener.local_addr().expect("addr").port();
        let collector = Collector::default();
        let inbox = collector.inbox.clone();
        let mut server = Server::new(collector);
        server.with_name("smtp.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, inbox }
    }

    /// Waits up to ten seconds for the `n`th message (counting from 1) sent to `to`.
    pub async fn message_to(&self, to: &str, n: usize) -> Received {
        for _ in 0..100 {
            let found = self
                .inbox
                .lock()
                .expect("inbox")
                .iter()
                .filter(|m| m.to.iter().any(|t| t == to))
                .nth(n - 1)
                .cloned();
            if let Some(message) = found {
                return message;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message #{n} for {to} within 10 s");
    }

    pub fn count_to(&self, to: &str) -> usize {
        self.inbox
            .lock()
            .expect("inbox")
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .count()
    }
}

impl Received {
    /// The token of the first link to `path` (e.g. "/verify") in the message.
    pub fn token_for(&self, path: &str) -> String {
        let marker = format!("{path}?token=");
        let start = self
            .data
            .find(&marker)
            .unwrap_or_else(|| panic!("no {path} link in {}", self.data))
            + marker.len();
        self.data[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

impl Received {
    /// The token of the last link in the message, whatever page it opens.
    pub fn latest_token(&self) -> String {
        let start = self
            .data
            .rfind("?token=")
            .unwrap_or_else(|| panic!("no link in {}", self.data))
            + "?token=".len();
        self.data[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(hi * 16 + lo).expect("two hex digits"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
