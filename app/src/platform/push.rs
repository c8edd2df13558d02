//! Web Push (RFC 8030) to the browsers where people turn alerts on: each message encrypted for
//! that browser alone (RFC 8291, `aes128gcm` of RFC 8188), and signed for the push service with
//! our VAPID key (RFC 8292). A subscription names a URL we will POST to, so only the push
//! services on an allow-list are accepted: no request ever goes to an address a user chose.
#![cfg(feature = "ssr")]

use std::time::Duration;

use aes_gcm::{Aes128Gcm, KeyInit, Nonce, aead::Aead};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use hmac::{Hmac, Mac};
use p256::{
    PublicKey, SecretKey,
    ecdsa::{Signature, SigningKey, signature::Signer},
    elliptic_curve::sec1::ToEncodedPoint,
};
use sha2::Sha256;

/// The record size in the header: one record carries the whole message.
const RECORD_SIZE: u32 = 4096;
/// The most a message may hold: what fits one record after the delimiter and the AEAD tag,
/// with room under the 4 KB every push service accepts.
pub const MAX_PAYLOAD: usize = 3000;

/// Where a browser's push service delivers, and the keys its messages are encrypted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    /// The browser's P-256 public key, uncompressed (65 bytes).
    pub p256dh: Vec<u8>,
    /// The browser's authentication secret (16 bytes).
    pub auth: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    /// What was given is not a subscription we accept; the message names the field.
    #[error("{field}: {problem}")]
    Invalid { field: &'static str, problem: String },
    /// The browser unsubscribed or the subscription expired (404, 410): forget it.
    #[error("the subscription is gone")]
    Gone,
    /// The push service refused this message as it is (400, 413, 403).
    #[error("refused: {0}")]
    Refused(String),
    /// The push service was unreachable or busy (429, 5xx): try again later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

fn invalid(field: &'static str, problem: &str) -> PushError {
    PushError::Invalid {
        field,
        problem: problem.to_owned(),
    }
}

impl Subscription {
    /// A subscription from `PushSubscription.toJSON()`'s fields (keys in base64url), checked.
    pub fn parse(endpoint: &str, p256dh: &str, auth: &str) -> Result<Self, PushError> {
        let endpoint = endpoint.trim();
        if endpoint.len() > 1000 || reqwest::Url::parse(endpoint).is_err() {
            return Err(invalid("endpoint", "not a push service address"));
        }
        let decode = |field, value: &str| {
            B64URL
                .decode(value.trim().trim_end_matches('='))
                .map_err(|_| invalid(field, "not base64url"))
        };
        let p256dh = decode("p256dh", p256dh)?;
        if PublicKey::from_sec1_bytes(&p256dh).is_err() || p256dh.len() != 65 {
            return Err(invalid("p256dh", "not an uncompressed P-256 public key"));
        }
        let auth = decode("auth", auth)?;
        if auth.len() != 16 {
            return Err(invalid("auth", "must be 16 bytes"));
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            p256dh,
            auth,
        })
    }
}

