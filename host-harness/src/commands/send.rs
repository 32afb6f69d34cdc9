//! `send`: the whole job — validate, transform, deliver, retry, summarise. Ctrl-C or
//! SIGTERM stops it cleanly; `--retry-failed` resends what a previous run did not settle.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use host_harness::Destination;
use host_harness::access::{self, Role};
use host_harness::bindings::guest::Validation;
use host_harness::bindings::types::Setting;
use host_harness::input::{self, Columns, Format, InputError};
use host_harness::interrupt::Interrupt;
use host_harness::job::{self, Job, JobOptions, Ledger, RetryPolicy, Summary};
use host_harness::report::{Job as ReportJob, Report};
use host_harness::rerun::{Previous, RerunError};
use host_harness::results::ResultsFile;
use host_harness::settings_file::SettingsFile;

use super::{
    BATCH_ROWS, EXIT_INTERRUPTED, EXIT_USAGE, EndpointArg, HostArgs, InputArg, SettingsArg,
    attribution_warning, auto_tracking, count, endpoint_or_sandbox, exit_code, explain, load_paced,
    print_outcome, write_report,
};

#[derive(Args)]
pub struct SendArgs {
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
    /// Requests in flight at once (1-64).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// HTTP requests started per second at most, across all requests in flight. TikTok
    /// allows 1,000 a second and 600,000 a minute per developer app, shared by every
    /// customer of the app, and suspends the app for 5 minutes when the minute's limit
    /// is exceeded.
    #[arg(long, value_name = "N", default_value_t = host_harness::pacing::DEFAULT_REQUESTS_PER_SECOND, value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_requests_per_second: u32,
    /// Attempts per request that keeps failing with passing faults (5xx, timeouts)
    /// before its rows are reported failed, and for the validation at the start.
    /// Throttles do not count: they are waited out, within --patience.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    max_attempts: u32,
    /// Seconds a request may keep being retried before its rows are reported failed. The
    /// default outlasts the 5-minute suspension TikTok imposes on an app that exceeds its
    /// per-minute limit.
    #[arg(long, value_name = "SECONDS", default_value_t = job::DEFAULT_PATIENCE.as_secs(), value_parser = clap::value_parser!(u64).range(1..=86_400))]
    patience: u64,
    /// Resend only the rows of the same input that this earlier results.ndjson does not
    /// show as delivered or rejected (failed ones, and ones an interrupted run never
    /// reached). Its delivered and rejected lines are copied to this run's results. A
    /// row it settled that now has another event_id stops the run (exit 2).
    #[arg(long, value_name = "RESULTS")]
    retry_failed: Option<PathBuf>,
}

