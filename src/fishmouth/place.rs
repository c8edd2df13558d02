//! What a contractor types to find an area: a ZIP code, a city, or a street address,
//! optionally with a radius ("homes within 2 miles of 1200 Main St, Dallas").
//!
//! Reading the words is pure; turning a place into a point is a geocoder's job (the
//! server's stored properties, or the Census Bureau's geocoder).

use serde::{Deserialize, Serialize};

use super::geo::{MAX_RADIUS_MILES, MIN_RADIUS_MILES, Point, distance_miles};

/// Longest search accepted: an address is at most 200 characters, plus the radius words.
pub const MAX_SEARCH_LEN: usize = 240;

/// What kind of place the words name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Five digits ("75204"; a ZIP+4 keeps its first five).
    Zip(String),
    /// A street address: it starts with a house number ("1200 Main St, Dallas").
    Address(String),
    /// Anything else: a city or town, with its state dropped ("Fort Worth, TX" is "Fort Worth").
    City(String),
}

/// A search as typed: the place, and the radius when the words gave one.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceSearch {
    pub place: Place,
    pub radius_miles: Option<f64>,
}

/// Why a search was refused (the form shows it under the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("type a ZIP code, a city or a street address")]
    Empty,
    #[error("that is too long for a place: at most 240 characters")]
    TooLong,
    #[error("the radius is 0.1 to 25 miles")]
    Radius,
}

/// One place a geocoder found: what to call it and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Located {
    pub label: String,
    pub point: Point,
}

/// Matches closer than this are one place (the units of a building, one address twice).
pub const SAME_PLACE_MILES: f64 = 0.1;

/// Matches with the ones close to an earlier match dropped, each place under its shortest
/// label ("1200 Main St, Dallas" rather than "... Unit 3"); order otherwise kept.
pub fn merge_close(matches: Vec<Located>) -> Vec<Located> {
    let mut places: Vec<Located> = Vec::new();
    for m in matches {
        match places
            .iter_mut()
            .find(|p| distance_miles(p.point, m.point) < SAME_PLACE_MILES)
        {
            Some(p) if m.label.len() < p.label.len() => p.label = m.label,
            Some(_) => {}
            None => places.push(m),
        }
    }
    places
}

/// Reads "75204", "Fort Worth, TX", "1200 Main St, Dallas", and any of them after
/// "[homes] within 2 miles of", "2 mi around" or "2 miles from".
pub fn parse_search(text: &str) -> Result<PlaceSearch, SearchError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(SearchError::Empty);
    }
    if text.chars().count() > MAX_SEARCH_LEN {
        return Err(SearchError::TooLong);
    }
    let (radius_miles, rest) = match split_radius(&text) {
        Some((radius, rest)) => {
            let radius = radius
                .parse::<f64>()
                .ok()
                .filter(|r| (MIN_RADIUS_MILES..=MAX_RADIUS_MILES).contains(r))
                .ok_or(SearchError::Radius)?;
            (Some(radius), rest)
        }
        None => (None, text.as_str()),
    };
    let rest = rest.trim().trim_matches(',').trim();
    if rest.is_empty() {
        return Err(SearchError::Empty);
    }
    Ok(PlaceSearch {
        place: classify(rest),
        radius_miles,
    })
}

/// "within 2 miles of X" → ("2", "X"), with an optional leading "homes"/"houses"/"roofs".
fn split_radius(text: &str) -> Option<(&str, &str)> {
    // ASCII lower-casing keeps every byte offset, so `lower` and `text` slice alike.
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    for lead in ["homes ", "houses ", "roofs "] {
        if lower.starts_with(lead) {
            at = lead.len();
        }
    }
    for word in ["within ", "in "] {
        if lower[at..].starts_with(word) {
            at += word.len();
        }
    }
    let number_len = lower[at..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len() - at);
    if number_len == 0 {
        return None;
    }
    let number = &text[at..at + number_len];
    let mut rest = lower[at + number_len..].trim_start();
    let unit = ["miles", "mile", "mi"].into_iter().find(|u| rest.starts_with(u))?;
    rest = rest[unit.len()..].trim_start();
    let link = ["of", "around", "from", "near"].into_iter().find(|l| {
        rest.strip_prefix(l)
            .is_some_and(|after| after.is_empty() || after.starts_with(' '))
    })?;
    let place_at = text.len() - rest.len() + link.len();
    Some((number, &text[place_at..]))
}

