//! The plain part of a JSON string: the bytes up to a closing quote, an escape or a
//! control character. Reading a row looks for its end; writing an event copies text
//! that has none of them as it is, skipping `serde_json`'s escaper.

/// How many bytes of `bytes` come before the first quote, backslash or control
/// character; `None` when there is none. Eight bytes at a time: strings are most of a
/// row, and a byte-by-byte loop was the largest cost of reading one.
#[inline]
pub fn plain_len(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
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
/// one padded with spaces: event texts are short, and a loop over their last bytes
/// was most of the check.
#[inline(always)]
pub fn is_plain(text: &str) -> bool {
    let mut chunks = text.as_bytes().chunks_exact(8);
    let mut found = 0;
    for chunk in chunks.by_ref() {
        found |= stops(u64::from_le_bytes(
            chunk.try_into().expect("chunks of eight"),
        ));
    }
    let rest = chunks.remainder();
    let mut last = [b' '; 8];
    crate::append::copy_from_slice(&mut last[..rest.len()], rest);
    found |= stops(u64::from_le_bytes(last));
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
