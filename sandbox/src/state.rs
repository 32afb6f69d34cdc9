//! Everything the server shares between requests, and the operations both the Rust
//! API ([`crate::Sandbox`]) and the HTTP admin endpoints offer on it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api_error::{ApiError, message_for};
use crate::clock::Clock;
use crate::directory::Directory;
use crate::faults::{Fault, FaultPlan, RandomFaults};
use crate::seed::Seed;
use crate::stats::{Counters, Stats};
use crate::store::{AcceptedEvent, EventStore};

#[derive(Debug)]
pub(crate) struct SandboxState {
    pub(crate) directory: Mutex<Directory>,
    pub(crate) store: Mutex<EventStore>,
    pub(crate) faults: Mutex<FaultPlan>,
    pub(crate) counters: Counters,
    pub(crate) clock: Clock,
    requests: AtomicU64,
}

/// A handler that panicked while holding a lock leaves consistent data (every update
/// is a single insert or push), so later requests carry on rather than fail.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SandboxState {
    pub(crate) fn new(seed: &Seed) -> Self {
        let clock = Clock::default();
        Self {
            directory: Mutex::new(Directory::from_seed(seed, clock.now())),
            store: Mutex::default(),
            faults: Mutex::default(),
            counters: Counters::default(),
            clock,
            requests: AtomicU64::new(0),
        }
    }

    /// TikTok's envelope on HTTP 200: `{code, message, request_id, data}`; `data` is
    /// `{}` on errors.
    pub(crate) fn respond(&self, result: Result<Value, ApiError>) -> Response {
        match result {
            Ok(data) => self.envelope(0, message_for(0), data),
            Err(error) => {
                tracing::debug!(code = error.code, message = %error.message, "refused");
                self.envelope(error.code, &error.message, json!({}))
            }
        }
    }

    pub(crate) fn envelope(&self, code: u32, message: &str, data: Value) -> Response {
        let request_id = format!(
            "{}{:012}",
            self.clock.now(),
            self.requests.fetch_add(1, Ordering::Relaxed)
        );
        let body = json!({
            "code": code,
            "message": message,
            "request_id": request_id,
            "data": data,
        });
        Json(body).into_response()
    }

    pub(crate) fn accepted_events(&self) -> Vec<AcceptedEvent> {
        lock(&self.store).snapshot()
    }

    pub(crate) fn reset_events(&self) {
        lock(&self.store).clear();
    }

    pub(crate) fn inject(&self, path: &str, fault: Fault) {
        lock(&self.faults).push(path, fault);
    }

    pub(crate) fn randomise_faults(&self, path: &str, faults: RandomFaults) {
        lock(&self.faults).randomise(path, faults);
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }
}
