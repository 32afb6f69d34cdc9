//! Rust types and traits generated from `wit/destination.wit` by wasmtime's `bindgen!`.
//!
//! Imports are trappable: a host function returns `wasmtime::Result<T>`, whose outer
//! `Err` traps the guest. The host uses that only for policy violations; ordinary
//! failures (a denied URL, a timeout) are the WIT-level `http-error`.

wasmtime::component::bindgen!({
    world: "destination-plugin",
    path: "../wit",
    imports: { default: trappable },
    additional_derives: [PartialEq, Eq],
});

pub use cdp::destination::{clock, http, log, types};
pub use exports::cdp::destination::destination as guest;
