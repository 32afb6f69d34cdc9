//! `host-harness`: run a `cdp:destination` component from the command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use url::Url;

use host_harness::access::{self, Role};
use host_harness::bindings::types::DestinationError;
use host_harness::engine::default_cache_dir;
use host_harness::input;
use host_harness::job::{Job, JobError, JobOptions, Ledger, RetryPolicy, Summary};
use host_harness::results::ResultsFile;
use host_harness::settings_file::SettingsFile;
use host_harness::transport::HttpTransport;
use host_harness::{Destination, Policy, Runtime, TIKTOK_COMPONENT};

/// Exit codes: 0 nothing failed, 1 rows failed delivery, 2 usage/settings/auth errors.
const EXIT_ROWS_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// Rows per transform-batch call (never splitting an order).
const BATCH_ROWS: std::num::NonZeroUsize = std::num::NonZeroUsize::new(1000).unwrap();

#[derive(Parser)]
#[command(
    name = "host-harness",
    version,
    about = "Run the TikTok offline-events component (or any cdp:destination component) in a wasmtime sandbox.",
    long_about = "Run the TikTok offline-events component (or any cdp:destination component) in a wasmtime sandbox.\n\nWithout --endpoint, `send` and `validate` start a local TikTok API sandbox on 127.0.0.1 (seeded from your settings) and send there: nothing leaves this machine. Pass --endpoint https://business-api.tiktok.com to reach TikTok."
)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct HostArgs {
    /// A component of the cdp:destination world to run instead of the embedded TikTok one.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,
    /// Where compiled components are cached [default: ~/.cache/host-harness].
    #[arg(long, global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile the component on every run instead of caching the compiled code.
    #[arg(long, global = true)]
    no_cache: bool,
    /// Restrict HTTP egress to these hosts (repeatable); the component's own declaration
    /// is always the upper bound.
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// Log more (-v: component and HTTP calls, -vv: everything). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Subcommand)]
enum Command {
    /// Print the destination's spec (settings, record fields, limits, hosts) as JSON.
    Describe,
    /// Check the settings and the TikTok account; resolve (or create) the event set.
    Validate {
        #[command(flatten)]
        settings: SettingsArg,
        #[command(flatten)]
        endpoint: EndpointArg,
    },
    /// Turn input rows into TikTok request bodies without sending anything.
    ///
    /// Writes DIR/requests.ndjson (one exact request body per line) and
    /// DIR/results.ndjson (one line per input row: accepted or rejected, with the reason).
    Transform {
        #[command(flatten)]
        settings: SettingsArg,
        #[command(flatten)]
        input: InputArg,
        /// Directory for requests.ndjson and results.ndjson (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Validate, transform and deliver: the whole job.
    ///
    /// Retries throttles and passing faults with backoff; prints a summary. Exit 0 when
    /// nothing failed, 1 when rows failed delivery, 2 for usage, settings or auth errors.
    Send {
        #[command(flatten)]
        settings: SettingsArg,
        #[command(flatten)]
        input: InputArg,
        #[command(flatten)]
        endpoint: EndpointArg,
        /// Write DIR/results.ndjson with each row's final status (delivered, rejected, failed).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Who is running the job: business users need the settings that allow them.
        #[arg(long = "as", value_enum, default_value = "admin", value_name = "ROLE")]
        role: Role,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// Attempts per request before its rows are reported failed.
        #[arg(long, default_value_t = 8)]
        max_attempts: u32,
    },
    /// Run the local TikTok API sandbox in the foreground.
    Sandbox {
        /// Address to listen on (loopback only).
        #[arg(long, default_value = "127.0.0.1:8417")]
        addr: SocketAddr,
        /// A settings file whose token, advertiser and event set should exist.
        #[arg(long, value_name = "S.json")]
        seed: Option<PathBuf>,
    },
}

#[derive(Args)]
struct SettingsArg {
    /// Settings file: one JSON object of setting keys, e.g. {"access_token": "...", "event_set_id": "..."}.
    #[arg(long, value_name = "S.json")]
    settings: PathBuf,
}

#[derive(Args)]
struct InputArg {
    /// Input rows: a .csv file (with a header row), a .ndjson file, or - for NDJSON on stdin.
    #[arg(long, value_name = "IN")]
    input: String,
}

#[derive(Args)]
struct EndpointArg {
    /// Where TikTok's API is: https://business-api.tiktok.com for the real one
    /// [default: a local sandbox started for this run].
    #[arg(long, value_name = "URL")]
    endpoint: Option<Url>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.host.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "warn,component=debug,host_harness=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOST_HARNESS_LOG")
        .unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Describe => describe(&cli.host),
        Command::Validate { settings, endpoint } => {
            validate(&cli.host, &settings.settings, endpoint.endpoint)
        }
        Command::Transform {
            settings,
            input,
            out,
        } => transform(&cli.host, &settings.settings, &input.input, &out),
        Command::Send {
            settings,
            input,
            endpoint,
            out,
            role,
            concurrency,
            max_attempts,
        } => {
            let options = JobOptions {
                concurrency: concurrency.into(),
                retry: RetryPolicy {
                    max_attempts,
                    ..RetryPolicy::default()
                },
            };
            send(
                &cli.host,
                &settings.settings,
                &input.input,
                endpoint.endpoint,
                out.as_deref(),
                role,
                options,
            )
        }
        Command::Sandbox { addr, seed } => sandbox(addr, seed.as_deref()),
    }
}

