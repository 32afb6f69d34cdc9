//! Byte strings compared eight bytes at a time. `==` on slices calls `memcmp`, which in
//! WebAssembly is wasi-libc's byte loop behind a call: comparing two SHA-256 hex
//! digests cost 2,000 instructions there, and the hot path compares digests, event
//! keys and the last identifiers hashed for every row.

/// Whether `a` and `b` hold the same bytes.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut words_a, mut words_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |bytes: &[u8]| u64::from_ne_bytes(bytes.try_into().expect("chunks of eight"));
    let mut differ = 0;
    for (x, y) in words_a.by_ref().zip(words_b.by_ref()) {
        differ |= word(x) ^ word(y);
    }
    for (x, y) in words_a.remainder().iter().zip(words_b.remainder()) {
        differ |= u64::from(x ^ y);
    }
    differ == 0
}

/// Whether `name` is `expected` (lowercase letters and `_`) in any ASCII case: a letter
/// matches itself with bit 5 set, `_` only itself. Every key of every row and
/// every event name is compared, so a few word compares (two overlapping loads cover 4 to 16 bytes) instead of a
/// loop over bytes or a `memcmp` call (a library routine in WebAssembly).
#[inline]
pub fn equal_to_lowercase(name: &[u8], expected: &[u8]) -> bool {
    const LETTER_BITS: u64 = 0x2020_2020_2020_2020;
    let differ = |n: u64, e: u64| (n | (e & LETTER_BITS)) ^ e;
    let word8 = |bytes: &[u8], at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    };
    let word4 = |bytes: &[u8], at: usize| {
        u64::from(u32::from_le_bytes(
            bytes[at..at + 4].try_into().expect("four bytes"),
        ))
    };
    let len = name.len();
    if len != expected.len() {
        return false;
    }
    match len {
        8..=16 => {
            let last = len - 8;
            differ(word8(name, 0), word8(expected, 0))
                | differ(word8(name, last), word8(expected, last))
                == 0
        }
        4..=7 => {
            let last = len - 4;
            differ(word4(name, 0), word4(expected, 0))
                | differ(word4(name, last), word4(expected, last))
                == 0
        }
        _ => name
            .iter()
            .zip(expected)
            .all(|(&n, &e)| (n | (e & 0x20)) == e),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn equal_is_slice_equality(a in prop::collection::vec(0u8..4, 0..40), b in prop::collection::vec(0u8..4, 0..40)) {
            prop_assert_eq!(equal(&a, &b), a == b);
            prop_assert!(equal(&a, &a.clone()));
        }

        /// Against every column name: any case of it, and near misses.
        #[test]
        fn equal_to_lowercase_is_eq_ignore_ascii_case(
            name in prop::sample::select(vec!["email", "event_id", "event_set_id", "content_category", "timestamp", "quantity"]),
            flips in prop::collection::vec(any::<bool>(), 16),
            other in "[a-zA-Z_@`\\x7f]{0,17}",
        ) {
            let cased: String = name
                .chars()
                .zip(&flips)
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            prop_assert!(equal_to_lowercase(cased.as_bytes(), name.as_bytes()));
            prop_assert_eq!(
                equal_to_lowercase(other.as_bytes(), name.as_bytes()),
                other.eq_ignore_ascii_case(name)
            );
        }
    }
}
