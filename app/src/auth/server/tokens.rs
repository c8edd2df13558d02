//! Access tokens (JWT, HS256 only) and opaque random tokens stored as SHA-256.
//!
//! The JWT is built here on hmac + sha2 rather than a general JWT library: we need one
//! algorithm, and an explicit allow-list is then a single comparison (see
//! docs/decisions/0003-auth-tokens.md).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use domain::account::Product;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ACCESS_TOKEN_SECS: i64 = 15 * 60;
/// Clock skew tolerated between servers for `nbf` and `exp`.
const LEEWAY_SECS: i64 = 5;
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const ACCESS: &str = "access";

/// Who a valid access token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub product: Product,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    sid: Uuid,
    prd: Product,
    typ: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("bad signature")]
    Signature,
    #[error("wrong issuer, audience or type")]
    Claims,
    #[error("not yet valid")]
    NotYetValid,
    #[error("expired")]
    Expired,
}

pub struct TokenKeys {
    secret: Vec<u8>,
    issuer: String,
    audience: String,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            secret: secret.to_vec(),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length")
    }

    pub fn issue_access(&self, identity: Identity, now: i64) -> String {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: identity.user_id,
            sid: identity.session_id,
            prd: identity.product,
            typ: ACCESS.to_owned(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_SECS,
        };
        let payload = serde_json::to_vec(&claims).expect("claims serialise");
        let signing_input = format!("{}.{}", B64.encode(HEADER), B64.encode(payload));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    pub fn verify_access(&self, token: &str, now: i64) -> Result<Identity, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Malformed)?;
        if payload.contains('.') {
            return Err(TokenError::Malformed);
        }
        #[derive(Deserialize)]
        struct Header {
            alg: String,
        }
        let header: Header = B64
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(TokenError::Malformed)?;
        // The allow-list: exactly one algorithm. "none", RS256 and the rest are refused.
        if header.alg != "HS256" {
            return Err(TokenError::Algorithm);
        }
        let signature = B64.decode(signature).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&signature).map_err(|_| TokenError::Signature)?;

        let claims: Claims = B64
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(TokenError::Malformed)?;
        if claims.iss != self.issuer || claims.aud != self.audience || claims.typ != ACCESS {
            return Err(TokenError::Claims);
        }
        if claims.nbf > now + LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        if claims.exp <= now - LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        Ok(Identity {
            user_id: claims.sub,
            session_id: claims.sid,
            product: claims.prd,
        })
    }
}

/// A fresh 256-bit random token, URL-safe, for refresh tokens and email links.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// What the database keeps instead of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"test secret of enough length....", "sasa", "sasa-web")
    }

    fn identity() -> Identity {
        Identity {
            user_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
            product: Product::SasaMum,
        }
    }

    fn forge(header: &str, claims: serde_json::Value, key: &[u8]) -> String {
        let input = format!("{}.{}", B64.encode(header), B64.encode(claims.to_string()));
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("key");
        mac.update(input.as_bytes());
        format!("{input}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    fn claims(id: Identity) -> serde_json::Value {
        serde_json::json!({"iss":"sasa","aud":"sasa-web","sub":id.user_id,"sid":id.session_id,"prd":"sasamum","typ":"access","iat":NOW,"nbf":NOW,"exp":NOW+900})
    }

    #[test]
    fn a_token_round_trips_within_its_life() {
        let id = identity();
        let token = keys().issue_access(id, NOW);
        assert_eq!(keys().verify_access(&token, NOW + 60), Ok(id));
    }

    #[test]
    fn lifetime_is_fifteen_minutes_at_most() {
        let token = keys().issue_access(identity(), NOW);
        assert!(keys().verify_access(&token, NOW + 899).is_ok());
        assert_eq!(
            keys().verify_access(&token, NOW + 900 + LEEWAY_SECS),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn not_before_is_enforced() {
        let token = keys().issue_access(identity(), NOW + 600);
        assert_eq!(keys().verify_access(&token, NOW), Err(TokenError::NotYetValid));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let id = identity();
        let unsigned = format!(
            "{}.{}.",
            B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            B64.encode(claims(id).to_string())
        );
        assert_eq!(keys().verify_access(&unsigned, NOW), Err(TokenError::Algorithm));
        let hs512 = forge(
            r#"{"alg":"HS512","typ":"JWT"}"#,
            claims(id),
            b"test secret of enough length....",
        );
        assert_eq!(keys().verify_access(&hs512, NOW), Err(TokenError::Algorithm));
    }

    #[test]
    fn a_wrong_key_or_tampered_payload_is_refused() {
        let id = identity();
        let other_key = forge(HEADER, claims(id), b"another secret");
        assert_eq!(keys().verify_access(&other_key, NOW), Err(TokenError::Signature));

        let token = keys().issue_access(id, NOW);
        let mut parts: Vec<&str> = token.split('.').collect();
        let mut evil = claims(id);
        evil["sub"] = serde_json::json!(Uuid::new_v4());
        let evil_payload = B64.encode(evil.to_string());
        parts[1] = &evil_payload;
        assert_eq!(keys().verify_access(&parts.join("."), NOW), Err(TokenError::Signature));
    }

    #[test]
    fn issuer_audience_and_type_are_checked() {
        let id = identity();
        let secret = b"test secret of enough length....";
        for (field, value) in [("iss", "evil"), ("aud", "other-app"), ("typ", "refresh")] {
            let mut c = claims(id);
            c[field] = serde_json::json!(value);
            assert_eq!(
                keys().verify_access(&forge(HEADER, c, secret), NOW),
                Err(TokenError::Claims),
                "{field}"
            );
        }
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for token in ["", "a.b", "a.b.c.d", "!!!.###.$$$", "eyJhbGciOiJIUzI1NiJ9.e30."] {
            assert!(keys().verify_access(token, NOW).is_err(), "{token}");
        }
    }

    #[test]
    fn random_tokens_carry_256_bits_and_are_stored_hashed() {
        let a = random_token();
        assert_eq!(B64.decode(&a).expect("base64").len(), 32);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), a.as_bytes());
    }
}
