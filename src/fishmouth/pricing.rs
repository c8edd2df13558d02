//! What a lead costs, the wallet's top-up limits, and refunds.
//!
//! Money is whole cents in an `i64`, never a float: the seed's 1.13 and 0.85 dollars are
//! 113 and 85 cents.

use serde::{Deserialize, Serialize};

/// Price tiers by lead score (seed: `calculate_lead_cost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Score 80 and up.
    Premium,
    /// Score 60 to 79.
    Standard,
    /// Below 60: free, so a contractor is never charged for a weak lead.
    Free,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Self::Premium, Self::Standard, Self::Free];

    pub fn code(self) -> &'static str {
        match self {
            Self::Premium => "premium",
            Self::Standard => "standard",
            Self::Free => "free",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Premium => "Premium",
            Self::Standard => "Standard",
            Self::Free => "Free",
        }
    }

    pub fn price_cents(self) -> i64 {
        match self {
            Self::Premium => 113,
            Self::Standard => 85,
            Self::Free => 0,
        }
    }
}

/// Leads are sold (and priced) from this score; below it they are free and never bought.
pub const SOLD_FROM_SCORE: u8 = 60;
/// Premium from this score.
pub const PREMIUM_FROM_SCORE: u8 = 80;

pub fn tier(score: u8) -> Tier {
    if score >= PREMIUM_FROM_SCORE {
        Tier::Premium
    } else if score >= SOLD_FROM_SCORE {
        Tier::Standard
    } else {
        Tier::Free
    }
}

pub fn price_cents(score: u8) -> i64 {
    tier(score).price_cents()
}

/// The smallest top-up the form accepts ($5.00, also the seed's minimum wallet balance)...
pub const MIN_TOP_UP_CENTS: i64 = 500;
/// ...and the largest single top-up ($10,000.00).
pub const MAX_TOP_UP_CENTS: i64 = 1_000_000;

/// A top-up typed in dollars ("25", "25.5", "25.50", "$25") as cents. Plain digits with at
/// most two decimals only: no signs, exponents, "NaN" or thousands separators.
pub fn parse_top_up(raw: &str) -> Result<i64, &'static str> {
    const FORMAT: &str = "enter an amount in dollars, like 25 or 25.50";
    let raw = raw.trim();
    let raw = raw.strip_prefix('$').unwrap_or(raw).trim_start();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (raw.contains('.') && fraction.is_empty()) {
        return Err(FORMAT);
    }
    if fraction.len() > 2 {
        return Err("use at most two decimals (cents)");
    }
    // Anything longer than 9 digits of dollars is far over the maximum anyway.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 9 {
        return Err("the largest top-up is $10,000.00");
    }
    let dollars: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| FORMAT)?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| FORMAT)? * 10,
        _ => fraction.parse().map_err(|_| FORMAT)?,
    };
    let total = dollars * 100 + cents;
    if total < MIN_TOP_UP_CENTS {
        return Err("the smallest top-up is $5.00");
    }
    if total > MAX_TOP_UP_CENTS {
        return Err("the largest top-up is $10,000.00");
    }
    Ok(total)
}

/// "$1,234.50"; negative amounts as "-$3.00".
pub fn format_cents(cents: i64) -> String {
    let abs = cents.unsigned_abs();
    let dollars = (abs / 100).to_string();
    let mut out = String::with_capacity(dollars.len() + dollars.len() / 3 + 5);
    if cents < 0 {
        out.push('-');
    }
    out.push('$');
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(&format!(".{:02}", abs % 100));
    out
}

/// A bought lead can be reported for a refund within this many hours of purchase.
pub const REFUND_WINDOW_HOURS: i64 = 48;

/// Why a contractor asks for a lead's price back (the refunds the market expects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// The same home was already sold to them.
    Duplicate,
    /// The phone or email does not reach the owner.
    InvalidContact,
    /// The home lies outside the area they scanned.
    OutOfArea,
}

impl RefundReason {
    pub const ALL: [RefundReason; 3] = [Self::Duplicate, Self::InvalidContact, Self::OutOfArea];

    pub fn code(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::InvalidContact => "invalid_contact",
            Self::OutOfArea => "out_of_area",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Duplicate => "Duplicate: I already have this lead",
            Self::InvalidContact => "Invalid contact details",
            Self::OutOfArea => "Outside the area I scanned",
        }
    }
}

