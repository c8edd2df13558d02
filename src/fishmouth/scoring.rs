//! The lead score: how likely a home is to need a roof soon, and how workable the lead is.
//!
//! Five factor scores (0-100, higher = better lead) are combined with the seed's weights
//! (business_rules/rules.py `LEAD_SCORE_WEIGHTS`). Every factor has a neutral default for
//! missing data, and the score says how much of its input was known (`confidence`) and
//! why it came out as it did (`reasons`), so a rep can trust or question it.

use serde::{Deserialize, Serialize};
use time::Date;

use super::geo::{Point, distance_miles};
use super::property::{HailReport, Property, RoofCondition, RoofMaterial};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub condition: f64,
    pub age: f64,
    pub value: f64,
    pub damage: f64,
    pub contact: f64,
}

/// The seed's weights; they sum to 1, so the score stays on the factors' 0-100 scale.
pub const WEIGHTS: Weights = Weights {
    condition: 0.42,
    age: 0.25,
    value: 0.15,
    damage: 0.10,
    contact: 0.08,
};

/// Each factor 0..=100; higher means more likely to need a roof, or a better lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors {
    pub condition: u8,
    pub age: u8,
    pub value: u8,
    pub damage: u8,
    pub contact: u8,
}

impl Factors {
    /// The weighted sum, rounded and clamped to 0..=100.
    pub fn combine(self, w: &Weights) -> u8 {
        let sum = w.condition * f64::from(self.condition)
            + w.age * f64::from(self.age)
            + w.value * f64::from(self.value)
            + w.damage * f64::from(self.damage)
            + w.contact * f64::from(self.contact);
        to_percent(sum)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadScore {
    pub score: u8,
    pub factors: Factors,
    /// Plain-words reasons, strongest first, then what was missing.
    pub reasons: Vec<String>,
    /// 0..=100: how much of the input was known.
    pub confidence: u8,
}

/// Rates a roof's condition. Today that is the property record itself
/// ([`PropertyDataAssessor`]); an imagery provider (Nearmap-style roof condition) plugs in
/// later through configuration behind the same trait.
pub trait RoofAssessor: Send + Sync {
    fn assess(&self, property: &Property) -> Option<RoofCondition>;
    fn name(&self) -> &'static str;
}

/// Reads the condition already on the property record (assessor or import).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PropertyDataAssessor;

impl RoofAssessor for PropertyDataAssessor {
    fn assess(&self, property: &Property) -> Option<RoofCondition> {
        property.condition
    }
    fn name(&self) -> &'static str {
        "property_data"
    }
}

/// Rounds and clamps to 0..=100; NaN counts as 0.
fn to_percent(x: f64) -> u8 {
    if x.is_nan() {
        return 0;
    }
    // In range after the clamp, so the cast cannot truncate.
    x.round().clamp(0.0, 100.0) as u8
}

/// Unknown condition sits in the middle: it neither recommends nor rules out the home.
pub fn condition_factor(condition: Option<RoofCondition>) -> u8 {
    match condition {
        Some(RoofCondition::Failing) => 100,
        Some(RoofCondition::Poor) => 80,
        Some(RoofCondition::Fair) => 45,
        Some(RoofCondition::Good) => 10,
        None => 50,
    }
}

/// Roof age as a share of the material's lifespan (x100, capped at 100). `roof_year` is
/// the re-roof permit year when known, else the year built. Unknown material counts as
/// asphalt (most US roofs); an unknown year is neutral (50); a future year is age 0.
pub fn age_factor(material: Option<RoofMaterial>, roof_year: Option<i32>, year: i32) -> u8 {
    let Some(roof_year) = roof_year else {
        return 50;
    };
    let lifespan = material.unwrap_or(RoofMaterial::Asphalt).lifespan_years();
    let age = year.saturating_sub(roof_year).max(0);
    to_percent(f64::from(age) * 100.0 / f64::from(lifespan))
}

/// Assessed values at or below this score 0 (little budget for a full re-roof)...
pub const VALUE_FLOOR_DOLLARS: i64 = 80_000;
/// ...and at or above this score 100.
pub const VALUE_CEILING_DOLLARS: i64 = 600_000;

/// Linear in the assessed value between the floor and the ceiling; unknown is 40.
pub fn value_factor(assessed_value: Option<i64>) -> u8 {
    let Some(value) = assessed_value else {
        return 40;
    };
    let span = (VALUE_CEILING_DOLLARS - VALUE_FLOOR_DOLLARS) as f64;
    to_percent((value.saturating_sub(VALUE_FLOOR_DOLLARS)) as f64 / span * 100.0)
}

/// Hail below this size (inches) rarely damages a roof.
pub const MIN_DAMAGING_HAIL_IN: f64 = 0.75;
/// A hail hit's weight halves every year: roofs get repaired or claims expire.
pub const HAIL_HALF_LIFE_DAYS: f64 = 365.0;

/// Damage potential of one hailstone size, 0..=100, before decay. Interpolated between
/// anchors: penny (0.75 in) 20, quarter (1.0 in, NWS "severe") 45, golf ball (1.75 in) 80,
/// tennis ball (2.5 in) and up 100.
fn hail_severity(size_in: f64) -> f64 {
    const ANCHORS: [(f64, f64); 4] = [(0.75, 20.0), (1.0, 45.0), (1.75, 80.0), (2.5, 100.0)];
    if size_in.is_nan() || size_in < MIN_DAMAGING_HAIL_IN {
        return 0.0;
    }
    let mut below = (MIN_DAMAGING_HAIL_IN, 20.0);
    for (size, value) in ANCHORS {
        if size_in <= size {
            let (s0, v0) = below;
            if size <= s0 {
                return value;
            }
            return v0 + (value - v0) * (size_in - s0) / (size - s0);
        }
        below = (size, value);
    }
    100.0
}

/// The strongest hail hit: severity by size times exponential decay with a one-year
/// half-life. `hail` is (size in inches, days ago); reports from the future (days < 0)
/// are ignored.
pub fn damage_factor(hail: &[(f64, i64)]) -> u8 {
    let best = hail
        .iter()
        .filter(|(_, days)| *days >= 0)
        .map(|&(size, days)| hail_severity(size) * decay(days))
        .fold(0.0, f64::max);
    to_percent(best)
}

fn decay(days_ago: i64) -> f64 {
    0.5_f64.powf(days_ago as f64 / HAIL_HALF_LIFE_DAYS)
}

/// A phone is worth most (calls and texts), then email, then a name to greet.
pub fn contact_factor(owner: bool, phone: bool, email: bool) -> u8 {
    let points = |known: bool, worth: u8| if known { worth } else { 0 };
    points(phone, 50) + points(email, 30) + points(owner, 20)
}

/// Reports counted as hitting a home: NOAA report points are approximate, and a hail
/// swath is a few miles wide.
pub const HAIL_RADIUS_MILES: f64 = 3.0;

/// The reports within [`HAIL_RADIUS_MILES`] of the home. Keeping only reports on or before
/// today is the caller's job.
pub fn hail_near<'a>(property: &Property, reports: &'a [HailReport]) -> Vec<&'a HailReport> {
    let home = Point {
        lat: property.lat,
        lon: property.lon,
    };
    reports
        .iter()
        .filter(|r| distance_miles(home, Point { lat: r.lat, lon: r.lon }) <= HAIL_RADIUS_MILES)
        .collect()
}

