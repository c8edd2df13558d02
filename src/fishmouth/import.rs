//! CSV imports: assessor/parcel files and NOAA Storm Events hail reports.
//!
//! Files are RFC 4180 CSV (comma-separated, `"` quotes, `""` for a quote inside quotes,
//! commas and line breaks allowed inside quotes, LF or CRLF line ends, an optional UTF-8
//! byte-order mark). The first record is the header. Column names are case-insensitive, in
//! any order, with spaces or hyphens read as underscores ("Parcel ID" = `parcel_id`);
//! columns not listed here are ignored. Blank lines are skipped.
//!
//! Every bad row is reported with the line its record starts on (1-based, the header is
//! line 1) and skipped; the good rows are kept. A missing required column is a single
//! error on the header line, and then no rows are read.
//!
//! # Assessor / parcel file ([`assessor_rows`])
//!
//! | column | required | format |
//! | --- | --- | --- |
//! | `parcel_id` | yes | any text, unique within the file |
//! | `address` | yes | full street address, at most 200 characters |
//! | `lat` | yes | decimal degrees, -90 to 90 |
//! | `lon` | yes | decimal degrees, -180 to 180 |
//! | `year_built` | no | a year from 1800 to the current year |
//! | `roof_permit_year` | no | year of the latest re-roof permit, 1800 to the current year |
//! | `roof_material` | no | asphalt, architectural, wood_shake, metal, tile, slate, flat, or an assessor spelling (1) |
//! | `roof_condition` | no | good, fair, poor, failing, or assessor wording (2) |
//! | `building_sqft` | no | whole square feet, thousands separators allowed |
//! | `assessed_value` | no | dollars ("412000", "$412,000.00"), rounded to whole dollars |
//! | `owner_name` | no | text |
//! | `phone` | no | a US number in any common shape; one that is not a valid US number is dropped (the row is kept) |
//! | `email` | no | an address; one that is not an address is dropped (the row is kept) |
//! | `timezone` | no | an IANA zone such as America/Chicago (the default when empty) |
//!
//! (1) Such as "Comp Shingle", "Shake", "Built-up", "Tar & Gravel"; see
//! [`RoofMaterial::parse`]. (2) Such as "Above average", "Average", "Below average",
//! "Very poor"; see [`RoofCondition::parse`]. A value neither recognises is read as unknown,
//! not as an error.
//!
//! # NOAA Storm Events details file ([`storm_event_rows`])
//!
//! The "StormEvents_details" CSV from NOAA NCEI (<https://www.ncei.noaa.gov/stormevents/>).
//! Required columns: `EVENT_TYPE`, `MAGNITUDE` (hail diameter in inches), `BEGIN_LAT`,
//! `BEGIN_LON`, `BEGIN_DATE_TIME` ("01-APR-24 14:30:00" as NOAA writes it; "2024-04-01
//! 14:30:00" and "4/1/2024 14:30" also read; two-digit years 50-99 are 19xx, 00-49 20xx).
//! Only rows whose `EVENT_TYPE` is `Hail` are read; others are skipped without an error.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::property::{HailReport, Property, RoofCondition, RoofMaterial, normalize_us_phone};
use crate::account::{Email, TimeZoneName};
use crate::parse_iso_date;

/// The zone a parcel gets when its row has none: the sample metro's.
pub const DEFAULT_TIMEZONE: &str = "America/Chicago";
pub const ASSESSOR_REQUIRED_COLUMNS: [&str; 4] = ["parcel_id", "address", "lat", "lon"];
pub const ASSESSOR_OPTIONAL_COLUMNS: [&str; 10] = [
    "year_built",
    "roof_permit_year",
    "roof_material",
    "roof_condition",
    "building_sqft",
    "assessed_value",
    "owner_name",
    "phone",
    "email",
    "timezone",
];
pub const STORM_EVENT_COLUMNS: [&str; 5] = ["event_type", "magnitude", "begin_lat", "begin_lon", "begin_date_time"];
crate::text_enum::text_enum! {
    /// What an uploaded file holds.
    pub enum ImportKind { Properties = "properties", Storms = "storms" }
}

