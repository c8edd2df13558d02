//! A home as the lead engine sees it: what assessor and permit records say about its roof.

use serde::{Deserialize, Serialize};
use time::Date;

/// Lower-cased words with punctuation as spaces, so "Tar & Gravel", "tar_gravel" and
/// "TAR-GRAVEL" compare equal.
fn words(raw: &str) -> String {
    raw.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The roof covering. Assessor files spell it many ways; `parse` maps the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoofMaterial {
    /// Three-tab asphalt (composition) shingles.
    Asphalt,
    /// Laminated ("dimensional") asphalt shingles: thicker, longer-lived.
    Architectural,
    WoodShake,
    Metal,
    /// Clay or concrete tile.
    Tile,
    Slate,
    /// Low-slope roofs: built-up (tar and gravel), modified bitumen, membranes.
    Flat,
}

impl RoofMaterial {
    pub const ALL: [RoofMaterial; 7] = [
        Self::Asphalt,
        Self::Architectural,
        Self::WoodShake,
        Self::Metal,
        Self::Tile,
        Self::Slate,
        Self::Flat,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Asphalt => "asphalt",
            Self::Architectural => "architectural",
            Self::WoodShake => "wood_shake",
            Self::Metal => "metal",
            Self::Tile => "tile",
            Self::Slate => "slate",
            Self::Flat => "flat",
        }
    }

    /// Our codes and the usual assessor spellings, case-insensitive; `None` when unknown.
    pub fn parse(raw: &str) -> Option<Self> {
        let w = words(raw);
        let singular = w.strip_suffix('s').unwrap_or(&w);
        [w.as_str(), singular].into_iter().find_map(|w| match w {
            "asphalt"
            | "asphalt shingle"
            | "shingle"
            | "comp"
            | "comp shingle"
            | "composition"
            | "composition shingle"
            | "3 tab"
            | "3 tab shingle"
            | "three tab"
            | "three tab shingle" => Some(Self::Asphalt),
            "architectural"
            | "architectural shingle"
            | "dimensional"
            | "dimensional shingle"
            | "laminated"
            | "laminated shingle" => Some(Self::Architectural),
            "wood shake" | "shake" | "wood" | "wood shingle" | "cedar" | "cedar shake" | "cedar shingle" => {
                Some(Self::WoodShake)
            }
            "metal" | "steel" | "tin" | "aluminum" | "copper" | "standing seam" | "standing seam metal" => {
                Some(Self::Metal)
            }
            "tile" | "clay" | "clay tile" | "concrete tile" | "spanish tile" => Some(Self::Tile),
            "slate" => Some(Self::Slate),
            "flat" | "built up" | "bur" | "membrane" | "tar gravel" | "tar and gravel" | "rolled" | "roll roofing"
            | "modified bitumen" | "tpo" | "epdm" => Some(Self::Flat),
            _ => None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Asphalt => "asphalt shingle",
            Self::Architectural => "architectural shingle",
            Self::WoodShake => "wood shake",
            Self::Metal => "metal",
            Self::Tile => "tile",
            Self::Slate => "slate",
            Self::Flat => "flat",
        }
    }

    /// Typical service life in years before the covering needs replacing. These are round
    /// industry figures for a planning estimate, not a warranty: they sit inside the ranges
    /// published by NAHB's "Study of Life Expectancy of Home Components" (2007) and
    /// InterNACHI's "Standard Estimated Life Expectancy Chart" (asphalt 15-30, architectural
    /// 25-30, wood shake 20-40, metal 40-70, clay/concrete tile 50+, slate 75-100+, built-up
    /// flat 15-30). Texas hail and sun push real roofs toward the low end.
    pub fn lifespan_years(self) -> i32 {
        match self {
            Self::Asphalt => 20,
            Self::Architectural => 28,
            Self::WoodShake => 30,
            Self::Metal => 50,
            Self::Tile => 50,
            Self::Slate => 100,
            Self::Flat => 20,
        }
    }
}

/// The roof's condition as an inspection, imagery or the assessor rated it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoofCondition {
    Good,
    Fair,
    Poor,
    /// Needs replacing now: exposed deck, missing shingles, tarps, ponding.
    Failing,
}

