//! A loopback stand-in for TikTok's Business API (`/open_api/v1.3`), for a machine
//! without internet: code that passes against it must work against TikTok, so it
//! refuses what TikTok documents refusing, in TikTok's words and codes.
//!
//! Use it in-process ([`Sandbox::start`]), in the foreground ([`run`]), or over HTTP
//! from any language (the `/_sandbox/` admin endpoints, see below).
//!
//! # Faithful to TikTok
//!
//! - Paths end with `/`; without it the answer is a plain HTTP 404, as is any unknown
//!   path. Application errors come back on HTTP 200 as
//!   `{"code","message","request_id","data"}`; success is code 0, message `OK`.
//! - The token is read from the `Access-Token` header only: missing → 40104, unknown →
//!   40105. `Authorization: Bearer` counts as missing.
//! - `POST /event/track/`: `event_source` `offline`; `event_source_id` a numeric offline
//!   event set id (a pixel code → 40002); `data` holds 1 to 1,000 events (more →
//!   40061); `event` a standard event name, case-sensitive (the union of the older
//!   offline list and the newer standard list); `event_time` integer Unix seconds;
//!   `event_id` a JSON string (else 40002 `Invalid value for data[i].event_id: not a
//!   valid string.`); `user.email`/`user.phone` a string or array of strings, each a
//!   lowercase SHA-256 hex digest (else 40062); typed `properties` (`currency` from
//!   TikTok's list, `value`/`price` numbers, `quantity`/`num_items` integers, ids
//!   strings, `content_type` `product`|`product_group`). One invalid event fails the
//!   whole request and nothing of it is stored. Refusals name the field and the event's
//!   index, never the value.
//! - Deduplication on (`event_source_id`, `event`, `event_id`) within 48 hours of the
//!   sandbox clock: a duplicate is absorbed silently (code 0) and counted in [`Stats`];
//!   one within 5 minutes of the first is merged into it. Events without `event_id`
//!   never collapse.
//! - OAuth: the authorisation page redirects with an `auth_code`, valid one hour and
//!   single use; the token granted covers the ad accounts on which the user is Admin or
//!   Operator. Tokens do not expire.
//! - Offline event sets: get (by ids and/or name; no match is an empty list), create
//!   (`description` required, as in practice) and update, 19-digit string ids.
//!
//! # Choices where TikTok's documentation is silent
//!
//! - Only offline event sets are modelled: another `event_source` is 40002.
//! - An unknown numeric `event_source_id` is 40007 (object does not exist); a set of an
//!   ad account the token may not use is 40001. For `/advertiser/info/` and the
//!   `/offline/` endpoints, a missing ad account and one the token may not use are both
//!   40001, so a token cannot probe which accounts exist.
//! - `event_time` more than a day ahead of the sandbox clock is 40002: it catches
//!   milliseconds sent as seconds. Old events are accepted.
//! - An event with neither `email` nor `phone`, an empty `event_id`, and a `value`
//!   without `currency` are 40002. A JSON `null` counts as an absent field. Other
//!   `user` fields and custom properties are accepted and ignored. An empty `data` is
//!   40002 (40061 is for too many events).
//! - POST bodies must be sent as `Content-Type: application/json` (else 40002).
//! - OAuth: the exchange's codes are the ones issue 7 names, as TikTok's public pages
//!   list none for it: a wrong `secret` is 40113 (which TikTok documents as "app
//!   blocked"; an unknown `app_id` gets the same answer), an expired `auth_code` or one
//!   never issued to the app is 40110 (the message says which), a used one 40115. A user
//!   who is only Analyst everywhere gets 40001. A declined consent redirects with
//!   `error=access_denied&state=…`. Scope ids in the token answer are placeholders.
//! - Event set `create_time`/`update_time` are Unix seconds; at most one set per ad
//!   account has `auto_tracking` (setting it clears the others).
//! - Rate limits are not enforced: inject them as faults ([`Fault::Code`] with 40100).
//! - A duplicate merged into its first event (within 5 minutes) adds what the first
//!   lacks: keys at any depth and values of arrays (e.g. another hashed email); what
//!   both have stays the first's.
//!
//! # Faults
//!
//! [`Sandbox::inject`] queues a [`Fault`] for the next `/event/track/` request
//! ([`Sandbox::inject_at`] for another path); [`Sandbox::randomise_faults`] faults
//! requests with a probability, drawn from a seeded generator so runs repeat. A faulted
//! request stores nothing, except [`Fault::ProcessThenStall`], which stores the events
//! and then holds the answer back: the client's re-send must be absorbed by
//! deduplication. An injected code (even 0 or 20001) stores nothing either.
//!
//! # Admin endpoints (`/_sandbox/`, never faulted nor counted)
//!
//! `GET /_sandbox/events` (accepted events as a JSON array of `{event_source_id,
//! test_event_code?, event}`), `DELETE /_sandbox/events` (forget events and dedup keys),
//! `POST /_sandbox/faults` (`{"path"?, "queue"?: [fault…], "random"?: {"probability",
//! "kinds", "seed"}}`, faults written as in [`Fault`]), `DELETE /_sandbox/faults`,
//! `GET /_sandbox/stats` ([`Stats`]), `POST /_sandbox/clock` (`{"advance_secs": N}`).

