//! Encryption at rest for health free text (notes), export files and operators' second-factor
//! secrets: AES-256-GCM with a fresh 96-bit nonce per value. A sealed value is
//! `1 || key id (4) || nonce (12) || ciphertext`; its associated data names the table, the
//! row and the key id, so a value copied into another row (or another table) does not open.
//! The key comes from configuration; earlier keys stay readable until
//! `server rotate-health-key` has re-sealed every row under the current one.

#![cfg(feature = "ssr")]

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload, rand_core::RngCore},
};
use argon2::password_hash::rand_core::OsRng;
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// The current key, and earlier ones that still open what they sealed.
#[derive(Clone)]
pub struct HealthKey {
    current: Key,
    previous: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    id: [u8; 4],
    cipher: Aes256Gcm,
}

/// Where a sealed value is stored.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'a str,
    pub row: uuid::Uuid,
}

impl<'a> Place<'a> {
    pub fn new(table: &'a str, row: uuid::Uuid) -> Self {
        Self { table, row }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("stored health text could not be decrypted")]
pub struct CryptoError;

/// The format byte of values sealed with associated data.
const VERSION: u8 = 1;
const HEADER: usize = 1 + 4 + 12;

/// Used only in development, so that `run` works with no secrets set up.
const DEVELOPMENT_KEY: [u8; 32] = *b"development only: never use this";

impl Key {
    fn new(bytes: [u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        Self {
            id: [digest[0], digest[1], digest[2], digest[3]],
            cipher: Aes256Gcm::new(&bytes.into()),
        }
    }

    fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| "not valid base64".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must decode to exactly 32 bytes".to_owned())?;
        Ok(Self::new(key))
    }
}

fn associated_data(place: Place<'_>, id: [u8; 4]) -> Vec<u8> {
    format!(
        "{}:{}:{:02x}{:02x}{:02x}{:02x}",
        place.table, place.row, id[0], id[1], id[2], id[3]
    )
    .into_bytes()
}

impl HealthKey {
    /// A key from `HEALTH_DATA_KEY`: 32 bytes, base64.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        Ok(Self {
            current: Key::from_base64(encoded)?,
            previous: Vec::new(),
        })
    }

    /// Also opens what `encoded` sealed (`HEALTH_DATA_KEY_PREVIOUS`, during a rotation).
    pub fn with_previous(mut self, encoded: &str) -> Result<Self, String> {
        self.previous.push(Key::from_base64(encoded)?);
        Ok(self)
    }

    /// True when `encoded` is the development key, which is in the public source.
    pub fn is_published(encoded: &str) -> bool {
        STANDARD
            .decode(encoded.trim())
            .is_ok_and(|bytes| bytes == DEVELOPMENT_KEY)
    }

    pub fn development() -> Self {
        Self {
            current: Key::new(DEVELOPMENT_KEY),
            previous: Vec::new(),
        }
    }

    pub fn seal(&self, place: Place<'_>, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let key = &self.current;
        let aad = associated_data(place, key.id);
        let ciphertext = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts any length we store");
        [&[VERSION][..], &key.id, &nonce, &ciphertext].concat()
    }

    pub fn open(&self, place: Place<'_>, sealed: &[u8]) -> Result<String, CryptoError> {
        let keys = || std::iter::once(&self.current).chain(&self.previous);
        let opened = match sealed {
            [VERSION, a, b, c, d, rest @ ..] if rest.len() > 12 => {
                let id = [*a, *b, *c, *d];
                let (nonce, ciphertext) = rest.split_at(12);
                let aad = associated_data(place, id);
                keys().find(|k| k.id == id).and_then(|key| {
                    key.cipher
                        .decrypt(
                            Nonce::from_slice(nonce),
                            Payload {
                                msg: ciphertext,
                                aad: &aad,
                            },
                        )
                        .ok()
                })
            }
            _ => None,
        };
        // Values sealed before associated data existed: nonce || ciphertext. Rotation
        // re-seals them in the current format.
        let opened = opened.or_else(|| {
            let (nonce, ciphertext) = sealed.split_at_checked(12)?;
            keys().find_map(|key| key.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).ok())
        });
        opened
            .and_then(|plaintext| String::from_utf8(plaintext).ok())
            .ok_or(CryptoError)
    }

    /// Sealed under the current key, in the current format: nothing to re-seal.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        sealed.len() > HEADER && sealed[0] == VERSION && sealed[1..5] == self.current.id
    }

    /// The first bytes of every value sealed now: rotation looks for rows without them.
    pub fn current_prefix(&self) -> Vec<u8> {
        [&[VERSION][..], &self.current.id].concat()
    }
}

