//! After a live birth: the WHO postnatal contacts, Kenya's immunisation schedule, the
//! first year's week-by-week content and the reminders they call for. Pure, like
//! `pregnancy`: callers pass the day of birth and "today".

pub mod contacts;
pub mod immunisation;
pub mod plan;
pub mod weeks;

use time::Date;

/// How long SasaMum follows a baby: the last dose (measles-rubella 2) is at 18 months.
pub const FOLLOWED_DAYS: i64 = 2 * 365;

/// The baby's age on `today`: (weeks, days into the week). `None` before birth.
pub fn age(born: Date, today: Date) -> Option<(u32, u32)> {
    let days = u32::try_from((today - born).whole_days()).ok()?;
    Some((days / 7, days % 7))
}
