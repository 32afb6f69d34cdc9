//! Phone numbers to E.164, the form TikTok hashes: `+`, calling code, national
//! significant number (NSN), 8 to 15 digits in all. A number normalised differently
//! from the one the person gave TikTok is a customer who silently does not match, so
//! every rule below refuses (with an error) rather than guesses.
//!
//! | Written as | Read as | Example |
//! |---|---|---|
//! | Separators: spaces (also NBSP, thin, ideographic), `-` and Unicode dashes, `.`, `/`, `()`, `[]`, `~`, soft hyphens, invisible direction marks | dropped; full-width and Arabic-Indic digits count as digits | `(213) 373-4253` |
//! | Letters (vanity numbers, `ext 12`), `*`, `#`, `,`, a `+` after a digit | error, never guessed | `1-800-FLOWERS` → error |
//! | Leading `+` (also inside brackets) | international; the country is not used | `(+1)2133734253` → `+12133734253` |
//! | Trunk prefix written after the calling code | dropped when the number is valid only without it | `+44 (0)20 7946 0000` → `+442079460000` |
//! | Trunk prefix: `0` in most countries, `1` in +1 countries, `8` RU/KZ/TM, `06` HU, `8`/`80`/`0` BY, `8`/`0` LT; none in e.g. ES, PT, DK, NO, GR, PL | dropped | GB `020 7946 0000` → `+442079460000` |
//! | Italy, Vatican, San Marino | no trunk prefix: the leading `0` of landlines is part of the number | IT `02 1234 5678` → `+390212345678` |
//! | The country's international prefix: `00`; `011` in +1 countries; `010` JP; `0011` AU; `810` RU/KZ/BY/TJ/TM; `001`, `002`, … KR, SG, HK, TH, TW, ID; carrier forms in BR, CO | international, but only when the number is not valid as national with a trunk prefix | GB `0113 496 0000` is Leeds, `0044 …` is international |
//! | `00` where the country's prefix is different | international, when no national reading is valid | US `0044 20 7946 0000` → `+442079460000` |
//! | No country: `00` or `011` first | international | `011 44 20 7946 0000` → `+442079460000` |
//! | The country's calling code without `+` | international when the rest is a valid NSN and the whole is not; when both are valid, international in countries with a trunk prefix (their national numbers are written with it), national in countries without one | GB `447911123456` → `+447911123456`, DE `4930123456` → `+4930123456`, PL `481234567` → `+48481234567` |
//! | Anything else | an NSN of the given country | IN `98765 43210` → `+919876543210` |
//! | No `+`, no international prefix, no country | error [`PhoneError::NoCountry`] | |
//! | Mexico | trunk prefixes were abolished in 2019 and every number has 10 digits, so the old `01`, `044`, `045` and the mobile `1` after `+52` are dropped | `044 55 1234 5678` → `+525512345678` |
//! | Argentina | a mobile written with the local `15` after the area code becomes the international mobile form `9` + area code + number; the area code is `11` or is told by where the `15` sits. `15` without area code is refused. A mobile written like a landline (no `15`, no `9`) cannot be told apart and stays a landline | `011 15 1234-5678` → `+5491112345678` |
//! | Brazil | a carrier-selection code after the trunk `0` is dropped | `0 21 11 98765-4321` → `+5511987654321` |
//!
//! Validity comes from the table in `phone/table.rs` (derived from libphonenumber's
//! metadata): per calling code and first NSN digit, the lengths of fixed-line, mobile,
//! VoIP and personal numbers. +1 numbers have 10 digits whose area code and exchange
//! start with 2–9. A calling code not in the table (e.g. +800) accepts 8 to 15 digits
//! when written with `+`; after an international prefix, which is only one reading of
//! the digits, the calling code must be in the table.
//!
//! Refused, not guessed: local numbers without their area code (7-digit US numbers,
//! San Marino's 6-digit form), extensions, vanity letters, `+00…`, input over 64
//! characters, and the 7-digit numbers of Niue, Tokelau and Tristan da Cunha (the
//! output must match `^\+[1-9]\d{7,14}$`). Countries: the 245 regions of libphonenumber (incl. XK, AC, TA) by
//! ISO 3166 alpha-2 code; `UK` is read as `GB`.