/// HMAC-SHA-256 over the parts, in order: HKDF's extract, and its expand for one block.
fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Encrypts `plaintext` for one browser (RFC 8291 section 3.4), from our one-use key `sender`
/// and a fresh `salt`: header (salt, record size, our public key) then the one record.
pub fn encrypt(to: &Subscription, plaintext: &[u8], sender: &SecretKey, salt: [u8; 16]) -> Result<Vec<u8>, PushError> {
    if plaintext.len() > MAX_PAYLOAD {
        return Err(invalid("payload", "longer than a push message may be"));
    }
    let browser = PublicKey::from_sec1_bytes(&to.p256dh).map_err(|_| invalid("p256dh", "not a P-256 key"))?;
    let ours = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), browser.as_affine());
    // IKM = HKDF(auth, ecdh, "WebPush: info" 0 ua_public as_public, 32)
    let prk_key = hmac(&to.auth, &[shared.raw_secret_bytes().as_slice()]);
    let ikm = hmac(&prk_key, &[b"WebPush: info\0", &to.p256dh, ours.as_bytes(), &[1]]);
    // CEK and nonce from HKDF(salt, IKM).
    let prk = hmac(&salt, &[&ikm]);
    let cek = hmac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
    let nonce = hmac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(2); // the last (and only) record's delimiter
    let sealed = Aes128Gcm::new_from_slice(&cek[..16])
        .expect("a 16-byte key")
        .encrypt(Nonce::from_slice(&nonce[..12]), record.as_slice())
        .map_err(|_| invalid("payload", "could not be encrypted"))?;
    let mut body = Vec::with_capacity(86 + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(ours.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// Our VAPID identity: the key push services know our messages by, and who to contact.
#[derive(Clone)]
pub struct Vapid {
    key: SigningKey,
    /// `mailto:` or `https:` address of the sender (RFC 8292 `sub`).
    subject: String,
}

impl Vapid {
    /// From the 32-byte private key in base64url (what `web-push generate-vapid-keys` prints).
    pub fn from_base64(private_key: &str, subject: &str) -> Result<Self, String> {
        let bytes = B64URL
            .decode(private_key.trim().trim_end_matches('='))
            .map_err(|_| "not base64url".to_owned())?;
        let key = SigningKey::from_slice(&bytes).map_err(|_| "not a 32-byte P-256 private key".to_owned())?;
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err(format!("the subject {subject:?} must be a mailto: or https:// address"));
        }
        Ok(Self {
            key,
            subject: subject.to_owned(),
        })
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> String {
        B64URL.encode(self.key.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for a message to `endpoint`, valid
    /// until `expires` (Unix seconds; push services refuse more than 24 hours ahead).
    pub fn authorization(&self, endpoint: &reqwest::Url, expires: i64) -> String {
        let header = B64URL.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = B64URL.encode(
            serde_json::json!({
                "aud": endpoint.origin().ascii_serialization(),
                "exp": expires,
                "sub": self.subject,
            })
            .to_string(),
        );
        let signed = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signed.as_bytes());
        format!(
            "vapid t={signed}.{}, k={}",
            B64URL.encode(signature.to_bytes()),
            self.public_key()
        )
    }
}

/// Sends Web Push messages to the push services on the allow-list.
#[derive(Clone)]
pub struct WebPush {
    http: reqwest::Client,
    vapid: Vapid,
    /// Origins accepted as push services; `https://*.example.com` takes any subdomain.
    services: Vec<String>,
}

/// The browsers' push services: Chrome and Edge (FCM), Firefox, Safari, Windows.
pub const PUSH_SERVICES: &str = "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,https://web.push.apple.com,https://*.push.apple.com,https://*.notify.windows.com";

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPush")
            .field("public_key", &self.public_key())
            .field("services", &self.services)
            .finish()
    }
}

impl WebPush {
    pub fn new(vapid: Vapid, services: Vec<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            vapid,
            services,
        }
    }

    pub fn public_key(&self) -> String {
        self.vapid.public_key()
    }

    /// Whether `endpoint` belongs to an allowed push service.
    pub fn allows(&self, endpoint: &str) -> bool {
        let Ok(url) = reqwest::Url::parse(endpoint) else {
            return false;
        };
        let origin = url.origin().ascii_serialization();
        self.services.iter().any(|allowed| match allowed.split_once("://*.") {
            Some((scheme, domain)) => {
                url.scheme() == scheme
                    && url.port().is_none()
                    && url.host_str().is_some_and(|host| host.ends_with(&format!(".{domain}")))
            }
            None => origin == *allowed,
        })
    }

    /// Encrypts `payload` for `to` and hands it to its push service, to be kept for up to
    /// `ttl` while the device is offline.
    pub async fn send(&self, to: &Subscription, payload: &[u8], ttl: Duration) -> Result<(), PushError> {
        if !self.allows(&to.endpoint) {
            return Err(invalid("endpoint", "not one of the push services we send to"));
        }
        let endpoint = reqwest::Url::parse(&to.endpoint).map_err(|_| invalid("endpoint", "not an address"))?;
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let sender = SecretKey::random(&mut OsRng);
        let body = encrypt(to, payload, &sender, salt)?;
        let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 12 * 3600;
        let response = self
            .http
            .post(endpoint.clone())
            .header("TTL", ttl.as_secs().to_string())
            .header("Urgency", "high")
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", self.vapid.authorization(&endpoint, expires))
            .body(body)
            .send()
            .await
            .map_err(|e| PushError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        match status.as_u16() {
            200..=299 => Ok(()),
            404 | 410 => Err(PushError::Gone),
            429 | 500..=599 => Err(PushError::Unavailable(status.to_string())),
            _ => {
                let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
                Err(PushError::Refused(format!("{status} {text}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        B64URL.decode(s).expect("base64url")
    }

    /// RFC 8291 appendix A: the worked example, byte for byte.
    #[test]
    fn encryption_matches_the_rfc_8291_example() {
        let to = Subscription::parse(
            "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV",
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
            "BTBZMqHH6r4Tts7J_aSIgg",
        )
        .expect("the RFC's subscription");
        let sender = SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).expect("key");
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().expect("16 bytes");
        let body = encrypt(&to, b"When I grow up, I want to be a watermelon", &sender, salt).expect("encrypt");
        assert_eq!(
            B64URL.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn subscriptions_name_the_field_that_is_wrong() {
        let key = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        let field = |r: Result<Subscription, PushError>| match r {
            Err(PushError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(Subscription::parse("not a url", key, "BTBZMqHH6r4Tts7J_aSIgg")),
            "endpoint"
        );
        assert_eq!(
            field(Subscription::parse(
                "https://a.test/x",
                "AAAA",
                "BTBZMqHH6r4Tts7J_aSIgg"
            )),
            "p256dh"
        );
        assert_eq!(field(Subscription::parse("https://a.test/x", key, "AAAA")), "auth");
    }

    #[test]
    fn only_listed_push_services_are_allowed() {
        let vapid =
            Vapid::from_base64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw", "mailto:ops@example.com").expect("key");
        let push = WebPush::new(vapid, PUSH_SERVICES.split(',').map(str::to_owned).collect());
        assert!(push.allows("https://fcm.googleapis.com/fcm/send/abc"));
        assert!(push.allows("https://wns2-by3p.notify.windows.com/w/?token=x"));
        for refused in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com.evil.test/x",
            "https://notify.windows.com.evil.test/x",
            "https://evilnotify.windows.com/x",
            "https://127.0.0.1/x",
            "https://fcm.googleapis.com:8443/x",
        ] {
            assert!(!push.allows(refused), "{refused}");
        }
        assert!(Vapid::from_base64("AAAA", "mailto:a@b.c").is_err());
        assert!(Vapid::from_base64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw", "ops@example.com").is_err());
    }
}
