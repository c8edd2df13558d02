//! Encryption at rest for health free text (notes): AES-256-GCM, a fresh 96-bit nonce
//! per value, stored as nonce || ciphertext. The key comes from configuration.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, rand_core::RngCore},
};
use argon2::password_hash::rand_core::OsRng;
use base64::{Engine, engine::general_purpose::STANDARD};

#[derive(Clone)]
pub struct HealthKey(Aes256Gcm);

#[derive(Debug, thiserror::Error)]
#[error("stored health text could not be decrypted")]
pub struct CryptoError;

/// Used only in development, so that `run` works with no secrets set up.
const DEVELOPMENT_KEY: [u8; 32] = *b"development only: never use this";

impl HealthKey {
    /// A key from `HEALTH_DATA_KEY`: 32 bytes, base64.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| "not valid base64".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must decode to exactly 32 bytes".to_owned())?;
        Ok(Self(Aes256Gcm::new(&key.into())))
    }

    /// True when `encoded` is the development key, which is in the public source.
    pub fn is_published(encoded: &str) -> bool {
        STANDARD
            .decode(encoded.trim())
            .is_ok_and(|bytes| bytes == DEVELOPMENT_KEY)
    }

    pub fn development() -> Self {
        Self(Aes256Gcm::new(&DEVELOPMENT_KEY.into()))
    }

    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encrypts any length we store");
        [nonce.as_slice(), &ciphertext].concat()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, CryptoError> {
        if sealed.len() < 12 {
            return Err(CryptoError);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let plaintext = self
            .0
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError)?;
        String::from_utf8(plaintext).map_err(|_| CryptoError)
    }
}

impl std::fmt::Debug for HealthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HealthKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_never_shows_in_clear() {
        let key = HealthKey::development();
        let sealed = key.seal("bleeding a little since morning");
        assert!(!sealed.windows(8).any(|w| w == b"bleeding"));
        assert_eq!(key.open(&sealed).expect("opens"), "bleeding a little since morning");
        assert_ne!(key.seal("same"), key.seal("same"), "a fresh nonce each time");

        let other = HealthKey::from_base64(&STANDARD.encode([7u8; 32])).expect("key");
        assert!(other.open(&sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(key.open(&tampered).is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(HealthKey::from_base64("short").is_err());
        assert!(HealthKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(HealthKey::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
    }
}
