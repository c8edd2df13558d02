//! A DNS server on loopback (UDP) answering TXT queries from a zone the test edits: what the
//! app's resolver and the DKIM verifier both ask.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use hickory_proto::{
    op::{Message, Metadata, ResponseCode},
    rr::{RData, Record, RecordType, rdata::TXT},
};
use tokio::net::UdpSocket;

#[derive(Clone)]
pub struct FakeDns {
    pub addr: SocketAddr,
    zone: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl FakeDns {
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind DNS");
        let addr = socket.local_addr().expect("addr");
        let zone: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
        let records = zone.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
                let Ok(request) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let answer = answer(&request, &records.lock().expect("zone"));
                if let Ok(bytes) = answer.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        Self { addr, zone }
    }

    /// Publishes a TXT record (replacing the name's others).
    pub fn txt(&self, name: &str, value: &str) {
        self.zone
            .lock()
            .expect("zone")
            .insert(name.trim_end_matches('.').to_ascii_lowercase(), vec![value.to_owned()]);
    }
}

fn answer(request: &Message, zone: &HashMap<String, Vec<String>>) -> Message {
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata = Metadata::response_from_request(&request.metadata);
    response.metadata.authoritative = true;
    response.queries = request.queries.clone();
    response.edns = request.edns.clone();
    for query in &request.queries {
        let name = query.name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
        match zone.get(&name) {
            None => response.metadata.response_code = ResponseCode::NXDomain,
            Some(values) if query.query_type == RecordType::TXT => {
                for value in values {
                    // One TXT record of 255-byte strings, as DNS providers split a long key.
                    let parts: Vec<&[u8]> = value.as_bytes().chunks(255).collect();
                    response.answers.push(Record::from_rdata(
                        query.name.clone(),
                        60,
                        RData::TXT(TXT::from_bytes(parts)),
                    ));
                }
            }
            Some(_) => {}
        }
    }
    response
}
