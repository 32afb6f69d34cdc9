//! TikTok offline-conversions destination.
//!
//! Built for `wasm32-wasip2` this crate is a WebAssembly component implementing the
//! `cdp:destination` world, 0.2 and the 0.1 it includes (`wit/v0.1`, `wit/v0.2`); built natively it is a plain library
//! whose logic is tested at native speed, on the same generated types ([`contract`]).
//! Only `component` exports the world and calls the imports.

pub mod advertisers;
pub mod batch;
pub mod by_id;
pub mod contract;
pub mod currency;
pub mod deliver;
pub mod event_json;
pub mod event_name;
pub mod event_sets;
pub mod hot;
pub mod line;
pub mod normalize;
pub mod number;
pub mod oauth;
pub mod phone;
pub mod request;
pub mod row;
pub mod settings;
pub mod spec;
pub mod tiktok_api;
pub mod tiktok_event;
pub mod timestamp;
pub mod transform;
pub mod validate;

#[cfg(test)]
mod test_host;

#[cfg(target_arch = "wasm32")]
mod component;
