//! `event-sets list|create|update`: the settings' ad account's offline event sets,
//! through the component. Prints JSON on stdout.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use host_harness::bindings::event_sets::EventSet;
use host_harness::bindings::types::DestinationError;
use host_harness::settings_file::SettingsFile;

use super::{
    EXIT_USAGE, EndpointArg, HostArgs, SettingsArg, endpoint_or_sandbox, explain, load, print_json,
};

#[derive(Args)]
pub struct EventSetsArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// List the ad account's offline event sets (advertiser_id from the settings).
    List(Account),
    /// Create an offline event set.
    Create {
        #[command(flatten)]
        account: Account,
        #[arg(long)]
        name: String,
        /// TikTok requires one.
        #[arg(long, default_value = "Offline conversions sent from the CDP")]
        description: String,
        /// Make every future campaign of the ad account track with this set.
        #[arg(long)]
        auto_tracking: bool,
    },
    /// Rename an offline event set and/or switch its auto-tracking.
    Update {
        #[command(flatten)]
        account: Account,
        /// The event set's id.
        #[arg(long)]
        id: String,
        /// The new name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "true|false")]
        auto_tracking: Option<bool>,
    },
}

#[derive(Args)]
struct Account {
    #[command(flatten)]
    settings: SettingsArg,
    #[command(flatten)]
    endpoint: EndpointArg,
}

pub fn run(host: &HostArgs, args: EventSetsArgs) -> Result<ExitCode> {
    let account = match &args.action {
        Action::List(account) | Action::Create { account, .. } | Action::Update { account, .. } => {
            account
        }
    };
    let settings = SettingsFile::read(&account.settings.settings)?;
    let (endpoint, _sandbox) = endpoint_or_sandbox(account.endpoint.endpoint.clone(), &settings)?;
    let destination = load(host, Some(endpoint))?;
    let settings = &settings.settings;
    let answer: Result<Value, DestinationError> = match &args.action {
        Action::List(_) => destination
            .list_event_sets(settings)?
            .map(|sets| sets.iter().map(event_set).collect()),
        Action::Create {
            name,
            description,
            auto_tracking,
            ..
        } => destination
            .create_event_set(settings, name, description, *auto_tracking)?
            .map(|set| event_set(&set)),
        Action::Update {
            id,
            name,
            auto_tracking,
            ..
        } => destination
            .update_event_set(settings, id, name.as_deref(), *auto_tracking)?
            .map(|set| event_set(&set)),
    };
    match answer {
        Ok(json) => {
            print_json(&json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {}", explain(&error));
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}

fn event_set(set: &EventSet) -> Value {
    json!({
        "id": set.id,
        "name": set.name,
        "description": set.description,
        "auto_tracking": set.auto_tracking,
    })
}
