//! The HTTP calls a whole job may make. Each call into the component is capped
//! ([`crate::Policy::max_http_calls`]), and a batch yields at most one request per row,
//! but a component could still turn one row into thousands of requests across sends
//! and retries. The job's budget grows with the rows read: one call's cap, plus
//! [`HTTP_CALLS_PER_ROW`] for each row. Checked before each send, so a job overshoots
//! it by at most the calls in flight.

use crate::destination::Destination;

/// HTTP calls a job may make per row read, on average. A request of 1,000 poison rows
/// isolated by bisection takes about two per row; retries of passing faults and
/// throttles take the rest.
pub const HTTP_CALLS_PER_ROW: u64 = 8;

pub(crate) struct HttpBudget {
    /// The destination's count when the job began: it may have served other jobs.
    start: u64,
    base: u64,
}

impl HttpBudget {
    pub fn start(destination: &Destination) -> HttpBudget {
        HttpBudget {
            start: destination.http_calls(),
            base: u64::from(destination.policy().max_http_calls),
        }
    }

    /// Why no more requests go out, once the job's calls exceed the budget.
    pub fn spent(&self, destination: &Destination, rows_read: u64) -> Option<String> {
        let used = destination.http_calls() - self.start;
        let allowed = self.base + HTTP_CALLS_PER_ROW * rows_read;
        (used > allowed).then(|| {
            format!(
                "not sent: the component made {used} HTTP calls for {rows_read} rows, past the job's budget of {allowed} ({} plus {HTTP_CALLS_PER_ROW} a row)",
                self.base
            )
        })
    }
}
