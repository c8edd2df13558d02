//! Kenya's immunisation schedule, read from `kepi.tsv` (which names its sources).

use std::sync::OnceLock;

use time::{Date, Duration, Month};

use crate::account::Language;

/// When a dose is due: at birth, or at an age in weeks or calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DoseAge {
    Birth,
    Weeks(u8),
    Months(u8),
}

impl DoseAge {
    fn parse(raw: &str) -> Option<Self> {
        if raw == "birth" {
            return Some(Self::Birth);
        }
        let (number, unit) = raw.split_at(raw.len().checked_sub(1)?);
        match (number.parse().ok()?, unit) {
            (n, "w") if n > 0 => Some(Self::Weeks(n)),
            (n, "m") if n > 0 => Some(Self::Months(n)),
            _ => None,
        }
    }

    /// The day this age is reached. A month later is the same day of the month, or the
    /// month's last day when it is shorter (born 31 January: due 30 April at 3 months).
    pub fn due(self, born: Date) -> Date {
        match self {
            Self::Birth => born,
            Self::Weeks(n) => born + Duration::weeks(i64::from(n)),
            Self::Months(n) => {
                let months = i32::from(born.month() as u8) - 1 + i32::from(n);
                let year = born.year() + months / 12;
                let month = Month::try_from(u8::try_from(months % 12 + 1).unwrap_or(1)).unwrap_or(Month::January);
                let day = born.day().min(month.length(year));
                Date::from_calendar_date(year, month, day).unwrap_or(born)
            }
        }
    }

    /// Two weeks past the day and not given: she is told to go as soon as she can. (Birth
    /// doses are given at birth or at the first contact, OPV 0 within two weeks.)
    pub fn overdue(self, born: Date, today: Date) -> bool {
        today > self.due(born) + Duration::days(14)
    }

    /// The key of this age's reminder: `kepi_6w`.
    pub fn key(self) -> String {
        match self {
            Self::Birth => "kepi_birth".to_owned(),
            Self::Weeks(n) => format!("kepi_{n}w"),
            Self::Months(n) => format!("kepi_{n}m"),
        }
    }

    pub fn label(self, language: Language) -> String {
        match (self, language) {
            (Self::Birth, Language::En) => "At birth".to_owned(),
            (Self::Birth, Language::Sw) => "Wakati wa kuzaliwa".to_owned(),
            (Self::Weeks(n), Language::En) => format!("At {n} weeks"),
            (Self::Weeks(n), Language::Sw) => format!("Wiki {n}"),
            (Self::Months(n), Language::En) => format!("At {n} months"),
            (Self::Months(n), Language::Sw) => format!("Miezi {n}"),
        }
    }
}

/// One dose of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dose {
    pub code: &'static str,
    pub age: DoseAge,
    /// As the clinic card and a text message write it: "OPV 1".
    pub short: &'static str,
    english: &'static str,
    kiswahili: &'static str,
}

impl Dose {
    pub fn name(&self, language: Language) -> &'static str {
        match language {
            Language::En => self.english,
            Language::Sw => self.kiswahili,
        }
    }
}

const KEPI: &str = include_str!("kepi.tsv");

/// Every dose, in the order they are due.
pub fn schedule() -> &'static [Dose] {
    static SCHEDULE: OnceLock<Vec<Dose>> = OnceLock::new();
    SCHEDULE.get_or_init(|| parse(KEPI).unwrap_or_default())
}

pub fn dose(code: &str) -> Option<&'static Dose> {
    schedule().iter().find(|d| d.code == code)
}

/// The doses due at one age.
pub fn at(age: DoseAge) -> impl Iterator<Item = &'static Dose> {
    schedule().iter().filter(move |d| d.age == age)
}

/// The ages with doses, in order.
pub fn ages() -> Vec<DoseAge> {
    let mut ages: Vec<DoseAge> = schedule().iter().map(|d| d.age).collect();
    ages.dedup();
    ages
}

fn parse(file: &'static str) -> Result<Vec<Dose>, String> {
    let mut doses: Vec<Dose> = Vec::new();
    for (number, line) in file.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [code, age, short, english, kiswahili] = fields[..] else {
            return Err(format!("line {}: five fields expected", number + 1));
        };
        let age = DoseAge::parse(age).ok_or_else(|| format!("line {}: bad age {age:?}", number + 1))?;
        if doses.iter().any(|d| d.code == code) {
            return Err(format!("line {}: {code} twice", number + 1));
        }
        if doses.last().is_some_and(|d| d.age > age) {
            return Err(format!("line {}: out of order", number + 1));
        }
        doses.push(Dose {
            code,
            age,
            short,
            english,
            kiswahili,
        });
    }
    Ok(doses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("date")
    }

    #[test]
    fn the_data_file_parses_in_order_with_both_languages() {
        let doses = parse(KEPI).expect("kepi.tsv");
        assert_eq!(doses.len(), schedule().len());
        assert_eq!(doses.first().map(|d| d.code), Some("bcg"));
        assert!(
            doses
                .iter()
                .all(|d| !d.name(Language::Sw).is_empty() && !d.short.is_empty())
        );
        let ages: Vec<String> = ages().into_iter().map(DoseAge::key).collect();
        assert_eq!(
            ages,
            ["kepi_birth", "kepi_6w", "kepi_10w", "kepi_14w", "kepi_9m", "kepi_18m"]
        );
        assert_eq!(at(DoseAge::Weeks(14)).count(), 4, "OPV 3, Penta 3, PCV 3 and IPV");
    }

    #[test]
    fn a_bad_line_is_refused() {
        assert!(parse("bcg\tbirth\tBCG\tBCG").is_err());
        assert!(parse("x\t0w\tX\tX\tX").is_err());
        assert!(parse("a\t6w\tA\tA\tA\nb\tbirth\tB\tB\tB").is_err());
        assert!(parse("a\t6w\tA\tA\tA\na\t10w\tA\tA\tA").is_err());
    }

    #[test]
    fn due_dates_count_weeks_and_calendar_months() {
        let born = d("2026-01-31");
        assert_eq!(DoseAge::Birth.due(born), born);
        assert_eq!(DoseAge::Weeks(6).due(born), d("2026-03-14"));
        assert_eq!(DoseAge::Months(9).due(born), d("2026-10-31"));
        assert_eq!(
            DoseAge::Months(1).due(born),
            d("2026-02-28"),
            "a shorter month ends sooner"
        );
        assert_eq!(DoseAge::Months(18).due(born), d("2027-07-31"));
        assert_eq!(DoseAge::Months(13).due(d("2027-12-15")), d("2029-01-15"));
    }

    #[test]
    fn a_day_is_overdue_two_weeks_after_it() {
        let born = d("2026-03-01");
        assert!(!DoseAge::Birth.overdue(born, born + Duration::days(14)));
        assert!(DoseAge::Birth.overdue(born, born + Duration::days(15)));
        assert!(!DoseAge::Weeks(6).overdue(born, born + Duration::days(42 + 14)));
    }
}