/// Loads the component with the host policy and the given transport.
fn load(host: &HostArgs, endpoint: Option<Url>) -> Result<Destination> {
    let wasm = match &host.component {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read component {}", path.display()))?,
        None => TIKTOK_COMPONENT.to_vec(),
    };
    let policy = Policy {
        allowed_hosts: (!host.allow_hosts.is_empty()).then(|| host.allow_hosts.clone()),
        ..Policy::default()
    };
    let cache = if host.no_cache {
        None
    } else {
        host.cache_dir.clone().or_else(default_cache_dir)
    };
    let runtime = Arc::new(Runtime::new(policy, cache)?);
    Ok(Destination::load(
        runtime,
        &wasm,
        Arc::new(HttpTransport::new(endpoint)),
    )?)
}

fn describe(host: &HostArgs) -> Result<ExitCode> {
    let destination = load(host, None)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&host_harness::json::spec(destination.spec()))?
    );
    Ok(ExitCode::SUCCESS)
}

/// The endpoint to use: the given one, or a sandbox started for this run (kept alive
/// by the returned guard).
fn endpoint_or_sandbox(
    endpoint: Option<Url>,
    settings: &SettingsFile,
) -> Result<(Url, Option<tiktok_sandbox::Sandbox>)> {
    if let Some(url) = endpoint {
        return Ok((url, None));
    }
    let seed: tiktok_sandbox::Seed =
        serde_json::from_value(serde_json::Value::Object(settings.raw.clone()))
            .context("cannot seed the local sandbox from the settings")?;
    let sandbox = tiktok_sandbox::Sandbox::start("127.0.0.1:0".parse()?, seed)
        .context("cannot start the local sandbox")?;
    let url = Url::parse(&sandbox.base_url())?;
    eprintln!(
        "No --endpoint given: using the local TikTok API sandbox at {url} (nothing leaves this machine)."
    );
    Ok((url, Some(sandbox)))
}

fn validate(host: &HostArgs, settings_path: &Path, endpoint: Option<Url>) -> Result<ExitCode> {
    let settings = SettingsFile::read(settings_path)?;
    let (endpoint, _sandbox) = endpoint_or_sandbox(endpoint, &settings)?;
    let destination = load(host, Some(endpoint))?;
    match destination.validate(&settings.settings)? {
        Ok(validation) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&host_harness::json::validation(&validation))?
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {}", explain(&error));
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}

