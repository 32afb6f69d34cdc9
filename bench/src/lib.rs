//! The figures behind the performance targets, measured the way a user runs the
//! product, on generated input ([`sample`]). The `bench` binary prints them.
//!
//! Every figure is the median of several runs. The transform figures use the calling
//! thread only (one core); `send` runs the real job against a loopback sandbox; cold
//! start and peak memory run this very binary as a child process, as a user would.

pub mod sample;

use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value, json};

use host_harness::bindings::batch::TransformOutput;
use host_harness::bindings::http::{HttpError, Response};
use host_harness::bindings::types::{Setting, SettingValue};
use host_harness::destination::{Destination, HostError};
use host_harness::input::{Columns, Format, ORDER_KEY, Rows};
use host_harness::job::{Job, JobOptions, Ledger};
use host_harness::state::Clock;
use host_harness::transport::{HttpTransport, Outbound, Scripted, Transport};
use host_harness::{Policy, Runtime};
use sample::Sample;

/// The sample's seed: every run, on every machine, sees the same rows.
pub const SEED: u64 = 20_261_125;

/// Rows per `transform` call, as the CLI sends them.
pub const BATCH_ROWS: NonZeroUsize = NonZeroUsize::new(1000).unwrap();

const TOKEN: &str = "bench-token-0123456789abcdef";
const ADVERTISER_ID: &str = "7000000000000000001";
const EVENT_SET_ID: &str = "7181537436256731137";

/// The settings every figure uses, as a settings file holds them.
pub fn settings_json() -> Map<String, Value> {
    let settings = json!({
        "access_token": TOKEN,
        "advertiser_id": ADVERTISER_ID,
        "event_set_id": EVENT_SET_ID,
        "default_phone_country": "US",
        "default_currency": "USD",
    });
    match settings {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// [`settings_json`] as the component takes them.
pub fn settings() -> Vec<Setting> {
    settings_json()
        .into_iter()
        .map(|(key, value)| Setting {
            key,
            value: SettingValue::Text(value.as_str().unwrap_or_default().to_string()),
        })
        .collect()
}

/// One batch as the component gets it: its rows' JSON, a line each.
#[derive(Debug, Clone)]
pub struct Batch {
    pub lines: String,
    pub rows: usize,
}

/// The first `rows` sample rows as the CLI batches them: through the NDJSON reader, in
/// batches of [`BATCH_ROWS`] that never split an order.
pub fn batches(rows: usize) -> Vec<Batch> {
    let ndjson = ndjson(rows);
    Rows::new(
        ndjson.as_bytes(),
        Format::Ndjson,
        &Columns::new([ORDER_KEY]),
    )
    .expect("NDJSON needs no header")
    .batches(BATCH_ROWS)
    .map(|batch| {
        let jsons: Vec<String> = batch
            .expect("reading memory cannot fail")
            .into_iter()
            .map(|row| row.record.expect("sample rows are JSON objects").json)
            .collect();
        Batch {
            rows: jsons.len(),
            lines: jsons.join("\n"),
        }
    })
    .collect()
}

/// The first `rows` sample rows as NDJSON, a row a line: the input of the Node.js and
/// Python benchmarks (`bench --sample`).
pub fn ndjson(rows: usize) -> String {
    let mut text = String::new();
    for row in Sample::new(SEED).take(rows) {
        text.push_str(&row);
        text.push('\n');
    }
    text
}

/// What one timed run did.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub rows: u64,
    /// TikTok events produced (the rows of one order make one event).
    pub events: u64,
    pub elapsed: Duration,
}

/// A median rate.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Throughput {
    pub rows_per_s: f64,
    pub events_per_s: f64,
}

impl Throughput {
    /// The run of median duration (all runs do the same work).
    pub fn median(runs: &[Run]) -> Throughput {
        let mut sorted = runs.to_vec();
        sorted.sort_by_key(|run| run.elapsed);
        let run = sorted[sorted.len() / 2];
        let secs = run.elapsed.as_secs_f64();
        Throughput {
            rows_per_s: run.rows as f64 / secs,
            events_per_s: run.events as f64 / secs,
        }
    }
}