impl RoofCondition {
    pub const ALL: [RoofCondition; 4] = [Self::Good, Self::Fair, Self::Poor, Self::Failing];

    pub fn code(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Fair => "fair",
            Self::Poor => "poor",
            Self::Failing => "failing",
        }
    }

    /// Our codes plus assessor wording (Cook County's repair_condition says "Above average",
    /// "Average", "Below average"). "Poor" stays `Poor` because it is our own code; only the
    /// stronger words ("very poor", "unsound", "dilapidated") mean `Failing`.
    pub fn parse(raw: &str) -> Option<Self> {
        match words(raw).as_str() {
            "good" | "above average" | "excellent" | "very good" | "new" | "like new" => Some(Self::Good),
            "fair" | "average" | "normal" | "typical" => Some(Self::Fair),
            "poor" | "below average" | "worn" | "deteriorated" => Some(Self::Poor),
            "failing" | "failed" | "very poor" | "unsound" | "dilapidated" | "damaged" => Some(Self::Failing),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        self.code()
    }
}

/// One parcel: a single-family home and what the records say about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub parcel_id: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub year_built: Option<i32>,
    /// The latest re-roof permit: when known it, not the year built, dates the roof.
    pub roof_permit_year: Option<i32>,
    pub roof_material: Option<RoofMaterial>,
    pub condition: Option<RoofCondition>,
    pub building_sqft: Option<i32>,
    /// Whole dollars.
    pub assessed_value: Option<i64>,
    pub owner_name: Option<String>,
    /// "+1" and ten digits (see [`normalize_us_phone`]).
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The home's IANA zone: calling hours are the called party's local time (TCPA).
    pub timezone: String,
}

/// One hail report (NOAA Storm Events style): where, how big, which day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HailReport {
    pub lat: f64,
    pub lon: f64,
    /// Hailstone diameter in inches (NOAA's MAGNITUDE for hail).
    pub size_in: f64,
    pub date: Date,
}