fn transform(
    host: &HostArgs,
    settings_path: &Path,
    input_path: &str,
    out: &Path,
) -> Result<ExitCode> {
    let settings = SettingsFile::read(settings_path)?;
    let destination = load(host, None)?;
    if let Ok(Err(error)) = destination.transform(&settings.settings, &[]) {
        eprintln!("error: {}", explain(&error));
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let batches = input::open(Path::new(input_path))?.batches(BATCH_ROWS);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut requests = std::io::BufWriter::new(std::fs::File::create(out.join("requests.ndjson"))?);
    let ledger = Ledger::new(
        Some(ResultsFile::create(&out.join("results.ndjson"))?),
        true,
    );
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options: JobOptions::default(),
    };
    let mut write_error = None;
    let outcome = job.transform(batches, &ledger, |request| {
        use std::io::Write;
        if let Err(e) = writeln!(requests, "{}", request.body) {
            write_error.get_or_insert(e);
        }
    });
    if let Some(e) = write_error {
        return Err(e).context("cannot write requests.ndjson");
    }
    std::io::Write::flush(&mut requests)?;
    let summary = ledger.finish().context("cannot write results.ndjson")?;
    match outcome {
        Err(JobError::Settings(error)) => {
            eprintln!("error: {}", explain(&error));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(JobError::Input(error)) => return Err(error).context(format!("reading {input_path}")),
        Ok(()) => {}
    }
    eprintln!(
        "{} rows read: {} accepted into {} requests, {} rejected. Wrote {} and {}.",
        summary.rows_read,
        summary.rows_accepted,
        summary.requests,
        summary.rows_rejected(),
        out.join("requests.ndjson").display(),
        out.join("results.ndjson").display()
    );
    print_reasons("rejected", &summary.rejected);
    Ok(ExitCode::SUCCESS)
}

fn send(
    host: &HostArgs,
    settings_path: &Path,
    input_path: &str,
    endpoint: Option<Url>,
    out: Option<&Path>,
    role: Role,
    options: JobOptions,
) -> Result<ExitCode> {
    let mut settings = SettingsFile::read(settings_path)?;
    if let Err(refusal) = access::check(role, &settings) {
        eprintln!("error: {refusal}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let batches = input::open(Path::new(input_path))?.batches(BATCH_ROWS);
    let (endpoint, _sandbox) = endpoint_or_sandbox(endpoint, &settings)?;
    let destination = load(host, Some(endpoint))?;
    let validation = match destination.validate(&settings.settings)? {
        Ok(validation) => validation,
        Err(error) => {
            eprintln!("error: nothing was sent: {}", explain(&error));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    if validation.event_set_created {
        eprintln!("Created the offline event set {}.", validation.event_set_id);
    }
    settings.set_text("event_set_id", &validation.event_set_id);

    let results = match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Some(ResultsFile::create(&dir.join("results.ndjson"))?)
        }
        None => None,
    };
    let ledger = Ledger::new(results, true);
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options,
    };
    let read = job.send(batches, &ledger);
    let summary = ledger.finish().context("cannot write results.ndjson")?;
    print_summary(&summary);
    read.with_context(|| {
        format!("reading {input_path} stopped early; the rows before were settled as shown")
    })?;
    Ok(if summary.stopped.is_some() {
        ExitCode::from(EXIT_USAGE)
    } else if summary.rows_failed() > 0 {
        ExitCode::from(EXIT_ROWS_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn sandbox(addr: SocketAddr, seed: Option<&Path>) -> Result<ExitCode> {
    if !addr.ip().is_loopback() {
        bail!(
            "the sandbox listens on loopback only (127.0.0.1 or [::1]), not {}",
            addr.ip()
        );
    }
    let seed = match seed {
        Some(path) => {
            serde_json::from_value(serde_json::Value::Object(SettingsFile::read(path)?.raw))?
        }
        None => tiktok_sandbox::Seed::default(),
    };
    let sandbox = tiktok_sandbox::Sandbox::start(addr, seed).context("cannot start the sandbox")?;
    let url = sandbox.base_url();
    eprintln!(
        "TikTok API sandbox on {url} (accepted events: GET {url}/_sandbox/events). Ctrl-C stops it."
    );
    sandbox.wait()?;
    Ok(ExitCode::SUCCESS)
}

/// A destination error with what to do about it.
fn explain(error: &DestinationError) -> String {
    match error {
        DestinationError::InvalidSettings(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| format!("  {}: {}", f.key, f.message))
                .collect();
            format!("the settings need fixing:\n{}", lines.join("\n"))
        }
        DestinationError::Auth(message) => {
            format!(
                "{message}\nThe access token was refused: generate a new one (Events Manager, or re-authorise the app) and update access_token."
            )
        }
        DestinationError::RateLimited(limit) => format!("{}; try again later", limit.message),
        DestinationError::Transient(message) => format!("{message}; try again later"),
        DestinationError::Permanent(message) => message.clone(),
    }
}

fn print_summary(summary: &Summary) {
    eprintln!(
        "{} rows read: {} delivered ({} events in {} requests), {} rejected, {} failed.",
        summary.rows_read,
        summary.rows_delivered,
        summary.events_delivered,
        summary.requests,
        summary.rows_rejected(),
        summary.rows_failed()
    );
    print_reasons("rejected", &summary.rejected);
    print_reasons("failed", &summary.failed);
    if let Some(reason) = &summary.stopped {
        eprintln!("The run stopped early: {reason}");
    }
}

fn print_reasons(what: &str, reasons: &std::collections::BTreeMap<String, u64>) {
    let mut by_count: Vec<_> = reasons.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, rows) in by_count {
        eprintln!("  {what} {rows:>7}  {reason}");
    }
}
