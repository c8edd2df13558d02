//! Her day: the calendar date in her time zone, times as she types them, and her wall clock
//! as instants (jiff does the zones; the database speaks `time`). Server only.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};

/// Her zone; UTC for a name the database does not know.
pub fn zone(timezone: &str) -> TimeZone {
    jiff::tz::db().get(timezone).unwrap_or(TimeZone::UTC)
}

/// Her calendar date now, in her time zone.
pub fn today_in(timezone: &str) -> time::Date {
    date(Timestamp::now().to_zoned_datetime(zone(timezone)).date())
}

pub fn parse_time(raw: &str) -> Option<time::Time> {
    let (h, m) = raw.trim().split_once(':')?;
    time::Time::from_hms(h.parse().ok()?, m.get(..2)?.parse().ok()?, 0).ok()
}

/// The same wall-clock moment in jiff's calendar types.
pub fn civil(day: time::Date, at: time::Time) -> DateTime {
    let narrow = |n: u8| i8::try_from(n).unwrap_or(0);
    jiff::civil::date(
        i16::try_from(day.year()).unwrap_or(2000),
        narrow(u8::from(day.month())),
        narrow(day.day()),
    )
    .at(narrow(at.hour()), narrow(at.minute()), 0, 0)
}

/// A jiff date as the database's.
pub fn date(day: jiff::civil::Date) -> time::Date {
    let month = time::Month::try_from(u8::try_from(day.month()).unwrap_or(1)).unwrap_or(time::Month::January);
    time::Date::from_calendar_date(i32::from(day.year()), month, u8::try_from(day.day()).unwrap_or(1))
        .unwrap_or(time::Date::MIN)
}

pub fn offset(instant: Timestamp) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()
}

/// `day` at `at` on her wall clock in `timezone`, as an instant (a time in a DST gap moves
/// forward, as calendars do).
pub fn at_her_time(day: time::Date, at: time::Time, timezone: &str) -> Option<time::OffsetDateTime> {
    let instant = zone(timezone)
        .to_ambiguous_timestamp(civil(day, at))
        .compatible()
        .ok()?;
    offset(instant)
}