mod table;

use std::fmt;

use arrayvec::ArrayString;
use table::Plan;

/// Digits as read, and national numbers cut from them: at most [`MAX_CHARS`]. On the
/// stack, as is every number here: this runs for every row, and in WebAssembly each
/// allocation and each short copy is a call.
type Digits = ArrayString<MAX_CHARS>;

/// A number in E.164: `+`, calling code, NSN.
pub type E164 = ArrayString<{ MAX_CHARS + 4 }>;

/// A country the phone table knows, by ISO 3166 alpha-2 code.
#[derive(Clone, Copy)]
pub struct Country {
    code: &'static str,
    plan: &'static Plan,
}

impl Country {
    /// Case-insensitive ISO alpha-2 lookup (surrounding whitespace ignored, `UK` is
    /// `GB`); `None` for codes the table does not know.
    pub fn parse(code: &str) -> Option<Country> {
        let code = crate::row::trim(code);
        let code = if code.eq_ignore_ascii_case("UK") {
            "GB"
        } else {
            code
        };
        table::by_country(code).map(|(plan, code)| Country { code, plan })
    }

    /// The upper-case ISO alpha-2 code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl PartialEq for Country {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Country {}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Country").field(&self.code).finish()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// Why a phone number could not be normalised; the message never contains the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no country code and no default_phone_country")]
    NoCountry,
    #[error("not a phone number: only digits, separators and a leading + are allowed")]
    Invalid,
    #[error("has no digits")]
    NoDigits,
    #[error("longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("not a valid {0} number: wrong number of digits or leading digits")]
    NotValidIn(Country),
    #[error("not a valid number for country code +{0}: wrong number of digits or leading digits")]
    NotValidFor(u16),
    #[error("not a valid international number: 8 to 15 digits after +, not starting with 0")]
    NotE164,
}

/// Longest input looked at; no phone number, however formatted, comes close.
const MAX_CHARS: usize = 64;

/// Normalises `raw` to E.164 (`+` and 8 to 15 digits). `country` is used only for
/// numbers written without `+`.
pub fn to_e164(raw: &str, country: Option<Country>) -> Result<E164, PhoneError> {
    let written = Written::scan(raw)?;
    if written.plus {
        return international(&written.digits);
    }
    match country {
        Some(country) => national(&written.digits, country),
        None => after_prefix(&["00", "011"], &written.digits, known_international)
            .ok_or(PhoneError::NoCountry),
    }
}

/// A number as written: whether it starts with `+`, and its digits in ASCII.
#[derive(Debug, PartialEq)]
struct Written {
    plus: bool,
    digits: Digits,
}

impl Written {
    fn scan(raw: &str) -> Result<Written, PhoneError> {
        if raw.is_ascii() {
            Written::scan_ascii(raw.as_bytes())
        } else {
            Written::scan_chars(raw)
        }
    }

