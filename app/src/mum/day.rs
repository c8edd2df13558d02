//! Her day: the calendar date in her time zone, and times as she types them. Server only.

/// Her calendar date now, in her time zone.
pub fn today_in(timezone: &str) -> time::Date {
    let zone = jiff::tz::db().get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let date = jiff::Timestamp::now().to_zoned_datetime(zone).date();
    let month = time::Month::try_from(u8::try_from(date.month()).unwrap_or(1)).unwrap_or(time::Month::January);
    time::Date::from_calendar_date(i32::from(date.year()), month, u8::try_from(date.day()).unwrap_or(1))
        .unwrap_or(time::Date::MIN)
}

pub fn parse_time(raw: &str) -> Option<time::Time> {
    let (h, m) = raw.trim().split_once(':')?;
    time::Time::from_hms(h.parse().ok()?, m.get(..2)?.parse().ok()?, 0).ok()
}
