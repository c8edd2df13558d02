//! The account API: typed server functions with fixed paths, shared by the forms
//! (before and after hydration), the WASM client and curl (see docs/api.md).
//! Inputs are flat form fields; each is parsed into a domain type before anything else.
//! One file per thing she does: sign up, log in and out, recover a forgotten password,
//! look after her account, and see and end her signed-in devices. `ssr.rs` holds what
//! their server halves share (rate-limit keys, emailed links, cookies).

mod account;
mod login;
mod recovery;
mod sessions;
mod signup;
#[cfg(feature = "ssr")]
mod ssr;

pub use account::{ChangePassword, Me, SessionUser, UpdateProfile, change_password, me, session_user, update_profile};
pub use login::{Login, Logout, Refresh, Refreshed, SignedIn, login, logout, refresh};
pub use recovery::{ForgotPassword, RESET_SENT, ResetPassword, forgot_password, reset_password};
pub use sessions::{
    DeviceSession, ListSessions, RevokeSession, SignOutEverywhere, list_sessions, revoke_session, sign_out_everywhere,
};
pub use signup::{CHECK_EMAIL, Register, ResendVerification, VerifyEmail, register, resend_verification, verify_email};
#[cfg(feature = "ssr")]
pub use ssr::{Recipient, send_link};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the UI and `/api/me` show about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub product: String,
    pub language: String,
    pub timezone: String,
    pub dashboard: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub status: String,
    pub message: String,
}
