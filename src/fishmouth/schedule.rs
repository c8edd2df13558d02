//! When a sequence step may go out: after its delay, inside the sequence's sending window,
//! and never in quiet hours, all in the LEAD's local time (so across DST changes too).
//!
//! Quiet hours follow the TCPA (47 CFR 64.1200(c)(1)): no calls or texts before 08:00 or
//! after 21:00 in the called party's local time. Some states are stricter; those we know
//! are in [`STATE_RULES`], and a lead whose state we cannot read gets the strictest of
//! them. Emails keep the same hours: a homeowner should not hear from a roofer at
//! midnight on any channel.

use jiff::{SignedDuration, Timestamp, civil::Date, civil::Weekday, tz::TimeZone};

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The days and local hours a step may go out, in the LEAD's time zone.
/// `days` is a bit set, Monday = bit 0 ... Sunday = bit 6; hours are `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingWindow {
    pub days: u8,
    pub start_hour: u8,
    pub end_hour: u8,
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Default for SendingWindow {
    /// Weekdays, 09:00 to 17:00.
    fn default() -> Self {
        Self {
            days: 0b001_1111,
            start_hour: 9,
            end_hour: 17,
        }
    }
}

impl SendingWindow {
    /// `day` is 0 for Monday.
    pub fn allows_day(&self, day: u8) -> bool {
        day < 7 && self.days & (1 << day) != 0
    }

    /// From the posted form: the ticked weekday indexes and two hours.
    pub fn parse(days: &[String], start: &str, end: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bits = 0u8;
        for day in days {
            match day.trim().parse::<u8>() {
                Ok(d) if d < 7 => bits |= 1 << d,
                _ => errors.push(FieldError::new("window_days", "choose days of the week from the list")),
            }
        }
        if bits == 0 && errors.is_empty() {
            errors.push(FieldError::new("window_days", "choose at least one day to send on"));
        }
        let hour = |field: &str, raw: &str, errors: &mut Vec<FieldError>| match raw.trim().parse::<u8>() {
            Ok(h) if h <= 24 => h,
            _ => {
                errors.push(FieldError::new(field, "choose an hour from 0 to 24"));
                0
            }
        };
        let start_hour = hour("window_start", start, &mut errors);
        let end_hour = hour("window_end", end, &mut errors);
        let window = Self {
            days: bits,
            start_hour,
            end_hour,
        };
        if errors.is_empty() {
            if end_hour <= start_hour {
                errors.push(FieldError::new("window_end", "the window must end after it starts"));
            } else if !window.overlaps_every_state() {
                errors.push(FieldError::new(
                    "window_start",
                    "the window must include time between 09:00 and 20:00 (12:00 on Sundays), when every state allows calls and texts",
                ));
            }
        }
        if errors.is_empty() { Ok(window) } else { Err(errors) }
    }

    /// Whether some chosen day has an hour allowed under the strictest quiet-hours rule,
    /// so a step always finds a time to go out wherever the lead lives.
    pub fn overlaps_every_state(&self) -> bool {
        let strictest = STRICTEST;
        (0..7u8).filter(|d| self.allows_day(*d)).any(|d| {
            let hours = if d == 6 { strictest.sunday } else { strictest.days };
            self.start_hour.max(hours.start) < self.end_hour.min(hours.end)
        })
    }

    pub fn describe(&self) -> String {
        let days: Vec<&str> = (0..7)
            .filter(|d| self.allows_day(*d))
            .map(|d| WEEKDAYS[d as usize])
            .collect();
        format!("{} {:02}:00–{:02}:00", days.join(" "), self.start_hour, self.end_hour)
    }
}

/// Local hours `[start, end)` in which contact is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedHours {
    pub start: u8,
    pub end: u8,
}

/// A state's hours, with its own Sunday where the law sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRule {
    pub days: AllowedHours,
    pub sunday: AllowedHours,
}

const fn same_every_day(start: u8, end: u8) -> StateRule {
    StateRule {
        days: AllowedHours { start, end },
        sunday: AllowedHours { start, end },
    }
}

/// Every day and hour: only the law's hours limit a message (answering a homeowner who wrote).
pub const ANY_TIME: SendingWindow = SendingWindow {
    days: 0b111_1111,
    start_hour: 0,
    end_hour: 24,
};

/// The federal rule.
pub const FEDERAL: StateRule = same_every_day(8, 21);

