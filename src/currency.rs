//! The currencies TikTok accepts for `properties.currency` (ISO 4217 codes).

use std::fmt;

/// Every code TikTok's Events API accepts. A code outside this list fails the whole
/// request it is in, so rows are checked against it before anything is sent.
pub const CODES: [&str; 62] = [
    "AED", "ARS", "AUD", "BDT", "BHD", "BIF", "BOB", "BRL", "CAD", "CHF", "CLP", "CNY", "COP",
    "CRC", "CZK", "DKK", "DZD", "EGP", "EUR", "GBP", "GTQ", "HKD", "HNL", "HUF", "IDR", "ILS",
    "INR", "ISK", "JPY", "KES", "KHR", "KRW", "KWD", "KZT", "MAD", "MOP", "MXN", "MYR", "NGN",
    "NIO", "NOK", "NZD", "OMR", "PEN", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RUB", "SAR",
    "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VES", "VND", "ZAR",
];

/// A code as one number, ordered as the code: every row's currency is looked up, and
/// comparing byte slices is a `memcmp` call in WebAssembly.
const fn key([a, b, c]: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, a, b, c])
}

/// [`CODES`] as [`key`]s, in the same (sorted) order; `the_list_is_sorted_and_has_no_duplicates`.
const KEYS: [u32; CODES.len()] = {
    let mut keys = [0; CODES.len()];
    let mut i = 0;
    while i < CODES.len() {
        let code = CODES[i].as_bytes();
        keys[i] = key([code[0], code[1], code[2]]);
        i += 1;
    }
    keys
};

/// [`KEYS`] padded to 64 with keys above all codes, for [`Currency::parse`]'s search.
const SEARCHED: [u32; 64] = {
    let mut searched = [u32::MAX; 64];
    let mut i = 0;
    while i < KEYS.len() {
        searched[i] = KEYS[i];
        i += 1;
    }
    searched
};

/// A currency TikTok accepts; only [`Currency::parse`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(&'static str);

impl Currency {
    pub const USD: Currency = Currency("USD");

    /// Case-insensitive, surrounding whitespace ignored; `None` for codes TikTok rejects.
    pub fn parse(code: &str) -> Option<Currency> {
        let &[a, b, c] = crate::row::trim(code).as_bytes() else {
            return None;
        };
        let wanted = key([a, b, c].map(|x| x.to_ascii_uppercase()));
        // A binary search written out, six halvings of a power-of-two table: the
        // library's loop paid wasmtime's epoch check on each of its iterations.
        let half = |at: usize, step: usize| {
            if SEARCHED[at + step] <= wanted {
                at + step
            } else {
                at
            }
        };
        let at = half(half(half(half(half(half(0, 32), 16), 8), 4), 2), 1);
        (SEARCHED[at] == wanted).then(|| Currency(CODES[at]))
    }

    /// The upper-case ISO 4217 code, as TikTok wants it.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_cased_and_checked_against_the_list() {
        assert_eq!(Currency::parse("eur").map(|c| c.as_str()), Some("EUR"));
        assert_eq!(Currency::parse(" Jpy ").map(|c| c.as_str()), Some("JPY"));
        assert_eq!(Currency::parse("USD"), Some(Currency::USD));
        // ISO 4217 codes TikTok does not take, and things that are not codes.
        assert_eq!(Currency::parse("XAU"), None);
        assert_eq!(Currency::parse("BTC"), None);
        assert_eq!(Currency::parse("US"), None);
        assert_eq!(Currency::parse("$"), None);
        assert_eq!(Currency::parse(""), None);
    }

    #[test]
    fn every_code_is_found_and_nothing_between_them() {
        for code in CODES {
            assert_eq!(Currency::parse(code).map(|c| c.as_str()), Some(code));
            let [a, b, c] = code.as_bytes().try_into().unwrap();
            for near in [[a, b, c - 1], [a, b, c + 1], [a, b + 1, b'A']] {
                let near = std::str::from_utf8(&near).unwrap();
                let listed = CODES.contains(&near);
                assert_eq!(Currency::parse(near).is_some(), listed, "{near}");
            }
        }
        assert_eq!(Currency::parse("AAA"), None);
        assert_eq!(Currency::parse("ZZZ"), None);
    }

    #[test]
    fn the_list_is_sorted_and_has_no_duplicates() {
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(CODES.iter().all(|code| code.len() == 3));
    }
}