/// Why the benchmark could not measure something.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("the component refused the benchmark's settings: {0}")]
    Settings(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what} failed ({status}): {stderr}")]
    Child {
        what: String,
        status: String,
        stderr: String,
    },
    #[error("the send run settled {settled} of {read} rows")]
    Unsettled { settled: u64, read: u64 },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

fn events(output: &TransformOutput) -> u64 {
    output
        .requests
        .iter()
        .map(|r| r.event_ids.len() as u64)
        .sum()
}

/// Transforms every batch through the component, a fresh instance per batch, on this
/// thread: what one core does.
pub fn component_run(
    destination: &Destination,
    settings: &[Setting],
    batches: &[Batch],
) -> Result<Run, BenchError> {
    let mut run = Run {
        rows: 0,
        events: 0,
        elapsed: Duration::ZERO,
    };
    let start = Instant::now();
    for batch in batches {
        let output = destination
            .transform(settings, &batch.lines, batch.rows)?
            .map_err(|e| BenchError::Settings(format!("{e:?}")))?;
        run.rows += batch.rows as u64;
        run.events += events(&output);
    }
    run.elapsed = start.elapsed();
    Ok(run)
}

/// The same transform code compiled for this machine, on the same batches.
pub fn native_run(settings: &[Setting], batches: &[Batch]) -> Result<Run, BenchError> {
    let settings = native::settings(settings);
    let mut run = Run {
        rows: 0,
        events: 0,
        elapsed: Duration::ZERO,
    };
    let start = Instant::now();
    for batch in batches {
        // As the component does: settings parsed and the clock read once per batch.
        let parsed = native::Settings::parse(&settings)
            .map_err(|e| BenchError::Settings(format!("{e:?}")))?;
        // The component gets its own copy of each batch (the host lowers it into the
        // guest's memory), and so does the native code.
        let lines = batch.lines.clone();
        let output = native::transform(&parsed, native::Rows::Lines(&lines), now_ms());
        run.rows += batch.rows as u64;
        run.events += output
            .requests
            .iter()
            .map(|r| r.event_ids.len() as u64)
            .sum::<u64>();
    }
    run.elapsed = start.elapsed();
    Ok(run)
}

/// The component's own crate, compiled natively, and its generated WIT types (distinct
/// from the host's, so converted here).
mod native {
    pub use tiktok_offline_events::contract::{Setting, SettingValue};
    pub use tiktok_offline_events::settings::Settings;
    pub use tiktok_offline_events::transform::{Rows, transform};

    use host_harness::bindings::types;

    pub fn settings(settings: &[types::Setting]) -> Vec<Setting> {
        settings
            .iter()
            .map(|s| Setting {
                key: s.key.clone(),
                value: match &s.value {
                    types::SettingValue::Text(t) => SettingValue::Text(t.clone()),
                    types::SettingValue::Boolean(b) => SettingValue::Boolean(*b),
                    types::SettingValue::Integer(n) => SettingValue::Integer(*n),
                },
            })
            .collect()
    }
}

/// The clock every figure runs at: the sample's ([`sample::NOW_MS`]).
fn now_ms() -> u64 {
    sample::NOW_MS
}

/// The clock a loaded destination runs at in every figure.
pub const CLOCK: Clock = Clock::Fixed(sample::NOW_MS);

/// Rows over which [`fuel_per_row`] is measured: enough batches that a batch's fixed
/// cost is spread as in a real run.
pub const FUEL_ROWS: usize = 10_000;