/// States whose telephone-solicitation laws are stricter than the federal rule. Each line
/// cites its source; a lawyer should review this table before it is relied on.
/// - Florida: Fla. Stat. 501.059(8)(a), 08:00-20:00.
/// - Oklahoma: Telephone Solicitation Act of 2022 (15 O.S. 775C.4), 08:00-20:00.
/// - Maryland: Stop the Spam Calls Act of 2023, 08:00-20:00.
/// - Washington: RCW 80.36.390, 08:00-20:00.
/// - Connecticut: Public Act 23-98 (2023), 09:00-20:00.
/// - Texas: Bus. & Com. Code 301.051, 09:00-21:00, and 12:00-21:00 on Sundays.
pub const STATE_RULES: [(&str, StateRule); 6] = [
    ("FL", same_every_day(8, 20)),
    ("OK", same_every_day(8, 20)),
    ("MD", same_every_day(8, 20)),
    ("WA", same_every_day(8, 20)),
    ("CT", same_every_day(9, 20)),
    (
        "TX",
        StateRule {
            days: AllowedHours { start: 9, end: 21 },
            sunday: AllowedHours { start: 12, end: 21 },
        },
    ),
];

/// The narrowest hours of every rule above: for a lead whose state we cannot read, and
/// what a sending window must overlap so that a step always finds a time.
pub const STRICTEST: StateRule = StateRule {
    days: AllowedHours { start: 9, end: 20 },
    sunday: AllowedHours { start: 12, end: 20 },
};

/// The hours contact is allowed on `day` for a lead in `state` (None: unknown, the strictest).
pub fn allowed_hours(state: Option<&str>, day: Weekday) -> AllowedHours {
    let rule = match state {
        None => STRICTEST,
        Some(code) => STATE_RULES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(FEDERAL, |(_, rule)| *rule),
    };
    if day == Weekday::Sunday { rule.sunday } else { rule.days }
}

/// The earliest a step may be due: its delay after the previous step (or the enrollment).
/// Delays are exact durations: "1 day" is 24 hours even across a DST change.
pub fn after_delay(previous: Timestamp, delay_minutes: i32) -> Timestamp {
    previous
        .checked_add(SignedDuration::from_mins(i64::from(delay_minutes.max(0))))
        .unwrap_or(Timestamp::MAX)
}

