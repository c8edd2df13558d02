//! SasaMum: consent, dating onboarding, the today view and the danger-sign flow.

mod api;
mod contractions;
mod lock;
mod pages;
mod tracking;
mod visits;
#[cfg(feature = "ssr")]
pub mod weeks;

pub use api::*;
pub use contractions::*;
#[cfg(feature = "ssr")]
pub use lock::ssr::ensure_unlocked;
pub use lock::{ForgotPin, LockNow, PinPage, PinPrompt, SetPin, Unlock, forgot_pin, lock_now, set_pin, unlock};
pub use pages::{DangerSignsPage, EndPregnancyPage, MumHome, UrgentPage};
pub use tracking::*;
pub use visits::*;
