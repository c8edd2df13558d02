//! SasaMum: consent, dating onboarding, the today view, the danger-sign flow, and after birth
//! the baby's checks and vaccines.

mod api;
mod baby;
mod brand;
mod companion;
mod contractions;
#[cfg(feature = "ssr")]
mod danger;
#[cfg(feature = "ssr")]
mod day;
mod lock;
mod pages;
mod records;
mod register;
#[cfg(feature = "ssr")]
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod store;
mod tracking;
mod visits;
mod weekly;
#[cfg(feature = "ssr")]
pub mod weeks;

pub use api::*;
pub use baby::{AddBaby, BabyCarePage, MarkDoses, UnmarkDose, add_baby, baby_care, mark_doses, unmark_dose};
pub use brand::BRAND;
pub use companion::{
    AcceptInvitation, AcceptInvitationPage, CompanionPage, InviteCompanion, RemoveCompanion, ShareLogs, SharedPage,
    accept_invitation, companion_sharing, invitation, invite_companion, remove_companion, share_logs, shared_with_me,
};
pub use contractions::*;
pub use lock::{
    ForgotPin, HealthPage, LockNow, PinPage, PinPrompt, SetPin, Unlock, forgot_pin, lock_now, set_pin, unlock,
};
pub use pages::{BabyDangerSignsPage, DangerSignsPage, EndPregnancyPage, MumHome, UrgentPage};
pub use records::{DeletePregnancy, PregnancyRecords, delete_pregnancy, pregnancy_records};
pub use register::{RegisterMother, RegisterMotherPage, register_mother, registered_mothers};
pub use tracking::*;
pub use visits::*;
#[cfg(feature = "ssr")]
pub use weekly::ssr::WeeklyWorker;
pub use weekly::{SetWeekly, WeeklyPage, set_weekly, weekly_messages};