/// The first instant at or after `earliest` that is inside the window's days and hours
/// and inside the allowed hours for the lead's state, in the lead's time zone.
///
/// A window saved through [`SendingWindow::parse`] always has such an instant within
/// eight days; `None` only for a window with no usable hour.
pub fn next_send_at(
    earliest: Timestamp,
    window: &SendingWindow,
    zone: &TimeZone,
    state: Option<&str>,
) -> Option<Timestamp> {
    let mut day = zone.to_datetime(earliest).date();
    for _ in 0..8 {
        if let Some((opens, closes)) = open_hours(day, window, zone, state) {
            let candidate = opens.max(earliest);
            if candidate < closes {
                return Some(candidate);
            }
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// When the allowed period containing `at` ends: a message queued at `at` must be
/// delivered before then, or wait for the next opening. None when `at` is not allowed.
pub fn allowed_until(at: Timestamp, window: &SendingWindow, zone: &TimeZone, state: Option<&str>) -> Option<Timestamp> {
    let (opens, closes) = open_hours(zone.to_datetime(at).date(), window, zone, state)?;
    (opens <= at && at < closes).then_some(closes)
}

/// The instants `[opens, closes)` of `day` in which the window and the law both allow contact.
fn open_hours(
    day: Date,
    window: &SendingWindow,
    zone: &TimeZone,
    state: Option<&str>,
) -> Option<(Timestamp, Timestamp)> {
    let weekday = day.weekday();
    if !window.allows_day(weekday.to_monday_zero_offset().unsigned_abs()) {
        return None;
    }
    let allowed = allowed_hours(state, weekday);
    let start = window.start_hour.max(allowed.start);
    let end = window.end_hour.min(allowed.end);
    if start >= end {
        return None;
    }
    Some((local(day, start, zone)?, local(day, end, zone)?))
}

/// `hour` o'clock on `day` in `zone`; 24 is the next midnight. A time a DST change skips
/// is read as the moment just after the change.
fn local(day: Date, hour: u8, zone: &TimeZone) -> Option<Timestamp> {
    let datetime = if hour >= 24 {
        day.tomorrow().ok()?.at(0, 0, 0, 0)
    } else {
        day.at(hour as i8, 0, 0, 0)
    };
    zone.to_ambiguous_timestamp(datetime).compatible().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn windows_must_leave_time_that_every_state_allows() {
        let days = vec!["0".to_owned(), "4".to_owned()];
        let w = SendingWindow::parse(&days, "9", "17").unwrap();
        assert!(w.allows_day(0) && w.allows_day(4) && !w.allows_day(1));
        assert_eq!(w.describe(), "Mon Fri 09:00–17:00");
        assert_eq!(
            SendingWindow::parse(&[], "9", "17").unwrap_err()[0].field,
            "window_days"
        );
        assert_eq!(
            SendingWindow::parse(&days, "17", "9").unwrap_err()[0].field,
            "window_end"
        );
        // Sunday mornings are never allowed in Texas; 08:00-09:00 never in Connecticut.
        assert!(SendingWindow::parse(&["6".to_owned()], "9", "12").is_err());
        assert!(SendingWindow::parse(&["6".to_owned()], "9", "13").is_ok());
        assert!(SendingWindow::parse(&days, "8", "9").is_err());
        // 20:00-21:00 is legal in Texas but never in Florida.
        assert_eq!(
            SendingWindow::parse(&days, "20", "21").unwrap_err()[0].field,
            "window_start"
        );
        assert_eq!(
            SendingWindow::parse(&days, "x", "9").unwrap_err()[0].field,
            "window_start"
        );
        assert!(SendingWindow::parse(&["9".to_owned()], "9", "17").is_err());
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    const WEEKDAYS_9_TO_17: SendingWindow = SendingWindow {
        days: 0b001_1111,
        start_hour: 9,
        end_hour: 17,
    };

    #[test]
    fn inside_the_window_is_now() {
        // Tuesday 2026-03-03 10:00 in Chicago is 16:00 UTC.
        let t = ts("2026-03-03T16:00:00Z");
        assert_eq!(
            next_send_at(t, &WEEKDAYS_9_TO_17, &zone("America/Chicago"), Some("TX")),
            Some(t)
        );
    }

    #[test]
    fn after_hours_waits_for_the_next_opening_in_the_leads_zone() {
        // Friday 2026-03-06 18:00 Chicago -> Monday 09:00 Chicago (15:00 UTC).
        let t = ts("2026-03-07T00:00:00Z");
        assert_eq!(
            next_send_at(t, &WEEKDAYS_9_TO_17, &zone("America/Chicago"), Some("TX")),
            Some(ts("2026-03-09T14:00:00Z")),
            "Monday 09:00 CDT: DST began on Sunday the 8th"
        );
    }

    #[test]
    fn florida_ends_at_eight() {
        let late = SendingWindow {
            days: 0b111_1111,
            start_hour: 9,
            end_hour: 21,
        };
        // 20:30 in Miami (EST, UTC-5) on 2026-01-15.
        let t = ts("2026-01-16T01:30:00Z");
        let miami = zone("America/New_York");
        assert_eq!(next_send_at(t, &late, &miami, Some("GA")), Some(t));
        assert_eq!(
            next_send_at(t, &late, &miami, Some("FL")),
            Some(ts("2026-01-16T14:00:00Z"))
        );
    }

    #[test]
    fn an_unreadable_state_gets_the_strictest_hours() {
        let late = SendingWindow {
            days: 0b111_1111,
            start_hour: 8,
            end_hour: 21,
        };
        let t = ts("2026-01-16T01:30:00Z");
        assert_eq!(
            next_send_at(t, &late, &zone("America/New_York"), None),
            Some(ts("2026-01-16T14:00:00Z"))
        );
    }

    #[test]
    fn texas_starts_at_nine_and_at_noon_on_sunday() {
        let every_day = SendingWindow {
            days: 0b111_1111,
            start_hour: 8,
            end_hour: 21,
        };
        let chicago = zone("America/Chicago");
        // Saturday 2026-01-17 08:30 CST -> 09:00; Sunday 2026-01-18 08:30 -> 12:00.
        assert_eq!(
            next_send_at(ts("2026-01-17T14:30:00Z"), &every_day, &chicago, Some("TX")),
            Some(ts("2026-01-17T15:00:00Z"))
        );
        assert_eq!(
            next_send_at(ts("2026-01-18T14:30:00Z"), &every_day, &chicago, Some("TX")),
            Some(ts("2026-01-18T18:00:00Z"))
        );
    }

    #[test]
    fn a_queued_step_must_go_before_its_hours_end() {
        let window = SendingWindow {
            days: 0b111_1111,
            start_hour: 9,
            end_hour: 17,
        };
        let chicago = zone("America/Chicago");
        // 16:30 CST on a Wednesday: until 17:00; at 18:00 not allowed at all.
        assert_eq!(
            allowed_until(ts("2026-01-14T22:30:00Z"), &window, &chicago, Some("TX")),
            Some(ts("2026-01-14T23:00:00Z"))
        );
        assert_eq!(
            allowed_until(ts("2026-01-15T00:00:00Z"), &window, &chicago, Some("TX")),
            None
        );
    }

    #[test]
    fn a_window_without_a_legal_hour_has_no_time() {
        let night = SendingWindow {
            days: 0b111_1111,
            start_hour: 21,
            end_hour: 24,
        };
        assert_eq!(
            next_send_at(ts("2026-01-01T00:00:00Z"), &night, &zone("UTC"), None),
            None
        );
        let no_days = SendingWindow {
            days: 0,
            ..WEEKDAYS_9_TO_17
        };
        assert_eq!(
            next_send_at(ts("2026-01-01T00:00:00Z"), &no_days, &zone("UTC"), None),
            None
        );
    }

    const ZONES: [&str; 10] = [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Europe/London",
    ];
    const STATES: [Option<&str>; 6] = [None, Some("TX"), Some("FL"), Some("CT"), Some("OK"), Some("CA")];

    fn window() -> impl Strategy<Value = SendingWindow> {
        (1u8..128, 0u8..24, 1u8..=24)
            .prop_map(|(days, start, len)| SendingWindow {
                days,
                start_hour: start,
                end_hour: start.saturating_add(len).min(24),
            })
            .prop_filter("saved windows overlap 08:00-20:00", |w| {
                w.start_hour < w.end_hour && w.overlaps_every_state()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Never before the delay, always inside the window and the allowed hours in the
        /// lead's zone, and the first such moment; instants span years of DST changes.
        #[test]
        fn a_step_is_never_early_and_never_outside_its_hours(
            previous_secs in 1_735_689_600i64..1_893_456_000,
            delay in 0i32..(30 * 24 * 60),
            window in window(),
            zone_name in proptest::sample::select(&ZONES[..]),
            state in proptest::sample::select(&STATES[..]),
        ) {
            let previous = Timestamp::from_second(previous_secs).unwrap();
            let zone = zone(zone_name);
            let earliest = after_delay(previous, delay);
            prop_assert!(earliest >= previous);
            prop_assert_eq!(earliest.duration_since(previous), SignedDuration::from_mins(i64::from(delay)));
            let at = next_send_at(earliest, &window, &zone, state).expect("a saved window always has a time");
            prop_assert!(at >= earliest, "never before its delay");
            let local = zone.to_datetime(at);
            let hour = local.hour() as u8;
            let allowed = allowed_hours(state, local.weekday());
            prop_assert!(window.allows_day(local.weekday().to_monday_zero_offset() as u8), "{local} is not a window day");
            prop_assert!(hour >= window.start_hour && hour < window.end_hour, "{local} outside window {window:?}");
            prop_assert!(hour >= allowed.start && hour < allowed.end, "{local} is in quiet hours for {state:?}");
            prop_assert!(at.duration_since(earliest) <= SignedDuration::from_hours(8 * 24));
            let until = allowed_until(at, &window, &zone, state).expect("the chosen moment is allowed");
            prop_assert!(until > at);
            // The first allowed moment: a minute earlier is either before the delay or not allowed.
            let before = at.checked_sub(SignedDuration::from_mins(1)).unwrap();
            if before >= earliest {
                let l = zone.to_datetime(before);
                let h = l.hour() as u8;
                let then = allowed_hours(state, l.weekday());
                let ok = window.allows_day(l.weekday().to_monday_zero_offset() as u8)
                    && h >= window.start_hour.max(then.start) && h < window.end_hour.min(then.end);
                prop_assert!(!ok, "{l} was already allowed, but {local} was chosen");
            }
        }
    }
}
