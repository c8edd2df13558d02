//! The first year's week-by-week content, read from `weeks.tsv` (which names its sources).

use std::sync::OnceLock;

use crate::account::Language;

/// One week's three texts in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BabyWeek {
    pub baby: &'static str,
    pub you: &'static str,
    pub todo: &'static str,
}

pub const LAST_WEEK: u32 = 52;

struct Row {
    from: u32,
    to: u32,
    part: &'static str,
    english: &'static str,
    kiswahili: &'static str,
}

const WEEKS: &str = include_str!("weeks.tsv");

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| parse(WEEKS).unwrap_or_default())
}

/// The content for the baby's `week` of life (1 is the first), in `language`; after the
/// first year, the last week's.
pub fn week(week: u32, language: Language) -> Option<BabyWeek> {
    let week = week.clamp(1, LAST_WEEK);
    let text = |part: &str| {
        rows()
            .iter()
            .find(|r| r.part == part && (r.from..=r.to).contains(&week))
            .map(|r| match language {
                Language::En => r.english,
                Language::Sw => r.kiswahili,
            })
    };
    Some(BabyWeek {
        baby: text("baby")?,
        you: text("you")?,
        todo: text("todo")?,
    })
}

fn parse(file: &'static str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (number, line) in file.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}", number + 1);
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [weeks, part, english, kiswahili] = fields[..] else {
            return Err(bad("four fields expected"));
        };
        let (from, to) = weeks.split_once('-').unwrap_or((weeks, weeks));
        let (Ok(from), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>()) else {
            return Err(bad("weeks are a number or a range"));
        };
        if !["baby", "you", "todo"].contains(&part) || english.is_empty() || kiswahili.is_empty() {
            return Err(bad("a part (baby, you, todo) and both languages"));
        }
        rows.push(Row {
            from,
            to,
            part,
            english,
            kiswahili,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_week_of_the_first_year_has_each_text_once_in_both_languages() {
        let parsed = parse(WEEKS).expect("weeks.tsv");
        assert_eq!(parsed.len(), rows().len());
        for week in 1..=LAST_WEEK {
            for part in ["baby", "you", "todo"] {
                let matching = parsed
                    .iter()
                    .filter(|r| r.part == part && (r.from..=r.to).contains(&week))
                    .count();
                assert_eq!(matching, 1, "week {week}, {part}");
            }
            let (en, sw) = (
                super::week(week, Language::En).expect("en"),
                super::week(week, Language::Sw).expect("sw"),
            );
            assert_ne!(en, sw);
        }
        assert_eq!(super::week(80, Language::En), super::week(LAST_WEEK, Language::En));
    }

    #[test]
    fn a_bad_line_is_refused() {
        assert!(parse("1\tbaby\tonly english").is_err());
        assert!(parse("x\tbaby\ta\tb").is_err());
        assert!(parse("1\tmother\ta\tb").is_err());
    }
}
