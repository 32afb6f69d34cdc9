//! `send`: the whole job — validate, transform, deliver, retry, summarise.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use host_harness::access::{self, Role};
use host_harness::input;
use host_harness::job::{Job, JobOptions, Ledger, RetryPolicy, Summary};
use host_harness::results::ResultsFile;
use host_harness::settings_file::SettingsFile;

use super::{
    BATCH_ROWS, EXIT_ROWS_FAILED, EXIT_USAGE, EndpointArg, HostArgs, InputArg, SettingsArg,
    endpoint_or_sandbox, explain, load, print_reasons,
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
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Attempts per request before its rows are reported failed.
    #[arg(long, default_value_t = 8)]
    max_attempts: u32,
}

pub fn run(host: &HostArgs, args: SendArgs) -> Result<ExitCode> {
    let mut settings = SettingsFile::read(&args.settings.settings)?;
    if let Err(refusal) = access::check(args.role, &settings) {
        eprintln!("error: {refusal}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let input_path = &args.input.input;
    let batches = input::open(input_path)?.batches(BATCH_ROWS);
    let (endpoint, _sandbox) = endpoint_or_sandbox(args.endpoint.endpoint, &settings)?;
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

    let results = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Some(ResultsFile::create(&dir.join("results.ndjson"))?)
        }
        None => None,
    };
    let ledger = Ledger::new(results, true);
    let options = JobOptions {
        concurrency: args.concurrency.into(),
        retry: RetryPolicy {
            max_attempts: args.max_attempts,
            ..RetryPolicy::default()
        },
    };
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options,
    };
    let read = job.send(batches, &ledger);
    let summary = ledger.finish().context("cannot write results.ndjson")?;
    print_summary(&summary);
    read.with_context(|| {
        format!(
            "reading {} stopped early; the rows before were settled as shown",
            input_path.display()
        )
    })?;
    Ok(if summary.stopped.is_some() {
        ExitCode::from(EXIT_USAGE)
    } else if summary.rows_failed() > 0 {
        ExitCode::from(EXIT_ROWS_FAILED)
    } else {
        ExitCode::SUCCESS
    })
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
