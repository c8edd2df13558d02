//! The postnatal contacts for mother and baby (WHO recommendations on maternal and newborn
//! care for a positive postnatal experience, 2022): in the first 24 hours, then at least
//! three more: on day 3 (48 to 72 hours), between days 7 and 14, and six weeks after birth.

use time::{Date, Duration};

use crate::account::Language;

crate::text_enum::text_enum! {
    /// One postnatal contact; the text is its reminder's key.
    pub enum PostnatalContact {
        FirstDay = "pnc_24h",
        Day3 = "pnc_day3",
        Days7To14 = "pnc_7_14",
        Week6 = "pnc_6w",
    }
}

impl PostnatalContact {
    /// The first and last day of the contact, counted from the day of birth.
    pub fn window(self, born: Date) -> (Date, Date) {
        let (from, to) = match self {
            Self::FirstDay => (0, 1),
            Self::Day3 => (2, 3),
            Self::Days7To14 => (7, 14),
            Self::Week6 => (42, 48),
        };
        (born + Duration::days(from), born + Duration::days(to))
    }

    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::FirstDay, Language::En) => "Check in the first 24 hours",
            (Self::FirstDay, Language::Sw) => "Uchunguzi ndani ya saa 24 za kwanza",
            (Self::Day3, Language::En) => "Check on day 3",
            (Self::Day3, Language::Sw) => "Uchunguzi siku ya 3",
            (Self::Days7To14, Language::En) => "Check between day 7 and day 14",
            (Self::Days7To14, Language::Sw) => "Uchunguzi kati ya siku ya 7 na ya 14",
            (Self::Week6, Language::En) => "Check at 6 weeks",
            (Self::Week6, Language::Sw) => "Uchunguzi wiki ya 6",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    #[test]
    fn windows_follow_the_who_contacts() {
        let born = parse_iso_date("2026-03-01").expect("date");
        let days = |c: PostnatalContact| {
            let (from, to) = c.window(born);
            ((from - born).whole_days(), (to - born).whole_days())
        };
        assert_eq!(days(PostnatalContact::FirstDay), (0, 1));
        assert_eq!(days(PostnatalContact::Day3), (2, 3));
        assert_eq!(days(PostnatalContact::Days7To14), (7, 14));
        assert_eq!(days(PostnatalContact::Week6), (42, 48));
        for contact in PostnatalContact::ALL {
            assert_ne!(contact.label(Language::En), contact.label(Language::Sw));
        }
    }
}