/// The wasm instructions (wasmtime fuel) `wasm` executes per row of the sample's first
/// [`FUEL_ROWS`] rows, fresh instances included: the component's cost, the same on every
/// machine and under any load (`bench/tests/row_budget.rs` holds it to a budget).
pub fn fuel_per_row(wasm: &[u8]) -> Result<u64, BenchError> {
    let runtime =
        Runtime::metered(Policy::default()).map_err(|e| HostError::Load(format!("{e:#}")))?;
    let runtime = Arc::new(runtime);
    let destination =
        Destination::load(runtime.clone(), wasm, Arc::new(Scripted::new()))?.with_clock(CLOCK);
    let settings = settings();
    let before = runtime.fuel_used().unwrap_or_default();
    for batch in batches(FUEL_ROWS) {
        destination
            .transform(&settings, &batch.lines, batch.rows)?
            .map_err(|e| BenchError::Settings(format!("{e:?}")))?;
    }
    let used = runtime.fuel_used().unwrap_or_default() - before;
    Ok(used / FUEL_ROWS as u64)
}

/// The median cost of a batch beyond its rows: a fresh store and instance, the
/// settings crossing and being parsed, and an empty answer.
pub fn per_batch_cost(
    destination: &Destination,
    settings: &[Setting],
    calls: usize,
) -> Result<Duration, BenchError> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        destination
            .transform(settings, "", 0)?
            .map_err(|e| BenchError::Settings(format!("{e:?}")))?;
        times.push(start.elapsed());
    }
    Ok(median(&mut times))
}

pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A transport that times every round trip of the one it wraps.
pub struct TimedTransport {
    inner: HttpTransport,
    calls: AtomicU64,
    nanos: AtomicU64,
}

impl TimedTransport {
    pub fn new(inner: HttpTransport) -> TimedTransport {
        TimedTransport {
            inner,
            calls: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        }
    }

    /// Round trips so far and their summed wall time.
    fn totals(&self) -> (u64, Duration) {
        (
            self.calls.load(Ordering::Relaxed),
            Duration::from_nanos(self.nanos.load(Ordering::Relaxed)),
        )
    }
}

impl Transport for TimedTransport {
    fn fetch(&self, call: Outbound<'_>) -> Result<Response, HttpError> {
        let start = Instant::now();
        let result = self.inner.fetch(call);
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.nanos
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        result
    }
}

/// One `send` run and where its CPU time went.
#[derive(Debug, Clone, Copy)]
pub struct SendRun {
    pub rows: u64,
    pub elapsed: Duration,
    /// The thread that reads the input and runs `transform-batch`.
    pub transform_cpu: Duration,
    /// The sandbox's server threads.
    pub sandbox_cpu: Duration,
    /// Everything else: the delivery workers (the component's `send` and the HTTP client).
    pub delivery_cpu: Duration,
    pub http_calls: u64,
    /// Wall time of the round trips, summed over the requests in flight.
    pub http_time: Duration,
}

/// `send` figures: the run of median duration.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SendFigures {
    pub rows: u64,
    pub rows_per_s: f64,
    pub concurrency: usize,
    /// Shares of the CPU time the run used, in percent.
    pub transform_cpu_pct: f64,
    pub delivery_cpu_pct: f64,
    pub sandbox_cpu_pct: f64,
    /// CPU seconds per wall second: how many cores the run kept busy.
    pub cores_busy: f64,
    pub http_calls: u64,
    pub http_mean_ms: f64,
}

impl SendFigures {
    pub fn median(runs: &[SendRun], concurrency: usize) -> SendFigures {
        let mut sorted = runs.to_vec();
        sorted.sort_by_key(|run| run.elapsed);
        let run = sorted[sorted.len() / 2];
        let cpu = (run.transform_cpu + run.delivery_cpu + run.sandbox_cpu).as_secs_f64();
        let pct = |d: Duration| 100.0 * d.as_secs_f64() / cpu.max(f64::MIN_POSITIVE);
        SendFigures {
            rows: run.rows,
            rows_per_s: run.rows as f64 / run.elapsed.as_secs_f64(),
            concurrency,
            transform_cpu_pct: pct(run.transform_cpu),
            delivery_cpu_pct: pct(run.delivery_cpu),
            sandbox_cpu_pct: pct(run.sandbox_cpu),
            cores_busy: cpu / run.elapsed.as_secs_f64(),
            http_calls: run.http_calls,
            http_mean_ms: run.http_time.as_secs_f64() * 1e3 / run.http_calls.max(1) as f64,
        }
    }
}

