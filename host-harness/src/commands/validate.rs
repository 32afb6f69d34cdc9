//! `validate`: check the settings and the account; print what was resolved.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use host_harness::settings_file::SettingsFile;

use super::{
    EXIT_USAGE, EndpointArg, HostArgs, SettingsArg, endpoint_or_sandbox, explain, load, print_json,
};

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    settings: SettingsArg,
    #[command(flatten)]
    endpoint: EndpointArg,
}

pub fn run(host: &HostArgs, args: ValidateArgs) -> Result<ExitCode> {
    let settings = SettingsFile::read(&args.settings.settings)?;
    let (endpoint, _sandbox) = endpoint_or_sandbox(args.endpoint.endpoint, &settings)?;
    let destination = load(host, Some(endpoint))?;
    match destination.validate(&settings.settings)? {
        Ok(validation) => {
            print_json(&host_harness::json::validation(&validation))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {}", explain(&error));
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}