impl ImportKind {
    /// Our fields a file must feed.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Self::Properties => &ASSESSOR_REQUIRED_COLUMNS,
            Self::Storms => &STORM_EVENT_COLUMNS,
        }
    }

    /// Our fields a file may feed.
    pub fn optional(self) -> &'static [&'static str] {
        match self {
            Self::Properties => &ASSESSOR_OPTIONAL_COLUMNS,
            Self::Storms => &[],
        }
    }

    /// Every field, required first.
    pub fn fields(self) -> impl Iterator<Item = &'static str> {
        self.required().iter().chain(self.optional()).copied()
    }
}

/// Which of a file's columns feeds each of our fields: field → the column's position.
pub type Columns = HashMap<String, usize>;

/// Other names files give our fields (as [`column_key`] writes them): county exports and
/// spreadsheets rarely say `parcel_id`.
fn aliases(field: &str) -> &'static [&'static str] {
    match field {
        "parcel_id" => &[
            "parcel",
            "parcel_number",
            "parcel_no",
            "pin",
            "apn",
            "account_number",
            "folio",
        ],
        "address" => &[
            "site_address",
            "property_address",
            "situs_address",
            "situs",
            "full_address",
            "street_address",
        ],
        "lat" => &["latitude", "y"],
        "lon" => &["lng", "long", "longitude", "x"],
        "year_built" => &["yr_built", "yearbuilt", "built"],
        "roof_permit_year" => &["reroof_year", "roof_year", "roof_permit"],
        "roof_material" => &["roof", "roof_type", "roof_cover", "roofing"],
        "roof_condition" => &["condition", "repair_condition"],
        "building_sqft" => &["sqft", "square_feet", "living_area", "bldg_sqft", "building_area"],
        "assessed_value" => &["market_value", "total_value", "appraised_value", "value"],
        "owner_name" => &["owner", "owner1", "taxpayer"],
        "phone" => &["phone_number", "telephone"],
        "email" => &["e_mail", "email_address"],
        "timezone" => &["time_zone", "tz"],
        _ => &[],
    }
}

/// The file's column names: its first record (none for an empty file).
pub fn header(text: &str) -> Vec<String> {
    parse_csv(text)
        .into_iter()
        .next()
        .map(|(_, names)| names)
        .unwrap_or_default()
}

/// Our fields matched to `header` by name: the field's own name first, then its usual
/// other spellings; a column feeds one field at most.
pub fn guess_columns(kind: ImportKind, header: &[String]) -> Columns {
    let keys: Vec<String> = header.iter().map(|name| column_key(name)).collect();
    let mut columns = Columns::new();
    for field in kind.fields() {
        let found = std::iter::once(field)
            .chain(aliases(field).iter().copied())
            .find_map(|name| keys.iter().position(|k| k == name))
            .filter(|i| !columns.values().any(|taken| taken == i));
        if let Some(i) = found {
            columns.insert(field.to_owned(), i);
        }
    }
    columns
}

/// Her choice of column for each field, as the form sends it (field → the column's
/// position, "" for none), checked: a position inside the file's `width` columns, and one
/// field a column at most. Fields not of `kind` are ignored. The error names the field.
pub fn choose_columns(
    kind: ImportKind,
    width: usize,
    chosen: &HashMap<String, String>,
) -> Result<Columns, (&'static str, String)> {
    let mut columns = Columns::new();
    for field in kind.fields() {
        let raw = chosen.get(field).map_or("", |s| s.trim());
        if raw.is_empty() {
            continue;
        }
        let column = raw
            .parse::<usize>()
            .ok()
            .filter(|c| *c < width)
            .ok_or((field, "choose one of the file's columns".to_owned()))?;
        if let Some((other, _)) = columns.iter().find(|(_, c)| **c == column) {
            return Err((field, format!("that column already feeds {other}")));
        }
        columns.insert(field.to_owned(), column);
    }
    Ok(columns)
}

/// The required fields no column feeds.
pub fn unmapped(kind: ImportKind, columns: &Columns) -> Vec<&'static str> {
    kind.required()
        .iter()
        .copied()
        .filter(|f| !columns.contains_key(*f))
        .collect()
}

/// The first `rows` data records as our fields read them (in [`ImportKind::fields`]
/// order, "" where no column feeds a field), for a preview before importing.
pub fn preview(kind: ImportKind, text: &str, columns: &Columns, rows: usize) -> Vec<Vec<String>> {
    parse_csv(text)
        .iter()
        .skip(1)
        .take(rows)
        .map(|(_, cells)| {
            let row = Row { columns, cells };
            kind.fields().map(|f| row.get(f).to_owned()).collect()
        })
        .collect()
}

