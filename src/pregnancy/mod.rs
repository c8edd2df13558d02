//! Pregnancy rules. Date-only arithmetic: a day is a calendar day, never 86 400 000 ms.

pub mod anc;
pub mod contractions;
pub mod danger;
mod dating;
mod methods;
pub mod movements;
pub mod outcome;
pub mod reminders;
pub mod replies;
pub mod symptoms;
pub mod ultrasound;

pub use dating::{GestationalAge, Milestones, Trimester, due_date_from_lmp, milestones};
pub use methods::{
    Dating, DatingError, DatingMethod, EmbryoDay, MAX_DAYS_IN_PREGNANCY, lmp_from_months, lmp_from_weeks,
};