/// Runs the `send` job over `ndjson` against the sandbox `destination` talks to, on
/// this thread (which becomes the job's reading thread). `sandbox` is reset first, so
/// every run delivers new events rather than duplicates.
pub fn send_run(
    destination: &Destination,
    transport: &TimedTransport,
    sandbox: &tiktok_sandbox::Sandbox,
    settings: &[Setting],
    ndjson: &str,
    options: JobOptions,
) -> Result<SendRun, BenchError> {
    sandbox.reset_events();
    let job = Job {
        destination,
        settings,
        options,
    };
    let ledger = Ledger::new(None, None);
    let batches = Rows::new(
        ndjson.as_bytes(),
        Format::Ndjson,
        &Columns::new([ORDER_KEY]),
    )
    .expect("NDJSON needs no header")
    .batches(BATCH_ROWS);
    let (calls_before, http_before) = transport.totals();
    let before = CpuTimes::now();
    let start = Instant::now();
    job.send(batches, &ledger)
        .expect("reading memory cannot fail");
    let elapsed = start.elapsed();
    let cpu = CpuTimes::now().since(&before);
    let (calls_after, http_after) = transport.totals();
    let summary = ledger.finish();
    if summary.rows_settled() != summary.rows_read || summary.rows_failed() > 0 {
        return Err(BenchError::Unsettled {
            settled: summary.rows_delivered + summary.rows_rejected(),
            read: summary.rows_read,
        });
    }
    Ok(SendRun {
        rows: summary.rows_read,
        elapsed,
        transform_cpu: cpu.this_thread,
        sandbox_cpu: cpu.sandbox,
        delivery_cpu: cpu.process.saturating_sub(cpu.this_thread + cpu.sandbox),
        http_calls: calls_after - calls_before,
        http_time: http_after - http_before,
    })
}

/// CPU time used so far by the process, this thread and the sandbox's threads.
struct CpuTimes {
    process: Duration,
    this_thread: Duration,
    sandbox: Duration,
}

impl CpuTimes {
    fn now() -> CpuTimes {
        CpuTimes {
            process: clock_cpu(libc::CLOCK_PROCESS_CPUTIME_ID),
            this_thread: clock_cpu(libc::CLOCK_THREAD_CPUTIME_ID),
            sandbox: threads_cpu("tiktok-sandbox"),
        }
    }

    fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        CpuTimes {
            process: self.process.saturating_sub(earlier.process),
            this_thread: self.this_thread.saturating_sub(earlier.this_thread),
            sandbox: self.sandbox.saturating_sub(earlier.sandbox),
        }
    }
}