    /// [`Written::scan_chars`] for ASCII, which nearly every export is: bytes, not
    /// characters pushed one by one and separators looked up in a Unicode list.
    fn scan_ascii(bytes: &[u8]) -> Result<Written, PhoneError> {
        if bytes.len() > MAX_CHARS {
            return Err(PhoneError::TooLong);
        }
        let mut digits = [0u8; MAX_CHARS];
        let (mut len, mut plus) = (0, false);
        for &byte in bytes {
            match byte {
                b'0'..=b'9' => {
                    digits[len] = byte;
                    len += 1;
                }
                b'+' if !plus && len == 0 => plus = true,
                // `is_separator` for ASCII: `char::is_whitespace` and the punctuation.
                b'\t'..=b'\r' | b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'[' | b']' | b'~' => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
        if len == 0 {
            return Err(PhoneError::NoDigits);
        }
        let digits = std::str::from_utf8(&digits[..len]).expect("ASCII digits");
        Ok(Written {
            plus,
            digits: Digits::from(digits).expect("at most MAX_CHARS digits"),
        })
    }

    fn scan_chars(raw: &str) -> Result<Written, PhoneError> {
        if raw.chars().nth(MAX_CHARS).is_some() {
            return Err(PhoneError::TooLong);
        }
        let mut written = Written {
            plus: false,
            digits: Digits::new(),
        };
        for c in raw.chars() {
            if let Some(digit) = digit_value(c) {
                written.digits.push(digit);
            } else if matches!(c, '+' | '＋') && !written.plus && written.digits.is_empty() {
                written.plus = true;
            } else if !is_separator(c) {
                return Err(PhoneError::Invalid);
            }
        }
        if written.digits.is_empty() {
            return Err(PhoneError::NoDigits);
        }
        Ok(written)
    }
}

/// The ASCII digit for ASCII, full-width and Arabic-Indic digits.
fn digit_value(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => '0',
        '０'..='９' => '０',
        '\u{660}'..='\u{669}' => '\u{660}',
        '\u{6F0}'..='\u{6F9}' => '\u{6F0}',
        _ => return None,
    };
    char::from_digit(u32::from(c) - u32::from(zero), 10)
}

/// Formatting people put between digits: libphonenumber's punctuation (ASCII and
/// full-width forms, Unicode dashes, the Japanese long-vowel mark used as a dash) and
/// the invisible marks that copy-paste from right-to-left text brings along.
/// Whitespace of any kind (NBSP, thin space, …) is a separator too.
const SEPARATORS: &str = "-./()[]~\u{AD}\u{2010}\u{2011}\u{2012}\u{2013}\u{2014}\u{2015}\u{2212}\
    \u{30FC}－．／（）［］～⁓∼\u{200B}\u{200C}\u{200D}\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\
    \u{202D}\u{202E}\u{2060}\u{2066}\u{2067}\u{2068}\u{2069}\u{FEFF}";

fn is_separator(c: char) -> bool {
    c.is_whitespace() || SEPARATORS.contains(c)
}

/// Digits written after `+`: calling code, then NSN. A calling code the table does
/// not know (e.g. +800) is taken on trust.
fn international(digits: &str) -> Result<E164, PhoneError> {
    match table::by_calling_code(digits) {
        Some((plan, rest)) => nsn_after_code(plan, rest)
            .map(|nsn| e164(plan, &nsn))
            .ok_or(PhoneError::NotValidFor(plan.calling_code)),
        None if !digits.starts_with('0') && (8..=15).contains(&digits.len()) => Ok(plus(&[digits])),
        None => Err(PhoneError::NotE164),
    }
}

/// Digits after an international prefix, which is only a reading of the digits, so
/// the calling code must be one the table knows.
fn known_international(digits: &str) -> Option<E164> {
    let (plan, rest) = table::by_calling_code(digits)?;
    nsn_after_code(plan, rest).map(|nsn| e164(plan, &nsn))
}

/// Digits written without `+`, read with `country`'s conventions, in this order: trunk
/// prefix + NSN; the country's international prefix + number; NSN or calling code +
/// NSN; `00` + number.
fn national(digits: &str, country: Country) -> Result<E164, PhoneError> {
    let plan = country.plan;
    if let Some(nsn) = after_prefix(plan.trunk_prefixes, digits, |rest| significant(plan, rest)) {
        return Ok(e164(plan, &nsn));
    }
    if let Some(number) = after_prefix(plan.international_prefixes, digits, known_international) {
        return Ok(number);
    }
    let whole = significant(plan, digits);
    let code = decimal(plan.calling_code);
    let with_code = digits
        .strip_prefix(code.as_str())
        .and_then(|rest| nsn_after_code(plan, rest));
    let nsn = match (whole, with_code) {
        (Some(whole), Some(with_code)) => Some(if plan.national_despite_code(digits) {
            whole
        } else {
            with_code
        }),
        (whole, with_code) => whole.or(with_code),
    };
    match nsn {
        Some(nsn) => Ok(e164(plan, &nsn)),
        None => after_prefix(&["00"], digits, known_international)
            .ok_or(PhoneError::NotValidIn(country)),
    }
}

/// The NSN in the digits after a calling code: as written, or without a trunk prefix
/// that was written after the code (`+44 (0)20…`).
fn nsn_after_code(plan: &Plan, rest: &str) -> Option<Digits> {
    significant(plan, rest)
        .or_else(|| after_prefix(plan.trunk_prefixes, rest, |nsn| significant(plan, nsn)))
}

/// `read` of what follows the first of `prefixes` (shortest first) that starts
/// `digits` and leaves something `read` accepts. Shortest first because the longer
/// prefixes are carrier variants of the shorter ones (HK `00` and `001`): `00 1 …` is
/// a +1 number, not a +… one dialled with carrier 1.
fn after_prefix<T>(prefixes: &[&str], digits: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    prefixes
        .iter()
        .find_map(|prefix| digits.strip_prefix(prefix).and_then(&read))
}

/// `candidate` as the NSN of `plan`, with the country rules the table cannot express.
fn significant(plan: &Plan, candidate: &str) -> Option<Digits> {
    match plan.calling_code {
        1 => (plan.fits(candidate) && nanp_exchange_valid(candidate)).then(|| digits(&[candidate])),
        54 => argentina::significant(candidate, |nsn| plan.fits(nsn)),
        _ => plan.fits(candidate).then(|| digits(&[candidate])),
    }
}

/// +1: the exchange code (after the 3-digit area code) starts with 2–9, like the area
/// code (which the table checks).
fn nanp_exchange_valid(nsn: &str) -> bool {
    nsn.as_bytes().get(3).is_some_and(|&d| d >= b'2')
}

fn e164(plan: &Plan, nsn: &str) -> E164 {
    plus(&[&decimal(plan.calling_code), nsn])
}

/// `+` and `parts`, which come from digits read from the input (at most
/// [`MAX_CHARS`]) and a calling code.
fn plus(parts: &[&str]) -> E164 {
    let mut number = E164::new();
    number.push('+');
    parts.iter().for_each(|part| number.push_str(part));
    number
}

/// `parts` joined; together they are at most the digits read from the input.
fn digits(parts: &[&str]) -> Digits {
    let mut digits = Digits::new();
    parts.iter().for_each(|part| digits.push_str(part));
    digits
}

/// A calling code's digits (1 to 3), without `format!`.
fn decimal(code: u16) -> ArrayString<5> {
    let mut text = ArrayString::new();
    let mut started = false;
    for unit in [10_000, 1_000, 100, 10, 1] {
        let digit = (code / unit % 10) as u8;
        if started || digit != 0 || unit == 1 {
            started = true;
            text.push(char::from(b'0' + digit));
        }
    }
    text
}

/// Argentina's mobile numbers: `9` + area code + number internationally, area code +
/// `15` + number nationally. Area codes are 2 (`11`), 3 or 4 digits, start with 1–3,
/// and with the number make 10 digits.
mod argentina {
    use super::{Digits, digits};

