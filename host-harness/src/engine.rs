//! One wasmtime `Engine` and `Linker` for the process, the epoch ticker that enforces
//! CPU deadlines, and the on-disk cache of compiled components.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::DestinationPlugin;
use crate::policy::Policy;
use crate::state::StoreState;

/// How often the epoch advances; the CPU deadline is checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine, the linker with the host's imports, and the ticker thread.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<StoreState>,
    pub(crate) policy: Policy,
    cache_dir: Option<PathBuf>,
    ticker: Option<Ticker>,
    /// With [`Runtime::metered`]: the fuel (about one unit per wasm instruction) every
    /// call so far has used.
    pub(crate) fuel_used: Option<AtomicU64>,
}

impl Runtime {
    /// `cache_dir`: where compiled components are kept between runs (`None`: compile
    /// every time).
    pub fn new(policy: Policy, cache_dir: Option<PathBuf>) -> wasmtime::Result<Runtime> {
        Runtime::build(policy, cache_dir, false)
    }

    /// A runtime that counts the wasm instructions its calls execute (wasmtime fuel):
    /// a measure of a component's work that does not depend on the machine, for budgets
    /// checked in tests. Counting costs time: never for production.
    pub fn metered(policy: Policy) -> wasmtime::Result<Runtime> {
        Runtime::build(policy, None, true)
    }

    /// The fuel all calls have used, on a [`Runtime::metered`] runtime.
    pub fn fuel_used(&self) -> Option<u64> {
        self.fuel_used
            .as_ref()
            .map(|fuel| fuel.load(Ordering::Relaxed))
    }

    fn build(
        policy: Policy,
        cache_dir: Option<PathBuf>,
        metered: bool,
    ) -> wasmtime::Result<Runtime> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.consume_fuel(metered);
        // Cranelift's inliner (`compiler_inlining`) stays at its default, off: it saves
        // 2.4 % of a row's instructions but compiles three to four times slower, for no
        // gain the timings show (docs/performance.md).
        config.max_wasm_stack(policy.max_wasm_stack);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(&policy)));
        profiling(&mut config);
        let engine = Engine::new(&config)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        crate::sleep::add_to_linker(&mut linker)?;
        DestinationPlugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;

        let ticker = Some(Ticker::start(engine.clone()));
        Ok(Runtime {
            engine,
            linker,
            policy,
            cache_dir,
            ticker,
            fuel_used: metered.then(|| AtomicU64::new(0)),
        })
    }

    /// Compiles `wasm`, or loads the compiled code a previous run cached for these exact
    /// bytes and this exact engine configuration.
    pub fn compile(&self, wasm: &[u8]) -> wasmtime::Result<Component> {
        let Some(dir) = &self.cache_dir else {
            return Component::new(&self.engine, wasm);
        };
        let path = dir.join(self.cache_key(wasm));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine with the
            // same compatibility hash (it is in the key), in a directory only this host
            // writes. A file that fails to load is recompiled and replaced.
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(component) => return Ok(component),
                Err(e) => {
                    tracing::warn!("ignoring unusable compiled cache {}: {e}", path.display())
                }
            }
        }
        let compiled = self.engine.precompile_component(wasm)?;
        if let Err(e) = write_atomically(&path, &compiled) {
            tracing::warn!(
                "could not cache compiled component at {}: {e}",
                path.display()
            );
        }
        // SAFETY: these bytes were produced by this engine a moment ago.
        unsafe { Component::deserialize(&self.engine, &compiled) }
    }

    /// The wasm's SHA-256 and the engine's compatibility hash: a new wasmtime, other
    /// settings or other bytes never reuse stale code.
    fn cache_key(&self, wasm: &[u8]) -> String {
        let mut engine_hash = DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut engine_hash);
        let wasm_hash = Sha256::digest(wasm);
        let wasm_hex: String = wasm_hash
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{wasm_hex}-{:016x}.cwasm", engine_hash.finish())
    }
}

/// `HOST_HARNESS_PROFILE=perf` names guest functions for `perf` (a `/tmp/perf-PID.map`);
/// `=callgrind` also swaps the pool, whose slots reserve a terabyte of address space
/// that valgrind cannot map, for an instance's own allocation, so that `valgrind
/// --tool=callgrind` counts the guest's instructions (docs/performance.md). Each memory
/// keeps its 4 GiB reservation, so the guest's code is the production code, without
/// explicit bounds checks. Never set in production.
fn profiling(config: &mut Config) {
    let Some(tool) = std::env::var_os("HOST_HARNESS_PROFILE") else {
        return;
    };
    config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    if tool == "callgrind" {
        config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
    }
}

/// Instances come from a pool of preallocated slots: a fresh instance per call then
/// costs no `mmap`, and the first pages of a reused memory stay mapped (zeroed with
/// `memset`) instead of faulting in again on every batch. Resident memory stays that
/// of the calls in flight: [`KEEP_RESIDENT_BYTES`] for each.
fn pooling(policy: &Policy) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(MAX_CONCURRENT_INSTANCES)
        .total_core_instances(MAX_CONCURRENT_INSTANCES * CORE_INSTANCES_PER_COMPONENT)
        .total_memories(MAX_CONCURRENT_INSTANCES)
        .total_tables(MAX_CONCURRENT_INSTANCES * CORE_INSTANCES_PER_COMPONENT)
        .total_stacks(MAX_CONCURRENT_INSTANCES)
        .max_memory_size(policy.memory_bytes)
        // Per component too: without these a component of N core instances could hold
        // N memories of the full size each. The limiter counts a store's memories
        // together (`state::MemoryLimiter`).
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(CORE_INSTANCES_PER_COMPONENT)
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(KEEP_RESIDENT_BYTES)
        // Reuse the slots already warm: resident memory is then that of the calls in
        // flight at once, not of every slot the pool ever handed out.
        .max_unused_warm_slots(0);
    pool
}

/// Calls in flight at once across the process: delivery workers (at most 64), transform
/// workers and validation, with room to spare. Each slot is address space, not memory.
const MAX_CONCURRENT_INSTANCES: u32 = 256;

/// Core instances (and tables) a component may hold: its module plus the shims and
/// adapters `wasm-component-ld` adds.
const CORE_INSTANCES_PER_COMPONENT: u32 = 8;

/// Linear memories a component may define: Rust components have one; two leaves room for
/// an adapter's, and the limiter bounds their sum anyway.
const MEMORIES_PER_COMPONENT: u32 = 2;

/// What one `transform-batch` of 1,000 rows touches in the guest, about: kept mapped.
const KEEP_RESIDENT_BYTES: usize = 8 << 20;

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.stop();
        }
    }
}

/// The default cache directory: `$XDG_CACHE_HOME/host-harness`, else `~/.cache/host-harness`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("host-harness"))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Unique per writer: several processes or threads may compile the same component.
    let temp = dir.join(format!(
        ".{}-{:016x}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until stopped.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch ticker");
        Ticker { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