/// Oldest year accepted for a build or permit year.
pub const MIN_YEAR: i32 = 1800;

/// A refused row: the line its record starts on and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// RFC 4180 records, each with the 1-based line it starts on. Lenient where the RFC is
/// silent: a stray quote inside an unquoted field is kept as text, an unclosed quote runs
/// to the end of the file, and records whose fields are all empty (blank lines) are skipped.
/// Line breaks inside quotes are kept as "\n".
pub fn parse_csv(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1, 1);
    let (mut in_quotes, mut quoted) = (false, false);
    let mut chars = text.chars().peekable();
    let mut finish = |fields: &mut Vec<String>, start: usize| {
        let record = std::mem::take(fields);
        if record.iter().any(|f| !f.is_empty()) {
            records.push((start, record));
        }
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => (in_quotes, quoted) = (true, true),
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                quoted = false;
                finish(&mut fields, start);
                line += 1;
                start = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || quoted || !fields.is_empty() {
        fields.push(field);
        finish(&mut fields, start);
    }
    records
}

/// Header names as keys: trimmed, lower-cased, spaces and hyphens as underscores.
fn column_key(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The error on the header line when the file is empty or a required field has no column.
fn check_columns(records: &[(usize, Vec<String>)], kind: ImportKind, columns: &Columns) -> Result<(), RowError> {
    if records.is_empty() {
        return Err(RowError {
            line: 1,
            message: "the file is empty: the first line must name the columns".to_owned(),
        });
    }
    match unmapped(kind, columns) {
        missing if missing.is_empty() => Ok(()),
        missing => Err(RowError {
            line: 1,
            message: format!("missing required column(s): {}", missing.join(", ")),
        }),
    }
}

/// One row's cells by column key, trimmed; "" when the column or cell is absent.
struct Row<'a> {
    columns: &'a HashMap<String, usize>,
    cells: &'a [String],
}

impl Row<'_> {
    fn get(&self, key: &str) -> &str {
        self.columns
            .get(key)
            .and_then(|&i| self.cells.get(i))
            .map_or("", |s| s.trim())
    }
}

fn parse_number(raw: &str) -> Option<f64> {
    raw.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn parse_degrees(raw: &str, limit: f64) -> Option<f64> {
    parse_number(raw).filter(|x| (-limit..=limit).contains(x))
}

/// Rows of an assessor or parcel export (columns in the module docs). Build and permit
/// years must lie in 1800..=`this_year`: the caller passes the current year, since domain
/// code never reads the clock.
pub fn assessor_rows(text: &str, this_year: i32) -> (Vec<Property>, Vec<RowError>) {
    let columns = guess_columns(ImportKind::Properties, &header(text));
    assessor_rows_with(text, this_year, &columns)
}

/// [`assessor_rows`] with the columns she chose for each field.
pub fn assessor_rows_with(text: &str, this_year: i32, columns: &Columns) -> (Vec<Property>, Vec<RowError>) {
    let records = parse_csv(text);
    if let Err(e) = check_columns(&records, ImportKind::Properties, columns) {
        return (Vec::new(), vec![e]);
    }
    let mut properties = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, cells) in records.iter().skip(1) {
        let row = Row { columns, cells };
        match assessor_row(&row, this_year) {
            Ok(property) => match seen.get(&property.parcel_id) {
                Some(first) => errors.push(RowError {
                    line: *line,
                    message: format!("parcel_id {} already appears on line {first}", property.parcel_id),
                }),
                None => {
                    seen.insert(property.parcel_id.clone(), *line);
                    properties.push(property);
                }
            },
            Err(problems) => errors.push(RowError {
                line: *line,
                message: problems.join("; "),
            }),
        }
    }
    (properties, errors)
}

