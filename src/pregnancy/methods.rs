use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::dating::{DAYS_LMP_TO_EDD, GestationalAge, due_date_from_lmp};

/// How a mother knows her dates. A clinician's due date is authoritative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum DatingMethod {
    /// First day of the last menstrual period.
    Lmp {
        date: Date,
    },
    Conception {
        date: Date,
    },
    /// IVF embryo transfer of a day-3 or day-5 embryo.
    IvfTransfer {
        date: Date,
        embryo_day: EmbryoDay,
    },
    /// A due date given by a clinician: stored as given.
    ClinicianDueDate {
        date: Date,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmbryoDay {
    Three,
    Five,
}

/// The dates of one pregnancy: LMP and EDD are always 280 days apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dating {
    pub lmp: Date,
    pub due_date: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DatingError {
    #[error("this date is in the future")]
    InFuture,
    #[error("this is more than 42 weeks ago: record how the pregnancy ended instead")]
    TooLongAgo,
    #[error("a due date must be within the next 44 weeks")]
    DueDateOutOfRange,
}

/// The longest a pregnancy is followed before the mother is asked for its outcome (cht-core).
pub const MAX_DAYS_IN_PREGNANCY: i64 = 42 * 7;

impl DatingMethod {
    /// Dates the pregnancy, checking the input makes sense on `today`.
    pub fn dating(self, today: Date) -> Result<Dating, DatingError> {
        let lmp = match self {
            Self::Lmp { date } => check_past(date, today)?,
            Self::Conception { date } => check_past(date, today)? - Duration::days(DAYS_LMP_TO_EDD - 266),
            Self::IvfTransfer { date, embryo_day } => {
                let days_to_edd = match embryo_day {
                    EmbryoDay::Three => 263,
                    EmbryoDay::Five => 261,
                };
                check_past(date, today)? - Duration::days(DAYS_LMP_TO_EDD - days_to_edd)
            }
            Self::ClinicianDueDate { date } => {
                if date < today - Duration::weeks(2) || date > today + Duration::weeks(44) {
                    return Err(DatingError::DueDateOutOfRange);
                }
                date - Duration::days(DAYS_LMP_TO_EDD)
            }
        };
        if (today - lmp).whole_days() > MAX_DAYS_IN_PREGNANCY {
            return Err(DatingError::TooLongAgo);
        }
        Ok(Dating {
            lmp,
            due_date: due_date_from_lmp(lmp),
        })
    }
}

fn check_past(date: Date, today: Date) -> Result<Date, DatingError> {
    if date > today {
        Err(DatingError::InFuture)
    } else {
        Ok(date)
    }
}

impl Dating {
    /// Gestational age on `day`; `None` before the LMP.
    pub fn age_on(self, day: Date) -> Option<GestationalAge> {
        u32::try_from((day - self.lmp).whole_days())
            .ok()
            .map(GestationalAge::from_days)
    }

    pub fn days_to_due(self, today: Date) -> i64 {
        (self.due_date - today).whole_days()
    }

    /// Past 42 weeks: stop counting and ask for the outcome.
    pub fn needs_outcome(self, today: Date) -> bool {
        (today - self.lmp).whole_days() > MAX_DAYS_IN_PREGNANCY
    }
}

/// "12 weeks pregnant" or "3 months pregnant" as a mother might say it (cht-core: 30.5 days a month).
pub fn lmp_from_weeks(today: Date, weeks: u32) -> Date {
    today - Duration::weeks(i64::from(weeks))
}

pub fn lmp_from_months(today: Date, months: u32) -> Date {
    let days = (f64::from(months) * 30.5).round() as i64;
    today - Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    const TODAY: &str = "2000-01-01";

    // medic/cht-core config/default/test/forms/pregnancy.spec.js, today = 2000-01-01.
    #[test]
    fn cht_core_vectors() {
        let today = d(TODAY);
        let lmp_61_days = DatingMethod::Lmp {
            date: today - Duration::days(61),
        }
        .dating(today)
        .expect("valid");
        assert_eq!(
            (lmp_61_days.lmp, lmp_61_days.due_date),
            (d("1999-11-01"), d("2000-08-07"))
        );

        let weeks = DatingMethod::Lmp {
            date: lmp_from_weeks(today, 12),
        }
        .dating(today)
        .expect("valid");
        assert_eq!((weeks.lmp, weeks.due_date), (d("1999-10-09"), d("2000-07-15")));

        let months = DatingMethod::Lmp {
            date: lmp_from_months(today, 3),
        }
        .dating(today)
        .expect("valid");
        assert_eq!((months.lmp, months.due_date), (d("1999-10-01"), d("2000-07-07")));

        let clinician = DatingMethod::ClinicianDueDate { date: d("2000-05-07") }
            .dating(today)
            .expect("valid");
        assert_eq!((clinician.lmp, clinician.due_date), (d("1999-08-01"), d("2000-05-07")));
    }

    #[test]
    fn conception_and_ivf_transfers() {
        let today = d("2026-06-01");
        let conception = DatingMethod::Conception { date: d("2026-03-01") }
            .dating(today)
            .expect("valid");
        assert_eq!(conception.due_date, d("2026-03-01") + Duration::days(266));
        let day5 = DatingMethod::IvfTransfer {
            date: d("2026-03-01"),
            embryo_day: EmbryoDay::Five,
        }
        .dating(today)
        .expect("valid");
        assert_eq!(day5.due_date, d("2026-03-01") + Duration::days(261));
        let day3 = DatingMethod::IvfTransfer {
            date: d("2026-03-01"),
            embryo_day: EmbryoDay::Three,
        }
        .dating(today)
        .expect("valid");
        assert_eq!(day3.due_date, d("2026-03-01") + Duration::days(263));
        assert_eq!((day3.due_date - day3.lmp).whole_days(), 280);
    }

    #[test]
    fn impossible_dates_are_refused() {
        let today = d("2026-06-01");
        assert_eq!(
            DatingMethod::Lmp { date: d("2026-06-02") }.dating(today),
            Err(DatingError::InFuture)
        );
        assert_eq!(
            DatingMethod::Lmp {
                date: today - Duration::days(295)
            }
            .dating(today),
            Err(DatingError::TooLongAgo)
        );
        assert!(
            DatingMethod::Lmp {
                date: today - Duration::days(294)
            }
            .dating(today)
            .is_ok()
        );
        assert_eq!(
            DatingMethod::ClinicianDueDate { date: d("2027-06-01") }.dating(today),
            Err(DatingError::DueDateOutOfRange)
        );
    }

    #[test]
    fn age_and_countdown() {
        let dating = DatingMethod::Lmp { date: d("2026-01-01") }
            .dating(d("2026-04-01"))
            .expect("valid");
        assert_eq!(dating.age_on(d("2026-04-01")).expect("after lmp").to_string(), "12w 6d");
        assert_eq!(dating.days_to_due(d("2026-04-01")), 190);
        assert_eq!(dating.age_on(d("2025-12-31")), None);
        assert!(!dating.needs_outcome(d("2026-10-22")));
        assert!(dating.needs_outcome(d("2026-10-23")));
    }
}
