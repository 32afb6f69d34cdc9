//! `bench`: the figures behind the performance targets, on generated input.
//!
//! ```text
//! cargo build --release -p host-harness -p bench && target/release/bench
//! ```
//!
//! The peak-memory runs stream rows through the `host-harness` binary built beside it
//! (`--host-harness` names another).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use url::Url;

use bench::{Child, Report, SendFigures, Throughput, TimedTransport};
use host_harness::job::JobOptions;
use host_harness::transport::HttpTransport;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};

/// The allocator of `host-harness` itself (its `main.rs`), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure throughput, cold start, size and memory on generated rows (run it in release).
#[derive(Parser)]
#[command(name = "bench")]
struct Args {
    /// A component of the cdp:destination world to measure instead of the TikTok one.
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
    /// The `host-harness` binary of the peak-memory runs [default: the one beside this
    /// binary].
    #[arg(long, value_name = "PATH")]
    host_harness: Option<PathBuf>,
    /// Runs per figure; each figure is the median.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    runs: u16,
    /// Rows per transform run.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Rows of the whole-process runs (`host-harness transform` on a file, one core).
    #[arg(long, default_value_t = 500_000)]
    whole_rows: u64,
    /// Rows per send run.
    #[arg(long, default_value_t = 100_000)]
    send_rows: usize,
    /// Input sizes of the peak-memory runs (comma-separated; 0 skips them). Each streams
    /// that many rows through `host-harness transform`: 10,000,000 takes minutes.
    #[arg(long, value_delimiter = ',', default_values_t = [100_000u64, 1_000_000])]
    memory_rows: Vec<u64>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Print only the wasm instructions per row (the deterministic figure) and stop.
    #[arg(long)]
    fuel: bool,
    /// Print the first N sample rows as NDJSON and stop: the input of the Node.js and
    /// Python benchmarks (`conformance/node/bench.mjs`, `conformance/python/bench.py`).
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Internal: be the child that `bench` times from process start (given in Unix ns)
    /// to its first batch transformed.
    #[arg(long, hide = true, value_name = "UNIX_NS")]
    cold_start_probe: Option<u128>,
    /// Internal, with `--cold-start-probe`: the compiled-code cache to use (none without).
    #[arg(long, hide = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    if let Some(spawned) = args.cold_start_probe {
        return cold_start_probe(&args, spawned);
    }
    if let Some(rows) = args.sample {
        use std::io::Write;
        std::io::stdout()
            .lock()
            .write_all(bench::ndjson(rows).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let wasm = match &args.component {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read component {}", path.display()))?,
        None => TIKTOK_COMPONENT.to_vec(),
    };
    let fuel_per_row = bench::fuel_per_row(&wasm)?;
    if args.fuel {
        println!("{fuel_per_row}");
        return Ok(ExitCode::SUCCESS);
    }
    let runs = usize::from(args.runs);
    let scratch = Scratch::new()?;
    let this = std::env::current_exe().context("the running binary has no path")?;
    let host_harness = args
        .host_harness
        .clone()
        .unwrap_or_else(|| this.with_file_name("host-harness"));
    if !host_harness.exists() {
        anyhow::bail!(
            "{} does not exist: build it first (cargo build --release -p host-harness), or name one with --host-harness",
            host_harness.display()
        );
    }
    let child = |exe: &PathBuf, cache: bool| Child {
        exe: exe.clone(),
        host_flags: host_flags(&args, cache.then_some(&scratch.cache)),
    };
    let settings = bench::settings();

    progress("transform: component and native");
    let runtime = Arc::new(Runtime::new(
        Policy::allowing(AllowedHosts::Declared),
        Some(scratch.cache.clone()),
    )?);
    let destination = Destination::load(
        runtime.clone(),
        &wasm,
        Arc::new(HttpTransport::new(None, &[])?),
    )?
    .with_clock(bench::CLOCK);
    let batches = bench::batches(args.rows);
    let mut component = Vec::with_capacity(runs);
    let mut native = Vec::with_capacity(runs);
    for _ in 0..runs {
        component.push(bench::component_run(&destination, &settings, &batches)?);
        native.push(bench::native_run(&settings, &batches)?);
    }
    drop(batches);
    let component = Throughput::median(&component);
    let native = Throughput::median(&native);
    let per_batch = bench::per_batch_cost(&destination, &settings, 200 * runs)?;

    progress("host-harness transform, whole process, one core");
    bench::whole_process(&child(&host_harness, true), &scratch.dir, args.whole_rows)?; // warm
    let whole: Vec<_> = (0..runs)
        .map(|_| bench::whole_process(&child(&host_harness, true), &scratch.dir, args.whole_rows))
        .collect::<Result<_, _>>()?;
    let whole_process = Throughput::median(&whole);

    progress("send to the loopback sandbox");
    let send = send_figures(runtime, &wasm, &settings, args.send_rows, runs)?;

    progress("cold start");
    bench::cold_start(&child(&this, true))?; // fills the compiled cache
    let cached = median_of(runs, || bench::cold_start(&child(&this, true)))?;
    let uncached = median_of(runs, || bench::cold_start(&child(&this, false)))?;

    let mut memory = Vec::new();
    for &rows in args.memory_rows.iter().filter(|&&rows| rows > 0) {
        progress(&format!("peak memory, {rows} rows"));
        memory.push(bench::peak_memory(
            &child(&host_harness, true),
            &scratch.dir,
            rows,
        )?);
    }

    let report = Report {
        machine: bench::machine(),
        runs,
        transform_rows: args.rows as u64,
        component,
        whole_process,
        whole_process_rows: args.whole_rows,
        native,
        wasm_native_ratio: native.events_per_s / component.events_per_s,
        send,
        cold_start_cached_ms: cached.as_secs_f64() * 1e3,
        cold_start_uncached_ms: uncached.as_secs_f64() * 1e3,
        per_batch_us: per_batch.as_secs_f64() * 1e6,
        wasm_bytes: wasm.len() as u64,
        fuel_per_row,
        memory,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

fn send_figures(
    runtime: Arc<Runtime>,
    wasm: &[u8],
    settings: &[host_harness::bindings::types::Setting],
    rows: usize,
    runs: usize,
) -> Result<SendFigures> {
    let seed: tiktok_sandbox::Seed =
        serde_json::from_value(serde_json::Value::Object(bench::settings_json()))?;
    let sandbox = tiktok_sandbox::Sandbox::start("127.0.0.1:0".parse()?, seed)
        .context("cannot start the local sandbox")?;
    let endpoint = Url::parse(&sandbox.base_url())?;
    let transport = Arc::new(TimedTransport::new(HttpTransport::new(
        Some(endpoint),
        &[],
    )?));
    let destination = Destination::load(runtime, wasm, transport.clone())?.with_clock(bench::CLOCK);
    let ndjson: String = bench::sample::Sample::new(bench::SEED)
        .take(rows)
        .map(|row| row + "\n")
        .collect();
    let options = JobOptions::default();
    let concurrency = options.concurrency;
    let runs: Vec<_> = (0..runs)
        .map(|_| {
            bench::send_run(
                &destination,
                &transport,
                &sandbox,
                settings,
                &ndjson,
                options.clone(),
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(SendFigures::median(&runs, concurrency))
}

fn median_of(
    runs: usize,
    mut measure: impl FnMut() -> Result<Duration, bench::BenchError>,
) -> Result<Duration> {
    let mut times = (0..runs)
        .map(|_| measure())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(bench::median(&mut times))
}

/// The flags a child gets (the probe and `host-harness` take the same): the same
/// component, and `cache`; without one the probe compiles (`host-harness` always gets
/// one here).
fn host_flags(args: &Args, cache: Option<&PathBuf>) -> Vec<OsString> {
    let mut flags = Vec::new();
    if let Some(component) = &args.component {
        flags.push("--component".into());
        flags.push(component.into());
    }
    if let Some(dir) = cache {
        flags.push("--cache-dir".into());
        flags.push(dir.into());
    }
    flags
}

/// The child of [`bench::cold_start`]: loads the component as every command does and
/// transforms one batch, then prints the microseconds since its parent spawned it.
fn cold_start_probe(args: &Args, spawned_unix_ns: u128) -> Result<ExitCode> {
    let generating = Instant::now();
    let batch = bench::batches(bench::BATCH_ROWS.get()).remove(0);
    let generated = generating.elapsed();
    let wasm = match &args.component {
        Some(path) => std::fs::read(path)?,
        None => TIKTOK_COMPONENT.to_vec(),
    };
    let runtime = Arc::new(Runtime::new(
        Policy::allowing(AllowedHosts::Declared),
        args.cache_dir.clone(),
    )?);
    let destination = Destination::load(runtime, &wasm, Arc::new(HttpTransport::new(None, &[])?))?
        .with_clock(bench::CLOCK);
    let output = destination.transform(&bench::settings(), &batch.lines, batch.rows)?;
    output.map_err(|e| anyhow::anyhow!("transform failed: {e:?}"))?;
    let elapsed = bench::since_spawn(spawned_unix_ns, generated);
    println!("{}", elapsed.as_micros());
    Ok(ExitCode::SUCCESS)
}

fn progress(what: &str) {
    eprintln!("bench: {what}...");
}

/// A private directory for the compiled cache and the children's files, removed at
/// the end: the figures must not depend on what a previous run left behind.
struct Scratch {
    dir: std::path::PathBuf,
    cache: std::path::PathBuf,
}

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("host-harness-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch {
            cache: dir.join("cache"),
            dir,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
