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
    }
}
