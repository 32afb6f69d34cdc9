//! The CLI's commands, one module each, and what they share: loading the component,
//! finding TikTok (or a local sandbox), and saying what to do about an error.

pub mod bench;
pub mod conformance;
pub mod connect;
pub mod describe;
pub mod event_sets;
pub mod sandbox;
pub mod send;
pub mod transform;
pub mod validate;

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use url::Url;

use host_harness::bindings::types::DestinationError;
use host_harness::engine::default_cache_dir;
use host_harness::settings_file::SettingsFile;
use host_harness::transport::HttpTransport;
use host_harness::{Destination, Policy, Runtime, TIKTOK_COMPONENT};

/// Exit codes: 0 nothing failed, 1 rows failed delivery, 2 usage/settings/auth errors.
pub const EXIT_ROWS_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Rows per transform-batch call (never splitting an order).
pub const BATCH_ROWS: NonZeroUsize = NonZeroUsize::new(1000).unwrap();

/// Options of every command: which component, and the host's policy.
#[derive(Args)]
pub struct HostArgs {
    /// A component of the cdp:destination world to run instead of the embedded TikTok one.
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,
    /// Where compiled components are cached [default: ~/.cache/host-harness].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component on every run instead of caching the compiled code.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Restrict HTTP egress to these hosts (repeatable); the component's own declaration
    /// is always the upper bound.
    #[arg(long = "allow-host", global = true, value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Log more (-v: component and HTTP calls, -vv: everything). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Args)]
pub struct SettingsArg {
    /// Settings file: one JSON object of setting keys, e.g. {"access_token": "...", "event_set_id": "..."}.
    #[arg(long, value_name = "S.json")]
    pub settings: PathBuf,
}

#[derive(Args)]
pub struct InputArg {
    /// Input rows: a .csv file (with a header row), a .ndjson file, or - for NDJSON on stdin.
    #[arg(long, value_name = "IN")]
    pub input: PathBuf,
}

#[derive(Args)]
pub struct EndpointArg {
    /// Where TikTok's API is: https://business-api.tiktok.com for the real one
    /// [default: a local sandbox started for this run].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<Url>,
}

/// Loads the component with the host policy, its HTTP routed to `endpoint`.
pub fn load(host: &HostArgs, endpoint: Option<Url>) -> Result<Destination> {
    Ok(Destination::load(
        runtime(host)?,
        &component_bytes(host)?,
        Arc::new(HttpTransport::new(endpoint)),
    )?)
}

/// The component to run: `--component`, or the embedded TikTok one.
pub fn component_bytes(host: &HostArgs) -> Result<Vec<u8>> {
    match &host.component {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))
        }
        None => Ok(TIKTOK_COMPONENT.to_vec()),
    }
}

/// The engine under the host policy, with the compiled-code cache unless disabled.
pub fn runtime(host: &HostArgs) -> Result<Arc<Runtime>> {
    let policy = Policy {
        allowed_hosts: (!host.allow_hosts.is_empty()).then(|| host.allow_hosts.clone()),
        ..Policy::default()
    };
    let cache = if host.no_cache {
        None
    } else {
        host.cache_dir.clone().or_else(default_cache_dir)
    };
    Ok(Arc::new(Runtime::new(policy, cache)?))
}

/// The endpoint to use: the given one, or a sandbox started for this run and seeded
/// from the settings (kept alive by the returned value).
pub fn endpoint_or_sandbox(
    endpoint: Option<Url>,
    settings: &SettingsFile,
) -> Result<(Url, Option<tiktok_sandbox::Sandbox>)> {
    endpoint_or_seeded_sandbox(endpoint, settings, |seed| seed)
}

/// [`endpoint_or_sandbox`], with what a command adds to the sandbox's seed (`connect`:
/// the app it authorises).
pub fn endpoint_or_seeded_sandbox(
    endpoint: Option<Url>,
    settings: &SettingsFile,
    extend: impl FnOnce(tiktok_sandbox::Seed) -> tiktok_sandbox::Seed,
) -> Result<(Url, Option<tiktok_sandbox::Sandbox>)> {
    if let Some(url) = endpoint {
        return Ok((url, None));
    }
    let seed: tiktok_sandbox::Seed =
        serde_json::from_value(serde_json::Value::Object(settings.raw.clone()))
            .context("cannot seed the local sandbox from the settings")?;
    let seed = extend(seed);
    let sandbox = tiktok_sandbox::Sandbox::start("127.0.0.1:0".parse()?, seed)
        .context("cannot start the local sandbox")?;
    let url = Url::parse(&sandbox.base_url())?;
    eprintln!(
        "No --endpoint given: using the local TikTok API sandbox at {url} (nothing leaves this machine)."
    );
    Ok((url, Some(sandbox)))
}

/// A destination error with what to do about it.
pub fn explain(error: &DestinationError) -> String {
    match error {
        DestinationError::InvalidSettings(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| format!("  {}: {}", f.key, f.message))
                .collect();
            format!("the settings need fixing:\n{}", lines.join("\n"))
        }
        DestinationError::Auth(message) => format!(
            "{message}\nThe access token was refused: generate a new one (Events Manager, or re-authorise the app) and update access_token."
        ),
        DestinationError::RateLimited(limit) => format!("{}; try again later", limit.message),
        DestinationError::Transient(message) => format!("{message}; try again later"),
        DestinationError::Permanent(message) => message.clone(),
    }
}

/// Reasons with their row counts, most frequent first.
pub fn print_reasons(what: &str, reasons: &std::collections::BTreeMap<String, u64>) {
    let mut by_count: Vec<_> = reasons.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, rows) in by_count {
        eprintln!("  {what} {rows:>7}  {reason}");
    }
}
