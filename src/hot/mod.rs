//! Helpers that exist only for WebAssembly's costs: each replaces a standard routine
//! that is slow in the component (a byte loop paying wasmtime's epoch check on every
//! iteration, a `memcmp` or `memory.copy` that is a library call or a call into the
//! host, 128-bit arithmetic done in software). Natively the standard routine would do.
//!
//! Each earns its place by a measurement and is held to the standard version by a test.
//! The measure is wasm instructions per row of the bench's sample (wasmtime fuel,
//! `target/release/bench --fuel --component X.wasm`), with the helper swapped for the
//! standard version and everything else equal; `append` saves calls into the host that
//! fuel does not count, so it is measured in x86 instructions of the whole transform,
//! host included (callgrind, docs/performance.md). The shipped build did 23,095 per row then.
//!
//! | helper | the standard version | without it (per row) | the test against the standard version |
//! |---|---|---|---|
//! | [`allocator`]: size-class free lists in front of dlmalloc | wasi-libc's dlmalloc | +1,867 fuel (+8.1 %) | `allocator::tests` (blocks aligned, disjoint, contents kept across `realloc`) |
//! | [`bytes::equal`]: slices compared eight bytes at a time | `a == b` (`memcmp`) | +665 fuel (+2.9 %) | `equal_is_slice_equality` |
//! | [`bytes::equal_to_lowercase`]: column names matched in any case by words | `eq_ignore_ascii_case` | +6,845 fuel (+30 %) | `equal_to_lowercase_is_eq_ignore_ascii_case` |
//! | [`json_text`]: a JSON string's plain part found 16 bytes at a time | `iter().position` | +5,246 fuel (+23 %) | `plain_len_finds_the_first_stop` |
//! | [`float::short_decimal`]: prices written without `zmij`'s 128-bit products | serde_json's writer | +538 fuel (+2.3 %) | `any_float_is_written_as_zmij_writes_it_or_left_to_zmij` |
//! | [`float::from_parts`]: a scanned number in one exact operation | serde_json's reader | (part of the row scanner below) | `flat_rows_are_scanned_as_serde_reads_them` |
//! | [`append`]: short pieces copied as words | `String::push_str` (`memory.copy`, a call into the host) | +650 x86 instructions (+2.8 %; fuel −178) | `appending_is_push_str` |
//!
//! The row scanner (`row::scan`, flat rows read in one pass instead of through serde's
//! visitor) is the largest: +11,303 fuel (+49 %) without it. It lives with the row it
//! fills (it writes the row's private cells), and `flat_rows_are_scanned_as_serde_reads_them`
//! holds it to serde_json's reading.
//!
//! Measured 2026-12-07. A helper whose saving falls under 0.5 % of a row is deleted; the
//! number reader that kept `str::parse::<f64>` out for the old 400 KB budget was (it saved
//! nothing per row, and `crate::number` now uses the standard parser).

pub mod allocator;
pub mod append;
pub mod bytes;
pub mod float;
pub mod json_text;
