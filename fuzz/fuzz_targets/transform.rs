//! The pure transform over arbitrary settings and rows: no panic, no hang (libFuzzer's
//! `-timeout`), and one outcome per record whatever the records hold.
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::transform(data));
