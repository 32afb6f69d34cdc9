//! `describe`: the spec as JSON on stdout.

use std::process::ExitCode;

use anyhow::Result;

use super::{HostArgs, load, print_json};

pub fn run(host: &HostArgs) -> Result<ExitCode> {
    let destination = load(host, None)?;
    print_json(&host_harness::json::spec(destination.spec()))?;
    Ok(ExitCode::SUCCESS)
}