/// Scores one home. `hail_nearby` are the reports near it (see [`hail_near`]).
pub fn score(property: &Property, hail_nearby: &[HailReport], today: Date, assessor: &dyn RoofAssessor) -> LeadScore {
    let year = today.year();
    let condition = assessor.assess(property);
    let roof_year = property.roof_permit_year.or(property.year_built);
    let hail: Vec<(f64, i64)> = hail_nearby
        .iter()
        .map(|r| (r.size_in, (today - r.date).whole_days()))
        .collect();
    let has_phone = property.phone.as_deref().is_some_and(|s| !s.trim().is_empty());
    let has_email = property.email.as_deref().is_some_and(|s| !s.trim().is_empty());
    let has_owner = property.owner_name.as_deref().is_some_and(|s| !s.trim().is_empty());
    let factors = Factors {
        condition: condition_factor(condition),
        age: age_factor(property.roof_material, roof_year, year),
        value: value_factor(property.assessed_value),
        damage: damage_factor(&hail),
        contact: contact_factor(has_owner, has_phone, has_email),
    };

    // (strength, words): strength is the factor's weighted pull away from its default.
    let mut signals: Vec<(f64, String)> = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    let pull = |weight: f64, factor: u8, neutral: u8| weight * (f64::from(factor) - f64::from(neutral)).abs();

    match condition {
        Some(c) => signals.push((
            pull(WEIGHTS.condition, factors.condition, 50),
            format!("roof in {} condition", c.label()),
        )),
        None => gaps.push("no roof condition on record".to_owned()),
    }

    if let Some(roof_year) = roof_year {
        let material = property.roof_material;
        let lifespan = material.unwrap_or(RoofMaterial::Asphalt).lifespan_years();
        let age = year.saturating_sub(roof_year).max(0);
        let roof = match material {
            Some(m) => format!("{} roof", m.label()),
            None => "roof".to_owned(),
        };
        let how_old = match age {
            0 => "less than a year old".to_owned(),
            1 => "1 year old".to_owned(),
            n => format!("{n} years old"),
        };
        let lifespan_words = match material {
            Some(_) => format!("lifespan {lifespan}"),
            None => format!("material unknown, lifespan {lifespan} assumed"),
        };
        let since = match (property.roof_permit_year, property.year_built) {
            (None, Some(built)) => format!(", no re-roof permit since built in {built}"),
            _ => String::new(),
        };
        signals.push((
            pull(WEIGHTS.age, factors.age, 50),
            format!("{roof} {how_old} ({lifespan_words}){since}"),
        ));
        if let Some(permit) = property.roof_permit_year {
            // How much the permit lowered the age factor compared with the year built.
            let by_built = age_factor(material, property.year_built, year);
            let strength = WEIGHTS.age * f64::from(by_built.saturating_sub(factors.age));
            let words = match property.year_built {
                Some(built) if built < permit => format!("roof re-permitted in {permit} (house built {built})"),
                _ => format!("roof re-permitted in {permit}"),
            };
            signals.push((strength, words));
        }
    } else {
        gaps.push("no roof or build year on record".to_owned());
    }

    if let Some(value) = property.assessed_value {
        signals.push((
            pull(WEIGHTS.value, factors.value, 40),
            format!("assessed at {}", dollars(value)),
        ));
    }

    if factors.damage > 0 {
        let strongest = hail
            .iter()
            .filter(|(_, days)| *days >= 0)
            .max_by(|a, b| (hail_severity(a.0) * decay(a.1)).total_cmp(&(hail_severity(b.0) * decay(b.1))));
        if let Some(&(size, days)) = strongest {
            let more = hail
                .iter()
                .filter(|(s, d)| *d >= 0 && *s >= MIN_DAMAGING_HAIL_IN)
                .count()
                .saturating_sub(1);
            let more = match more {
                0 => String::new(),
                1 => " (and 1 more report nearby)".to_owned(),
                n => format!(" (and {n} more reports nearby)"),
            };
            signals.push((
                WEIGHTS.damage * f64::from(factors.damage),
                format!("{} in hail {}{more}", inches(size), ago(days)),
            ));
        }
    }

    let contact = match (has_phone, has_email) {
        (true, true) => Some("phone and email on file"),
        (true, false) => Some("phone on file"),
        (false, true) => Some("email on file"),
        (false, false) => None,
    };
    match (contact, has_owner) {
        (Some(words), _) => signals.push((WEIGHTS.contact * f64::from(factors.contact), words.to_owned())),
        (None, true) => gaps.push("owner name on file but no phone or email".to_owned()),
        (None, false) => gaps.push("no owner name, phone or email on file".to_owned()),
    }

    // Stable: equal strengths keep the order above (condition, age, value, hail, contact).
    signals.sort_by(|a, b| b.0.total_cmp(&a.0));
    let reasons = signals.into_iter().map(|(_, words)| words).chain(gaps).collect();

    let roof_year_known = match (property.roof_permit_year, property.year_built) {
        (Some(_), _) => 1.0,
        (None, Some(_)) => 0.5,
        (None, None) => 0.0,
    };
    let known = |k: bool| if k { 1.0 } else { 0.0 };
    let confidence = 35.0 * known(condition.is_some())
        + 25.0 * roof_year_known
        + 15.0 * known(property.roof_material.is_some())
        + 10.0 * known(property.assessed_value.is_some())
        + 15.0 * known(has_owner || has_phone || has_email);

    LeadScore {
        score: factors.combine(&WEIGHTS),
        factors,
        reasons,
        confidence: to_percent(confidence),
    }
}