/// One assessor row, or every problem it has.
fn assessor_row(row: &Row, this_year: i32) -> Result<Property, Vec<String>> {
    let mut problems = Vec::new();
    let mut required = |key: &str| {
        let value = row.get(key);
        if value.is_empty() {
            problems.push(format!("{key} is missing"));
        }
        value.to_owned()
    };
    let parcel_id = required("parcel_id");
    let address = required("address");
    let (lat_raw, lon_raw) = (required("lat"), required("lon"));
    if address.chars().count() > 200 {
        problems.push("address is longer than 200 characters".to_owned());
    }
    let lat = parse_degrees(&lat_raw, 90.0);
    if lat.is_none() && !lat_raw.is_empty() {
        problems.push(format!("lat \"{lat_raw}\" is not a latitude between -90 and 90"));
    }
    let lon = parse_degrees(&lon_raw, 180.0);
    if lon.is_none() && !lon_raw.is_empty() {
        problems.push(format!("lon \"{lon_raw}\" is not a longitude between -180 and 180"));
    }

    let mut year = |key: &str| -> Option<i32> {
        let raw = row.get(key);
        if raw.is_empty() {
            return None;
        }
        let year = raw.parse::<i32>().ok().filter(|y| (MIN_YEAR..=this_year).contains(y));
        if year.is_none() {
            problems.push(format!("{key} \"{raw}\" is not a year from {MIN_YEAR} to {this_year}"));
        }
        year
    };
    let year_built = year("year_built");
    let roof_permit_year = year("roof_permit_year");

    let sqft_raw = row.get("building_sqft");
    let building_sqft = match sqft_raw {
        "" => None,
        raw => {
            let sqft = raw
                .replace(',', "")
                .parse::<i32>()
                .ok()
                .filter(|s| (1..=1_000_000).contains(s));
            if sqft.is_none() {
                problems.push(format!("building_sqft \"{raw}\" is not a whole number of square feet"));
            }
            sqft
        }
    };
    let assessed_value = match row.get("assessed_value") {
        "" => None,
        raw => {
            let cleaned = raw.trim_start_matches('$').replace(',', "");
            let value = parse_number(&cleaned)
                .filter(|v| (0.0..=1e12).contains(v))
                .map(|v| v.round() as i64);
            if value.is_none() {
                problems.push(format!("assessed_value \"{raw}\" is not an amount in dollars"));
            }
            value
        }
    };
    let timezone = match row.get("timezone") {
        "" => Some(DEFAULT_TIMEZONE.to_owned()),
        raw => {
            let zone = TimeZoneName::parse(raw).ok().map(|z| z.as_ref().to_owned());
            if zone.is_none() {
                problems.push(format!(
                    "timezone \"{raw}\" is not a time zone name like America/Chicago"
                ));
            }
            zone
        }
    };

    let (Some(lat), Some(lon), Some(timezone), true) = (lat, lon, timezone, problems.is_empty()) else {
        return Err(problems);
    };
    let text = |key: &str| Some(row.get(key)).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Property {
        parcel_id,
        address,
        lat,
        lon,
        year_built,
        roof_permit_year,
        roof_material: RoofMaterial::parse(row.get("roof_material")),
        condition: RoofCondition::parse(row.get("roof_condition")),
        building_sqft,
        assessed_value,
        owner_name: text("owner_name"),
        phone: normalize_us_phone(row.get("phone")),
        email: Email::parse(row.get("email")).ok().map(|e| e.as_ref().to_owned()),
        timezone,
    })
}

/// Hail reports from a NOAA Storm Events details file (columns in the module docs).
pub fn storm_event_rows(text: &str) -> (Vec<HailReport>, Vec<RowError>) {
    let columns = guess_columns(ImportKind::Storms, &header(text));
    storm_event_rows_with(text, &columns)
}

/// [`storm_event_rows`] with the columns she chose for each field.
pub fn storm_event_rows_with(text: &str, columns: &Columns) -> (Vec<HailReport>, Vec<RowError>) {
    let records = parse_csv(text);
    if let Err(e) = check_columns(&records, ImportKind::Storms, columns) {
        return (Vec::new(), vec![e]);
    }
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in records.iter().skip(1) {
        let row = Row { columns, cells };
        if !row.get("event_type").eq_ignore_ascii_case("hail") {
            continue;
        }
        let mut problems = Vec::new();
        let magnitude = row.get("magnitude");
        let size_in = parse_number(magnitude).filter(|m| *m > 0.0 && *m <= 10.0);
        if size_in.is_none() {
            problems.push(format!("MAGNITUDE \"{magnitude}\" is not a hail size in inches"));
        }
        let (lat_raw, lon_raw) = (row.get("begin_lat"), row.get("begin_lon"));
        let lat = parse_degrees(lat_raw, 90.0);
        if lat.is_none() {
            problems.push(format!("BEGIN_LAT \"{lat_raw}\" is not a latitude between -90 and 90"));
        }
        let lon = parse_degrees(lon_raw, 180.0);
        if lon.is_none() {
            problems.push(format!(
                "BEGIN_LON \"{lon_raw}\" is not a longitude between -180 and 180"
            ));
        }
        let when = row.get("begin_date_time");
        let date = parse_storm_date(when);
        if date.is_none() {
            problems.push(format!(
                "BEGIN_DATE_TIME \"{when}\" is not a date like 01-APR-24 14:30:00"
            ));
        }
        match (lat, lon, size_in, date) {
            (Some(lat), Some(lon), Some(size_in), Some(date)) => reports.push(HailReport {
                lat,
                lon,
                size_in,
                date,
            }),
            _ => errors.push(RowError {
                line: *line,
                message: problems.join("; "),
            }),
        }
    }
    (reports, errors)
}

