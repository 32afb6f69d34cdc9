//! Rust types and traits generated from the contract by wasmtime's `bindgen!`: the
//! world of 0.2 (`wit/v0.2`), which includes 0.1's (`wit/v0.1`) whole. So these
//! bindings serve both versions: a 0.1 component exports the 0.1 interfaces and a 0.2
//! component `batch` besides, and the host finds each interface on its own
//! (`destination::Exports`) rather than the world at once.
//!
//! Imports are trappable: a host function returns `wasmtime::Result<T>`, whose outer
//! `Err` traps the guest. The host uses that only for policy violations; ordinary
//! failures (a denied URL, a timeout) are the WIT-level `http-error`.

wasmtime::component::bindgen!({
    world: "cdp:destination/destination-plugin@0.2.0",
    path: ["../wit/v0.1", "../wit/v0.2"],
    imports: { default: trappable },
    additional_derives: [PartialEq, Eq],
});

pub use cdp::destination0_1_0::{clock, http, log, types};
pub use exports::cdp::destination0_1_0::destination as guest;
pub use exports::cdp::destination0_1_0::{event_sets, oauth};
pub use exports::cdp::destination0_2_0::batch;
