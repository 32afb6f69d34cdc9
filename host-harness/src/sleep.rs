//! A guest's sleeps end with its CPU budget. WASI's monotonic clock, but a timer (a
//! `subscribe-duration` or `subscribe-instant` pollable, which `std::thread::sleep` and
//! every `poll` with a timeout make) never waits past what is left of the call's CPU
//! time. Time asleep counts as the guest's, so a guest that sleeps instead of running
//! wasm does not escape the CPU limit: it wakes with the budget spent, and the epoch
//! check traps it at its next instruction. With HTTP time budgeted apart
//! ([`crate::policy::Policy::http_time_per_call`]), no call outlives the sum of the two.

use std::time::Duration;

use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::clocks::WasiClocksCtxView;
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock::{self, Instant};

use crate::state::StoreState;

/// Replaces the monotonic clock [`wasmtime_wasi::p2::add_to_linker_sync`] linked.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    monotonic_clock::add_to_linker::<StoreState, CappedSleep>(linker, StoreState::clock_view)?;
    linker.allow_shadowing(false);
    Ok(())
}

struct CappedSleep;

impl HasData for CappedSleep {
    type Data<'a> = CappedClock<'a>;
}

/// WASI's own clock, and what is left of the call's CPU time.
pub(crate) struct CappedClock<'a> {
    pub wasi: WasiClocksCtxView<'a>,
    pub left: Duration,
}

impl CappedClock<'_> {
    /// Past the budget by a millisecond, so that the guest wakes with it spent.
    fn cap(&self, nanoseconds: u64) -> u64 {
        let most = self.left + Duration::from_millis(1);
        nanoseconds.min(u64::try_from(most.as_nanos()).unwrap_or(u64::MAX))
    }
}

impl monotonic_clock::Host for CappedClock<'_> {
    fn now(&mut self) -> wasmtime::Result<Instant> {
        self.wasi.now()
    }

    fn resolution(&mut self) -> wasmtime::Result<Instant> {
        self.wasi.resolution()
    }

    fn subscribe_instant(&mut self, when: Instant) -> wasmtime::Result<Resource<DynPollable>> {
        let now = self.wasi.now()?;
        self.subscribe_duration(when.saturating_sub(now))
    }

    fn subscribe_duration(&mut self, duration: u64) -> wasmtime::Result<Resource<DynPollable>> {
        let capped = self.cap(duration);
        self.wasi.subscribe_duration(capped)
    }
}
