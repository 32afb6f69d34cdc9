//! `validate`: check the settings and the account; print what was resolved.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use host_harness::settings_file::SettingsFile;

use super::{
    EXIT_USAGE, EndpointArg, HostArgs, SettingsArg, attribution_warning, auto_tracking,
    endpoint_or_sandbox, explain, load, print_json,
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
            let set = &validation.event_set_id;
            let auto_tracking = auto_tracking(&destination, &settings.settings, set);
            let mut printed = host_harness::json::validation(&validation);
            printed["auto_tracking"] = auto_tracking.into();
            print_json(&printed)?;
            if auto_tracking == Some(false) {
                eprintln!("{}", attribution_warning(set));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {}", explain(&error));
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}
