//! CSV files for download: her data export and the leads list.

#![cfg(feature = "ssr")]

use serde_json::{Map, Value};

/// One table's rows as CSV: a header of the union of their keys, one line per row.
/// A cell that a spreadsheet would run as a formula is prefixed with `'`.
pub fn to_csv(rows: &[Value]) -> String {
    let columns: Vec<String> =
        rows.iter()
            .filter_map(Value::as_object)
            .flat_map(Map::keys)
            .fold(Vec::new(), |mut all, key| {
                if !all.contains(key) {
                    all.push(key.clone());
                }
                all
            });
    let mut out = line(columns.iter().map(String::as_str));
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match row.get(c) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        out.push_str(&line(cells.iter().map(String::as_str)));
    }
    out
}

fn line<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let cells: Vec<String> = cells.map(cell).collect();
    format!("{}\r\n", cells.join(","))
}

fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let rows = [
            json!({ "a": "plain", "b": 1, "c": null }),
            json!({ "a": "comma, \"quoted\"\nline", "b": "=SUM(A1)", "d": true }),
        ];
        assert_eq!(
            to_csv(&rows),
            "a,b,c,d\r\nplain,1,,\r\n\"comma, \"\"quoted\"\"\nline\",'=SUM(A1),,true\r\n"
        );
        assert_eq!(to_csv(&[]), "\r\n");
    }
}
