//! `conformance`: run the conformance cases against a component. The normalised output
//! goes to stdout (for diffing against other hosts), what failed to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use host_harness::conformance::{Suite, case};

use super::{HostArgs, component_bytes, print_json, runtime};

#[derive(Args)]
pub struct ConformanceArgs {
    /// Directory of case files (*.json).
    #[arg(long, value_name = "DIR", default_value = "conformance/cases")]
    cases: PathBuf,
}

pub fn run(host: &HostArgs, args: ConformanceArgs) -> Result<ExitCode> {
    let cases = case::load_dir(&args.cases)?;
    let suite = Suite::new(runtime(host)?, component_bytes(host)?)?;
    let mut outputs = vec![];
    let mut failed = 0;
    for case in &cases {
        let report = suite.run(case)?;
        if !report.problems.is_empty() {
            failed += 1;
            eprintln!("FAIL {}", case.name);
            for problem in &report.problems {
                eprintln!("  {problem}");
            }
        }
        outputs.push(report.output);
    }
    // Through a `Value`, whose maps are sorted: the bytes the other drivers print.
    let outputs = serde_json::to_value(&outputs)?;
    print_json(&outputs)?;
    eprintln!("{} passed, {failed} failed", cases.len() - failed);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
