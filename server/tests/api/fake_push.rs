//! A push service on loopback, and the browser behind it: it takes `POST /push/{id}` as a real
//! push service does (201, or 410 for a subscription it has dropped), checks the VAPID
//! signature against the key in the request, and opens each message with the browser's own
//! keys (RFC 8291), written here independently of the sender's code.

use std::{collections::HashSet, sync::Arc};

use aes_gcm::{Aes128Gcm, KeyInit, Nonce, aead::Aead};
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use p256::{
    PublicKey, SecretKey,
    ecdsa::{Signature, VerifyingKey, signature::Verifier},
    elliptic_curve::sec1::ToEncodedPoint,
};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Mutex;

/// One message as the push service received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    gone: HashSet<String>,
}

#[derive(Clone)]
pub struct FakePush {
    /// `http://127.0.0.1:<port>`: the origin to allow in PUSH_SERVICES.
    pub origin: String,
    inner: Arc<Mutex<Inner>>,
}

/// A browser's subscription keys: what `pushManager.subscribe` makes.
pub struct Browser {
    secret: SecretKey,
    pub auth: [u8; 16],
}

impl Browser {
    pub fn new(seed: u8) -> Self {
        let mut bytes = [seed; 32];
        bytes[0] = 1; // below the curve order whatever the seed
        Self {
            secret: SecretKey::from_slice(&bytes).expect("a valid scalar"),
            auth: [seed; 16],
        }
    }

    pub fn p256dh(&self) -> String {
        B64.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    pub fn auth(&self) -> String {
        B64.encode(self.auth)
    }

    /// Opens an `aes128gcm` body sent to this browser, as RFC 8291 section 3.4 derives it.
    pub fn open(&self, body: &[u8]) -> Option<Vec<u8>> {
        let (salt, rest) = body.split_at_checked(16)?;
        let (_record_size, rest) = rest.split_at_checked(4)?;
        let (&id_len, rest) = rest.split_first()?;
        let (sender, ciphertext) = rest.split_at_checked(usize::from(id_len))?;
        let sender_key = PublicKey::from_sec1_bytes(sender).ok()?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender_key.as_affine());
        let mac = |key: &[u8], data: &[&[u8]]| {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("key");
            data.iter().for_each(|d| m.update(d));
            m.finalize().into_bytes().to_vec()
        };
        let ours = self.secret.public_key().to_encoded_point(false);
        let prk_key = mac(&self.auth, &[shared.raw_secret_bytes().as_slice()]);
        let ikm = mac(&prk_key, &[b"WebPush: info\0", ours.as_bytes(), sender, &[1]]);
        let prk = mac(salt, &[&ikm]);
        let cek = mac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
        let nonce = mac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);
        let mut plain = Aes128Gcm::new_from_slice(&cek[..16])
            .ok()?
            .decrypt(Nonce::from_slice(&nonce[..12]), ciphertext)
            .ok()?;
        // The last record ends in 0x02, then any zero padding.
        while plain.last() == Some(&0) {
            plain.pop();
        }
        (plain.pop() == Some(2)).then_some(plain)
    }
}

/// The claims of a VAPID `Authorization` header, when its ES256 signature holds for its own
/// `k` key; and that key.
pub fn vapid_claims(authorization: &str) -> Option<(Value, String)> {
    let rest = authorization.strip_prefix("vapid ")?;
    let (mut token, mut key) = (None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => token = Some(t.to_owned()),
            Some(("k", k)) => key = Some(k.to_owned()),
            _ => {}
        }
    }
    let (token, key) = (token?, key?);
    let verifying = VerifyingKey::from_sec1_bytes(&B64.decode(&key).ok()?).ok()?;
    let (signed, signature) = token.rsplit_once('.')?;
    let signature = Signature::from_slice(&B64.decode(signature).ok()?).ok()?;
    verifying.verify(signed.as_bytes(), &signature).ok()?;
    let (header, claims) = signed.split_once('.')?;
    let header: Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    (header["alg"] == "ES256").then_some(())?;
    Some((serde_json::from_slice(&B64.decode(claims).ok()?).ok()?, key))
}

impl FakePush {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { origin, inner }
    }

    pub fn endpoint(&self, id: &str) -> String {
        format!("{}/push/{id}", self.origin)
    }

    /// From now on the service answers 410 Gone for `id`.
    pub async fn drop_subscription(&self, id: &str) {
        self.inner.lock().await.gone.insert(id.to_owned());
    }

    pub async fn received(&self) -> Vec<Received> {
        self.inner.lock().await.received.clone()
    }

    /// Waits up to 10 s for the `n`th message to arrive.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received().await;
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{n} push messages did not arrive in 10 s");
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut inner = inner.lock().await;
    inner.received.push(Received {
        id: id.clone(),
        headers,
        body: body.to_vec(),
    });
    if inner.gone.contains(&id) {
        StatusCode::GONE
    } else {
        StatusCode::CREATED
    }
}
