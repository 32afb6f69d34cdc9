//! A ceiling on HTTP requests per second, across every thread of a run.
//!
//! TikTok limits `/event/track/` per developer app, shared by every customer of a CDP's
//! app (1,000 a second, 600,000 a minute); a breach of the minute's limit suspends the
//! app for five minutes. One run paced well under it cannot trip it alone.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::bindings::http::{HttpError, Response};
use crate::transport::{Outbound, Transport};

/// Requests per second when the operator names none: a tenth of TikTok's per-second
/// limit, which a run of 1,000-event requests never needs (100,000 rows a second).
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 100;

/// A [`Transport`] that starts its requests at most `per_second` a second, evenly
/// spaced; a request waits for its slot before it is sent.
pub struct Paced<T> {
    inner: T,
    interval: Duration,
    /// When the next request may start.
    next: Mutex<Option<Instant>>,
}

impl<T: Transport> Paced<T> {
    /// `per_second` at least 1.
    pub fn new(inner: T, per_second: u32) -> Paced<T> {
        Paced {
            inner,
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Takes the next slot and waits for it.
    fn wait_for_slot(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap();
            let now = Instant::now();
            let slot = next.map_or(now, |next| next.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        std::thread::sleep(slot.saturating_duration_since(Instant::now()));
    }
}

impl<T: Transport> Transport for Paced<T> {
    fn fetch(&self, call: Outbound<'_>) -> Result<Response, HttpError> {
        self.wait_for_slot();
        self.inner.fetch(call)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use url::Url;

    use super::*;
    use crate::bindings::http::Method;
    use crate::transport::Scripted;

    fn call(paced: &Paced<Scripted>, url: &Url) {
        let _ = paced.fetch(Outbound {
            method: Method::Post,
            url,
            headers: &[],
            body: Some("{}"),
            timeout: Duration::from_secs(1),
            max_response_bytes: 1 << 10,
        });
    }

    /// 21 requests at 50 a second from four threads at once: the last can start no
    /// sooner than 20 intervals after the first.
    #[test]
    fn requests_from_every_thread_share_one_ceiling() {
        let paced = Arc::new(Paced::new(Scripted::new(), 50));
        let url = Url::parse("https://business-api.tiktok.com/open_api/v1.3/event/track/").unwrap();
        let started = Instant::now();
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let (paced, url) = (&paced, &url);
                scope.spawn(move || {
                    for _ in 0..(if thread == 0 { 6 } else { 5 }) {
                        call(paced, url);
                    }
                });
            }
        });
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(paced.inner.calls().len(), 21);
    }
}
