//! Server-side authentication: tokens, passwords, sessions, cookies, emails and the
//! request layer. Never compiled into the WASM bundle.

pub mod cookies;
pub mod emails;
mod middleware;
mod passwords;
pub mod session;
pub mod store;
mod tokens;

pub use middleware::{authenticate, is_private, safe_next};
pub use passwords::PasswordHasher;
pub use tokens::{ACCESS_TOKEN_SECS, Identity, TokenError, TokenKeys, random_token, token_hash};
