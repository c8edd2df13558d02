//! SasaMum: consent, dating onboarding, the today view and the danger-sign flow.

mod api;
mod contractions;
mod lock;
mod pages;
mod tracking;
mod visits;

pub use api::*;
pub use contractions::*;
pub use lock::*;
pub use pages::{DangerSignsPage, EndPregnancyPage, MumHome, UrgentPage};
pub use tracking::*;
pub use visits::*;