pub fn run(host: &HostArgs, args: SendArgs) -> Result<ExitCode> {
    let mut settings = SettingsFile::read(&args.settings.settings)?;
    if let Err(refusal) = access::check(args.role, &settings) {
        eprintln!("error: {refusal}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let input_path = &args.input.input;
    let previous = args
        .retry_failed
        .as_deref()
        .map(Previous::read)
        .transpose()?;
    if let Some(line) = previous.as_ref().and_then(Previous::cut_line) {
        eprintln!(
            "note: the last line of {} (line {line}) is cut short, as a killed run or a full disk leaves it: its row counts as not settled and is sent again.",
            previous
                .as_ref()
                .map_or(Path::new(""), Previous::path)
                .display()
        );
    }
    let (endpoint, _sandbox) = endpoint_or_sandbox(args.endpoint.endpoint, &settings)?;
    let destination = load_paced(host, Some(endpoint), args.max_requests_per_second)?;
    let columns = Columns::of(destination.spec());
    if let Some(previous) = &previous {
        check_same_input(previous, input_path, args.input.format, &columns)?;
    }
    let mut different_input = None;
    let progress = job::progress_bar();
    let rows =
        input::open_with_progress(input_path, args.input.format, &columns, progress.as_ref())?;
    let blank_rows = rows.blank_rows();
    let batches = unsettled(rows, previous.as_ref(), &mut different_input);
    let interrupt = Interrupt::new();
    stop_on_signal(interrupt.clone())?;
    let options = JobOptions {
        concurrency: args.concurrency.into(),
        retry: RetryPolicy {
            max_attempts: args.max_attempts,
            max_elapsed: Duration::from_secs(args.patience),
            ..RetryPolicy::default()
        },
        interrupt,
    };
    let validation = match validate(&destination, &settings.settings, &options)? {
        Ok(validation) => validation,
        Err(exit) => return Ok(exit),
    };
    if validation.event_set_created {
        eprintln!("Created the offline event set {}.", validation.event_set_id);
    }
    let tracking = auto_tracking(&destination, &settings.settings, &validation.event_set_id);
    let unattributed = tracking == Some(false);
    if unattributed {
        eprintln!("{}", attribution_warning(&validation.event_set_id));
    }
    settings.set_text("event_set_id", &validation.event_set_id);

    let results = match &args.out {
        Some(dir) => Some(results_file(dir, previous.as_ref())?),
        None => None,
    };
    if let Some(previous) = &previous {
        eprintln!(
            "Resending the rows {} does not show as delivered or rejected ({} rows skipped).",
            previous.path().display(),
            previous.settled_rows()
        );
    }
    let ledger = Ledger::new(results, progress);
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options,
    };
    let read = job.send(batches, &ledger);
    let mut summary = ledger.finish();
    summary.blank_rows = blank_rows.count();
    print_summary(&summary, previous.is_none(), args.out.as_deref());
    if unattributed && summary.rows_delivered > 0 {
        eprintln!("{}", attribution_warning(&validation.event_set_id));
    }
    if let Some(dir) = &args.out {
        let spec = destination.spec();
        let report = Report::new(
            ReportJob::Send,
            input_path,
            &summary,
            &settings.settings,
            spec,
        );
        write_report(
            dir,
            &Report {
                event_set_id: Some(&validation.event_set_id),
                auto_tracking: tracking,
                ..report
            },
        );
    }
    if let Some(different) = different_input {
        return Err(anyhow::Error::new(different).context("stopped reading the input"));
    }
    read.with_context(|| {
        format!(
            "reading {} stopped early; the rows before were settled as shown",
            input_path.display()
        )
    })?;
    let expected_rows = previous.is_none() || summary.rows_read > 0;
    Ok(exit_code(&summary, summary.rows_delivered, expected_rows))
}

/// Validates the settings, retrying throttles and passing faults as deliveries are;
/// `Err` holds the exit code when the run cannot start (nothing was sent).
fn validate(
    destination: &Destination,
    settings: &[Setting],
    options: &JobOptions,
) -> Result<Result<Validation, ExitCode>> {
    let validated = job::validate(destination, settings, options, |error, pause| {
        eprintln!(
            "Validating again in {:.1} s: {}",
            pause.as_secs_f64(),
            host_harness::errors::describe(error)
        )
    })?;
    Ok(validated.map_err(|error| {
        if options.interrupt.is_raised() {
            eprintln!("Interrupted during validation: nothing was sent.");
            ExitCode::from(EXIT_INTERRUPTED)
        } else {
            eprintln!("error: nothing was sent: {}", explain(&error));
            ExitCode::from(EXIT_USAGE)
        }
    }))
}

/// The batches of `rows` still to send: all of them, or the rows `previous` did not
/// settle. A row that contradicts `previous` ends them and lands in `different`: for
/// stdin, which cannot be checked before the run, or a file changed since the check.
fn unsettled<'a>(
    rows: input::Rows<input::Source>,
    previous: Option<&'a Previous>,
    different: &'a mut Option<RerunError>,
) -> impl Iterator<Item = Result<Vec<input::Row>, InputError>> + 'a {
    rows.batches(BATCH_ROWS)
        .map_while(move |batch| match (batch, previous) {
            (Ok(rows), Some(previous)) => match previous.unsettled(rows) {
                Ok(rows) => Some(Ok(rows)),
                Err(error) => {
                    *different = Some(error);
                    None
                }
            },
            (batch, _) => Some(batch),
        })
}

/// Stops before anything is sent when `input` is not the input `previous` was written
/// for. Stdin cannot be read twice: its rows are checked as the run reads them.
fn check_same_input(
    previous: &Previous,
    input: &Path,
    format: Option<Format>,
    columns: &Columns,
) -> Result<()> {
    if input == Path::new("-") {
        return Ok(());
    }
    // A read error ends the check; the run reports it where it happens.
    let rows = input::open(input, format, columns)?.map_while(Result::ok);
    previous.check_input(rows).context("nothing was sent")
}

/// DIR/results.ndjson, starting with `previous`'s settled lines. Never the file being
/// retried: it must stay intact in case this run is interrupted too.
fn results_file(dir: &std::path::Path, previous: Option<&Previous>) -> Result<ResultsFile> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("results.ndjson");
    let Some(previous) = previous else {
        return Ok(ResultsFile::create(&path)?);
    };
    if path.exists() && same_file(&path, previous.path())? {
        anyhow::bail!(
            "--retry-failed reads {}: write this run's results to another --out directory, so that file stays intact if this run is interrupted too",
            previous.path().display()
        );
    }
    let mut results = ResultsFile::create(&path)?;
    previous.copy_settled(&mut results)?;
    Ok(results)
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> Result<bool> {
    Ok(std::fs::canonicalize(a)? == std::fs::canonicalize(b)?)
}

/// Ctrl-C or SIGTERM raises `interrupt`; a second one quits at once (rows in flight
/// then have no line in results.ndjson, and `--retry-failed` resends them).
fn stop_on_signal(interrupt: Interrupt) -> Result<()> {
    ctrlc::set_handler(move || {
        if interrupt.is_raised() {
            eprintln!("Interrupted again: quitting now.");
            std::process::exit(EXIT_INTERRUPTED.into());
        }
        eprintln!(
            "Interrupted: finishing the requests in flight, then stopping (interrupt again to quit at once)."
        );
        interrupt.raise();
    })
    .context("cannot install the Ctrl-C handler")
}

fn print_summary(summary: &Summary, expected_rows: bool, out: Option<&Path>) {
    eprintln!(
        "{} read: {} delivered ({} in {}), {} rejected, {} failed.",
        count(summary.rows_read, "row"),
        summary.rows_delivered,
        count(summary.events_delivered, "event"),
        count(summary.requests, "request"),
        summary.rows_rejected(),
        summary.rows_failed()
    );
    print_outcome(
        summary,
        "delivered",
        summary.rows_delivered,
        expected_rows || summary.rows_read > 0,
        out,
    );
}
