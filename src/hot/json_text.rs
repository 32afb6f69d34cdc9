//! The plain part of a JSON string: the bytes up to a closing quote, an escape or a
//! control character. Reading a row looks for its end; writing an event copies text
//! that has none of them as it is, skipping `serde_json`'s escaper.

/// How many bytes of `bytes` come before the first quote, backslash or control
/// character; `None` when there is none. Sixteen bytes at a time in WebAssembly SIMD,
/// eight elsewhere: strings are most of a row, and a byte-by-byte loop was the largest
/// cost of reading one.
#[inline]
pub fn plain_len(bytes: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let offset = {
        let mut offset = 0;
        while offset + 16 <= bytes.len() {
            // SAFETY: the sixteen bytes from `offset` are in `bytes` (the loop's
            // condition); `v128_load` needs no alignment.
            let chunk = unsafe { simd::load(bytes.as_ptr().add(offset)) };
            let found = simd::stops(chunk);
            if found != 0 {
                return Some(offset + found.trailing_zeros() as usize);
            }
            offset += 16;
        }
        offset
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let offset = 0;
    let mut chunks = bytes[offset..].chunks_exact(8);
    let mut offset = offset;
    for chunk in chunks.by_ref() {
        let found = stops(u64::from_le_bytes(
            chunk.try_into().expect("chunks of eight"),
        ));
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| is_stop(b))
        .map(|len| offset + len)
}

/// Whether `text` can be put between quotes as it is: what `serde_json` would escape
/// (`"`, `\` and control characters) it does not hold. Every word at once, the last
/// one overlapping the one before (or, under eight bytes, padded with spaces): event
/// texts are short, and a loop over their last bytes was most of the check.
#[inline(always)]
pub fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let len = bytes.len();
    if len < 8 {
        let mut padded = [b' '; 8];
        crate::hot::append::copy_from_slice(&mut padded[..len], bytes);
        return stops(u64::from_le_bytes(padded)) == 0;
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
    // `stops` is exact up to a word's first stop, so a word has one exactly when its
    // result is not 0.
    let mut found = stops(word(len - 8));
    let mut at = 0;
    while at + 8 < len {
        found |= stops(word(at));
        at += 8;
    }
    found == 0
}

/// The high bit of each byte of `word` (little-endian) that is a quote, a backslash
/// or a control character; exact up to the first one, which is all either caller
/// needs.
#[inline(always)]
fn stops(word: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
}

/// The same test on sixteen bytes at once, in WebAssembly SIMD (on in
/// `.cargo/config.toml`): each compare is one instruction, and the bitmask gives the
/// first stop's position directly.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    /// # Safety
    /// The sixteen bytes from `at` are readable.
    #[inline(always)]
    pub unsafe fn load(at: *const u8) -> v128 {
        // SAFETY: the caller's guarantee; WebAssembly loads need no alignment.
        unsafe { v128_load(at.cast()) }
    }

    /// Bit `i` set where byte `i` is a quote, a backslash or a control character.
    #[inline(always)]
    pub fn stops(chunk: v128) -> u32 {
        let quote = u8x16_eq(chunk, u8x16_splat(b'"'));
        let backslash = u8x16_eq(chunk, u8x16_splat(b'\\'));
        let control = u8x16_lt(chunk, u8x16_splat(0x20));
        u32::from(u8x16_bitmask(v128_or(v128_or(quote, backslash), control)))
    }
}

fn is_stop(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn plain_text_is_what_serde_does_not_escape() {
        for text in ["", "a@b.c", "café ☕", "x\u{7f}y", "a b/c'd"] {
            assert!(is_plain(text), "{text}");
            assert_eq!(serde_json::to_string(text).unwrap(), format!("\"{text}\""));
        }
        for text in ["a\"b", "a\\b", "a\nb", "\u{1}", "0123456789abcde\t"] {
            assert!(!is_plain(text), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn plain_len_finds_the_first_stop(bytes in prop::collection::vec(prop::sample::select(vec![b'a', b' ', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff, 0x00]), 0..40)) {
            prop_assert_eq!(plain_len(&bytes), bytes.iter().position(|&b| is_stop(b)));
            if let Ok(text) = std::str::from_utf8(&bytes) {
                prop_assert_eq!(is_plain(text), !bytes.iter().any(|&b| is_stop(b)));
            }
        }
    }
}
