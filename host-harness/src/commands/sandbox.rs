//! `sandbox`: the local TikTok API sandbox in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use host_harness::settings_file::SettingsFile;

#[derive(Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:8417")]
    addr: SocketAddr,
    /// A settings file whose token, advertiser and event set should exist.
    #[arg(long, value_name = "S.json")]
    seed: Option<PathBuf>,
}

pub fn run(args: SandboxArgs) -> Result<ExitCode> {
    if !args.addr.ip().is_loopback() {
        bail!(
            "the sandbox listens on loopback only (127.0.0.1 or [::1]), not {}",
            args.addr.ip()
        );
    }
    let seed = match &args.seed {
        Some(path) => {
            serde_json::from_value(serde_json::Value::Object(SettingsFile::read(path)?.raw))?
        }
        None => tiktok_sandbox::Seed::default(),
    };
    let sandbox =
        tiktok_sandbox::Sandbox::start(args.addr, seed).context("cannot start the sandbox")?;
    let url = sandbox.base_url();
    eprintln!(
        "TikTok API sandbox on {url} (accepted events: GET {url}/_sandbox/events). Ctrl-C stops it."
    );
    sandbox.wait()?;
    Ok(ExitCode::SUCCESS)
}
