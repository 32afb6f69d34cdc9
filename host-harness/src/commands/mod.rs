//! The CLI's commands, one module each, and what they share: loading the component,
//! finding TikTok (or a local sandbox), and saying what to do about an error.

pub mod conformance;
pub mod connect;
pub mod describe;
pub mod event_sets;
pub mod sandbox;
pub mod send;
pub mod transform;
pub mod validate;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use url::Url;

use host_harness::bindings::types::Setting;
use host_harness::engine::default_cache_dir;
pub use host_harness::errors::explain;
use host_harness::input::Format;
use host_harness::job::{MatchKeys, Summary};
use host_harness::pacing::{DEFAULT_REQUESTS_PER_SECOND, Paced};
use host_harness::settings_file::SettingsFile;
use host_harness::state::Clock;
use host_harness::transport::{HttpTransport, check_endpoint};
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};

/// Exit codes (the README's table): 0 rows were sent (or accepted) and none failed.
/// Rows failed: not delivered, safe to resend.
pub const EXIT_ROWS_FAILED: u8 = 1;
/// Usage, settings or auth errors: nothing sent, or the run stopped on one.
pub const EXIT_USAGE: u8 = 2;
/// The results file could not be written: the run stopped reading; the file is short.
pub const EXIT_RESULTS_UNWRITTEN: u8 = 3;
/// No row was delivered (`send`) or accepted (`transform`): every row was rejected, or
/// the input had none.
pub const EXIT_NOTHING_SENT: u8 = 4;
/// Interrupted (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Rows per transform-batch call (never splitting an order).
pub const BATCH_ROWS: NonZeroUsize = NonZeroUsize::new(1000).unwrap();

/// Options of every command: which component, and the host's policy.
#[derive(Args)]
pub struct HostArgs {
    /// A component of the cdp:destination world to run instead of the embedded TikTok one.
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,
    /// Where compiled components are cached [default: ~/.cache/host-harness].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component on every run instead of caching the compiled code.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Restrict HTTP egress to these hosts (repeatable); the component's own declaration
    /// is always the upper bound.
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Log more (-v: component and HTTP calls, -vv: everything). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Args)]
pub struct SettingsArg {
    /// Settings file: one JSON object of setting keys, e.g. {"access_token": "...", "event_set_id": "..."}.
    #[arg(long, value_name = "S.json")]
    pub settings: PathBuf,
}

#[derive(Args)]
pub struct InputArg {
    /// Input rows: a .csv or .tsv file (with a header row; `,`, `;` or tab between cells), a .ndjson or .jsonl file, each also gzip-compressed (.gz, or recognised by content), a .parquet file (or recognised by content), or - for stdin (NDJSON or Parquet unless --format says).
    #[arg(long, value_name = "IN")]
    pub input: PathBuf,
    /// The input's format, when its name does not say (stdin, another extension).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

#[derive(Args)]
pub struct EndpointArg {
    /// Where TikTok's API is: https://business-api.tiktok.com for the real one
    /// [default: a local sandbox started for this run].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<Url>,
}

/// Loads the component with the host policy, its HTTP routed to `endpoint`.
pub fn load(host: &HostArgs, endpoint: Option<Url>) -> Result<Destination> {
    load_paced(host, endpoint, DEFAULT_REQUESTS_PER_SECOND)
}

/// [`load`], its HTTP requests started at most `per_second` a second.
pub fn load_paced(host: &HostArgs, endpoint: Option<Url>, per_second: u32) -> Result<Destination> {
    let destination = Destination::load(
        runtime(host)?,
        &component_bytes(host)?,
        Arc::new(Paced::new(
            HttpTransport::new(endpoint, &host.allow_hosts)?,
            per_second,
        )),
    )?;
    Ok(destination.with_clock(clock()?))
}

/// `HOST_HARNESS_CLOCK_MS` (Unix milliseconds) fixes the component's clock, for runs that
/// must not depend on the day they run (benchmarks, replays); the system clock otherwise.
fn clock() -> Result<Clock> {
    match std::env::var("HOST_HARNESS_CLOCK_MS") {
        Err(_) => Ok(Clock::System),
        Ok(ms) => ms
            .trim()
            .parse()
            .map(Clock::Fixed)
            .context("HOST_HARNESS_CLOCK_MS must be Unix milliseconds"),
    }
}

/// Whether campaigns will use the events sent to `event_set_id`: TikTok attributes an
/// offline event set's events only when its auto-tracking is on (or the set is attached
/// to ads, which TikTok allows only on an allowlist). `None` when that cannot be known:
/// the sets are listed by ad account, and a token made for one set comes without one.
pub fn auto_tracking(
    destination: &Destination,
    settings: &[Setting],
    event_set_id: &str,
) -> Option<bool> {
    let sets = destination.list_event_sets(settings).ok()?.ok()?;
    sets.iter()
        .find(|set| set.id == event_set_id)
        .map(|set| set.auto_tracking)
}

/// What `validate` and `send` say when the set's auto-tracking is off.
pub fn attribution_warning(event_set_id: &str) -> String {
    format!(
        "warning: the offline event set {event_set_id} has auto-tracking off: TikTok accepts its events, but campaigns use them for attribution only when auto-tracking is on (or the set is attached to ads, which TikTok allows only on an allowlist). To switch it on: `host-harness event-sets update --settings S.json --id {event_set_id} --auto-tracking true`; it then applies to every future campaign of the ad account, so it stays off unless you choose it."
    )
}

/// The component to run: `--component`, or the embedded TikTok one.
pub fn component_bytes(host: &HostArgs) -> Result<Vec<u8>> {
    match &host.component {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))
        }
        None => Ok(TIKTOK_COMPONENT.to_vec()),
    }
}

