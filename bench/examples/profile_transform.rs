//! Transform throughput on the bench's rows, for profiling rather than reporting:
//! one figure, no children, no sandbox, so `perf record` and `valgrind --tool=callgrind`
//! see only the transform. `bench` gives the published figures.
//!
//! ```text
//! cargo build --release -p bench --example profile_transform
//! target/release/examples/profile_transform component 100000 15   # rows/s, best and median of 15
//! HOST_HARNESS_PROFILE=callgrind valgrind --tool=callgrind \
//!     --toggle-collect='bench::component_run' \
//!     target/release/examples/profile_transform component 3000 1    # instructions: divide by 3000
//! ```
//!
//! Arguments: `component` or `native`, rows, runs. `COMPONENT=path.wasm` runs another
//! build of the component (an unstripped one names its functions in profiles).

use std::sync::Arc;
use std::time::Duration;

use bench::Run;
use host_harness::engine::default_cache_dir;
use host_harness::transport::HttpTransport;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};

/// The allocator of `host-harness` itself (its `main.rs`), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("component", String::as_str);
    let rows = args.get(1).map_or(Ok(100_000), |n| n.parse())?;
    let runs = args.get(2).map_or(Ok(15), |n| n.parse())?;
    let settings = bench::settings();
    let batches = bench::batches(rows);
    let results: Vec<Run> = match mode {
        "native" => (0..runs)
            .map(|_| bench::native_run(&settings, &batches))
            .collect::<Result<_, _>>()?,
        "component" => {
            let wasm = match std::env::var_os("COMPONENT") {
                Some(path) => std::fs::read(path)?,
                None => TIKTOK_COMPONENT.to_vec(),
            };
            let runtime = Arc::new(Runtime::new(
                Policy::allowing(AllowedHosts::Declared),
                default_cache_dir(),
            )?);
            let destination =
                Destination::load(runtime, &wasm, Arc::new(HttpTransport::new(None, &[])?))?
                    .with_clock(bench::CLOCK);
            (0..runs)
                .map(|_| bench::component_run(&destination, &settings, &batches))
                .collect::<Result<_, _>>()?
        }
        other => anyhow::bail!("unknown mode {other:?}: component or native"),
    };
    let mut times: Vec<Duration> = results.iter().map(|run| run.elapsed).collect();
    times.sort();
    let rate = |time: Duration| rows as f64 / time.as_secs_f64();
    println!(
        "{mode}: {:.0} rows/s best, {:.0} median, of {runs} runs of {rows} rows",
        rate(times[0]),
        rate(times[times.len() / 2])
    );
    Ok(())
}
