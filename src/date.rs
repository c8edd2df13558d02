use time::{Date, Month, Time};

use crate::account::Language;

/// Why a date typed by a person was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("enter a date as YYYY-MM-DD")]
    Format,
    #[error("that day does not exist in the calendar")]
    NoSuchDay,
}

/// Parses the `YYYY-MM-DD` value an `<input type="date">` sends.
pub fn parse_iso_date(raw: &str) -> Result<Date, DateError> {
    let raw = raw.trim();
    let mut parts = raw.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(DateError::Format);
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(DateError::Format);
    }
    let number = |s: &str| -> Result<u16, DateError> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| DateError::Format)
        } else {
            Err(DateError::Format)
        }
    };
    let (year, month, day) = (number(y)?, number(m)?, number(d)?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(DateError::NoSuchDay)?;
    let day = u8::try_from(day).map_err(|_| DateError::NoSuchDay)?;
    Date::from_calendar_date(i32::from(year), month, day).map_err(|_| DateError::NoSuchDay)
}

/// A day as people write it: "3 December 2026", "3 Desemba 2026". One function for every
/// screen, email and text, so no ISO date or English month reaches a Kiswahili reader.
pub fn long_date(date: Date, language: Language) -> String {
    const SW: [&str; 12] = [
        "Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti", "Septemba", "Oktoba", "Novemba",
        "Desemba",
    ];
    let month = match language {
        Language::En => date.month().to_string(),
        Language::Sw => SW[usize::from(u8::from(date.month())) - 1].to_owned(),
    };
    format!("{} {month} {}", date.day(), date.year())
}

/// A time of day as she reads it. English: "10:30". Kiswahili: Swahili time, which counts
/// the hours from 07:00 (saa moja asubuhi), with the period of the day and the 24-hour figure
/// beside it, so "saa 10:30" can never be read as 4:30 pm: "saa nne na nusu asubuhi (10:30)".
pub fn clock_time(at: Time, language: Language) -> String {
    let figure = format!("{:02}:{:02}", at.hour(), at.minute());
    if language == Language::En {
        return figure;
    }
    const HOURS: [&str; 12] = [
        "kumi na mbili",
        "moja",
        "mbili",
        "tatu",
        "nne",
        "tano",
        "sita",
        "saba",
        "nane",
        "tisa",
        "kumi",
        "kumi na moja",
    ];
    let hour = usize::from(at.hour());
    let minute = at.minute();
    // A quarter to the hour is said against the next hour: 10:45 is "saa tano kasoro robo".
    let (counted, after) = match minute {
        0 => (hour, String::new()),
        15 => (hour, " na robo".to_owned()),
        30 => (hour, " na nusu".to_owned()),
        45 => (hour + 1, " kasoro robo".to_owned()),
        m => (hour, format!(" na dakika {m}")),
    };
    let period = match at.hour() {
        0..=3 | 19..=23 => "usiku",
        4..=6 => "alfajiri",
        7..=11 => "asubuhi",
        12..=15 => "mchana",
        _ => "jioni",
    };
    format!("saa {}{after} {period} ({figure})", HOURS[(counted + 6) % 12])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u8, minute: u8) -> String {
        clock_time(Time::from_hms(hour, minute, 0).expect("time"), Language::Sw)
    }

    #[test]
    fn swahili_time_across_the_day() {
        assert_eq!(at(0, 0), "saa sita usiku (00:00)");
        assert_eq!(at(6, 59), "saa kumi na mbili na dakika 59 alfajiri (06:59)");
        assert_eq!(at(7, 0), "saa moja asubuhi (07:00)");
        assert_eq!(at(10, 30), "saa nne na nusu asubuhi (10:30)");
        assert_eq!(at(10, 45), "saa tano kasoro robo asubuhi (10:45)");
        assert_eq!(at(12, 0), "saa sita mchana (12:00)");
        assert_eq!(at(14, 15), "saa nane na robo mchana (14:15)");
        assert_eq!(at(16, 30), "saa kumi na nusu jioni (16:30)");
        assert_eq!(at(18, 59), "saa kumi na mbili na dakika 59 jioni (18:59)");
        assert_eq!(at(19, 0), "saa moja usiku (19:00)");
        assert_eq!(at(23, 45), "saa sita kasoro robo usiku (23:45)");
        let english = clock_time(Time::from_hms(10, 30, 0).expect("time"), Language::En);
        assert_eq!(english, "10:30");
    }

    #[test]
    fn every_minute_of_the_day_names_its_figure_and_a_period() {
        for minutes in 0..24 * 60 {
            let (h, m) = (minutes / 60, minutes % 60);
            let said = at(u8::try_from(h).expect("hour"), u8::try_from(m).expect("minute"));
            assert!(
                said.starts_with("saa ") && said.ends_with(&format!("({h:02}:{m:02})")),
                "{said}"
            );
            // The old form, a bare 24-hour figure after "saa", means another time in Swahili time.
            assert!(!said.starts_with(&format!("saa {h}:")), "{said}");
        }
    }

    #[test]
    fn dates_name_the_month_in_her_language() {
        let day = Date::from_calendar_date(2026, Month::December, 3).expect("date");
        assert_eq!(long_date(day, Language::Sw), "3 Desemba 2026");
        assert_eq!(long_date(day, Language::En), "3 December 2026");
        let march = Date::from_calendar_date(2027, Month::March, 31).expect("date");
        assert_eq!(long_date(march, Language::Sw), "31 Machi 2027");
    }

    #[test]
    fn parses_a_real_day() {
        let d = parse_iso_date(" 2024-02-29 ").expect("leap day");
        assert_eq!((d.year(), d.month(), d.day()), (2024, Month::February, 29));
    }

    #[test]
    fn refuses_days_that_do_not_exist() {
        for raw in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00"] {
            assert_eq!(parse_iso_date(raw), Err(DateError::NoSuchDay), "{raw}");
        }
    }

    #[test]
    fn refuses_other_shapes() {
        for raw in [
            "",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01-01",
            "+024-01-01",
            "abcd-ef-gh",
        ] {
            assert_eq!(parse_iso_date(raw), Err(DateError::Format), "{raw}");
        }
    }
}