/// Refunds are automatic for at most this share of the leads bought in the last
/// [`REFUND_LIMIT_DAYS`]; the rest wait for an operator.
pub const AUTOMATIC_REFUND_PERCENT: i64 = 10;
pub const REFUND_LIMIT_DAYS: i64 = 30;

/// Who decides a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRoute {
    /// Refunded at once.
    Automatic,
    /// Waits for an operator's decision in /admin.
    Review,
}

/// A lead already contacted (a sequence sent it something, a rep did a call task, or it
/// moved past "new") was used: never refunded automatically. Otherwise automatic while this
/// refund keeps her within the share of her last 30 days' purchases.
pub fn refund_route(bought_in_window: i64, refunded_in_window: i64, contacted: bool) -> RefundRoute {
    let within = (refunded_in_window + 1) * 100 <= bought_in_window * AUTOMATIC_REFUND_PERCENT;
    if within && !contacted {
        RefundRoute::Automatic
    } else {
        RefundRoute::Review
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_refunds_stop_at_a_tenth_of_recent_purchases_and_never_for_contacted_leads() {
        assert_eq!(
            refund_route(9, 0, false),
            RefundRoute::Review,
            "under ten leads: none automatic"
        );
        assert_eq!(refund_route(10, 0, false), RefundRoute::Automatic);
        assert_eq!(refund_route(10, 1, false), RefundRoute::Review);
        assert_eq!(refund_route(25, 1, false), RefundRoute::Automatic);
        assert_eq!(refund_route(25, 2, false), RefundRoute::Review);
        assert_eq!(refund_route(1000, 0, true), RefundRoute::Review);
    }

    #[test]
    fn tier_boundaries_and_prices() {
        assert_eq!(tier(0), Tier::Free);
        assert_eq!(tier(59), Tier::Free);
        assert_eq!(tier(60), Tier::Standard);
        assert_eq!(tier(79), Tier::Standard);
        assert_eq!(tier(80), Tier::Premium);
        assert_eq!(tier(100), Tier::Premium);
        assert_eq!(price_cents(59), 0);
        assert_eq!(price_cents(60), 85);
        assert_eq!(price_cents(79), 85);
        assert_eq!(price_cents(80), 113);
        assert_eq!(price_cents(100), 113);
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.code()), Some(t));
            assert!(!t.label().is_empty());
        }
    }

    #[test]
    fn top_ups_in_dollars_become_cents_within_bounds() {
        let ok = [
            ("5", 500),
            ("5.00", 500),
            ("25", 2500),
            ("25.5", 2550),
            ("25.50", 2550),
            (" $25.05 ", 2505),
            ("0010", 1000),
            ("10000", 1_000_000),
            ("10000.00", 1_000_000),
        ];
        for (raw, cents) in ok {
            assert_eq!(parse_top_up(raw), Ok(cents), "{raw}");
        }
        for raw in [
            "",
            "4.99",
            "0",
            "10000.01",
            "1e3",
            "NaN",
            "inf",
            "-25",
            "+25",
            "25.",
            ".50",
            "25.505",
            "1,000",
            "25 dollars",
            "99999999999999999999",
        ] {
            assert!(parse_top_up(raw).is_err(), "{raw}");
        }
        assert_eq!(parse_top_up("4.99"), Err("the smallest top-up is $5.00"));
    }

    #[test]
    fn cents_are_shown_as_dollars() {
        assert_eq!(format_cents(0), "$0.00");
        assert_eq!(format_cents(113), "$1.13");
        assert_eq!(format_cents(123_450), "$1,234.50");
        assert_eq!(format_cents(1_000_000), "$10,000.00");
        assert_eq!(format_cents(123_456_789), "$1,234,567.89");
        assert_eq!(format_cents(-300), "-$3.00");
        assert!(format_cents(i64::MIN).starts_with("-$"));
    }

    #[test]
    fn refund_reasons_round_trip() {
        for r in RefundReason::ALL {
            assert_eq!(RefundReason::parse(r.code()), Some(r));
            assert!(!r.label().is_empty());
        }
        assert_eq!(RefundReason::parse("changed_my_mind"), None);
        assert_eq!(REFUND_WINDOW_HOURS, 48);
    }
}
