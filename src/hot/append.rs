//! Appending short pieces to a request body. An event's JSON is 40 pieces or so (keys,
//! hashes, names, numbers), and `String::push_str` costs each one a call to
//! `Vec::reserve` (not inlined at `opt-level = "s"`) and, for a length not known at
//! compile time, a `memory.copy`, which wasmtime runs as a call into the host. Here the
//! capacity check is inlined and a piece of up to 64 bytes is moved as machine words.

use std::ptr;

/// Appends `piece` to `out`.
#[inline(always)]
pub fn append(out: &mut String, piece: &str) {
    let len = piece.len();
    if out.capacity() - out.len() < len {
        grow(out, len);
    }
    // SAFETY: `out` has room for `len` more bytes (checked above), `piece` cannot overlap
    // `out` (it is borrowed while `out` is borrowed mutably), and `piece` is UTF-8, so
    // `out` stays UTF-8.
    unsafe {
        let bytes = out.as_mut_vec();
        copy_short(piece.as_ptr(), bytes.as_mut_ptr().add(bytes.len()), len);
        bytes.set_len(bytes.len() + len);
    }
}

/// `dst.copy_from_slice(src)`, as [`append`] copies: `copy_from_slice` is a call at
/// `opt-level = "s"`, and its copy a `memory.copy`, even for eight bytes.
#[inline(always)]
pub fn copy_from_slice(dst: &mut [u8], src: &[u8]) {
    assert_eq!(
        dst.len(),
        src.len(),
        "copying between slices of different lengths"
    );
    // SAFETY: both are `src.len()` bytes long, and a `&mut` cannot overlap a `&`.
    unsafe { copy_short(src.as_ptr(), dst.as_mut_ptr(), src.len()) }
}

/// Out of line: a body grows a handful of times per request.
#[cold]
#[inline(never)]
fn grow(out: &mut String, len: usize) {
    out.reserve(len);
}

/// Copies `len` bytes from `src` to `dst` as two overlapping loads and stores (of 1, 4,
/// 8, 16 or 32 bytes, by length) up to 64 bytes, `ptr::copy_nonoverlapping` beyond.
///
/// # Safety
/// `src` is readable and `dst` writable for `len` bytes, and the two do not overlap.
#[inline(always)]
pub(crate) unsafe fn copy_short(src: *const u8, dst: *mut u8, len: usize) {
    // SAFETY: in each arm every word ends at or before `len`, the bytes the caller
    // guarantees.
    unsafe {
        match len {
            0 => {}
            1..=3 => {
                word::<u8>(src, dst, 0);
                word::<u8>(src, dst, len / 2);
                word::<u8>(src, dst, len - 1);
            }
            4..=7 => {
                word::<u32>(src, dst, 0);
                word::<u32>(src, dst, len - 4);
            }
            8..=16 => {
                word::<u64>(src, dst, 0);
                word::<u64>(src, dst, len - 8);
            }
            17..=32 => {
                word::<[u64; 2]>(src, dst, 0);
                word::<[u64; 2]>(src, dst, len - 16);
            }
            33..=64 => {
                word::<[u64; 4]>(src, dst, 0);
                word::<[u64; 4]>(src, dst, len - 32);
            }
            _ => ptr::copy_nonoverlapping(src, dst, len),
        }
    }
}

/// Copies the `W` at byte `at`. Overlapping words write the same bytes twice, which is
/// harmless: `src` and `dst` do not overlap.
///
/// # Safety
/// `at + size_of::<W>()` bytes are readable at `src` and writable at `dst`.
#[inline(always)]
unsafe fn word<W: Copy>(src: *const u8, dst: *mut u8, at: usize) {
    unsafe {
        ptr::write_unaligned(
            dst.add(at).cast::<W>(),
            ptr::read_unaligned(src.add(at).cast::<W>()),
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn appending_is_push_str(pieces in prop::collection::vec("[a-zé☕]{0,80}", 0..12), capacity in 0usize..100) {
            let mut out = String::with_capacity(capacity);
            let mut expected = String::new();
            for piece in &pieces {
                append(&mut out, piece);
                expected.push_str(piece);
            }
            prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn every_length_up_to_the_word_limit_and_beyond_is_copied_exactly() {
        let text: String = (0..100u8).map(|i| char::from(b'!' + i % 90)).collect();
        for len in 0..=text.len() {
            let mut out = String::from("<");
            append(&mut out, &text[..len]);
            append(&mut out, ">");
            assert_eq!(out, format!("<{}>", &text[..len]));
        }
    }
}
