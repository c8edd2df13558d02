use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// Naegele's rule: the estimated due date is 280 days after the first day of the last period.
pub const DAYS_LMP_TO_EDD: i64 = 280;

pub fn due_date_from_lmp(lmp: Date) -> Date {
    lmp + Duration::days(DAYS_LMP_TO_EDD)
}

/// Weeks and days since the last menstrual period, shown as "12w 3d".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GestationalAge {
    days: u32,
}

impl GestationalAge {
    pub fn from_days(days: u32) -> Self {
        Self { days }
    }
    pub fn weeks(self) -> u32 {
        self.days / 7
    }
    pub fn days_into_week(self) -> u32 {
        self.days % 7
    }
    pub fn trimester(self) -> Trimester {
        match self.weeks() {
            0..=13 => Trimester::First,
            14..=27 => Trimester::Second,
            _ => Trimester::Third,
        }
    }
}

impl std::fmt::Display for GestationalAge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}w {}d", self.weeks(), self.days_into_week())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trimester {
    First,
    Second,
    Third,
}

/// The dates a mother plans around, all derived from her LMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Milestones {
    pub second_trimester: Date,
    pub third_trimester: Date,
    pub full_term: Date,
    pub due_date: Date,
}

pub fn milestones(lmp: Date) -> Milestones {
    let week = |w: i64| lmp + Duration::weeks(w);
    Milestones {
        second_trimester: week(14),
        third_trimester: week(28),
        full_term: week(37),
        due_date: due_date_from_lmp(lmp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    #[test]
    fn crosses_a_leap_day_by_calendar_days() {
        assert_eq!(due_date_from_lmp(d("2023-06-01")), d("2024-03-07"));
        assert_eq!(due_date_from_lmp(d("2022-06-01")), d("2023-03-08"));
    }

    #[test]
    fn trimester_boundaries() {
        let ga = |w: u32, d: u32| GestationalAge::from_days(w * 7 + d);
        assert_eq!(ga(13, 6).trimester(), Trimester::First);
        assert_eq!(ga(14, 0).trimester(), Trimester::Second);
        assert_eq!(ga(27, 6).trimester(), Trimester::Second);
        assert_eq!(ga(28, 0).trimester(), Trimester::Third);
        assert_eq!(ga(12, 3).to_string(), "12w 3d");
    }

    #[test]
    fn milestones_follow_the_lmp() {
        let m = milestones(d("2026-01-01"));
        assert_eq!(m.second_trimester, d("2026-04-09"));
        assert_eq!(m.third_trimester, d("2026-07-16"));
        assert_eq!(m.full_term, d("2026-09-17"));
        assert_eq!(m.due_date, d("2026-10-08"));
    }
}
