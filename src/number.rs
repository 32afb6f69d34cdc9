//! Numbers written as text (`"19.90"` from a spreadsheet export) and floats written as
//! text (an id that arrived as `1077218.5`), through `serde_json`'s own number code.
//!
//! Why not `str::parse::<f64>` and `f64::to_string`: the component already carries
//! serde_json's float reader and writer for JSON numbers, and core's second pair
//! (`dec2flt`, `flt2dec`) would add 35 KB to a component with a 400 KB budget. One
//! reader also means a price reads the same whether it came as `19.9` or `"19.9"`.

/// 10^0 to 10^22: every one exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Most significant digits [`from_digits`] takes: 18 always fit a `u64`.
const MAX_DIGITS: usize = 18;

/// `±significand × 10^exponent` when a single exact operation gives it: the
/// significand below 2^53 and the power of ten at most 10^22, both exact in an `f64`,
/// so one multiplication or division rounds once, correctly. That is also what
/// serde_json computes for such numbers, bit for bit. `None` otherwise.
pub fn from_parts(negative: bool, significand: u64, exponent: i32) -> Option<f64> {
    if significand >= 1 << 53 {
        return None;
    }
    let pow = *POW10.get(exponent.unsigned_abs() as usize)?;
    let magnitude = if exponent >= 0 {
        significand as f64 * pow
    } else {
        significand as f64 / pow
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// 10^0 to 10^18, as integers.
const POW10_INT: [u64; MAX_DIGITS + 1] = {
    let mut pow = [1; MAX_DIGITS + 1];
    let mut i = 1;
    while i <= MAX_DIGITS {
        pow[i] = pow[i - 1] * 10;
        i += 1;
    }
    pow
};

/// [`significand`] of digits whose values were taken as they were read: `int` then
/// `frac`, each as (number of digits, their value). `None` for more than
/// [`MAX_DIGITS`] digits.
pub fn joined_significand(int: (usize, u64), frac: (usize, u64)) -> Option<u64> {
    (int.0 + frac.0 <= MAX_DIGITS).then(|| int.1 * POW10_INT[frac.0] + frac.1)
}

/// The value of the digits of `int` followed by those of `frac`; `None` for more
/// than [`MAX_DIGITS`] of them.
pub fn significand(int: &[u8], frac: &[u8]) -> Option<u64> {
    (int.len() + frac.len() <= MAX_DIGITS).then(|| {
        int.iter()
            .chain(frac)
            .fold(0, |n, &d| n * 10 + u64::from(d - b'0'))
    })
}

/// A decimal number as Rust writes them: an optional sign, digits with an optional
/// fraction (`5`, `5.`, `.5`, `5.25`) and an optional exponent (`1e3`, `2.5E-2`).
/// `None` for anything else, including `inf` and `NaN`, and for numbers too large
/// for an `f64`.
pub fn decimal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let (int, rest) = digits(rest);
    let (frac, exponent) = match rest.split_first() {
        Some((b'.', rest)) => digits(rest),
        _ => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() || !is_exponent(exponent) {
        return None;
    }
    // The usual `19.90`: no text to build.
    if exponent.is_empty()
        && let Some(x) =
            significand(int, frac).and_then(|n| from_parts(negative, n, -(frac.len() as i32)))
    {
        return Some(x);
    }
    // The same number in JSON's stricter grammar: no `+`, no leading zeros, digits on
    // both sides of the point.
    let mut json = String::with_capacity(text.len() + 2);
    if negative {
        json.push('-');
    }
    let int = &int[int.iter().take_while(|&&b| b == b'0').count()..];
    json.push_str(if int.is_empty() { "0" } else { ascii(int) });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(ascii(frac));
    }
    json.push_str(ascii(exponent));
    serde_json::from_str(&json).ok()
}

/// A finite float as text, in its shortest form that reads back the same (`8.5`,
/// `1e-7`).
pub fn float_text(x: f64) -> String {
    serde_json::to_string(&x).expect("a float always serialises")
}

/// A float's text, on the stack, written from its end.
pub struct ShortText {
    bytes: [u8; 24],
    start: usize,
}

impl ShortText {
    pub fn as_str(&self) -> &str {
        // SAFETY: only ASCII digits, `.` and `-` are ever written (`push_front`).
        unsafe { std::str::from_utf8_unchecked(&self.bytes[self.start..]) }
    }

    fn push_front(&mut self, ascii: u8) {
        debug_assert!(ascii.is_ascii());
        self.start -= 1;
        self.bytes[self.start] = ascii;
    }
}

/// `x` exactly as `zmij` (serde_json's float writer) writes it, for the floats that
/// orders hold: a decimal of at most 15 significant digits from 10^-5 to 10^15.
/// Any two decimals of 15 digits or fewer read as different `f64`s, so the one that
/// reads as `x` is its shortest form, and in that range `zmij` writes it without an
/// exponent. `None` for other floats, which go to `zmij`: its 128-bit products are
/// library calls in WebAssembly, 900 instructions a price.
pub fn short_decimal(x: f64) -> Option<ShortText> {
    let magnitude = x.abs();
    if !(1e-5..1e15).contains(&magnitude) {
        return None;
    }
    // The fewest decimals that give `x` back: `significand / 10^decimals` is one
    // correctly rounded division of two exact values, as reading the text would be.
    let (significand, decimals) = (0..=20).find_map(|decimals| {
        let scaled = (magnitude * POW10[decimals]).round_ties_even();
        (scaled < 1e15 && scaled / POW10[decimals] == magnitude).then_some((scaled, decimals))
    })?;
    let mut text = ShortText {
        bytes: [0; 24],
        start: 24,
    };
    if decimals == 0 {
        text.push_front(b'0');
        text.push_front(b'.');
    }
    // Digits from the last, the point after `decimals` of them, and at least one
    // before it (`0.5`).
    let (mut rest, mut written) = (significand as u64, 0);
    loop {
        text.push_front(b'0' + (rest % 10) as u8);
        rest /= 10;
        written += 1;
        if written == decimals {
            text.push_front(b'.');
        }
        if rest == 0 && written > decimals {
            break;
        }
    }
    if x < 0.0 {
        text.push_front(b'-');
    }
    Some(text)
}

/// The leading ASCII digits of `bytes`, and the rest.
fn digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    bytes.split_at(bytes.iter().take_while(|b| b.is_ascii_digit()).count())
}

