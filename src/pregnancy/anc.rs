//! The antenatal care (ANC) contact schedule: a configurable table of gestational weeks.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::methods::Dating;

crate::text_enum::text_enum! {
    /// A clinic visit: suggested from the schedule (not stored), booked, then attended or missed.
    pub enum VisitStatus { Suggested = "suggested", Planned = "planned", Attended = "attended", Missed = "missed" }
}

impl VisitStatus {
    /// What she may mark a booked visit as.
    pub fn is_outcome(self) -> bool {
        matches!(self, Self::Attended | Self::Missed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AncSchedule {
    /// WHO 2016: a minimum of eight contacts, the first by week 12.
    Who2016,
    /// The older focused four-visit model some programmes still message.
    FocusedFour,
}

impl AncSchedule {
    /// Gestational week of each contact, in order.
    pub fn weeks(self) -> &'static [u32] {
        match self {
            Self::Who2016 => &[12, 20, 26, 30, 34, 36, 38, 40],
            Self::FocusedFour => &[12, 26, 32, 36],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// 1-based position in the full schedule; the check at 41 weeks has none.
    pub number: Option<u8>,
    pub week: u32,
    pub date: Date,
}

/// The contacts still ahead on `today`. A mother who registers late gets only those,
/// but the 40-week contact and the 41-week check (if not yet delivered) are always kept.
pub fn upcoming_contacts(schedule: AncSchedule, dating: Dating, today: Date) -> Vec<Contact> {
    let on = |week: u32| dating.lmp + Duration::weeks(i64::from(week));
    let mut contacts: Vec<Contact> = schedule
        .weeks()
        .iter()
        .zip(1u8..)
        .map(|(&week, number)| Contact {
            number: Some(number),
            week,
            date: on(week),
        })
        .filter(|c| c.date >= today || c.week >= 40)
        .collect();
    if !contacts.iter().any(|c| c.week == 40) {
        contacts.push(Contact {
            number: None,
            week: 40,
            date: on(40),
        });
    }
    contacts.push(Contact {
        number: None,
        week: 41,
        date: on(41),
    });
    contacts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    fn dating() -> Dating {
        let lmp = d("2026-01-01");
        Dating {
            lmp,
            due_date: lmp + Duration::days(280),
        }
    }

    #[test]
    fn early_registration_gets_all_eight_contacts_and_the_41_week_check() {
        let contacts = upcoming_contacts(AncSchedule::Who2016, dating(), d("2026-02-15"));
        let weeks: Vec<u32> = contacts.iter().map(|c| c.week).collect();
        assert_eq!(weeks, [12, 20, 26, 30, 34, 36, 38, 40, 41]);
        assert_eq!(contacts[0].date, d("2026-03-26"));
        assert_eq!(contacts[0].number, Some(1));
        assert_eq!(contacts[8].number, None);
    }

    #[test]
    fn late_registration_keeps_only_what_is_ahead_plus_40_and_41() {
        let at_35_weeks = d("2026-01-01") + Duration::weeks(35);
        let weeks: Vec<u32> = upcoming_contacts(AncSchedule::Who2016, dating(), at_35_weeks)
            .iter()
            .map(|c| c.week)
            .collect();
        assert_eq!(weeks, [36, 38, 40, 41]);
        let at_40_and_a_half = d("2026-01-01") + Duration::days(40 * 7 + 3);
        let weeks: Vec<u32> = upcoming_contacts(AncSchedule::Who2016, dating(), at_40_and_a_half)
            .iter()
            .map(|c| c.week)
            .collect();
        assert_eq!(weeks, [40, 41]);
    }

    #[test]
    fn the_four_visit_model_is_a_table_too() {
        let weeks: Vec<u32> = upcoming_contacts(AncSchedule::FocusedFour, dating(), d("2026-01-20"))
            .iter()
            .map(|c| c.week)
            .collect();
        assert_eq!(weeks, [12, 26, 32, 36, 40, 41]);
    }
}
