//! How many SMS segments a text costs: GSM-7 when every character is in the GSM 03.38
//! alphabet (160 septets in one segment, 153 each when split), else UCS-2 (70 UTF-16 units,
//! 67 each when split). One curly quote turns a whole message into UCS-2.

/// GSM 03.38's basic alphabet, one septet each (ESC, 0x1B, is left out: it starts the
/// extension table).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: two septets each (ESC and the character).
const EXTENDED: &str = "^{}\\[~]|€\u{0c}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub count: usize,
}

pub fn segments(text: &str) -> Segments {
    let gsm = text.chars().try_fold(0, |units, c| {
        if BASIC.contains(c) {
            Some(units + 1)
        } else if EXTENDED.contains(c) {
            Some(units + 2)
        } else {
            None
        }
    });
    let (encoding, units, single, part) = match gsm {
        Some(units) => (Encoding::Gsm7, units, 160, 153),
        None => (Encoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let count = match units {
        0 => 1,
        n if n <= single => 1,
        n => n.div_ceil(part),
    };
    Segments { encoding, units, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basic_alphabet_has_its_128_characters_less_escape() {
        assert_eq!(BASIC.chars().count(), 127);
    }

    #[test]
    fn plain_english_and_kiswahili_are_gsm7() {
        let s = segments("Nenda kliniki mara moja. Jibu ACHA kusimamisha.");
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert_eq!(s.units, 47);
        assert_eq!(s.count, 1);
    }

    #[test]
    fn gsm7_splits_at_160_then_153() {
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        assert_eq!(segments(&"a".repeat(161)).count, 2);
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        let s = segments(&format!("{}€", "a".repeat(158)));
        assert_eq!((s.encoding, s.units, s.count), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments(&format!("{}[", "a".repeat(159))).count, 2);
    }

    #[test]
    fn one_curly_quote_makes_it_ucs2() {
        let s = segments("Don\u{2019}t wait");
        assert_eq!((s.encoding, s.units), (Encoding::Ucs2, 10));
        assert_eq!(segments(&format!("{}\u{2019}", "a".repeat(69))).count, 1);
        assert_eq!(segments(&format!("{}\u{2019}", "a".repeat(70))).count, 2);
        assert_eq!(segments(&format!("{}\u{2019}", "a".repeat(134))).count, 3);
    }

    #[test]
    fn an_emoji_is_two_ucs2_units() {
        assert_eq!(segments("\u{1F476}").units, 2);
    }
}
