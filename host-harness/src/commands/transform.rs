//! `transform`: rows to request bodies, with no network.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use host_harness::input::{self, Columns};
use host_harness::job::{self, Job, JobError, JobOptions, Ledger};
use host_harness::report::{Job as ReportJob, Report};
use host_harness::results::{ResultsFile, WriteError};
use host_harness::settings_file::SettingsFile;

use super::{
    BATCH_ROWS, EXIT_USAGE, HostArgs, InputArg, SettingsArg, count, exit_code, explain, load,
    print_outcome, write_report,
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
    if let Ok(Err(error)) = destination.transform(&settings.settings, "", 0) {
        eprintln!("error: {}", explain(&error));
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let input_path = &args.input.input;
    let progress = job::progress_bar();
    let columns = Columns::of(destination.spec());
    let rows =
        input::open_with_progress(input_path, args.input.format, &columns, progress.as_ref())?;
    let blank_rows = rows.blank_rows();
    let out = &args.out;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut requests = RequestsFile::create(&out.join("requests.ndjson"))?;
    let ledger = Ledger::new(
        Some(ResultsFile::create(&out.join("results.ndjson"))?),
        progress,
    );
    let job = Job {
        destination: &destination,
        settings: &settings.settings,
        options: JobOptions::default(),
    };
    let outcome = job.transform(rows.batches(BATCH_ROWS), &ledger, |request| {
        requests.write(&request.body)
    });
    if let Err(error) = requests.flush() {
        ledger.output_failed(error);
    }
    let mut summary = ledger.finish();
    summary.blank_rows = blank_rows.count();
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
        "{} read: {} accepted into {}, {} rejected, {} failed. Wrote {} and {}.",
        count(summary.rows_read, "row"),
        summary.rows_accepted,
        count(summary.requests, "request"),
        summary.rows_rejected(),
        summary.rows_failed(),
        out.join("requests.ndjson").display(),
        out.join("results.ndjson").display()
    );
    print_outcome(&summary, "accepted", summary.rows_accepted, true, None);
    let spec = destination.spec();
    let report = Report::new(
        ReportJob::Transform,
        input_path,
        &summary,
        &settings.settings,
        spec,
    );
    write_report(out, &report);
    Ok(exit_code(&summary, summary.rows_accepted, true))
}

/// `requests.ndjson`: one request body per line.
struct RequestsFile {
    path: PathBuf,
    out: BufWriter<File>,
}

impl RequestsFile {
    fn create(path: &Path) -> Result<RequestsFile, WriteError> {
        let failed = |source| WriteError {
            path: path.to_path_buf(),
            source,
        };
        Ok(RequestsFile {
            path: path.to_path_buf(),
            out: BufWriter::new(File::create(path).map_err(failed)?),
        })
    }

    fn write(&mut self, body: &str) -> Result<(), WriteError> {
        writeln!(self.out, "{body}").map_err(|source| self.failed(source))
    }

    fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| self.failed(source))
    }

    fn failed(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            source,
        }
    }
}
