//! SHA-256 to lowercase hex, straight from sha2's compression function. `Sha256::digest`
//! copies its input into a block buffer, pads it there and copies the result out; in
//! WebAssembly each of those variable-length copies is a call into the host. Here whole
//! blocks are compressed where they lie and only the tail is padded, on the stack.

use sha2::digest::generic_array::GenericArray;

use crate::hot::append;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const INITIAL: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The digest of `data` as 64 lowercase hex digits.
pub fn hex_digest(data: &[u8]) -> [u8; 64] {
    let mut state = INITIAL;
    let (blocks, tail) = data.split_at(data.len() / 64 * 64);
    for block in blocks.chunks_exact(64) {
        compress(&mut state, block);
    }
    // FIPS 180-4 padding (5.1.1): the tail, `0x80`, zeros, the length in bits; in one
    // block, or two when the length does not fit after the tail. Copies are word moves,
    // not `copy_from_slice` (see `append`), and a block is zeroed with stores (a
    // 128-byte buffer was a `memory.fill`, a call into the host).
    let mut last = [0u8; 64];
    append::copy_from_slice(&mut last[..tail.len()], tail);
    last[tail.len()] = 0x80;
    if tail.len() >= 64 - 8 {
        compress(&mut state, &last);
        last = [0u8; 64];
    }
    *eight(&mut last[64 - 8..]) = ((data.len() as u64) * 8).to_be_bytes();
    compress(&mut state, &last);
    // Built from its eight words, not zeroed first: zeroing 64 bytes is a
    // `memory.fill`, a call into the host.
    *state
        .map(hex_word)
        .as_flattened()
        .first_chunk()
        .expect("eight words of eight digits")
}

fn eight(bytes: &mut [u8]) -> &mut [u8; 8] {
    bytes.try_into().expect("eight bytes")
}

fn compress(state: &mut [u32; 8], block: &[u8]) {
    sha2::compress256(state, &[*GenericArray::from_slice(block)]);
}

/// A word's eight hex digits, most significant first, computed eight at a time: a
/// table lookup per digit was a fifth of hashing's cost in WebAssembly.
fn hex_word(word: u32) -> [u8; 8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = u64::from(word);
    // One nibble per byte, in order.
    let x = ((x & 0xffff_0000) << 16) | (x & 0xffff);
    let x = ((x & 0x0000_ff00_0000_ff00) << 8) | (x & 0x0000_00ff_0000_00ff);
    let x = ((x & 0x00f0_00f0_00f0_00f0) << 4) | (x & 0x000f_000f_000f_000f);
    // 1 in each byte whose nibble is 10 or more: it becomes a letter.
    let letters = ((x + 6 * ONES) >> 4) & ONES;
    (x + u64::from(b'0') * ONES + letters * u64::from(b'a' - b'0' - 10)).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn reference(data: &[u8]) -> String {
        Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn every_length_around_the_block_boundaries_matches_sha2() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=300 {
            let hex = hex_digest(&data[..len]);
            assert_eq!(
                std::str::from_utf8(&hex).unwrap(),
                reference(&data[..len]),
                "{len}"
            );
        }
    }

    #[test]
    fn fips_example_abc() {
        assert_eq!(
            &hex_digest(b"abc"),
            b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hex_words_use_every_digit() {
        assert_eq!(&hex_word(0x0123_4567), b"01234567");
        assert_eq!(&hex_word(0x89ab_cdef), b"89abcdef");
        assert_eq!(&hex_word(0xffff_ffff), b"ffffffff");
        assert_eq!(&hex_word(0), b"00000000");
    }
}
