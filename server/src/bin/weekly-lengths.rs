//! The length review of SasaMum's weekly messages: every message as it is sent (with its
//! prefix), in both languages, with its encoding, its length in septets (GSM-7) or UTF-16
//! units (UCS-2), and its SMS segments; longest first.
//!
//! ```text
//! cargo run -q -p server --bin weekly-lengths
//! ```

use domain::{account::Language, sms, weekly};

fn main() {
    let mut lines: Vec<(sms::Segments, String)> = weekly::rows()
        .iter()
        .flat_map(|row| {
            [Language::En, Language::Sw].map(|language| {
                let text = weekly::text(row.phase, row.week, language, None).unwrap_or_default();
                let label = format!("{} {:>2} {}", row.phase.as_str(), row.week, language.as_str());
                (sms::segments(&text), format!("{label:<15} {text}"))
            })
        })
        .collect();
    lines.sort_by_key(|(s, _)| std::cmp::Reverse((s.count, s.units)));
    let one = lines.iter().filter(|(s, _)| s.count == 1).count();
    let gsm = lines.iter().filter(|(s, _)| s.encoding == sms::Encoding::Gsm7).count();
    println!("{} messages: {one} in one segment, {gsm} in GSM-7", lines.len());
    for (s, line) in lines {
        println!("{:?} {:>3} units {} segment(s)  {line}", s.encoding, s.units, s.count);
    }
}