/// Empty, or `e`/`E`, an optional sign and at least one digit.
fn is_exponent(bytes: &[u8]) -> bool {
    let Some((e, rest)) = bytes.split_first() else {
        return true;
    };
    let rest = match rest.split_first() {
        Some((b'+' | b'-', rest)) => rest,
        _ => rest,
    };
    matches!(e, b'e' | b'E') && !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
}

fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("checked to be ASCII digits, signs and letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_rust_reads() {
        let cases = [
            "0",
            "5",
            "-5",
            "+5",
            "5.",
            ".5",
            "5.25",
            "-0.5",
            "007.50",
            "1e3",
            "2.5E-2",
            "1e+2",
            "19.90",
            "123456789012345678901234567890",
            "0.1",
            "-0",
        ];
        for text in cases {
            assert_eq!(
                decimal(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_finite_decimal() {
        for text in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "inf", "NaN",
            "infinity", "0x10", "1e999", "--1", "1_000",
        ] {
            assert_eq!(decimal(text), None, "{text}");
        }
    }

    /// Exactly `zmij`'s text, or nothing.
    fn check_short(x: f64) -> bool {
        let Some(text) = short_decimal(x) else {
            return false;
        };
        assert_eq!(text.as_str(), zmij::Buffer::new().format_finite(x), "{x:e}");
        true
    }

    #[test]
    fn prices_are_written_as_zmij_writes_them() {
        for x in [
            19.99,
            -19.99,
            0.1,
            0.5,
            1.0,
            46.0,
            100.0,
            1e14,
            123456789012345.0,
            0.00001,
            0.000123,
            0.012,
            99999.999,
            1234.5678,
            -0.25,
            8.5,
            1077218.25,
        ] {
            assert!(check_short(x), "{x} not written");
        }
        for x in [
            0.0,
            -0.0,
            1e15,
            1e-6,
            0.1 + 0.2,
            1e300,
            5e-324,
            f64::MAX,
            1.0 / 3.0,
        ] {
            assert!(!check_short(x), "{x} written");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimals_are_written_as_zmij_writes_them(significand in 0u64..1_000_000_000_000_000, decimals in 0usize..21, negative: bool) {
            let x = significand as f64 / POW10[decimals];
            let x = if negative { -x } else { x };
            check_short(x);
        }

        #[test]
        fn any_float_is_written_as_zmij_writes_it_or_left_to_zmij(bits: u64) {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                check_short(x);
            }
        }
    }

    #[test]
    fn floats_print_in_their_shortest_form() {
        assert_eq!(float_text(8.5), "8.5");
        assert_eq!(float_text(1077218.25), "1077218.25");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_text(1e-7), "1e-7");
    }
}