/// An address as suppression matches it: lower case, its words (letters and digits) joined
/// by one space, so "12 Oak St., Dallas" and "12  oak st dallas" are one home.
pub fn address_key(address: &str) -> String {
    address
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an operator's suppression entry reads as: its kind and the value scans match
/// (a phone in E.164, an email in lower case, an address by [`address_key`]).
pub fn suppression(kind: &str, value: &str) -> Result<(&'static str, String), &'static str> {
    let value = value.trim();
    match kind.trim() {
        "phone" => normalize_us_phone(value)
            .map(|p| ("phone", p))
            .ok_or("not a US phone number"),
        "email" if value.len() <= 254 && value.contains('@') && !value.contains(char::is_whitespace) => {
            Ok(("email", value.to_lowercase()))
        }
        "email" => Err("not an email address"),
        "address" => match address_key(value) {
            key if key.is_empty() || key.len() > 200 => Err("not an address"),
            key => Ok(("address", key)),
        },
        _ => Err("the kind is phone, email or address"),
    }
}

/// A US (NANP) number as "+1XXXXXXXXXX". Accepts the usual punctuation and an optional
/// leading 1 / +1; refuses other lengths, letters, and area or exchange codes starting
/// with 0 or 1 (no such numbers exist).
pub fn normalize_us_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let national = match (digits.len(), plus) {
        (11, _) => digits.strip_prefix('1')?,
        (10, false) => digits.as_str(),
        _ => return None,
    };
    let bytes = national.as_bytes();
    let starts_ok = |i: usize| bytes.get(i).is_some_and(|b| (b'2'..=b'9').contains(b));
    if !(starts_ok(0) && starts_ok(3)) {
        return None;
    }
    Some(format!("+1{national}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn address_keys_ignore_case_punctuation_and_spacing() {
        assert_eq!(address_key("12 Oak St., Dallas, TX 75204"), "12 oak st dallas tx 75204");
        assert_eq!(
            address_key("  12  oak st dallas   tx 75204 "),
            address_key("12 Oak St., Dallas, TX 75204")
        );
        assert_ne!(address_key("12 Oak St"), address_key("21 Oak St"));
        assert_eq!(address_key(",.;"), "");
    }

    #[test]
    fn suppression_entries_are_read_as_scans_match_them() {
        assert_eq!(
            suppression("phone", "(214) 555-0123"),
            Ok(("phone", "+12145550123".to_owned()))
        );
        assert_eq!(
            suppression("email", " Owner@Example.COM "),
            Ok(("email", "owner@example.com".to_owned()))
        );
        assert_eq!(
            suppression("address", "12 Oak St., Dallas"),
            Ok(("address", "12 oak st dallas".to_owned()))
        );
        assert!(suppression("phone", "12").is_err());
        assert!(suppression("email", "owner at example.com").is_err());
        assert!(suppression("address", " , ").is_err());
        assert!(suppression("parcel", "X1").is_err());
    }

    use super::*;

    #[test]
    fn materials_round_trip_and_read_assessor_spellings() {
        for m in RoofMaterial::ALL {
            assert_eq!(RoofMaterial::parse(m.code()), Some(m));
            assert!(m.lifespan_years() >= 20);
            assert!(!m.label().is_empty());
        }
        let cases = [
            ("Shingle", RoofMaterial::Asphalt),
            ("Asphalt Shingle", RoofMaterial::Asphalt),
            ("COMP SHINGLES", RoofMaterial::Asphalt),
            ("Comp Shingle", RoofMaterial::Asphalt),
            ("Shake", RoofMaterial::WoodShake),
            ("wood-shake", RoofMaterial::WoodShake),
            ("Built-up", RoofMaterial::Flat),
            ("Membrane", RoofMaterial::Flat),
            ("Tar & Gravel", RoofMaterial::Flat),
            ("Clay Tile", RoofMaterial::Tile),
            ("Standing Seam Metal", RoofMaterial::Metal),
            (" Architectural ", RoofMaterial::Architectural),
        ];
        for (raw, want) in cases {
            assert_eq!(RoofMaterial::parse(raw), Some(want), "{raw}");
        }
        for raw in ["", "thatch", "unknown", "s"] {
            assert_eq!(RoofMaterial::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn conditions_round_trip_and_read_assessor_words() {
        for c in RoofCondition::ALL {
            assert_eq!(RoofCondition::parse(c.code()), Some(c));
            assert_eq!(RoofCondition::parse(&c.label().to_uppercase()), Some(c));
        }
        let cases = [
            ("Above average", RoofCondition::Good),
            ("Excellent", RoofCondition::Good),
            ("Average", RoofCondition::Fair),
            ("Below Average", RoofCondition::Poor),
            ("Very poor", RoofCondition::Failing),
            ("Unsound", RoofCondition::Failing),
        ];
        for (raw, want) in cases {
            assert_eq!(RoofCondition::parse(raw), Some(want), "{raw}");
        }
        assert_eq!(RoofCondition::parse("so-so"), None);
        assert!(RoofCondition::Failing > RoofCondition::Good);
    }

    #[test]
    fn phones_in_common_shapes_become_e164() {
        for raw in [
            "(214) 555-0142",
            "214-555-0142",
            "+1 214 555 0142",
            "12145550142",
            "214.555.0142",
            " 1 (214) 555-0142 ",
        ] {
            assert_eq!(normalize_us_phone(raw).as_deref(), Some("+12145550142"), "{raw}");
        }
    }

    #[test]
    fn phones_of_the_wrong_shape_are_refused() {
        for raw in [
            "",
            "555-0142",
            "214555014",
            "214555014233",
            "22145550142",
            "+2145550142",
            "+44 20 7946 0958",
            "(014) 555-0142",
            "(114) 555-0142",
            "1 (114) 555-0142",
            "214-055-0142",
            "214-555-0142 x12",
            "214-CALL-NOW",
        ] {
            assert_eq!(normalize_us_phone(raw), None, "{raw}");
        }
    }
}
