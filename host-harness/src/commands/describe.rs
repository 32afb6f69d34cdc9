//! `describe`: the spec as JSON on stdout.

use std::process::ExitCode;

use anyhow::Result;

use super::{HostArgs, load};

pub fn run(host: &HostArgs) -> Result<ExitCode> {
    let destination = load(host, None)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&host_harness::json::spec(destination.spec()))?
    );
    Ok(ExitCode::SUCCESS)
}
