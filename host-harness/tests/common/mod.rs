//! What several CLI-level tests share: the sample job's settings, a sandbox seeded like
//! them, and one compiled-code cache for every run of the binary.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;
use tiktok_sandbox::{Sandbox, Seed};

/// The sample settings' (fake) token and event set.
pub const TOKEN: &str = "sandbox-token-0123456789abcdef";
pub const EVENT_SET: &str = "7181537436256731137";

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

pub fn example_settings() -> PathBuf {
    examples().join("settings.json")
}

/// A sandbox on loopback where the sample settings' token, advertiser and set exist.
pub fn sandbox() -> Sandbox {
    let seed: Seed = serde_json::from_value(json!({
        "access_token": TOKEN,
        "advertiser_id": "7000000000000000001",
        "event_set_id": EVENT_SET,
    }))
    .unwrap();
    Sandbox::start("127.0.0.1:0".parse().unwrap(), seed).unwrap()
}

/// One compiled-code cache for the whole test run (the first run compiles).
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The command exited with `code` and said `text` on stderr.
pub fn assert_exit(output: &Output, code: i32, text: &str) {
    let stderr = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(text), "{stderr}");
}

/// A results or requests file: one JSON value per line.
pub fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A path as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the `host-harness` binary with `args` and one compiled-code cache.
pub fn harness(args: &[&str]) -> Output {
    harness_with_env(args, &[])
}

/// [`harness`] with extra environment variables.
pub fn harness_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(args)
        .env("XDG_CACHE_HOME", cache_dir())
        .envs(env.iter().copied())
        .output()
        .expect("host-harness runs")
}

/// `transform` of `input` with the sample settings, into `out`.
pub fn transform_sample(input: &Path, out: &Path) -> Output {
    let settings = example_settings();
    harness(&[
        "transform",
        "--settings",
        path(&settings),
        "--input",
        path(input),
        "--out",
        path(out),
    ])
}

/// `send` of the sample settings with `input`, plus `extra` arguments.
pub fn send_sample(input: &Path, extra: &[&str]) -> Output {
    let settings = example_settings();
    let mut args = vec![
        "send",
        "--settings",
        path(&settings),
        "--input",
        path(input),
    ];
    args.extend_from_slice(extra);
    harness(&args)
}
