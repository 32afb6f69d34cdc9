//! Floats from the digits the row scanner read, and prices written as text, each in one
//! exact operation where that gives the correctly rounded result, as serde_json's own
//! code would (bit for bit; the tests check against it): the general routines'
//! 128-bit products are library calls in WebAssembly.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
