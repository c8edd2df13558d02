use time::{Date, Month};

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

#[cfg(test)]
mod tests {
    use super::*;

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
