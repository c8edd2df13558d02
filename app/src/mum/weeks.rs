//! The week-by-week content as data: `content/pregnancy-weeks.tsv` holds, for each week and
//! part, the English original beside its Kiswahili and whether a health worker has reviewed
//! it. The server loads it into `pregnancy_weeks` at start-up; the pages read the table.

use sqlx::PgPool;

const WEEKS: &str = include_str!("../../../content/pregnancy-weeks.tsv");

/// One week's three texts in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Week {
    pub week: i32,
    /// (English, Kiswahili) for how the baby grows, how she may feel, and what to do.
    pub baby: (String, String),
    pub body: (String, String),
    pub todo: (String, String),
    /// Every part of this week signed off by a Kiswahili-speaking health worker.
    pub reviewed: bool,
}

/// Parses the file; every problem names its line.
pub fn parse(text: &str) -> Result<Vec<Week>, String> {
    let mut weeks: Vec<Week> = Vec::new();
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .skip(1); // the header
    for (index, line) in lines {
        let at = index + 1;
        let cells: Vec<&str> = line.split('\t').collect();
        let [week, part, english, kiswahili, reviewed] = cells[..] else {
            return Err(format!(
                "line {at}: expected 5 tab-separated cells, found {}",
                cells.len()
            ));
        };
        let week: i32 = week
            .parse()
            .map_err(|_| format!("line {at}: week {week:?} is not a number"))?;
        if !(4..=42).contains(&week) {
            return Err(format!("line {at}: week {week} is outside 4 to 42"));
        }
        if english.trim().is_empty() || kiswahili.trim().is_empty() {
            return Err(format!("line {at}: both the English and the Kiswahili are needed"));
        }
        let reviewed = match reviewed {
            "yes" => true,
            "no" => false,
            other => {
                return Err(format!(
                    "line {at}: reviewed_by_health_worker is yes or no, not {other:?}"
                ));
            }
        };
        if weeks.last().is_none_or(|w| w.week != week) {
            weeks.push(Week {
                week,
                reviewed: true,
                ..Week::default()
            });
        }
        let entry = weeks.last_mut().expect("pushed above");
        let texts = (english.to_owned(), kiswahili.to_owned());
        match part {
            "baby" => entry.baby = texts,
            "body" => entry.body = texts,
            "todo" => entry.todo = texts,
            other => return Err(format!("line {at}: part {other:?} is not baby, body or todo")),
        }
        entry.reviewed &= reviewed;
    }
    let expected: Vec<i32> = (4..=42).collect();
    if weeks.iter().map(|w| w.week).collect::<Vec<_>>() != expected {
        return Err("weeks 4 to 42 must each appear once, in order".into());
    }
    if let Some(w) = weeks
        .iter()
        .find(|w| [&w.baby, &w.body, &w.todo].iter().any(|t| t.0.is_empty()))
    {
        return Err(format!("week {} lacks a part", w.week));
    }
    Ok(weeks)
}

/// The shipped content.
pub fn shipped() -> Vec<Week> {
    parse(WEEKS).expect("content/pregnancy-weeks.tsv is checked by a unit test")
}

/// Writes the file's content into `pregnancy_weeks`; rows already equal are left alone.
pub async fn sync(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    let mut tx = pool.begin().await?;
    for week in shipped() {
        for language in ["en", "sw"] {
            let sw = language == "sw";
            let text = super::store::WeekText {
                week: week.week,
                language,
                baby: if sw { &week.baby.1 } else { &week.baby.0 },
                body: if sw { &week.body.1 } else { &week.body.0 },
                todo: if sw { &week.todo.1 } else { &week.todo.0 },
                reviewed: week.reviewed,
            };
            changed += super::store::upsert_week(&mut tx, text).await?;
        }
    }
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_has_every_week_in_both_languages() {
        let weeks = parse(WEEKS).expect("the shipped file parses");
        assert_eq!(weeks.len(), 39);
        // No health worker has signed it off yet: the file must say so.
        assert!(weeks.iter().all(|w| !w.reviewed));
        assert!(weeks.iter().all(|w| w.baby.0 != w.baby.1 && w.todo.0 != w.todo.1));
    }

    #[test]
    fn problems_name_their_line() {
        let header = "week\tpart\tenglish\tkiswahili\treviewed_by_health_worker\n";
        let bad = format!("{header}4\tbaby\tGrows\t\tno\n");
        assert!(parse(&bad).expect_err("refused").contains("line 2"));
        let bad = format!("{header}4\tbaby\tGrows\tAnakua\tmaybe\n");
        assert!(parse(&bad).expect_err("refused").contains("yes or no"));
        let bad = format!("{header}4\tlegs\tGrows\tAnakua\tno\n");
        assert!(parse(&bad).expect_err("refused").contains("part"));
        assert!(parse(header).expect_err("refused").contains("weeks 4 to 42"));
    }
}