/// The date of a storm's begin time: "01-APR-24 14:30:00" (NOAA), "2024-04-01 14:30:00"
/// (ISO, also with a "T"), or "4/1/2024 14:30" (the file after a spreadsheet saved it).
/// The time of day is not kept.
fn parse_storm_date(raw: &str) -> Option<Date> {
    let day_part = raw.split([' ', 'T']).next().unwrap_or("");
    if day_part.len() == 10 && day_part.as_bytes().get(4) == Some(&b'-') {
        return parse_iso_date(day_part).ok();
    }
    let number = |s: &str| -> Option<u32> {
        if !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let year = |s: &str| -> Option<i32> {
        let y = i32::try_from(number(s)?).ok()?;
        match s.len() {
            2 if y < 50 => Some(2000 + y),
            2 => Some(1900 + y),
            4 => Some(y),
            _ => None,
        }
    };
    let (month, day, year) = if let Some((d, rest)) = day_part.split_once('-') {
        let (m, y) = rest.split_once('-')?;
        let month = Month::January.nth_next(
            [
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ]
            .iter()
            .position(|name| name.eq_ignore_ascii_case(m))? as u8,
        );
        (month, number(d)?, year(y)?)
    } else {
        let mut parts = day_part.split('/');
        let (Some(m), Some(d), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        let month = Month::try_from(u8::try_from(number(m)?).ok()?).ok()?;
        (month, number(d)?, year(y)?)
    };
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    fn fields(records: &[(usize, Vec<String>)]) -> Vec<(usize, Vec<&str>)> {
        records
            .iter()
            .map(|(line, f)| (*line, f.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn csv_handles_quotes_commas_and_doubled_quotes() {
        let text = "a,b,c\r\n\"1, Elm\",\"say \"\"hi\"\"\",\r\n,\"\",x\n";
        assert_eq!(
            fields(&parse_csv(text)),
            [
                (1, vec!["a", "b", "c"]),
                (2, vec!["1, Elm", "say \"hi\"", ""]),
                (3, vec!["", "", "x"]),
            ]
        );
    }

    #[test]
    fn csv_numbers_records_by_their_first_line() {
        let text = "id,note\n1,\"two\nlines\"\n\n2,\"three\r\nmore\r\nlines\"\r\n3,last";
        assert_eq!(
            fields(&parse_csv(text)),
            [
                (1, vec!["id", "note"]),
                (2, vec!["1", "two\nlines"]),
                (5, vec!["2", "three\nmore\nlines"]),
                (8, vec!["3", "last"]),
            ]
        );
    }

    #[test]
    fn csv_edge_cases() {
        assert!(parse_csv("").is_empty());
        assert!(parse_csv("\n\n,,\n").is_empty(), "blank lines are skipped");
        assert_eq!(
            fields(&parse_csv("\u{feff}a,b")),
            [(1, vec!["a", "b"])],
            "byte-order mark"
        );
        assert_eq!(
            fields(&parse_csv("a,\"open\nto the end")),
            [(1, vec!["a", "open\nto the end"])]
        );
        assert_eq!(
            fields(&parse_csv("5\" hail,x")),
            [(1, vec!["5\" hail", "x"])],
            "stray quote kept"
        );
    }

    const HEADER: &str = "Parcel ID,Address,LAT,Lon,year_built,roof_permit_year,roof_material,roof_condition,\
                          building_sqft,assessed_value,owner_name,phone,email,timezone,ignored";

    #[test]
    fn assessor_rows_keep_good_rows_and_report_bad_ones_by_line() {
        let text = format!(
            "{HEADER}\n\
             P1,\"4127 Elm Ridge Dr, Dallas, TX 75214\",32.81,-96.74,1988,2015,Comp Shingle,Below Average,\"1,850\",\
             \"$412,000\",Maria Garcia,(214) 555-0142,Maria@Example.com,,x\n\
             P2,\"12 Oak St\nDallas, TX 75204\",abc,-96.8,1990,,,,,,,,,,\n\
             P3,500 Pine Ln,32.9,-96.7,1990,,Thatch,Rotten,,,,555-0142,not-an-email,,\n\
             P4,501 Pine Ln,32.9,-96.7,19x0,,,,,,,,,,\n\
             ,502 Pine Ln,32.9,-96.7,,,,,,,,,,,\n\
             P6,503 Pine Ln,32.9,-96.7,2031,,,,,,,,,,\n\
             P1,504 Pine Ln,32.9,-96.7,,,,,,,,,,,\n\
             P8,505 Pine Ln,32.9,-96.7,,,,,,,,,,Mars/Base,\n\
             P9,506 Pine Ln,32.9,-96.7\n"
        );
        let (rows, errors) = assessor_rows(&text, 2026);
        let ids: Vec<&str> = rows.iter().map(|p| p.parcel_id.as_str()).collect();
        assert_eq!(ids, ["P1", "P3", "P9"]);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 6, 7, 8, 9, 10], "{errors:?}");
        assert!(errors[0].message.contains("lat \"abc\""), "{}", errors[0]);
        assert!(errors[1].message.contains("year_built \"19x0\""));
        assert!(errors[2].message.contains("parcel_id is missing"));
        assert!(errors[3].message.contains("2031"));
        assert!(errors[4].message.contains("already appears on line 2"));
        assert!(errors[5].message.contains("timezone"));
        assert_eq!(errors[0].to_string(), format!("line 3: {}", errors[0].message));

        let p1 = &rows[0];
        assert_eq!(p1.address, "4127 Elm Ridge Dr, Dallas, TX 75214");
        assert_eq!((p1.lat, p1.lon), (32.81, -96.74));
        assert_eq!((p1.year_built, p1.roof_permit_year), (Some(1988), Some(2015)));
        assert_eq!(p1.roof_material, Some(RoofMaterial::Asphalt));
        assert_eq!(p1.condition, Some(RoofCondition::Poor));
        assert_eq!((p1.building_sqft, p1.assessed_value), (Some(1850), Some(412_000)));
        assert_eq!(p1.owner_name.as_deref(), Some("Maria Garcia"));
        assert_eq!(p1.phone.as_deref(), Some("+12145550142"));
        assert_eq!(p1.email.as_deref(), Some("maria@example.com"));
        assert_eq!(p1.timezone, "America/Chicago");

        let p3 = &rows[1];
        assert_eq!(
            (p3.roof_material, p3.condition),
            (None, None),
            "unknown words are not errors"
        );
        assert_eq!((p3.phone.as_deref(), p3.email.as_deref()), (None, None));
        assert_eq!(rows[2].year_built, None, "short rows read missing cells as empty");
    }

    #[test]
    fn a_missing_required_column_is_one_error_on_line_1() {
        let (rows, errors) = assessor_rows("parcel_id,address,lat\nP1,1 Elm St,32.8\n", 2026);
        assert!(rows.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("lon"), "{}", errors[0].message);
        let (rows, errors) = assessor_rows("", 2026);
        assert!(rows.is_empty());
        assert_eq!(errors[0].line, 1);
        let (rows, errors) = assessor_rows("lon,LAT,address,parcel_id\n-96.8,32.8,1 Elm St,P1\n", 2026);
        assert_eq!((rows.len(), errors.len()), (1, 0), "any order, any case");
    }

    #[test]
    fn noaa_dates_in_their_shapes() {
        assert_eq!(parse_storm_date("01-APR-24 14:30:00"), Some(d("2024-04-01")));
        assert_eq!(parse_storm_date("28-may-98 03:05:00"), Some(d("1998-05-28")));
        assert_eq!(parse_storm_date("1-Jun-2025 00:00:00"), Some(d("2025-06-01")));
        assert_eq!(parse_storm_date("2024-04-01 14:30:00"), Some(d("2024-04-01")));
        assert_eq!(parse_storm_date("2024-04-01T14:30:00"), Some(d("2024-04-01")));
        assert_eq!(parse_storm_date("2024-04-01"), Some(d("2024-04-01")));
        assert_eq!(parse_storm_date("4/1/2024 14:30"), Some(d("2024-04-01")));
        for raw in [
            "",
            "31-APR-24 10:00:00",
            "01-APX-24 10:00:00",
            "01-APR-124 10:00:00",
            "01-APR-24-1",
            "2024-02-30 10:00:00",
            "13/1/2024",
            "yesterday",
        ] {
            assert_eq!(parse_storm_date(raw), None, "{raw}");
        }
    }

    #[test]
    fn storm_events_keep_hail_and_report_bad_hail_rows() {
        let text = "BEGIN_YEARMONTH,EVENT_TYPE,BEGIN_DATE_TIME,MAGNITUDE,BEGIN_LAT,BEGIN_LON,DAMAGE_PROPERTY\n\
                    202404,Hail,01-APR-24 14:30:00,1.75,32.85,-96.70,10.00K\n\
                    202404,Thunderstorm Wind,01-APR-24 14:35:00,61,32.86,-96.69,\n\
                    202404,Marine Hail,01-APR-24 14:35:00,1.00,,,\n\
                    202404,Hail,2024-04-02 18:00:00,,32.9,-96.6,\n\
                    202404,hail,02-APR-24 18:05:00,1.00,32.9,,\n\
                    202404,Hail,31-APR-24 18:05:00,1.00,32.9,-96.6,\n\
                    202404,HAIL,2024-04-03 18:00:00,2.50,32.7,-97.1,\n";
        let (reports, errors) = storm_event_rows(text);
        assert_eq!(
            reports,
            [
                HailReport {
                    lat: 32.85,
                    lon: -96.70,
                    size_in: 1.75,
                    date: d("2024-04-01")
                },
                HailReport {
                    lat: 32.7,
                    lon: -97.1,
                    size_in: 2.5,
                    date: d("2024-04-03")
                },
            ]
        );
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6, 7], "{errors:?}");
        assert!(errors[0].message.contains("MAGNITUDE"));
        assert!(errors[1].message.contains("BEGIN_LON"));
        assert!(errors[2].message.contains("BEGIN_DATE_TIME"));

        let (reports, errors) = storm_event_rows("EVENT_TYPE,MAGNITUDE\nHail,1.0\n");
        assert!(reports.is_empty());
        assert_eq!((errors.len(), errors[0].line), (1, 1));
        assert!(errors[0].message.contains("begin_lat"));
    }

    /// A real NOAA file (tests/data/noaa/README.md names it): every hail row reads, the
    /// tornado, wind and winter rows are skipped, and the Frisco storm scores a Frisco home.
    #[test]
    fn a_real_noaa_storm_events_excerpt_imports_and_scores() {
        use crate::fishmouth::scoring::{damage_factor, hail_near};
        let text = include_str!("../../tests/data/noaa/StormEvents_details-ftp_v1.0_d2017_c20170616.excerpt.csv");
        let (reports, errors) = storm_event_rows(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(reports.len(), 24, "24 of the 33 rows are hail");
        let frisco = reports
            .iter()
            .filter(|r| (r.lat, r.lon) == (33.15, -96.81))
            .collect::<Vec<_>>();
        assert_eq!(frisco.len(), 4, "one at 1.75 in, three at 2 in");
        assert!(frisco.iter().all(|r| r.date == d("2017-03-26")));
        assert_eq!(
            frisco.iter().map(|r| r.size_in).fold(0.0, f64::max),
            2.0,
            "the largest Frisco stone is two inches"
        );
        // A home in Frisco: hit by the storm; one in Dallas (25 miles south) is not.
        let home = |lat, lon| Property {
            lat,
            lon,
            ..assessor_rows("parcel_id,address,lat,lon\nP1,1 Main St,33.15,-96.81\n", 2017).0[0].clone()
        };
        let near = hail_near(&home(33.16, -96.82), &reports);
        assert_eq!(near.len(), 4);
        assert!(hail_near(&home(32.78, -96.80), &reports).is_empty());
        let damage = |days_later: i64| {
            let hits: Vec<_> = near.iter().map(|r| (r.size_in, days_later)).collect();
            damage_factor(&hits)
        };
        assert!(damage(30) >= 60, "fresh two-inch hail: {}", damage(30));
        assert!(damage(365 * 3) < damage(365), "the hit fades with the years");
        assert!(damage(365) < damage(30));
    }

    /// A county file with its own column names: guessed by their usual spellings, changed
    /// by hand, previewed, and every bad row named with its line.
    #[test]
    fn columns_are_guessed_chosen_previewed_and_checked() {
        let text = "PIN,Site Address,Latitude,Longitude,Yr Built,Notes\n\
                    P1,12 Oak St,32.78,-96.80,1990,corner lot\n\
                    P2,14 Oak St,north,-96.80,1991,\n\
                    P3,,32.79,-96.81,2150,\n";
        let names = header(text);
        assert_eq!(names.len(), 6);
        let guessed = guess_columns(ImportKind::Properties, &names);
        assert_eq!(
            (
                guessed["parcel_id"],
                guessed["address"],
                guessed["lat"],
                guessed["lon"],
                guessed["year_built"]
            ),
            (0, 1, 2, 3, 4)
        );
        assert!(unmapped(ImportKind::Properties, &guessed).is_empty());
        let (homes, refused) = assessor_rows_with(text, 2026, &guessed);
        assert_eq!(homes.len(), 1);
        assert_eq!(
            refused.iter().map(|e| e.line).collect::<Vec<_>>(),
            [3, 4],
            "each bad row by its line: {refused:?}"
        );
        assert!(refused[0].message.contains("lat \"north\""), "{}", refused[0].message);
        assert!(refused[1].message.contains("address is missing") && refused[1].message.contains("year_built"));

        let fields: Vec<&str> = ImportKind::Properties.fields().collect();
        let shown = preview(ImportKind::Properties, text, &guessed, 2);
        assert_eq!(shown.len(), 2);
        let at = |row: usize, field: &str| shown[row][fields.iter().position(|f| *f == field).unwrap()].clone();
        assert_eq!(
            (at(0, "parcel_id"), at(0, "address"), at(1, "lat")),
            ("P1".into(), "12 Oak St".into(), "north".into())
        );
        assert_eq!(at(0, "phone"), "", "no column feeds it");

        // She points "address" at the notes instead, and drops the latitude: one error, on line 1.
        let mut chosen = guessed.clone();
        chosen.insert("address".into(), 5);
        chosen.remove("lat");
        assert_eq!(unmapped(ImportKind::Properties, &chosen), ["lat"]);
        let (homes, refused) = assessor_rows_with(text, 2026, &chosen);
        assert!(homes.is_empty());
        assert_eq!((refused.len(), refused[0].line), (1, 1));
        assert!(refused[0].message.contains("lat"));
        assert_eq!(
            assessor_rows_with("", 2026, &guessed).1[0].line,
            1,
            "an empty file is one error"
        );
    }

    #[test]
    fn a_noaa_file_maps_itself() {
        let text = include_str!("../../tests/data/noaa/StormEvents_details-ftp_v1.0_d2017_c20170616.excerpt.csv");
        let columns = guess_columns(ImportKind::Storms, &header(text));
        assert!(unmapped(ImportKind::Storms, &columns).is_empty(), "{columns:?}");
        assert_eq!(ImportKind::parse("storms"), Some(ImportKind::Storms));
        assert_eq!(ImportKind::Storms.fields().count(), 5);
    }

    #[test]
    fn a_chosen_column_is_inside_the_file_and_feeds_one_field() {
        let form = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let chosen = choose_columns(
            ImportKind::Properties,
            4,
            &form(&[("lat", "2"), ("lon", " 3 "), ("phone", ""), ("nope", "1")]),
        )
        .expect("valid");
        assert_eq!((chosen.len(), chosen["lat"], chosen["lon"]), (2, 2, 3));
        assert_eq!(
            choose_columns(ImportKind::Properties, 4, &form(&[("lat", "4")]))
                .unwrap_err()
                .0,
            "lat"
        );
        assert_eq!(
            choose_columns(ImportKind::Properties, 4, &form(&[("lat", "x")]))
                .unwrap_err()
                .0,
            "lat"
        );
        let (field, why) = choose_columns(ImportKind::Properties, 4, &form(&[("lat", "1"), ("lon", "1")])).unwrap_err();
        assert!(
            why.contains("already feeds") && ["lat", "lon"].contains(&field),
            "{field}: {why}"
        );
    }
}
