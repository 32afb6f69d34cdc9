//! The row reader: on any text, the one-pass scanner (with its serde fallback) gives
//! exactly the row, or the error, that serde_json alone gives.
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(json) = std::str::from_utf8(data) {
        // Twice: the second time with the key order the first taught.
        check::rows([json, json]);
    }
});