fn clock_cpu(clock: libc::clockid_t) -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid timespec to write to; both clocks exist on Linux.
    unsafe { libc::clock_gettime(clock, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// CPU time of this process's live threads whose name starts with `prefix`, from
/// `/proc` (in clock ticks, usually 10 ms).
fn threads_cpu(prefix: &str) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let ticks: u64 = tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with(prefix))
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
        .filter_map(|stat| {
            // Fields after the `(name)`: state is the 3rd, utime the 14th, stime the 15th.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    Duration::from_secs_f64(ticks as f64 / ticks_per_s)
}

/// How to start this binary as a child: its path and the host flags to pass on
/// (`--component`, `--cache-dir`/`--no-cache`).
#[derive(Debug, Clone)]
pub struct Child {
    pub exe: PathBuf,
    pub host_flags: Vec<OsString>,
}

impl Child {
    /// The child, at the sample's clock.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .args(&self.host_flags)
            .env("HOST_HARNESS_CLOCK_MS", sample::NOW_MS.to_string());
        command
    }
}

/// The time from spawning `child` (the `bench` binary) to its first batch transformed,
/// as the child's `--cold-start-probe` measures it (the parent's spawn instant is its
/// argument).
pub fn cold_start(child: &Child) -> Result<Duration, BenchError> {
    let spawned = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let output = child
        .command()
        .args(["--cold-start-probe", &spawned.to_string()])
        .output()
        .map_err(io("starting the cold-start probe"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.trim().parse::<u64>() {
        Ok(micros) if output.status.success() => Ok(Duration::from_micros(micros)),
        _ => Err(BenchError::Child {
            what: "the cold-start probe".into(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }),
    }
}

/// The child's side of [`cold_start`]: microseconds from `spawned_unix_ns` to now, less
/// `excluded` (the time the probe spent generating its input, which a user's file
/// would not cost).
pub fn since_spawn(spawned_unix_ns: u128, excluded: Duration) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let elapsed = Duration::from_nanos(now.saturating_sub(spawned_unix_ns) as u64);
    elapsed.saturating_sub(excluded)
}

/// Peak memory of one `transform` run over a stream of sample rows.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MemoryRun {
    pub rows: u64,
    /// The child's peak resident set (VmHWM), in bytes.
    pub peak_bytes: u64,
    /// The whole command, reading and writing included.
    pub rows_per_s: f64,
}

/// Runs `host-harness transform --input -` as a child (`child` is the `host-harness`
/// binary) on `rows` sample rows streamed
/// through its stdin, its outputs discarded, and reports its peak resident memory.
/// `dir` holds the settings file and the output directory.
pub fn peak_memory(child: &Child, dir: &Path, rows: u64) -> Result<MemoryRun, BenchError> {
    let settings = dir.join("settings.json");
    let text = serde_json::to_string(&settings_json()).expect("settings serialise");
    std::fs::write(&settings, text).map_err(io("writing the settings file"))?;
    let out = dir.join("out");
    discard_outputs(&out)?;
    let stderr_path = dir.join("transform.stderr");
    let stderr = std::fs::File::create(&stderr_path).map_err(io("creating a log file"))?;
    let start = Instant::now();
    let mut process = child
        .command()
        .arg("transform")
        .arg("--settings")
        .arg(&settings)
        .args(["--input", "-", "--out"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(io("starting host-harness transform"))?;
    let stdin = process.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut stdin = BufWriter::with_capacity(1 << 16, stdin);
        for row in Sample::new(SEED).take(rows as usize) {
            stdin.write_all(row.as_bytes())?;
            stdin.write_all(b"\n")?;
        }
        stdin.flush()
    });
    let (status, peak_bytes) = wait_with_peak_memory(process.id())?;
    let elapsed = start.elapsed();
    let written = writer.join().expect("the writer thread does not panic");
    if status != 0 || written.is_err() {
        let log = std::fs::File::open(&stderr_path).map_err(io("reading the log file"))?;
        let tail: Vec<String> = BufReader::new(log).lines().map_while(Result::ok).collect();
        return Err(BenchError::Child {
            what: "host-harness transform".into(),
            status: format!("wait status {status}"),
            stderr: tail.join("\n"),
        });
    }
    Ok(MemoryRun {
        rows,
        peak_bytes,
        rows_per_s: rows as f64 / elapsed.as_secs_f64(),
    })
}

/// Runs `host-harness transform` as a user does, on a file of `rows` sample rows in
/// `dir`, pinned to one core (the core this thread may run on first), its outputs
/// discarded: the whole process's rows/s, start-up, reading, the component and writing
/// included.
pub fn whole_process(child: &Child, dir: &Path, rows: u64) -> Result<Run, BenchError> {
    let input = dir.join(format!("sample-{rows}.ndjson"));
    if !input.exists() {
        std::fs::write(&input, ndjson(rows as usize)).map_err(io("writing the sample file"))?;
    }
    let settings = dir.join("settings.json");
    let text = serde_json::to_string(&settings_json()).expect("settings serialise");
    std::fs::write(&settings, text).map_err(io("writing the settings file"))?;
    let out = dir.join("out");
    discard_outputs(&out)?;
    let mut command = child.command();
    command
        .arg("transform")
        .arg("--settings")
        .arg(&settings)
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = on_one_core(|| command.output()).map_err(io("running host-harness transform"))?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(BenchError::Child {
            what: "host-harness transform".into(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(Run {
        rows,
        events: 0,
        elapsed,
    })
}

/// Runs `f` with this thread pinned to one core, so that a child it spawns inherits
/// that one core; the thread's cores are restored after.
fn on_one_core<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: `cpu_set_t` is plain data; the calls read and write only the set given,
    // for this thread (pid 0).
    unsafe {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
            return f();
        }
        let Some(first) =
            (0..libc::CPU_SETSIZE as usize).find(|&cpu| libc::CPU_ISSET(cpu, &allowed))
        else {
            return f();
        };
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(first, &mut one);
        libc::sched_setaffinity(0, size, &one);
        let result = f();
        libc::sched_setaffinity(0, size, &allowed);
        result
    }
}

/// An output directory whose files are links to `/dev/null`: ten million rows of
/// requests would fill gigabytes of disk, and the disk is not what is measured.
fn discard_outputs(out: &Path) -> Result<(), BenchError> {
    std::fs::create_dir_all(out).map_err(io("creating the output directory"))?;
    for file in ["requests.ndjson", "results.ndjson"] {
        let link = out.join(file);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/dev/null", &link).map_err(io("linking to /dev/null"))?;
    }
    Ok(())
}

/// Waits for the child `pid` and returns its wait status and peak resident set in
/// bytes, read from its `VmHWM` every few milliseconds while it runs. Not `wait4`'s
/// `ru_maxrss`: Linux carries the spawning process's peak into the child's across
/// `exec`, so a large parent would inflate it.
fn wait_with_peak_memory(pid: u32) -> Result<(i32, u64), BenchError> {
    let status_file = format!("/proc/{pid}/status");
    let mut peak = 0;
    loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(vm_hwm_bytes)
        {
            peak = peak.max(hwm);
        }
        let mut status = 0;
        // SAFETY: `pid` is our own unwaited child; `status` is valid for writes.
        let waited = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
        match waited {
            0 => std::thread::sleep(Duration::from_millis(5)),
            w if w < 0 => {
                return Err(io("waiting for host-harness transform")(
                    std::io::Error::last_os_error(),
                ));
            }
            _ => return Ok((status, peak)),
        }
    }
}

/// `VmHWM` of a `/proc/PID/status` text, in bytes.
fn vm_hwm_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Everything `bench` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: String,
    pub runs: usize,
    pub transform_rows: u64,
    pub component: Throughput,
    /// `host-harness transform` as a command, one core.
    pub whole_process: Throughput,
    pub whole_process_rows: u64,
    pub native: Throughput,
    /// Component time over native time for the same work.
    pub wasm_native_ratio: f64,
    pub send: SendFigures,
    pub cold_start_cached_ms: f64,
    pub cold_start_uncached_ms: f64,
    pub per_batch_us: f64,
    pub wasm_bytes: u64,
    /// Wasm instructions executed per row ([`fuel_per_row`]).
    pub fuel_per_row: u64,
    pub memory: Vec<MemoryRun>,
}

/// The CPU model and the number of cores this process may use.
pub fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    format!("{model}, {cores} cores")
}