fn classify(place: &str) -> Place {
    // "ZIP 75204", "zip code 75204": the word is not part of the place.
    let lower = place.to_ascii_lowercase();
    let place = ["zip code ", "zipcode ", "zip "]
        .into_iter()
        .find(|w| lower.starts_with(w))
        .map_or(place, |w| place[w.len()..].trim_start());
    let compact: String = place.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = compact.chars().take_while(char::is_ascii_digit).count();
    let zip_only = digits == 5
        && (compact.len() == 5
            || (compact.len() == 10
                && compact[5..].starts_with('-')
                && compact[6..].chars().all(|c| c.is_ascii_digit())));
    if zip_only {
        return Place::Zip(compact[..5].to_owned());
    }
    let first = place.split_whitespace().next().unwrap_or("");
    let numbered = first.chars().next().is_some_and(|c| c.is_ascii_digit());
    if numbered && place.split_whitespace().count() > 1 {
        return Place::Address(place.to_owned());
    }
    Place::City(strip_state(place).to_owned())
}

/// "Fort Worth, TX" / "Fort Worth TX" / "Fort Worth, Texas" → "Fort Worth".
fn strip_state(city: &str) -> &str {
    let city = city.trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    if let Some((head, _state)) = city.rsplit_once(',') {
        return head.trim();
    }
    match city.rsplit_once(' ') {
        Some((head, tail)) if tail.len() == 2 && tail.chars().all(|c| c.is_ascii_uppercase()) => head.trim(),
        _ => city,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(text: &str) -> Place {
        parse_search(text).unwrap().place
    }

    #[test]
    fn zip_codes_cities_and_addresses_are_told_apart() {
        assert_eq!(place("75204"), Place::Zip("75204".into()));
        assert_eq!(place(" 75204-1234 "), Place::Zip("75204".into()));
        assert_eq!(place("ZIP 75204"), Place::Zip("75204".into()));
        assert_eq!(place("zip code 75204"), Place::Zip("75204".into()));
        assert_eq!(
            place("1200 Main St, Dallas"),
            Place::Address("1200 Main St, Dallas".into())
        );
        assert_eq!(place("1200  Main   St"), Place::Address("1200 Main St".into()));
        assert_eq!(place("Fort Worth, TX"), Place::City("Fort Worth".into()));
        assert_eq!(place("Fort Worth TX"), Place::City("Fort Worth".into()));
        assert_eq!(place("Fort Worth, Texas"), Place::City("Fort Worth".into()));
        assert_eq!(place("Plano"), Place::City("Plano".into()));
        // A number alone is not an address, and six digits are not a ZIP.
        assert_eq!(place("752041"), Place::City("752041".into()));
        assert_eq!(place("1200"), Place::City("1200".into()));
    }

    #[test]
    fn a_radius_in_the_words_is_read() {
        let s = parse_search("homes within 2 miles of 1200 Main St, Dallas").unwrap();
        assert_eq!(s.place, Place::Address("1200 Main St, Dallas".into()));
        assert_eq!(s.radius_miles, Some(2.0));
        let s = parse_search("1.5 mi around 75204").unwrap();
        assert_eq!((s.place, s.radius_miles), (Place::Zip("75204".into()), Some(1.5)));
        let s = parse_search("Within 3 Miles Of Plano").unwrap();
        assert_eq!((s.place, s.radius_miles), (Place::City("Plano".into()), Some(3.0)));
        // A street number is not a radius.
        assert_eq!(parse_search("2 Mile Rd, Dallas").unwrap().radius_miles, None);
        assert_eq!(parse_search("Plano").unwrap().radius_miles, None);
    }

    #[test]
    fn matches_in_one_spot_are_one_place() {
        let at = |label: &str, lat, lon| Located {
            label: label.into(),
            point: Point { lat, lon },
        };
        let merged = merge_close(vec![
            at("1200 Main St, Dallas, TX 75204 Unit 3", 32.7800, -96.8000),
            at("1200 Main St, Dallas, TX 75204", 32.7801, -96.8001),
            at("1200 Main St, Plano, TX 75023", 33.0198, -96.6989),
        ]);
        assert_eq!(
            merged.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(),
            ["1200 Main St, Dallas, TX 75204", "1200 Main St, Plano, TX 75023"]
        );
        assert_eq!(merged[0].point.lat, 32.78, "the first match's point stays");
        assert!(merge_close(Vec::new()).is_empty());
    }

    #[test]
    fn bad_searches_say_why() {
        assert_eq!(parse_search("   "), Err(SearchError::Empty));
        assert_eq!(parse_search("within 2 miles of "), Err(SearchError::Empty));
        assert_eq!(parse_search("within 90 miles of Dallas"), Err(SearchError::Radius));
        assert_eq!(parse_search("within 0 miles of Dallas"), Err(SearchError::Radius));
        assert_eq!(parse_search(&"a".repeat(241)), Err(SearchError::TooLong));
        // Any text at all is a place to look for, never a panic.
        assert!(parse_search("Ünïcode 5 mi of Zürich").is_ok());
    }
}
