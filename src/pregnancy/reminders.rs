//! When appointment reminders go out: the day before and on the morning of a visit, at
//! the time she chose, in her time zone. Computed on calendar days in her zone, so a
//! daylight-saving change never moves a reminder to the wrong hour.

use jiff::{Timestamp, civil, tz::TimeZone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderTimes {
    pub day_before: Timestamp,
    /// On the day, at her time, or two hours before the visit if that is earlier.
    pub morning: Timestamp,
}

/// `visit` and `remind_at` are wall-clock values in `zone`.
pub fn reminder_times(visit: civil::DateTime, remind_at: civil::Time, zone: &TimeZone) -> Option<ReminderTimes> {
    // A wall-clock time that falls in a DST gap or overlap resolves the "compatible" way
    // (as RFC 5545 calendars do): forward across a gap, the earlier of two in an overlap.
    let at =
        |date: civil::Date, time: civil::Time| zone.to_ambiguous_timestamp(date.to_datetime(time)).compatible().ok();
    let visit_at = at(visit.date(), visit.time())?;
    let day_before = at(visit.date().yesterday().ok()?, remind_at)?;
    let on_the_day = at(visit.date(), remind_at)?;
    let two_hours_before = visit_at.checked_sub(jiff::SignedDuration::from_hours(2)).ok()?;
    Some(ReminderTimes {
        day_before,
        morning: on_the_day.min(two_hours_before),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("zone")
    }

    #[test]
    fn nairobi_reminders_at_her_time() {
        let times = reminder_times(
            date(2026, 12, 3).at(10, 30, 0, 0),
            time(8, 0, 0, 0),
            &zone("Africa/Nairobi"),
        )
        .expect("times");
        assert_eq!(times.day_before.to_string(), "2026-12-02T05:00:00Z");
        assert_eq!(times.morning.to_string(), "2026-12-03T05:00:00Z");
    }

    #[test]
    fn an_early_visit_moves_the_morning_reminder_earlier() {
        let times = reminder_times(
            date(2026, 12, 3).at(9, 0, 0, 0),
            time(8, 0, 0, 0),
            &zone("Africa/Nairobi"),
        )
        .expect("times");
        assert_eq!(
            times.morning.to_string(),
            "2026-12-03T04:00:00Z",
            "07:00 local, two hours before 09:00"
        );
    }

    #[test]
    fn daylight_saving_keeps_the_wall_clock_time() {
        // US clocks go back on 2026-11-01: the day-before reminder (Oct 31) is in EDT,
        // the visit day (Nov 1) in EST; both at 08:00 local.
        let times = reminder_times(
            date(2026, 11, 1).at(14, 0, 0, 0),
            time(8, 0, 0, 0),
            &zone("America/New_York"),
        )
        .expect("times");
        assert_eq!(times.day_before.to_string(), "2026-10-31T12:00:00Z");
        assert_eq!(times.morning.to_string(), "2026-11-01T13:00:00Z");
    }
}
