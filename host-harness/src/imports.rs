//! The host side of the component's imports: HTTP under the egress policy, the clock,
//! and log lines routed to `tracing`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::bindings::http::{self, HttpError, Method};
use crate::bindings::{clock, log, types};
use crate::guest_text;
use crate::state::{Clock, HttpGrant, LimitHit, StoreState};
use crate::transport::Outbound;

/// Log lines kept from one call; the rest are counted and said once the call ends
/// (`Destination::call`), so a guest cannot flood the host's logs.
pub(crate) const MAX_LOG_LINES_PER_CALL: u32 = 200;

impl types::Host for StoreState {}

impl http::Host for StoreState {
    fn fetch(
        &mut self,
        request: http::Request,
    ) -> wasmtime::Result<Result<http::Response, HttpError>> {
        let http = &mut self.http;
        if http.grant == HttpGrant::None {
            return Ok(Err(HttpError::Denied(
                "no HTTP during this call: it must be pure".into(),
            )));
        }
        http.calls += 1;
        if http.calls > http.max_calls {
            self.limit_hit = Some(LimitHit::HttpCalls {
                limit: http.max_calls,
            });
            wasmtime::bail!("more than {} HTTP calls in one call", http.max_calls);
        }
        let url = match http.egress.check(&request.url) {
            Ok(url) => url,
            Err(reason) => {
                tracing::warn!(target: "host_harness::egress", "denied: {reason}");
                return Ok(Err(HttpError::Denied(reason)));
            }
        };
        if http.time_left.is_zero() {
            tracing::warn!(target: "host_harness::http", "the call's HTTP time budget is spent: timing out at once");
            return Ok(Err(HttpError::Timeout));
        }
        let timeout = Duration::from_millis(request.timeout_ms.into())
            .min(http.max_timeout)
            .min(http.time_left);
        // Only now, past the egress policy: a secret goes only to the hosts allowed.
        let headers: Vec<(String, String)> = if http.secrets.is_empty() {
            request.headers
        } else {
            request
                .headers
                .into_iter()
                .map(|(name, value)| {
                    let value = http.secrets.resolve(&value).to_string();
                    (name, value)
                })
                .collect()
        };
        let call = Outbound {
            method: request.method,
            url: &url,
            headers: &headers,
            body: request.body.as_deref(),
            timeout,
            max_response_bytes: http.max_response_bytes,
        };
        let started = Instant::now();
        let result = http.transport.fetch(call);
        http.exchanges += u32::from(result.is_ok());
        let spent = started.elapsed();
        http.time_left = http.time_left.saturating_sub(spent);
        self.cpu.exclude(spent);
        log_call(request.method, &url, &result, spent);
        Ok(result)
    }
}

/// Method, host, path and outcome only: no query (it can carry ids), no headers (the
/// access token), no bodies (hashed PII).
fn log_call(
    method: Method,
    url: &url::Url,
    result: &Result<http::Response, HttpError>,
    spent: Duration,
) {
    let host = url.host_str().unwrap_or_default();
    let outcome = match result {
        Ok(response) => response.status.to_string(),
        Err(error) => format!("{error:?}"),
    };
    tracing::debug!(target: "host_harness::http", "{method:?} {host}{} -> {outcome} in {spent:?}", url.path());
}

impl clock::Host for StoreState {
    fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(match self.clock {
            Clock::Fixed(ms) => ms,
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        })
    }
}

impl log::Host for StoreState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        if self.logs.kept >= MAX_LOG_LINES_PER_CALL {
            self.logs.dropped += 1;
            return Ok(());
        }
        self.logs.kept += 1;
        // One line, bounded, without secrets: a line break cannot forge a host log line.
        let message = guest_text::clean(&message, &self.redactor);
        match level {
            log::Level::Debug => tracing::debug!(target: "component", "{message}"),
            log::Level::Info => tracing::info!(target: "component", "{message}"),
            log::Level::Warn => tracing::warn!(target: "component", "{message}"),
            log::Level::Error => tracing::error!(target: "component", "{message}"),
        }
        Ok(())
    }
}