/// Every sealed column: (table, the column naming the row, the sealed column).
pub const SEALED_COLUMNS: [(&str, &str, &str); 5] = [
    ("symptom_logs", "id", "note_ciphertext"),
    ("fm_calls", "id", "transcript"),
    ("export_jobs", "id", "result_sealed"),
    ("operator_mfa", "user_id", "secret_sealed"),
    ("sending_domains", "id", "private_key_sealed"),
];

/// Re-seals every value not yet under the current key (or in the old format), a batch at a
/// time, while the app runs: each row is swapped only if it still holds what was read, so an
/// edit made meanwhile is kept. Returns how many were re-sealed.
pub async fn reseal_all(pool: &sqlx::PgPool, key: &HealthKey) -> Result<u64, ResealError> {
    let mut resealed = 0;
    for (table, row, column) in SEALED_COLUMNS {
        let place_of = (table, row, column);
        loop {
            let batch = super::store::sealed_not_under(pool, place_of, &key.current_prefix()).await?;
            if batch.is_empty() {
                break;
            }
            for (id, sealed) in batch {
                let place = Place::new(table, id);
                let plaintext = key
                    .open(place, &sealed)
                    .map_err(|_| ResealError::Unreadable { table, row: id })?;
                resealed +=
                    super::store::swap_sealed(pool, place_of, id, &sealed, &key.seal(place, &plaintext)).await?;
            }
        }
    }
    Ok(resealed)
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error(
        "{table} row {row} opens with none of the keys given: set HEALTH_DATA_KEY_PREVIOUS to the key that sealed it"
    )]
    Unreadable { table: &'static str, row: uuid::Uuid },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl std::fmt::Debug for HealthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HealthKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(row: u128) -> Place<'static> {
        Place::new("symptom_logs", uuid::Uuid::from_u128(row))
    }

    #[test]
    fn sealed_text_opens_only_with_its_key_and_never_shows_in_clear() {
        let key = HealthKey::development();
        let sealed = key.seal(place(1), "bleeding a little since morning");
        assert!(!sealed.windows(8).any(|w| w == b"bleeding"));
        assert_eq!(
            key.open(place(1), &sealed).expect("opens"),
            "bleeding a little since morning"
        );
        assert_ne!(
            key.seal(place(1), "same"),
            key.seal(place(1), "same"),
            "a fresh nonce each time"
        );

        let other = HealthKey::from_base64(&STANDARD.encode([7u8; 32])).expect("key");
        assert!(other.open(place(1), &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(key.open(place(1), &tampered).is_err());
    }

    #[test]
    fn a_value_moved_to_another_row_or_table_does_not_open() {
        let key = HealthKey::development();
        let sealed = key.seal(place(1), "her note");
        assert!(key.open(place(2), &sealed).is_err());
        assert!(
            key.open(Place::new("export_jobs", uuid::Uuid::from_u128(1)), &sealed)
                .is_err()
        );
    }

    #[test]
    fn a_previous_key_still_opens_until_rotation_reseals() {
        let (old, new) = (STANDARD.encode([1u8; 32]), STANDARD.encode([2u8; 32]));
        let before = HealthKey::from_base64(&old).expect("key");
        let sealed = before.seal(place(3), "her note");
        let rotating = HealthKey::from_base64(&new)
            .expect("key")
            .with_previous(&old)
            .expect("key");
        assert_eq!(rotating.open(place(3), &sealed).expect("opens"), "her note");
        assert!(before.is_current(&sealed) && !rotating.is_current(&sealed));
        let resealed = rotating.seal(place(3), "her note");
        assert!(rotating.is_current(&resealed) && resealed.starts_with(&rotating.current_prefix()));
        assert!(
            HealthKey::from_base64(&new)
                .expect("key")
                .open(place(3), &sealed)
                .is_err()
        );
    }

    #[test]
    fn values_sealed_before_associated_data_still_open() {
        let key = HealthKey::development();
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let legacy = Aes256Gcm::new(&DEVELOPMENT_KEY.into())
            .encrypt(Nonce::from_slice(&nonce), b"old note".as_slice())
            .expect("encrypts");
        let legacy = [nonce.as_slice(), &legacy].concat();
        assert_eq!(key.open(place(4), &legacy).expect("opens"), "old note");
        assert!(!key.is_current(&legacy));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(HealthKey::from_base64("short").is_err());
        assert!(HealthKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(HealthKey::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
    }
}
