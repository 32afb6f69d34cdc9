//! `describe-settings`: who this destination is, what it needs and what it reads.

use crate::contract::Spec;

pub const ID: &str = "tiktok-offline-events";
pub const MAX_EVENTS_PER_REQUEST: u32 = crate::request::MAX_EVENTS_PER_REQUEST as u32;
pub const MAX_REQUEST_BYTES: u32 = crate::request::MAX_REQUEST_BYTES as u32;

pub fn spec() -> Spec {
    Spec {
        id: ID.into(),
        name: "TikTok Offline Conversions".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        settings: crate::settings::fields(),
        record_fields: crate::row::record_fields(),
        max_events_per_request: MAX_EVENTS_PER_REQUEST,
        max_request_bytes: MAX_REQUEST_BYTES,
        hosts: vec![crate::tiktok_api::HOST.into()],
    }
}