/// The engine under the host policy, with the compiled-code cache unless disabled.
pub fn runtime(host: &HostArgs) -> Result<Arc<Runtime>> {
    let policy = Policy {
        allowed_hosts: match host.allow_hosts.is_empty() {
            true => AllowedHosts::Declared,
            false => AllowedHosts::Only(host.allow_hosts.clone()),
        },
        ..Policy::default()
    };
    let cache = if host.no_cache {
        None
    } else {
        host.cache_dir.clone().or_else(default_cache_dir)
    };
    Ok(Arc::new(Runtime::new(policy, cache)?))
}

/// The endpoint to use: the given one, or a sandbox started for this run and seeded
/// from the settings (kept alive by the returned value).
pub fn endpoint_or_sandbox(
    endpoint: Option<Url>,
    settings: &SettingsFile,
) -> Result<(Url, Option<tiktok_sandbox::Sandbox>)> {
    endpoint_or_seeded_sandbox(endpoint, settings, |seed| seed)
}

/// [`endpoint_or_sandbox`], with what a command adds to the sandbox's seed (`connect`:
/// the app it authorises).
pub fn endpoint_or_seeded_sandbox(
    endpoint: Option<Url>,
    settings: &SettingsFile,
    extend: impl FnOnce(tiktok_sandbox::Seed) -> tiktok_sandbox::Seed,
) -> Result<(Url, Option<tiktok_sandbox::Sandbox>)> {
    if let Some(url) = endpoint {
        check_endpoint(&url)?;
        return Ok((url, None));
    }
    // Only text settings seed it: a mistyped one (an id as a number) is left for the
    // component to explain, as it would be against TikTok.
    let text_settings = settings
        .raw
        .iter()
        .filter(|(_, value)| value.is_string())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let seed: tiktok_sandbox::Seed =
        serde_json::from_value(serde_json::Value::Object(text_settings))
            .context("cannot seed the local sandbox from the settings")?;
    let seed = extend(seed);
    let sandbox = tiktok_sandbox::Sandbox::start("127.0.0.1:0".parse()?, seed)
        .context("cannot start the local sandbox")?;
    let url = Url::parse(&sandbox.base_url())?;
    eprintln!(
        "No --endpoint given: using the local TikTok API sandbox at {url} (nothing leaves this machine)."
    );
    Ok((url, Some(sandbox)))
}

/// Reasons shown in a summary, most frequent first; the rest are counted in one line.
const MAX_REASONS_SHOWN: usize = 20;

/// Reasons with their row counts, most frequent first, at most [`MAX_REASONS_SHOWN`].
fn print_reasons(what: &str, reasons: &std::collections::BTreeMap<String, u64>) {
    let mut by_count: Vec<_> = reasons.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, rows) in by_count.iter().take(MAX_REASONS_SHOWN) {
        eprintln!("  {what} {rows:>7}  {reason}");
    }
    if by_count.len() > MAX_REASONS_SHOWN {
        let rest = &by_count[MAX_REASONS_SHOWN..];
        let rows: u64 = rest.iter().map(|(_, rows)| **rows).sum();
        eprintln!(
            "  {what} {rows:>7}  … and {} other reasons (each row's is in results.ndjson)",
            rest.len()
        );
    }
}

