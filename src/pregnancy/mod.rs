//! Pregnancy dating. Date-only arithmetic: a day is a calendar day, never 86 400 000 ms.

mod dating;

pub use dating::{GestationalAge, Milestones, Trimester, due_date_from_lmp, milestones};
