//! What every feature uses: on the server, shared services, the audit log, rate limits and
//! the outbox; on both sides, the brands the site presents itself as. A server-only module
//! says so at its top (`#![cfg(feature = "ssr")]`).

pub mod audit;
pub mod brand;
pub mod crypto;
pub mod csv;
pub mod email;
pub mod errors;
pub mod numbers;
pub mod offline;
pub mod outbox;
pub mod push;
pub mod rate_limit;
pub mod sending;
mod services;
mod store;
pub mod telnyx;
pub mod usage;

/// A number a product adds to the operators' metrics page (a queue's depth, a worker's lag).
#[cfg(feature = "ssr")]
pub struct Gauge {
    /// Prometheus name, `sasa_…`.
    pub name: &'static str,
    pub help: &'static str,
    pub value: f64,
}

#[cfg(feature = "ssr")]
pub use services::{ClientIp, RequestInfo, Services, client_ip, request_info, services};

#[cfg(feature = "ssr")]
/// A moment as the pages show it: "2026-11-26 14:05 UTC".
pub fn format_time(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

#[cfg(feature = "ssr")]
/// Bytes as lower-case hex.
pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "ssr")]
/// Lower- or upper-case hex to bytes; None for an odd length or a non-hex digit.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_decodes_or_fails_cleanly() {
        assert_eq!(super::decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(super::decode_hex("0g"), None);
        assert_eq!(super::decode_hex("abc"), None);
        assert_eq!(super::encode_hex(&[0, 255, 16]), "00ff10");
    }
}