/// Prints `value` as pretty JSON on stdout. A reader that closed the pipe early
/// (`describe | head`) has all it wanted: that is not an error.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => Ok(written.context("cannot write to stdout")?),
    }
}

/// `n` and the noun, in the singular for one.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What `send` and `transform` print after the summary line: the reasons, skipped
/// rows, and every way the run fell short. `sent` names what counts as success
/// (`delivered`, `accepted`) and `sent_rows` how many rows were.
pub fn print_outcome(
    summary: &Summary,
    sent: &str,
    sent_rows: u64,
    expected_rows: bool,
    out: Option<&Path>,
) {
    print_reasons("rejected", &summary.rejected);
    print_reasons("failed", &summary.failed);
    print_reasons("warned", &summary.warnings);
    print_match_keys(&summary.match_keys);
    if summary.throttled_waits > 0 {
        eprintln!(
            "  waited   {:>7}  times for TikTok's throttle before resending",
            summary.throttled_waits
        );
    }
    if summary.blank_rows > 0 {
        eprintln!(
            "  skipped  {:>7}  blank rows (every cell empty): no outcome",
            summary.blank_rows
        );
    }
    if let Some(reason) = &summary.stopped {
        eprintln!("The run stopped early: {reason}");
    }
    if let Some(error) = &summary.results_unwritten {
        eprintln!(
            "error: {error}
The run stopped reading the input there: rows after the last one read were not sent, and the file lacks the outcomes from the failed write on. Free the space (or fix the directory), then rerun with `--retry-failed` on that file and another --out: rows it does not show as settled are sent again, which is safe (TikTok drops an event id it already has)."
        );
    }
    if summary.interrupted {
        let retry = match out {
            Some(dir) => format!(
                "`send --retry-failed {}` (same input, another --out) sends them and the failed ones",
                dir.join("results.ndjson").display()
            ),
            None => "without --out there is no results file to resume from: send the same input again (TikTok drops the events it already has)".into(),
        };
        eprintln!("The run was interrupted: rows after those shown were not read. {retry}.");
    }
    if sent_rows == 0 && expected_rows && summary.stopped.is_none() && !summary.interrupted {
        eprintln!("error: no row was {sent}.");
    }
}

/// Writes `report.html` into `dir`; a page that cannot be written is said, and the run's
/// outcome stands (the results file is its record).
pub fn write_report(dir: &Path, report: &host_harness::report::Report<'_>) {
    let path = dir.join(host_harness::report::FILE_NAME);
    match host_harness::report::write(dir, report) {
        Ok(()) => eprintln!("Report: {}", path.display()),
        Err(error) => eprintln!("warning: cannot write {}: {error}", path.display()),
    }
}

/// What TikTok can match the rows sent on: their events' emails and phones.
fn print_match_keys(keys: &MatchKeys) {
    let rows = keys.rows();
    if rows == 0 {
        return;
    }
    let share = |n: u64| format!("{n} ({:.1} %)", 100.0 * n as f64 / rows as f64);
    let mut line = format!(
        "  match keys of the {rows} rows accepted: email and phone {}, email only {}, phone only {}",
        share(keys.email_and_phone),
        share(keys.email_only),
        share(keys.phone_only)
    );
    if keys.neither > 0 {
        line.push_str(&format!(", neither {}", share(keys.neither)));
    }
    eprintln!("{line}");
}

/// The exit code of a `send` or `transform` run that got as far as a summary; the most
/// urgent condition wins. `sent_rows`: rows delivered or accepted; `expected_rows`:
/// whether the run had rows to send (a `--retry-failed` run may have none left).
pub fn exit_code(summary: &Summary, sent_rows: u64, expected_rows: bool) -> ExitCode {
    ExitCode::from(if summary.results_unwritten.is_some() {
        EXIT_RESULTS_UNWRITTEN
    } else if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.stopped.is_some() {
        EXIT_USAGE
    } else if summary.rows_failed() > 0 {
        EXIT_ROWS_FAILED
    } else if sent_rows == 0 && expected_rows {
        EXIT_NOTHING_SENT
    } else {
        0
    })
}
