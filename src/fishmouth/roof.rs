//! A roof read from an aerial image: the answer a vision model gives, checked before it is
//! believed, and what it does to the lead score.
//!
//! The model is asked for a condition from 0 (failing) to 100 (like new), the visible issues
//! from a fixed list (the ones Nearmap's roof condition and Roof Spotlight Index name) and a
//! confidence. An answer outside those bounds is refused whole, never half-used.

use serde::{Deserialize, Serialize};

crate::text_enum::text_enum! {
    /// A visible roof issue.
    pub enum RoofFinding {
        MissingShingles = "missing_shingles", ExposedDeck = "exposed_deck", Patches = "patches",
        Tarps = "tarps", Staining = "staining", Moss = "moss", Ponding = "ponding", Rust = "rust",
    }
}

impl RoofFinding {
    pub fn label(self) -> &'static str {
        match self {
            Self::MissingShingles => "missing shingles",
            Self::ExposedDeck => "exposed roof deck",
            Self::Patches => "patched areas",
            Self::Tarps => "tarps",
            Self::Staining => "staining",
            Self::Moss => "moss or algae",
            Self::Ponding => "ponding water",
            Self::Rust => "rust",
        }
    }
}

/// What the model saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoofReading {
    /// 0 (failing) to 100 (like new).
    pub condition: u8,
    pub findings: Vec<RoofFinding>,
    /// 0 to 100: how sure the model is (a blurry or tree-covered roof is low).
    pub confidence: u8,
}

/// Why a model's answer was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    #[error("the answer is not the structured reading asked for: {0}")]
    Malformed(String),
}

/// The tool the model must answer through: its input is the reading.
pub const TOOL_NAME: &str = "record_roof_condition";

/// What the model is told (the image comes with it).
pub const INSTRUCTIONS: &str = "You inspect residential roofs for a roofing contractor. The image is a recent aerial \
    view centred on one home. Rate the roof of the building at the centre: condition 0 (failing: holes, exposed deck, \
    tarps) to 100 (like new). List only the issues you can see, from the allowed list. Give a confidence from 0 to 100; \
    keep it low when the roof is hidden by trees, shadows or clouds, or the image is blurred. Answer with the tool only.";

/// The JSON schema of the tool's input: what [`parse_reading`] accepts.
pub fn input_schema() -> serde_json::Value {
    let findings: Vec<&str> = RoofFinding::ALL.iter().map(|f| f.as_str()).collect();
    serde_json::json!({
        "type": "object",
        "properties": {
            "condition": { "type": "integer", "minimum": 0, "maximum": 100,
                           "description": "0 failing, 100 like new" },
            "findings": { "type": "array", "items": { "type": "string", "enum": findings } },
            "confidence": { "type": "integer", "minimum": 0, "maximum": 100 }
        },
        "required": ["condition", "findings", "confidence"]
    })
}

/// The tool's input checked against the schema: whole numbers in range, known findings
/// (each once). Anything else is malformed and the reading is not used.
pub fn parse_reading(input: &serde_json::Value) -> Result<RoofReading, ReadingError> {
    let bad = |why: &str| ReadingError::Malformed(why.to_owned());
    let percent = |key: &str| -> Result<u8, ReadingError> {
        input
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .filter(|n| *n <= 100)
            .map(|n| n as u8)
            .ok_or_else(|| bad(&format!("{key} is not a whole number from 0 to 100")))
    };
    let condition = percent("condition")?;
    let confidence = percent("confidence")?;
    let mut findings = Vec::new();
    for item in input
        .get("findings")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| bad("findings is not a list"))?
    {
        let finding = item
            .as_str()
            .and_then(RoofFinding::parse)
            .ok_or_else(|| bad(&format!("{item} is not one of the allowed findings")))?;
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
    Ok(RoofReading {
        condition,
        findings,
        confidence,
    })
}

/// The condition factor (0-100, higher = more likely to need a roof) from an image reading.
/// A reading the model is unsure of is pulled toward the neutral 50 in proportion.
pub fn condition_factor_from(reading: &RoofReading) -> u8 {
    let need = 100.0 - f64::from(reading.condition);
    let sure = f64::from(reading.confidence) / 100.0;
    (50.0 + (need - 50.0) * sure).round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_good_answer_is_read() {
        let reading = parse_reading(&json!({
            "condition": 22, "findings": ["missing_shingles", "tarps", "tarps"], "confidence": 80
        }))
        .expect("valid");
        assert_eq!(reading.condition, 22);
        assert_eq!(
            reading.findings,
            [RoofFinding::MissingShingles, RoofFinding::Tarps],
            "each once"
        );
        assert_eq!(reading.confidence, 80);
    }

    #[test]
    fn a_malformed_answer_is_refused_whole() {
        for input in [
            json!({ "condition": 120, "findings": [], "confidence": 80 }),
            json!({ "condition": -1, "findings": [], "confidence": 80 }),
            json!({ "condition": 40.5, "findings": [], "confidence": 80 }),
            json!({ "condition": "poor", "findings": [], "confidence": 80 }),
            json!({ "condition": 40, "findings": ["a hole"], "confidence": 80 }),
            json!({ "condition": 40, "findings": "moss", "confidence": 80 }),
            json!({ "condition": 40, "findings": [] }),
            json!("condition 40"),
        ] {
            assert!(parse_reading(&input).is_err(), "{input}");
        }
    }

    #[test]
    fn the_factor_follows_the_roof_and_doubts_an_unsure_reading() {
        let at = |condition, confidence| {
            condition_factor_from(&RoofReading {
                condition,
                findings: Vec::new(),
                confidence,
            })
        };
        assert_eq!(at(0, 100), 100, "a failing roof, clearly seen");
        assert_eq!(at(100, 100), 0, "a new roof");
        assert_eq!(at(0, 0), 50, "a guess counts for nothing");
        assert!(at(20, 90) > at(20, 40) && at(20, 40) > 50);
        // The schema lists exactly the findings the parser accepts.
        let listed = input_schema()["properties"]["findings"]["items"]["enum"].clone();
        assert_eq!(listed.as_array().map(Vec::len), Some(RoofFinding::ALL.len()));
        for &f in RoofFinding::ALL {
            assert_eq!(RoofFinding::parse(f.as_str()), Some(f));
        }
    }
}