    pub(super) fn significant(candidate: &str, fits: impl Fn(&str) -> bool) -> Option<Digits> {
        if let Some(mobile) = from_local_mobile(candidate).filter(|m| fits(m)) {
            return Some(mobile);
        }
        // `15` + number without the area code it belongs to: cannot be placed.
        let without_area = candidate.len() == 10 && candidate.starts_with("15");
        (!without_area && fits(candidate)).then(|| digits(&[candidate]))
    }

    /// `[9] AREA 15 NUMBER` (12 digits after the optional 9) → `9 AREA NUMBER`.
    fn from_local_mobile(candidate: &str) -> Option<Digits> {
        let local = match candidate.strip_prefix('9') {
            Some(rest) if rest.len() == 12 => rest,
            _ => candidate,
        };
        if local.len() != 12 || !matches!(local.as_bytes()[0], b'1'..=b'3') {
            return None;
        }
        // A 15 at offset 3 and one at offset 4 would need the digit at 4 to be both 5
        // and 1, so where the 15 sits tells the area code's length.
        let area_len = if local.starts_with("11") {
            2
        } else if local.get(3..5) == Some("15") {
            3
        } else {
            4
        };
        let after_area = local.get(area_len..)?;
        let number = after_area.strip_prefix("15")?;
        Some(digits(&["9", &local[..area_len], number]))
    }
}

#[cfg(test)]
mod tests;
