//! The sandbox's "now": wall-clock time plus an offset that only moves forward.
//!
//! Tests advance it to cross TikTok's 48-hour deduplication window or the one-hour
//! life of an auth code without waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicU64,
}

impl Clock {
    /// Unix seconds, UTC, as the sandbox sees them.
    pub(crate) fn now(&self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        wall + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves the clock forward; sub-second parts are dropped (TikTok times are seconds).
    pub(crate) fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::Relaxed);
    }
}
