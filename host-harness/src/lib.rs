//! Hosts `cdp:destination` components with wasmtime, under a sandbox policy.
//!
//! Read it in this order: [`engine`] (one `Engine` and `Linker`, the epoch ticker, the
//! compiled-code cache), [`policy`] (what a component may use), [`state`] (what a
//! `Store` carries), [`imports`] (the host functions), [`transport`] (the HTTP client),
//! [`destination`] (loading a component and calling its exports).

pub mod access;
pub mod bindings;
pub mod by_id;
pub mod conformance;
pub mod connect;
pub mod destination;
pub mod engine;
pub mod errors;
pub mod guest_text;
pub mod imports;
pub mod input;
pub mod interrupt;
pub mod job;
pub mod json;
pub mod pacing;
pub mod pipeline;
pub mod policy;
pub mod redact;
pub mod report;
pub mod rerun;
pub mod results;
pub mod secrets;
pub mod settings_file;
mod sleep;
pub mod state;
mod stderr_tail;
pub mod transport;

pub use destination::{Destination, HostError};
pub use engine::Runtime;
pub use policy::{AllowedHosts, Policy};

/// The TikTok offline-events component, built from this workspace's root package by
/// the build script: the default component of the CLI.
pub const TIKTOK_COMPONENT: &[u8] = include_bytes!(env!("TIKTOK_COMPONENT_PATH"));

/// Where the build script put the hostile test component (`test-components/hostile`),
/// for this crate's tests: build-script variables reach the library, not integration tests.
#[doc(hidden)]
pub const HOSTILE_COMPONENT_PATH: &str = env!("HOSTILE_COMPONENT_PATH");
