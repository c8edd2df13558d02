//! What is due after birth, and the reminders it calls for.

use time::Date;

use super::contacts::PostnatalContact;
use super::immunisation::{self, DoseAge};

/// Something due after birth that gets a reminder: a postnatal contact or a vaccination day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CareItem {
    Contact(PostnatalContact),
    Doses(DoseAge),
}

impl CareItem {
    /// The reminder's key, unique per baby: `pnc_day3`, `kepi_6w`.
    pub fn key(self) -> String {
        match self {
            Self::Contact(contact) => contact.as_str().to_owned(),
            Self::Doses(age) => age.key(),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        PostnatalContact::parse(key).map(Self::Contact).or_else(|| {
            immunisation::ages()
                .into_iter()
                .find(|a| a.key() == key)
                .map(Self::Doses)
        })
    }

    /// The day it is due: a contact's first day, a vaccination day.
    pub fn day(self, born: Date) -> Date {
        match self {
            Self::Contact(contact) => contact.window(born).0,
            Self::Doses(age) => age.due(born),
        }
    }
}

/// The reminders to plan for a baby born on `born`, as of `today`: one on the day each
/// contact and vaccination day begins, for those still ahead. None on the day of birth
/// (she is at the facility, or has just come home) and none for today or earlier: she sees
/// those on her screen.
pub fn reminders(born: Date, today: Date) -> Vec<(CareItem, Date)> {
    let contacts = PostnatalContact::ALL.iter().map(|&c| CareItem::Contact(c));
    let doses = immunisation::ages().into_iter().map(CareItem::Doses);
    let mut planned: Vec<(CareItem, Date)> = contacts
        .chain(doses)
        .map(|item| (item, item.day(born)))
        .filter(|&(_, day)| day > born && day > today)
        .collect();
    planned.sort_by_key(|&(_, day)| day);
    planned
}

/// The next postnatal contact on `today`: the first whose window has not closed.
pub fn next_contact(born: Date, today: Date) -> Option<PostnatalContact> {
    PostnatalContact::ALL
        .iter()
        .copied()
        .find(|c| c.window(born).1 >= today)
}

/// The next vaccination day: the first age with a dose not yet marked given, however late.
pub fn next_doses(given: &[&str]) -> Option<DoseAge> {
    immunisation::schedule()
        .iter()
        .find(|d| !given.contains(&d.code))
        .map(|d| d.age)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Duration;

    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("date")
    }

    #[test]
    fn recorded_on_the_day_of_birth_every_later_contact_and_dose_day_is_reminded() {
        let born = d("2026-03-01");
        let keys: Vec<String> = reminders(born, born).into_iter().map(|(item, _)| item.key()).collect();
        assert_eq!(
            keys,
            [
                "pnc_day3", "pnc_7_14", "pnc_6w", "kepi_6w", "kepi_10w", "kepi_14w", "kepi_9m", "kepi_18m"
            ]
        );
    }

    #[test]
    fn recorded_late_only_what_is_ahead_is_reminded() {
        let born = d("2026-03-01");
        let keys: Vec<String> = reminders(born, born + Duration::days(45))
            .into_iter()
            .map(|(item, _)| item.key())
            .collect();
        assert_eq!(keys, ["kepi_10w", "kepi_14w", "kepi_9m", "kepi_18m"]);
        assert!(reminders(born, born + Duration::days(800)).is_empty());
    }

    #[test]
    fn keys_parse_back() {
        for (item, _) in reminders(d("2026-03-01"), d("2026-03-01")) {
            assert_eq!(CareItem::parse(&item.key()), Some(item));
        }
        assert_eq!(CareItem::parse("kepi_7w"), None);
    }

    #[test]
    fn next_contact_and_doses() {
        let born = d("2026-03-01");
        assert_eq!(next_contact(born, born), Some(PostnatalContact::FirstDay));
        assert_eq!(
            next_contact(born, born + Duration::days(4)),
            Some(PostnatalContact::Days7To14)
        );
        assert_eq!(next_contact(born, born + Duration::days(49)), None);
        assert_eq!(next_doses(&[]), Some(DoseAge::Birth));
        assert_eq!(next_doses(&["bcg"]), Some(DoseAge::Birth), "OPV 0 is still due");
        assert_eq!(next_doses(&["bcg", "opv0"]), Some(DoseAge::Weeks(6)));
        let all: Vec<&str> = immunisation::schedule().iter().map(|d| d.code).collect();
        assert_eq!(next_doses(&all), None);
    }

    proptest! {
        /// Whenever she records the birth, no reminder falls on or before the day of birth
        /// or on a day already past, each is planned once, and every dose of the schedule
        /// falls on exactly one vaccination day, on or after birth.
        #[test]
        fn no_reminder_before_birth_and_every_dose_once(born_offset in 0i64..20_000, late in 0i64..900) {
            let born = d("2000-01-01") + Duration::days(born_offset);
            let today = born + Duration::days(late);
            let planned = reminders(born, today);
            let mut keys: Vec<String> = planned.iter().map(|(item, _)| item.key()).collect();
            for (item, day) in &planned {
                prop_assert!(*day > born && *day > today);
                prop_assert_eq!(*day, item.day(born));
            }
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), planned.len());
            let mut counted = 0;
            for age in immunisation::ages() {
                prop_assert!(age.due(born) >= born);
                counted += immunisation::at(age).count();
            }
            prop_assert_eq!(counted, immunisation::schedule().len());
        }
    }
}
