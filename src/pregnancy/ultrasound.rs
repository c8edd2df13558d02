use time::{Date, Duration};

use super::dating::{DAYS_LMP_TO_EDD, GestationalAge};
use super::methods::Dating;

/// ACOG (Committee Opinion 700): how far an ultrasound's due date may differ from the LMP
/// due date before the ultrasound replaces it, by the gestational age (by LMP) at the scan.
pub fn redating_threshold_days(age_by_lmp: GestationalAge) -> i64 {
    match age_by_lmp.weeks() {
        0..=8 => 5,
        9..=15 => 7,
        16..=21 => 10,
        22..=27 => 14,
        _ => 21,
    }
}

/// The dating an ultrasound on `scan_date` measuring `scan_age` suggests, when it differs
/// from `current` by more than the threshold. A suggestion only: the due date changes
/// when the mother or her clinician accepts it.
pub fn redate(current: Dating, scan_date: Date, scan_age: GestationalAge) -> Option<Dating> {
    let lmp = scan_date - Duration::days(i64::from(scan_age.weeks() * 7 + scan_age.days_into_week()));
    let due_date = lmp + Duration::days(DAYS_LMP_TO_EDD);
    let difference = (due_date - current.due_date).whole_days().abs();
    let age_by_lmp = current.age_on(scan_date)?;
    (difference > redating_threshold_days(age_by_lmp)).then_some(Dating { lmp, due_date })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    fn ga(weeks: u32, days: u32) -> GestationalAge {
        GestationalAge::from_days(weeks * 7 + days)
    }

    fn lmp_dating(lmp: &str) -> Dating {
        let lmp = d(lmp);
        Dating {
            lmp,
            due_date: lmp + Duration::days(280),
        }
    }

    #[test]
    fn thresholds_follow_the_acog_table() {
        let cases = [
            (ga(8, 6), 5),
            (ga(9, 0), 7),
            (ga(13, 6), 7),
            (ga(15, 6), 7),
            (ga(16, 0), 10),
            (ga(21, 6), 10),
            (ga(22, 0), 14),
            (ga(27, 6), 14),
            (ga(28, 0), 21),
            (ga(40, 0), 21),
        ];
        for (age, days) in cases {
            assert_eq!(redating_threshold_days(age), days, "{age}");
        }
    }

    #[test]
    fn an_early_scan_redates_beyond_five_days_only() {
        let current = lmp_dating("2026-01-01"); // by LMP, 8w0d on 2026-02-26
        // The scan measures 7w1d: 6 days behind -> redate.
        let later = redate(current, d("2026-02-26"), ga(7, 1)).expect("redated");
        assert_eq!(later.due_date, current.due_date + Duration::days(6));
        assert_eq!((later.due_date - later.lmp).whole_days(), 280);
        // 7w2d: 5 days behind -> keep the LMP dating.
        assert_eq!(redate(current, d("2026-02-26"), ga(7, 2)), None);
    }

    #[test]
    fn a_third_trimester_scan_needs_three_weeks() {
        let current = lmp_dating("2026-01-01"); // 30w0d on 2026-07-30
        assert_eq!(redate(current, d("2026-07-30"), ga(27, 0)), None);
        assert!(redate(current, d("2026-07-30"), ga(26, 6)).is_some());
    }
}
