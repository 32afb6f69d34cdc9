//! What a `Store` carries for one call into a component: WASI (empty), the memory
//! limiter, the CPU budget, the HTTP grant and where guest logs go.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::stderr_tail::TailPipe;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::clocks::WasiClocksView;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::policy::{Egress, Policy};
use crate::redact::Redactor;
use crate::secrets::Secrets;
use crate::sleep::CappedClock;
use crate::transport::Transport;

/// Whether an export call may use HTTP at all: `describe-settings` and
/// `transform-batch` are pure, so the host refuses their HTTP calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpGrant {
    None,
    Allowed,
}

/// Where the guest's wall-clock time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    /// A fixed instant (ms since the epoch), for reproducible tests and replays.
    Fixed(u64),
}

/// Which limit stopped the guest, so the error can say so plainly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitHit {
    Memory { limit: usize },
    Cpu { limit: Duration },
    HttpCalls { limit: u32 },
}

pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) memory: MemoryLimiter,
    pub(crate) cpu: CpuBudget,
    pub(crate) http: HttpState,
    pub(crate) clock: Clock,
    pub(crate) redactor: Arc<Redactor>,
    pub(crate) stderr: TailPipe,
    pub(crate) limit_hit: Option<LimitHit>,
    pub(crate) logs: LogBudget,
}

/// The guest's log lines of one call: those kept, and those dropped past the budget.
#[derive(Debug, Default)]
pub(crate) struct LogBudget {
    pub kept: u32,
    pub dropped: u64,
}

pub(crate) struct HttpState {
    pub grant: HttpGrant,
    pub egress: Arc<Egress>,
    pub transport: Arc<dyn Transport>,
    pub calls: u32,
    /// Calls that had an answer (any status): only then can anything have arrived.
    pub exchanges: u32,
    pub max_calls: u32,
    pub max_timeout: Duration,
    /// What is left of the call's HTTP time ([`Policy::http_time_per_call`]).
    pub time_left: Duration,
    pub max_response_bytes: usize,
    /// The secrets the guest holds references to, resolved in request headers.
    pub secrets: Arc<Secrets>,
}

impl StoreState {
    pub(crate) fn new(
        policy: &Policy,
        grant: HttpGrant,
        egress: Arc<Egress>,
        transport: Arc<dyn Transport>,
        clock: Clock,
        redactor: Arc<Redactor>,
        secrets: Arc<Secrets>,
    ) -> StoreState {
        let stderr = TailPipe::new(policy.max_stderr_bytes);
        // No files, environment, arguments or network: only stderr, kept in memory.
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        StoreState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryLimiter {
                limit: policy.memory_bytes,
                total: 0,
                hit: false,
            },
            cpu: CpuBudget::new(policy.cpu_per_call),
            http: HttpState {
                grant,
                egress,
                transport,
                calls: 0,
                exchanges: 0,
                max_calls: policy.max_http_calls,
                max_timeout: policy.max_http_timeout,
                time_left: policy.http_time_per_call,
                max_response_bytes: policy.max_response_bytes,
                secrets,
            },
            clock,
            redactor,
            stderr,
            limit_hit: None,
            logs: LogBudget::default(),
        }
    }

    /// WASI's monotonic clock, its timers capped at the CPU time left ([`crate::sleep`]).
    pub(crate) fn clock_view(&mut self) -> CappedClock<'_> {
        let left = self.cpu.left();
        CappedClock {
            wasi: self.clocks(),
            left,
        }
    }

    /// The guest's stderr so far, secrets redacted.
    pub(crate) fn stderr_text(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_string();
        self.redactor.redact(&text)
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps the linear memory of a store, all its memories together, and remembers that the
/// cap was hit (a plain trap message would not tell the user which limit to raise).
pub(crate) struct MemoryLimiter {
    limit: usize,
    /// The bytes of every memory of the store so far.
    total: usize,
    pub hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total - current.min(self.total) + desired;
        if total > self.limit {
            self.hit = true;
            wasmtime::bail!("memory limit of {} MiB exceeded", self.limit >> 20);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Guest execution time of one call: wall time minus time spent in host imports.
pub(crate) struct CpuBudget {
    started: Instant,
    in_host: Duration,
    pub limit: Duration,
}

impl CpuBudget {
    fn new(limit: Duration) -> CpuBudget {
        CpuBudget {
            started: Instant::now(),
            in_host: Duration::ZERO,
            limit,
        }
    }

    pub fn exceeded(&self) -> bool {
        self.used() > self.limit
    }

    /// What is left of the budget.
    pub fn left(&self) -> Duration {
        self.limit.saturating_sub(self.used())
    }

    fn used(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.in_host)
    }

    /// Time spent in the host (waiting for HTTP) does not count against the guest.
    pub fn exclude(&mut self, spent: Duration) {
        self.in_host += spent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two memories of 40 MiB each are 80 MiB of the store: over a 64 MiB limit, though
    /// each alone is under it.
    #[test]
    fn the_memory_limit_counts_every_memory_of_a_store() {
        let mut limiter = MemoryLimiter {
            limit: 64 << 20,
            total: 0,
            hit: false,
        };
        assert!(limiter.memory_growing(0, 40 << 20, None).unwrap());
        assert!(limiter.memory_growing(40 << 20, 48 << 20, None).unwrap());
        assert!(limiter.memory_growing(0, 40 << 20, None).is_err());
        assert!(limiter.hit);
        assert!(limiter.memory_growing(0, 16 << 20, None).unwrap());
    }
}
