//! `host-harness`: run a `cdp:destination` component from the command line.

mod commands;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use commands::{EXIT_USAGE, HostArgs};

/// mimalloc rather than glibc's malloc: lifting a batch's output from the component
/// allocates a `String` per id and event (three per row), and the transform runs 2-4 %
/// faster with it (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "host-harness",
    version,
    about = "Run the TikTok offline-events component (or any cdp:destination component) in a wasmtime sandbox.",
    long_about = "Run the TikTok offline-events component (or any cdp:destination component) in a wasmtime sandbox.\n\nWithout --endpoint, `send` and `validate` start a local TikTok API sandbox on 127.0.0.1 (seeded from your settings) and send there: nothing leaves this machine. Pass --endpoint https://business-api.tiktok.com to reach TikTok."
)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the destination's spec (settings, record fields, limits, hosts) as JSON.
    Describe,
    /// Check the settings and the TikTok account; resolve (or create) the event set.
    Validate(commands::validate::ValidateArgs),
    /// Turn input rows into TikTok request bodies without sending anything.
    ///
    /// Writes DIR/requests.ndjson (one exact request body per line) and
    /// DIR/results.ndjson (one line per input row: accepted or rejected, with the reason).
    Transform(commands::transform::TransformArgs),
    /// Validate, transform and deliver: the whole job.
    ///
    /// Retries throttles and passing faults with backoff; prints a summary. Exit 0 when
    /// rows were delivered and none failed, 1 when rows failed delivery, 2 for usage,
    /// settings or auth errors, 3 when the results file could not be written, 4 when no
    /// row was delivered, 130 when interrupted.
    Send(commands::send::SendArgs),
    /// Run the local TikTok API sandbox in the foreground.
    Sandbox(commands::sandbox::SandboxArgs),
    /// Connect a TikTok ad account (OAuth in the browser) and write the settings file.
    ///
    /// Prints the authorisation page (and opens it where possible), waits for the
    /// redirect on 127.0.0.1, stores the access token and the chosen advertiser in the
    /// settings file (mode 0600; the token is never printed) and resolves or creates the
    /// event set it names.
    Connect(commands::connect::ConnectArgs),
    /// List, create or update the ad account's offline event sets.
    EventSets(commands::event_sets::EventSetsArgs),
    /// Run the conformance cases against the component; print the normalised results.
    ///
    /// Prints one JSON document (what the Node.js and Python drivers in conformance/
    /// must print too) and, on stderr, every case that failed. Exit 1 when any failed.
    Conformance(commands::conformance::ConformanceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    init_logging(cli.host.verbose);
    let result = match cli.command {
        Command::Describe => commands::describe::run(&cli.host),
        Command::Validate(args) => commands::validate::run(&cli.host, args),
        Command::Transform(args) => commands::transform::run(&cli.host, args),
        Command::Send(args) => commands::send::run(&cli.host, args),
        Command::Sandbox(args) => commands::sandbox::run(args),
        Command::Connect(args) => commands::connect::run(&cli.host, args),
        Command::EventSets(args) => commands::event_sets::run(&cli.host, args),
        Command::Conformance(args) => commands::conformance::run(&cli.host, args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {}", chain(&error));
        ExitCode::from(EXIT_USAGE)
    })
}

/// The CLI, with the host's options hidden where they do not apply: the sandbox loads
/// no component.
fn command() -> clap::Command {
    let command = Cli::command();
    // A subcommand that has an argument of a global's id does not get the global: give
    // the sandbox hidden copies (still parsed, so the options stay harmless there).
    let hidden: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| {
            ["component", "cache_dir", "no_cache", "allow_hosts"].contains(&arg.get_id().as_str())
        })
        .map(|arg| arg.clone().global(false).hide(true))
        .collect();
    command.mut_subcommand("sandbox", |sandbox| sandbox.args(hidden))
}

/// An error and its causes, each once: many errors already include their cause's text.
fn chain(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

/// Libraries whose own logging at debug or trace shows requests: headers (the
/// `Access-Token`) and bodies (hashed PII). Only their warnings and errors are shown,
/// whatever `-v` or `HOST_HARNESS_LOG` asks for.
const HTTP_STACK: [&str; 7] = ["ureq", "rustls", "hyper", "h2", "http", "axum", "tower"];

fn init_logging(verbose: u8) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let default = match verbose {
        0 => "warn",
        1 => "warn,component=debug,host_harness=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOST_HARNESS_LOG")
        .unwrap_or_else(|_| default.into());
    let quiet_http = tracing_subscriber::filter::filter_fn(|metadata| {
        let crate_name = metadata.target().split("::").next().unwrap_or_default();
        let http = HTTP_STACK
            .iter()
            .any(|name| crate_name == *name || crate_name.starts_with(&format!("{name}_")));
        !http || *metadata.level() <= tracing::Level::WARN
    });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter)
                .with_filter(quiet_http),
        )
        .init();
}
