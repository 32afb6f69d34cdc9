//! Retrying, in two separate decisions: *whether* an error is worth another attempt (and
//! the pause it asks for), which depends on the error alone; and *how long* to back off
//! before it, which depends on the attempts made and the time spent.

use std::time::{Duration, Instant};

use crate::bindings::types::DestinationError;

/// The pause `error` asks for before another attempt (zero: the backoff decides) and
/// why, or `None` when another attempt cannot help: an auth or settings error needs the
/// user, and a permanent failure fails the same way again.
pub(crate) fn retry_after(error: &DestinationError) -> Option<(Duration, Cause)> {
    match error {
        DestinationError::RateLimited(limit) => Some((
            Duration::from_millis(limit.retry_after_ms.map_or(0, u64::from)),
            Cause::Throttle,
        )),
        DestinationError::Transient(_) => Some((Duration::ZERO, Cause::Fault)),
        _ => None,
    }
}

/// How hard to try before a row is reported `failed`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts at a request that keeps failing with passing faults (5xx, timeouts).
    /// Throttles do not count: waiting them out is what they ask for.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The patience: no retry starts after this long since the request's first attempt,
    /// throttled or not.
    pub max_elapsed: Duration,
}

/// TikTok suspends a developer app for 5 minutes when its per-minute limit is exceeded
/// (600,000 requests to `/event/track/`): the default patience outlasts one suspension.
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(10 * 60);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_elapsed: DEFAULT_PATIENCE,
        }
    }
}

/// Why a retry is wanted: a passing fault, or the destination throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Fault,
    Throttle,
}

impl RetryPolicy {
    /// The pause after attempt `attempt` (counted from 0) failed for `cause`, or `None`
    /// when the patience is spent, or, for a fault, `max_attempts` have been made.
    /// Exponential with "equal jitter" (half fixed, half random), never shorter than what
    /// the destination asked for.
    pub fn next_delay(
        &self,
        attempt: u32,
        since: Instant,
        retry_after: Option<Duration>,
        cause: Cause,
    ) -> Option<Duration> {
        if cause == Cause::Fault && attempt.saturating_add(1) >= self.max_attempts {
            return None;
        }
        let exponential = self
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay);
        let jittered = exponential / 2 + exponential.mul_f64(fastrand::f64() / 2.0);
        let delay = jittered.max(retry_after.unwrap_or_default());
        (since.elapsed() + delay <= self.max_elapsed).then_some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_bounded() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_elapsed: Duration::from_secs(60),
        };
        let now = Instant::now();
        for (attempt, full) in [(0u32, 100u64), (1, 200), (2, 350), (3, 350)] {
            let delay = policy.next_delay(attempt, now, None, Cause::Fault).unwrap();
            let full = Duration::from_millis(full);
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.next_delay(4, now, None, Cause::Fault),
            None,
            "the fifth attempt is the last"
        );
    }

    /// A throttle is waited out for as long as the patience lasts, however many attempts
    /// that takes (TikTok suspends an app for 5 minutes), with the longest pause of the
    /// backoff between them.
    #[test]
    fn throttles_are_waited_out_until_the_patience_is_spent() {
        let policy = RetryPolicy::default();
        assert!(policy.max_elapsed > Duration::from_secs(5 * 60));
        let now = Instant::now();
        let delay = policy
            .next_delay(50, now, Some(Duration::from_secs(1)), Cause::Throttle)
            .unwrap();
        assert!(delay >= policy.max_delay / 2 && delay <= policy.max_delay);
        assert_eq!(
            policy.next_delay(50, now, None, Cause::Fault),
            None,
            "a fault is bounded by max_attempts"
        );
        let spent = Instant::now() - (DEFAULT_PATIENCE - Duration::from_secs(1));
        assert_eq!(
            policy.next_delay(3, spent, Some(Duration::from_secs(1)), Cause::Throttle),
            None,
            "no retry that would start past the patience"
        );
    }

    #[test]
    fn retry_after_is_a_floor_and_total_time_is_bounded() {
        let policy = RetryPolicy {
            max_elapsed: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let now = Instant::now();
        assert_eq!(
            policy.next_delay(0, now, Some(Duration::from_secs(1)), Cause::Throttle),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.next_delay(0, now, Some(Duration::from_secs(3)), Cause::Throttle),
            None
        );
    }
}