/// `1234567.8` as `1,234,568`.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter, what: &str, value: String, target: &str| {
            writeln!(f, "  {what:<46} {value:>14}   {target}")
        };
        writeln!(f, "bench: {}; medians of {} runs", self.machine, self.runs)?;
        writeln!(f, "{:<48} {:>14}   target", "", "measured")?;
        writeln!(
            f,
            "transform in the component ({} rows, 1 core, 1,000-row batches, fresh instance each)",
            grouped(self.transform_rows as f64)
        )?;
        line(
            f,
            "rows (input events)/s",
            grouped(self.component.rows_per_s),
            "",
        )?;
        line(
            f,
            "TikTok events/s (an order's rows are one)",
            grouped(self.component.events_per_s),
            "",
        )?;
        line(
            f,
            "wasm instructions per row (fuel, the test budget)",
            grouped(self.fuel_per_row as f64),
            "",
        )?;
        writeln!(
            f,
            "host-harness transform, whole process ({} rows from a file, 1 core, outputs discarded)",
            grouped(self.whole_process_rows as f64)
        )?;
        line(
            f,
            "rows/s",
            grouped(self.whole_process.rows_per_s),
            ">= 460,000",
        )?;
        writeln!(f, "transform compiled natively (same rows, 1 core)")?;
        line(
            f,
            "rows (input events)/s",
            grouped(self.native.rows_per_s),
            "",
        )?;
        line(
            f,
            "wasm/native time ratio",
            format!("{:.2}", self.wasm_native_ratio),
            "",
        )?;
        let send = &self.send;
        writeln!(
            f,
            "send to the loopback sandbox ({} rows, {} requests in flight)",
            grouped(send.rows as f64),
            send.concurrency
        )?;
        line(f, "rows/s", grouped(send.rows_per_s), "")?;
        line(
            f,
            "CPU: reading + transform thread",
            format!("{:.0} %", send.transform_cpu_pct),
            "",
        )?;
        line(
            f,
            "CPU: delivery (component send + HTTP client)",
            format!("{:.0} %", send.delivery_cpu_pct),
            "",
        )?;
        line(
            f,
            "CPU: sandbox server",
            format!("{:.0} %", send.sandbox_cpu_pct),
            "",
        )?;
        line(f, "cores busy", format!("{:.2}", send.cores_busy), "")?;
        line(
            f,
            &format!("HTTP round trip, mean of {}", send.http_calls),
            format!("{:.2} ms", send.http_mean_ms),
            "",
        )?;
        writeln!(f, "cold start: process start to first batch transformed")?;
        line(
            f,
            "with the compiled cache",
            format!("{:.1} ms", self.cold_start_cached_ms),
            "<= 50 ms",
        )?;
        line(
            f,
            "without (compiling the component)",
            format!("{:.1} ms", self.cold_start_uncached_ms),
            "",
        )?;
        line(
            f,
            "per batch: fresh instance + empty call",
            format!("{:.1} us", self.per_batch_us),
            "<= 50 us",
        )?;
        line(
            f,
            "release .wasm size",
            format!("{} KB", grouped(self.wasm_bytes as f64 / 1000.0)),
            "<= 600 KB",
        )?;
        if !self.memory.is_empty() {
            writeln!(f, "peak memory of `transform --input -` (VmHWM)")?;
        }
        for run in &self.memory {
            line(
                f,
                &format!(
                    "{} rows ({} rows/s)",
                    grouped(run.rows as f64),
                    grouped(run.rows_per_s)
                ),
                format!("{:.1} MB", run.peak_bytes as f64 / 1e6),
                "<= 200 MB, flat",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_read_from_vm_hwm() {
        let status = "Name:\thost-harness\nVmPeak:\t  900 kB\nVmHWM:\t   45000 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(vm_hwm_bytes(status), Some(45_000 * 1024));
        assert_eq!(vm_hwm_bytes("Name:\tzombie\n"), None);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0.4), "0");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1000.0), "1,000");
        assert_eq!(grouped(1_234_567.8), "1,234,568");
    }

    #[test]
    fn batches_keep_orders_whole_and_hold_a_row_a_line() {
        let batches = batches(2_500);
        let sizes: Vec<usize> = batches.iter().map(|b| b.rows).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
        let lines: Vec<usize> = batches.iter().map(|b| b.lines.lines().count()).collect();
        assert_eq!(lines, sizes);
    }

    /// The sample is what the bench claims: one row in 100 rejected, the others
    /// merged two by two (plus one lead per block) into accepted events.
    #[test]
    fn one_row_in_a_hundred_is_rejected_and_orders_merge() {
        let batches = batches(10_000);
        let run = native_run(&settings(), &batches).unwrap();
        assert_eq!((run.rows, run.events), (10_000, 5_000));
        let parsed = native::Settings::parse(&native::settings(&settings())).unwrap();
        let output = native::transform(&parsed, native::Rows::Lines(&batches[0].lines), now_ms());
        assert_eq!(output.rejections.len(), 10);
    }
}