mod api_error;
mod clock;
mod directory;
mod event_sets;
mod faults;
mod ids;
mod oauth;
mod prng;
mod routes;
mod seed;
mod server;
mod state;
mod stats;
mod store;
mod track;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use axum::http::StatusCode;
pub use faults::{Fault, FaultError, RandomFaults};
pub use seed::{DEFAULT_ADVERTISER_ID, Role, Seed};
pub use stats::Stats;
pub use store::AcceptedEvent;

use server::Server;
use state::SandboxState;

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops the server and
/// ends open connections, stalled answers included.
#[derive(Debug)]
pub struct Sandbox {
    state: Arc<SandboxState>,
    server: Server,
}

impl Sandbox {
    /// Starts serving on `addr` (port 0 picks a free port) and returns once listening.
    pub fn start(addr: SocketAddr, seed: Seed) -> io::Result<Sandbox> {
        let state = Arc::new(SandboxState::new(&seed));
        let server = Server::start(addr, Arc::clone(&state))?;
        Ok(Sandbox { state, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT`: where `https://business-api.tiktok.com` would be.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Events accepted so far, in arrival order, duplicates excluded.
    pub fn accepted_events(&self) -> Vec<AcceptedEvent> {
        self.state.accepted_events()
    }

    /// Forgets accepted events and deduplication keys; [`Stats`] keep counting.
    pub fn reset_events(&self) {
        self.state.reset_events();
    }

    /// Queues a fault for the next request to `/event/track/` without one queued.
    pub fn inject(&self, fault: Fault) {
        self.state.inject(faults::TRACK_PATH, fault);
    }

    /// Queues a fault for another path, e.g. `/oauth2/access_token/` (relative to
    /// `/open_api/v1.3`) or `/portal/auth`.
    pub fn inject_at(&self, path: &str, fault: Fault) {
        self.state.inject(path, fault);
    }

    /// Faults `/event/track/` requests at random (after any queued faults).
    pub fn randomise_faults(&self, faults: RandomFaults) {
        self.state.randomise_faults(faults::TRACK_PATH, faults);
    }

    pub fn randomise_faults_at(&self, path: &str, faults: RandomFaults) {
        self.state.randomise_faults(path, faults);
    }

    /// Drops every queued fault and random mode.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Moves the sandbox clock forward (whole seconds), e.g. past the 48-hour
    /// deduplication window or an auth code's hour.
    pub fn advance_clock(&self, by: Duration) {
        self.state.advance_clock(by);
    }

    pub fn shutdown(self) {
        drop(self);
    }

    /// Blocks for as long as the server runs: forever, unless it fails.
    pub fn wait(self) -> io::Result<()> {
        self.server.wait()
    }
}

/// Serves in the foreground until the process ends (`host-harness sandbox`).
pub fn run(addr: SocketAddr, seed: Seed) -> io::Result<()> {
    let sandbox = Sandbox::start(addr, seed)?;
    tracing::info!(base_url = %sandbox.base_url(), "serving TikTok's API; admin under /_sandbox/");
    sandbox.wait()
}