/// "$412,000".
fn dollars(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    if value < 0 {
        out.push('-');
    }
    out.push('$');
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1.75", "1.0", "2.5": hail sizes as NOAA writes them, without trailing zeros.
fn inches(size: f64) -> String {
    let fixed = format!("{size:.2}");
    let trimmed = fixed.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_owned()
    }
}

/// "today", "5 days ago", "3 weeks ago", "3 months ago", "2 years ago".
fn ago(days: i64) -> String {
    let unit = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one} ago")
        } else {
            format!("{n} {one}s ago")
        }
    };
    match days {
        i64::MIN..=0 => "today".to_owned(),
        1..=13 => unit(days, "day"),
        14..=59 => unit(days / 7, "week"),
        60..=729 => unit((days as f64 / 30.44).round() as i64, "month"),
        _ => unit(days / 365, "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fishmouth::sample;
    use crate::parse_iso_date;

    fn d(s: &str) -> Date {
        parse_iso_date(s).expect("test date")
    }

    fn home() -> Property {
        Property {
            parcel_id: "P-1".to_owned(),
            address: "4127 Elm Ridge Dr, Dallas, TX 75214".to_owned(),
            lat: 32.8,
            lon: -96.75,
            year_built: Some(2002),
            roof_permit_year: None,
            roof_material: Some(RoofMaterial::Asphalt),
            condition: Some(RoofCondition::Poor),
            building_sqft: Some(2100),
            assessed_value: Some(412_000),
            owner_name: Some("Maria Garcia".to_owned()),
            phone: Some("+12145550142".to_owned()),
            email: Some("maria@example.com".to_owned()),
            timezone: "America/Chicago".to_owned(),
        }
    }

    #[test]
    fn weights_sum_to_one() {
        let w = WEIGHTS;
        assert!((w.condition + w.age + w.value + w.damage + w.contact - 1.0).abs() < 1e-9);
        let all = |v: u8| Factors {
            condition: v,
            age: v,
            value: v,
            damage: v,
            contact: v,
        };
        assert_eq!(all(100).combine(&WEIGHTS), 100);
        assert_eq!(all(0).combine(&WEIGHTS), 0);
        assert_eq!(all(63).combine(&WEIGHTS), 63);
    }

    #[test]
    fn factor_anchors() {
        assert_eq!(condition_factor(Some(RoofCondition::Failing)), 100);
        assert_eq!(condition_factor(Some(RoofCondition::Poor)), 80);
        assert_eq!(condition_factor(Some(RoofCondition::Fair)), 45);
        assert_eq!(condition_factor(Some(RoofCondition::Good)), 10);
        assert_eq!(condition_factor(None), 50);
        assert_eq!(value_factor(None), 40);
        assert_eq!(value_factor(Some(50_000)), 0);
        assert_eq!(value_factor(Some(80_000)), 0);
        assert_eq!(value_factor(Some(340_000)), 50);
        assert_eq!(value_factor(Some(600_000)), 100);
        assert_eq!(value_factor(Some(5_000_000)), 100);
        assert_eq!(value_factor(Some(i64::MIN)), 0);
        assert_eq!(contact_factor(true, true, true), 100);
        assert_eq!(contact_factor(false, true, false), 50);
        assert_eq!(contact_factor(false, false, true), 30);
        assert_eq!(contact_factor(true, false, false), 20);
        assert_eq!(contact_factor(false, false, false), 0);
        assert_eq!(damage_factor(&[]), 0);
        assert_eq!(damage_factor(&[(0.5, 0)]), 0);
        assert_eq!(damage_factor(&[(1.0, 0)]), 45);
        assert_eq!(damage_factor(&[(1.75, 0)]), 80);
        assert_eq!(damage_factor(&[(2.5, 0)]), 100);
        assert_eq!(damage_factor(&[(4.0, 0)]), 100);
        assert_eq!(damage_factor(&[(2.5, 365)]), 50);
        assert_eq!(damage_factor(&[(2.5, -3)]), 0, "future reports are ignored");
        assert_eq!(damage_factor(&[(f64::NAN, 0)]), 0);
        assert_eq!(
            damage_factor(&[(1.0, 0), (2.5, 730), (0.5, 0)]),
            45,
            "the max over reports"
        );
    }

    #[test]
    fn damage_decays_with_time_and_grows_with_size() {
        for size in [0.75, 1.0, 1.25, 1.75, 2.0, 2.75] {
            let mut last = u8::MAX;
            for days in (0..2000).step_by(7) {
                let f = damage_factor(&[(size, days)]);
                assert!(f <= last, "older hail never scores higher: {size} in, {days} days");
                last = f;
            }
        }
        for days in [0, 30, 200, 800] {
            let mut last = 0;
            for hundredths in 0..=400 {
                let f = damage_factor(&[(f64::from(hundredths) / 100.0, days)]);
                assert!(f >= last, "bigger hail never scores lower: {hundredths}, {days} days");
                last = f;
            }
        }
    }

    #[test]
    fn age_factor_grows_with_age_and_respects_lifespan() {
        for material in RoofMaterial::ALL.map(Some).into_iter().chain([None]) {
            let mut last = 0;
            for roof_year in (1900..=2030).rev() {
                let f = age_factor(material, Some(roof_year), 2026);
                assert!(f >= last, "{material:?} {roof_year}");
                last = f;
            }
        }
        assert_eq!(age_factor(Some(RoofMaterial::Asphalt), Some(2016), 2026), 50);
        assert_eq!(
            age_factor(None, Some(2016), 2026),
            50,
            "unknown material counts as asphalt"
        );
        assert_eq!(age_factor(Some(RoofMaterial::Slate), Some(2016), 2026), 10);
        assert_eq!(age_factor(Some(RoofMaterial::Asphalt), Some(1990), 2026), 100, "capped");
        assert_eq!(
            age_factor(Some(RoofMaterial::Asphalt), Some(2030), 2026),
            0,
            "future year"
        );
        assert_eq!(age_factor(Some(RoofMaterial::Asphalt), None, 2026), 50);
    }

    #[test]
    fn a_recent_permit_lowers_the_age_factor() {
        let today = d("2026-06-01");
        let old = home();
        let reroofed = Property {
            roof_permit_year: Some(2019),
            ..home()
        };
        let (a, b) = (
            score(&old, &[], today, &PropertyDataAssessor),
            score(&reroofed, &[], today, &PropertyDataAssessor),
        );
        assert!(b.factors.age < a.factors.age);
        assert!(b.score < a.score);
        assert!(
            b.confidence > a.confidence,
            "a permit dates the roof better than year built"
        );
        assert!(
            b.reasons
                .iter()
                .any(|r| r == "roof re-permitted in 2019 (house built 2002)"),
            "{:?}",
            b.reasons
        );
        assert!(
            b.reasons
                .iter()
                .any(|r| r.starts_with("asphalt shingle roof 7 years old (lifespan 20)"))
        );
    }

    #[test]
    fn reasons_name_the_material_age_hail_value_and_contact() {
        let today = d("2026-06-01");
        let hail = [HailReport {
            lat: 32.8,
            lon: -96.76,
            size_in: 1.75,
            date: d("2026-03-01"),
        }];
        let s = score(&home(), &hail, today, &PropertyDataAssessor);
        assert_eq!(s.reasons[0], "roof in poor condition", "{:?}", s.reasons);
        for want in [
            "asphalt shingle roof 24 years old (lifespan 20), no re-roof permit since built in 2002",
            "1.75 in hail 3 months ago",
            "assessed at $412,000",
            "phone and email on file",
        ] {
            assert!(s.reasons.iter().any(|r| r == want), "{want} in {:?}", s.reasons);
        }
        assert_eq!(s.confidence, 88, "year built only counts half");
        let f = s.factors;
        assert_eq!((f.condition, f.age, f.value, f.contact), (80, 100, 64, 100));
        assert!(f.damage > 60 && f.damage < 80, "{}", f.damage);
        assert!(s.score >= 80, "{}", s.score);
    }

    #[test]
    fn missing_data_lowers_confidence_and_says_so() {
        let today = d("2026-06-01");
        let bare = Property {
            year_built: None,
            roof_material: None,
            condition: None,
            assessed_value: None,
            owner_name: None,
            phone: None,
            email: None,
            ..home()
        };
        let full = score(&home(), &[], today, &PropertyDataAssessor);
        let s = score(&bare, &[], today, &PropertyDataAssessor);
        assert_eq!(s.confidence, 0);
        assert!(s.confidence < full.confidence);
        assert_eq!(
            s.reasons,
            [
                "no roof condition on record",
                "no roof or build year on record",
                "no owner name, phone or email on file"
            ]
        );
        assert_eq!(s.factors.condition, 50);
        let unknown_material = Property {
            roof_material: None,
            ..home()
        };
        let s = score(&unknown_material, &[], today, &PropertyDataAssessor);
        assert!(s.confidence < full.confidence);
        assert!(
            s.reasons
                .iter()
                .any(|r| r.contains("material unknown, lifespan 20 assumed"))
        );
    }

    #[test]
    fn hail_near_keeps_reports_within_three_miles() {
        let report = |lon: f64| HailReport {
            lat: 32.8,
            lon,
            size_in: 1.0,
            date: d("2026-04-01"),
        };
        // About 0.94 and 4.7 miles east of the home.
        let reports = [report(-96.735), report(-96.675)];
        let near = hail_near(&home(), &reports);
        assert_eq!(near.len(), 1);
        assert_eq!(near[0].lon, -96.735);
    }

    #[test]
    fn scores_stay_in_range_over_generated_homes() {
        let today = d("2026-11-26");
        let hail = sample::hail_reports(sample::SAMPLE_SEED, today, 365);
        let homes = sample::homes(sample::SAMPLE_SEED, 3000);
        let mut seen_high = false;
        for home in &homes {
            let nearby: Vec<HailReport> = hail_near(home, &hail).into_iter().cloned().collect();
            let s = score(home, &nearby, today, &PropertyDataAssessor);
            assert!(s.score <= 100 && s.confidence <= 100, "{home:?}");
            let f = s.factors;
            assert!(
                [f.condition, f.age, f.value, f.damage, f.contact]
                    .iter()
                    .all(|&x| x <= 100)
            );
            assert!(!s.reasons.is_empty());
            seen_high |= s.score >= 80;
        }
        assert!(seen_high, "the sample has some premium leads");
    }

    #[test]
    fn words_for_money_sizes_and_time() {
        assert_eq!(dollars(412_000), "$412,000");
        assert_eq!(dollars(999), "$999");
        assert_eq!(dollars(1_200_000), "$1,200,000");
        assert_eq!(inches(1.75), "1.75");
        assert_eq!(inches(1.0), "1.0");
        assert_eq!(inches(2.5), "2.5");
        assert_eq!(ago(0), "today");
        assert_eq!(ago(1), "1 day ago");
        assert_eq!(ago(20), "2 weeks ago");
        assert_eq!(ago(92), "3 months ago");
        assert_eq!(ago(800), "2 years ago");
    }
}
