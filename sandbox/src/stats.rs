//! Traffic counters, cheap enough to bump on every request.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::store::Outcome;

/// What the sandbox has seen since it started (resetting events keeps these).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests to TikTok's endpoints (not to `/_sandbox/`), faulted ones included.
    pub requests_seen: u64,
    pub faults_injected: u64,
    /// Events stored; duplicates are not.
    pub events_accepted: u64,
    /// Events absorbed by deduplication, merged ones included.
    pub duplicates_dropped: u64,
    /// Of those, the ones merged into their first event (within 5 minutes of it).
    pub duplicates_merged: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests_seen: AtomicU64,
    faults_injected: AtomicU64,
    events_accepted: AtomicU64,
    duplicates_dropped: AtomicU64,
    duplicates_merged: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self) {
        self.requests_seen.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fault(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record(&self, outcome: &Outcome) {
        self.events_accepted
            .fetch_add(outcome.accepted, Ordering::Relaxed);
        self.duplicates_dropped
            .fetch_add(outcome.duplicates, Ordering::Relaxed);
        self.duplicates_merged
            .fetch_add(outcome.merged, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests_seen: self.requests_seen.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            events_accepted: self.events_accepted.load(Ordering::Relaxed),
            duplicates_dropped: self.duplicates_dropped.load(Ordering::Relaxed),
            duplicates_merged: self.duplicates_merged.load(Ordering::Relaxed),
        }
    }
}
