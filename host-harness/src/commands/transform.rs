//! `transform`: rows to request bodies, with no network.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use host_harness::input;
use host_harness::job::{self, Job, JobError, JobOptions, Ledger};
use host_harness::results::ResultsFile;
use host_harness::settings_file::SettingsFile;

use super::{
    BATCH_ROWS, EXIT_USAGE, HostArgs, InputArg, SettingsArg, explain, load, print_reasons,
};

#[derive(Args)]
pub struct TransformArgs {
    #[command(flatten)]
    settings: SettingsArg,
    #[command(flatten)]
    input: InputArg,
    /// Directory for requests.ndjson and results.ndjson (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(host: &HostArgs, args: TransformArgs) -> Result<ExitCode> {
    let settings = SettingsFile::read(&args.settings.settings)?;
    let destination = load(host, None)?;
    // Settings errors first, before any output is written.
    if let Ok(Err(error)) = destination.transform(&settings.settings, &[]) {
        eprintln!("error: {}", explain(&error));
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let input_path = &args.input.input;
    let progress = job::progress_bar();
    let batches = input::open_with_progress(input_path, progress.as_ref())?.batches(BATCH_ROWS);
    let out = &args.out;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut requests = std::io::BufWriter::new(std::fs::File::create(out.join("requests.ndjson"))?);
    let ledger = Ledger::new(
        Some(ResultsFile::create(&out.join("results.ndjson"))?),
        progress,
    );
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options: JobOptions::default(),
    };
    let mut write_error = None;
    let outcome = job.transform(batches, &ledger, |request| {
        if let Err(e) = writeln!(requests, "{}", request.body) {
            write_error.get_or_insert(e);
        }
    });
    if let Some(e) = write_error {
        return Err(e).context("cannot write requests.ndjson");
    }
    requests.flush()?;
    let summary = ledger.finish().context("cannot write results.ndjson")?;
    match outcome {
        Err(JobError::Settings(error)) => {
            eprintln!("error: {}", explain(&error));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(JobError::Input(error)) => {
            return Err(error).context(format!("reading {}", input_path.display()));
        }
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
