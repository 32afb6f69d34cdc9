//! `host-harness connect` and `host-harness event-sets` against the TikTok API sandbox.
//! The test plays the browser: it reads the authorisation URL the command prints and
//! requests it; the sandbox's page redirects to the command's listener.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tiktok_sandbox::{DEFAULT_ADVERTISER_ID, Role, Sandbox, Seed};
use url::Url;

const APP_ID: &str = "7300000000000000001";
const APP_SECRET: &str = "app-secret-0123456789abcdef";
const TOKEN: &str = "sandbox-token-0123456789abcdef";
const EVENT_SET: &str = "7181537436256731137";
const SECOND_ADVERTISER: &str = "7000000000000000002";

/// One compiled-code cache for the whole test run (the first run compiles).
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache")
}

fn start(seed: Seed) -> Sandbox {
    Sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        seed.with_app(APP_ID, APP_SECRET),
    )
    .unwrap()
}

/// A directory with the app secret file and, when given, a settings file.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(settings: Option<Value>, secret: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), format!("{secret}\n")).unwrap();
        if let Some(settings) = settings {
            std::fs::write(dir.path().join("s.json"), settings.to_string()).unwrap();
        }
        Workspace { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn settings(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.path("s.json")).unwrap()).unwrap()
    }

    /// The settings file holds exactly the new token, the default advertiser and
    /// `rest`; returns the token.
    fn assert_settings(&self, rest: Value) -> String {
        let settings = self.settings();
        let token = settings["access_token"].as_str().unwrap().to_string();
        let mut expected = json!({"access_token": token, "advertiser_id": DEFAULT_ADVERTISER_ID});
        expected
            .as_object_mut()
            .unwrap()
            .extend(rest.as_object().unwrap().clone());
        assert_eq!(settings, expected);
        token
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|_| panic!("JSON: {}", self.stdout))
    }

    /// The summary of a connect that succeeded by creating the event set `name`.
    fn created_set(&self, name: &str) -> Value {
        assert_eq!(self.code, 0, "{}", self.stderr);
        let summary = self.json();
        assert_eq!(summary["event_set_name"], name);
        assert_eq!(summary["event_set_created"], true);
        summary
    }

    /// Neither the app secret nor `token` appears in anything the command printed.
    fn assert_keeps_secrets(&self, token: Option<&str>) {
        self.assert_never_prints(
            &[Some(APP_SECRET), token]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        );
    }

    fn assert_never_prints(&self, secrets: &[&str]) {
        for secret in secrets {
            assert!(!self.stdout.contains(secret), "stdout: {}", self.stdout);
            assert!(!self.stderr.contains(secret), "stderr: {}", self.stderr);
        }
    }
}

/// Runs `host-harness connect`; when it prints the authorisation URL, `browser` gets it.
fn connect(
    workspace: &Workspace,
    endpoint: Option<&Sandbox>,
    extra: &[&str],
    browser: impl FnOnce(&str),
) -> Run {
    let (secret, settings) = (workspace.path("secret"), workspace.path("s.json"));
    let mut args = vec![
        "connect",
        "--app-id",
        APP_ID,
        "--app-secret-file",
        &secret,
        "--settings",
        &settings,
        "--no-browser",
    ];
    let base_url = endpoint.map(Sandbox::base_url);
    if let Some(url) = &base_url {
        args.extend(["--endpoint", url]);
    }
    args.extend(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(&args)
        .env("XDG_CACHE_HOME", cache_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            browser(&format!("http{url}"));
            break;
        }
        line.clear();
    }
    stderr.read_to_string(&mut seen).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: seen,
    }
}

fn harness(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(args)
        .env("XDG_CACHE_HOME", cache_dir())
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A browser that follows the authorisation page's redirect to the listener.
fn consent(url: &str) {
    let page = ureq::get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(page.contains("You can close this window"), "{page}");
}

/// Where the authorisation page redirects to, without going there.
fn redirect_of(url: &str) -> Url {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .build()
        .into();
    let response = agent.get(url).call().unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers().get("location").unwrap();
    Url::parse(location.to_str().unwrap()).unwrap()
}

fn param(url: &Url, key: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// Delivers `url` to the listener as the browser would, ignoring the page.
fn visit(url: &Url) {
    ureq::get(url.as_str()).call().unwrap();
}

#[cfg(unix)]
fn mode(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ---- connect: success ----

#[test]
fn connecting_one_advertiser_writes_the_token_and_resolves_the_set() {
    let sandbox = start(Seed::default().with_event_set_id(EVENT_SET));
    let workspace = Workspace::new(
        Some(json!({"event_set_id": EVENT_SET, "default_currency": "EUR"})),
        APP_SECRET,
    );
    let run = connect(&workspace, Some(&sandbox), &[], consent);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let settings = workspace.settings();
    let token = settings["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 40);
    assert_eq!(
        settings,
        json!({
            "access_token": token,
            "advertiser_id": DEFAULT_ADVERTISER_ID,
            "default_currency": "EUR",
            "event_set_id": EVENT_SET,
        })
    );
    assert_eq!(
        run.json(),
        json!({
            "settings": workspace.path("s.json"),
            "advertiser_id": DEFAULT_ADVERTISER_ID,
            "advertiser_name": "Sandbox Advertiser",
            "event_set_id": EVENT_SET,
            "event_set_name": "Sandbox Offline Events",
            "event_set_created": false,
        })
    );
    #[cfg(unix)]
    assert_eq!(mode(&workspace.path("s.json")), 0o600);
    run.assert_keeps_secrets(Some(&token));

    // The token works: validate accepts the written settings.
    let validate = harness(&[
        "validate",
        "--settings",
        &workspace.path("s.json"),
        "--endpoint",
        &sandbox.base_url(),
    ]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    validate.assert_keeps_secrets(Some(&token));
}

#[test]
fn the_chosen_advertiser_gets_a_new_event_set_by_name() {
    let sandbox =
        start(Seed::default().with_advertiser(SECOND_ADVERTISER, "Acme EU", Role::Operator));
    let workspace = Workspace::new(
        Some(json!({"event_set_name": "Store purchases", "auto_tracking": true})),
        APP_SECRET,
    );
    let run = connect(
        &workspace,
        Some(&sandbox),
        &["--advertiser-id", SECOND_ADVERTISER],
        consent,
    );
    let summary = run.created_set("Store purchases");
    assert_eq!(summary["advertiser_id"], SECOND_ADVERTISER);
    assert_eq!(summary["advertiser_name"], "Acme EU");
    let settings = workspace.settings();
    assert_eq!(settings["advertiser_id"], SECOND_ADVERTISER);
    assert_eq!(settings["event_set_id"], summary["event_set_id"]);
    run.assert_keeps_secrets(settings["access_token"].as_str());

    // Created in the chosen ad account, with auto-tracking.
    assert_only_set_is_store_purchases(&workspace, &sandbox, &summary["event_set_id"]);
}

/// `event-sets list` shows exactly the set `connect` created, with auto-tracking.
fn assert_only_set_is_store_purchases(workspace: &Workspace, sandbox: &Sandbox, id: &Value) {
    let list = harness(&[
        "event-sets",
        "list",
        "--settings",
        &workspace.path("s.json"),
        "--endpoint",
        &sandbox.base_url(),
    ]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(
        list.json(),
        json!([{
            "id": id,
            "name": "Store purchases",
            "description": "Offline conversions sent from the CDP",
            "auto_tracking": true,
        }])
    );
}

#[test]
fn a_first_connect_names_the_set_on_the_command_line_and_creates_the_settings_file() {
    let sandbox = start(Seed::default());
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(
        &workspace,
        Some(&sandbox),
        &["--event-set-name", "Store purchases", "--auto-tracking"],
        consent,
    );
    let summary = run.created_set("Store purchases");
    let token = workspace.assert_settings(json!({
        "auto_tracking": true,
        "event_set_id": summary["event_set_id"],
        "event_set_name": "Store purchases",
    }));
    #[cfg(unix)]
    assert_eq!(mode(&workspace.path("s.json")), 0o600);
    run.assert_keeps_secrets(Some(&token));

    assert_only_set_is_store_purchases(&workspace, &sandbox, &summary["event_set_id"]);
}

#[test]
fn an_event_set_name_given_replaces_the_files_set_and_keeps_its_other_keys() {
    let sandbox = start(
        Seed::default()
            .with_event_set_id(EVENT_SET)
            .with_event_set_name("Stores"),
    );
    let workspace = Workspace::new(
        Some(
            json!({"event_set_id": EVENT_SET, "event_set_name": "Stores", "default_currency": "EUR"}),
        ),
        APP_SECRET,
    );
    let run = connect(
        &workspace,
        Some(&sandbox),
        &["--event-set-name", "Call centre"],
        consent,
    );
    let summary = run.created_set("Call centre");
    assert_ne!(summary["event_set_id"], EVENT_SET);
    let token = workspace.assert_settings(json!({
        "default_currency": "EUR",
        "event_set_id": summary["event_set_id"],
        "event_set_name": "Call centre",
    }));
    run.assert_keeps_secrets(Some(&token));
}

#[test]
fn an_empty_event_set_name_is_a_usage_error() {
    let workspace = Workspace::new(None, APP_SECRET);
    let run = harness(&[
        "connect",
        "--app-id",
        APP_ID,
        "--app-secret-file",
        &workspace.path("secret"),
        "--settings",
        &workspace.path("s.json"),
        "--event-set-name",
        "",
    ]);
    assert_refused_saying(
        &run,
        &workspace,
        "error: a value is required for '--event-set-name <NAME>' but none was supplied",
    );
}

#[test]
fn several_advertisers_without_a_terminal_need_advertiser_id() {
    let sandbox = start(Seed::default().with_advertiser(SECOND_ADVERTISER, "Acme EU", Role::Admin));
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(&workspace, Some(&sandbox), &[], consent);
    assert_refused_saying(
        &run,
        &workspace,
        "error: the authorisation covers 2 ad accounts; choose one with --advertiser-id:\n   1. 7000000000000000001  Sandbox Advertiser\n   2. 7000000000000000002  Acme EU\n",
    );
}

#[test]
fn without_an_endpoint_the_flow_runs_against_a_local_sandbox() {
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(&workspace, None, &[], consent);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("using the local TikTok API sandbox"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("names no event set: add event_set_name"),
        "{}",
        run.stderr
    );
    let settings = workspace.settings();
    assert_eq!(settings["advertiser_id"], DEFAULT_ADVERTISER_ID);
    assert_eq!(
        settings.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["access_token", "advertiser_id"]
    );
    #[cfg(unix)]
    assert_eq!(mode(&workspace.path("s.json")), 0o600);
    run.assert_keeps_secrets(settings["access_token"].as_str());
}

#[test]
fn without_an_endpoint_the_local_sandbox_knows_the_set_named_on_the_command_line() {
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(
        &workspace,
        None,
        &["--event-set-name", "Store purchases"],
        consent,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.json();
    assert_eq!(summary["event_set_name"], "Store purchases");
    // Seeded from the settings with the name given, as if the file had named it.
    assert_eq!(summary["event_set_created"], false);
    let settings = workspace.settings();
    assert_eq!(settings["event_set_name"], "Store purchases");
    assert_eq!(settings["event_set_id"], summary["event_set_id"]);
    run.assert_keeps_secrets(settings["access_token"].as_str());
}

#[test]
fn an_unknown_event_set_still_keeps_the_new_token() {
    let sandbox = start(Seed::default());
    let workspace = Workspace::new(Some(json!({"event_set_id": EVENT_SET})), APP_SECRET);
    let run = connect(&workspace, Some(&sandbox), &[], consent);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "error: the token is saved, but the event set could not be resolved: the settings need fixing:\n  event_set_id: no offline event set with this id for this advertiser (a pixel code is not an event set id)\n"
        ),
        "{}",
        run.stderr
    );
    let settings = workspace.settings();
    assert_eq!(settings["advertiser_id"], DEFAULT_ADVERTISER_ID);
    assert_eq!(settings["event_set_id"], EVENT_SET);
    assert_eq!(settings["access_token"].as_str().unwrap().len(), 40);
    run.assert_keeps_secrets(settings["access_token"].as_str());
}

// ---- connect: failures, each with a clear message and exit code 2 ----

/// The run failed with exit code 2 and `message` as its last line, wrote nothing, and
/// printed neither the app secret nor any of `secrets` (tokens, auth codes).
fn assert_refused(run: &Run, workspace: &Workspace, message: &str, secrets: &[&str]) {
    assert_refused_saying(run, workspace, message);
    assert_eq!(run.stderr.lines().last(), Some(message), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    run.assert_never_prints(secrets);
}

/// The run failed with exit code 2, said `text` on stderr, wrote no settings file and
/// did not print the app secret.
fn assert_refused_saying(run: &Run, workspace: &Workspace, text: &str) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(text), "{}", run.stderr);
    assert!(!Path::new(&workspace.path("s.json")).exists());
    run.assert_keeps_secrets(None);
}

/// A browser that consents but hands the listener `auth_code` instead of the one the
/// page issued (keeping this run's state); returns the issued code.
fn redirect_with_code(url: &str, auth_code: Option<&str>) -> String {
    let mut redirect = redirect_of(url);
    let (issued, state) = (param(&redirect, "auth_code"), param(&redirect, "state"));
    redirect
        .query_pairs_mut()
        .clear()
        .append_pair("auth_code", auth_code.unwrap_or(&issued))
        .append_pair("state", &state);
    visit(&redirect);
    issued
}

#[test]
fn an_analyst_is_told_who_can_connect() {
    let sandbox =
        start(Seed::default().with_advertiser(DEFAULT_ADVERTISER_ID, "Acme", Role::Analyst));
    let workspace = Workspace::new(None, APP_SECRET);
    let mut issued = String::new();
    let run = connect(&workspace, Some(&sandbox), &[], |url| {
        issued = redirect_with_code(url, None);
    });
    assert_refused(
        &run,
        &workspace,
        "error: the user may not authorise apps (TikTok code 40001: No permission to authorise: the user must be Admin or Operator of an ad account; an Analyst cannot authorise apps.). Only an Admin or Operator of an ad account can connect it (an Analyst cannot): ask an Admin to connect, or to give you the Operator role.",
        &[&issued],
    );
}

#[test]
fn a_denied_consent_says_to_approve_access() {
    let sandbox = start(Seed::default().denying_consent());
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(&workspace, Some(&sandbox), &[], |url| {
        let page = ureq::get(url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert!(page.contains("Authorisation not completed"), "{page}");
    });
    assert_refused(
        &run,
        &workspace,
        "error: access was not granted in the browser (error=access_denied): run connect again and approve access",
        &[],
    );
}

#[test]
fn an_expired_auth_code_says_to_get_a_new_one() {
    let sandbox = start(Seed::default());
    let workspace = Workspace::new(None, APP_SECRET);
    let mut issued = String::new();
    let run = connect(&workspace, Some(&sandbox), &[], |url| {
        let redirect = redirect_of(url);
        issued = param(&redirect, "auth_code");
        sandbox.advance_clock(Duration::from_secs(60 * 60));
        visit(&redirect);
    });
    assert_refused(
        &run,
        &workspace,
        "error: the authorisation code was already used, has expired or was cancelled (TikTok code 40110: Invalid value for auth_code: expired.). A code works once, within an hour of consenting: connect again to get a new one.",
        &[&issued],
    );
}

#[test]
fn a_reused_auth_code_says_to_get_a_new_one() {
    let sandbox = start(Seed::default());
    let first = Workspace::new(None, APP_SECRET);
    let mut used = String::new();
    let run = connect(&first, Some(&sandbox), &[], |url| {
        used = redirect_with_code(url, None);
    });
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first_settings = first.settings();
    let token = first_settings["access_token"].as_str().unwrap();

    // A second run receives the first run's code (with its own state).
    let second = Workspace::new(None, APP_SECRET);
    let mut issued = String::new();
    let run = connect(&second, Some(&sandbox), &[], |url| {
        issued = redirect_with_code(url, Some(&used));
    });
    assert_refused(
        &run,
        &second,
        "error: the authorisation code was already used, has expired or was cancelled (TikTok code 40110: Invalid value for auth_code: already used.). A code works once, within an hour of consenting: connect again to get a new one.",
        &[token, &used, &issued],
    );
}

#[test]
fn a_wrong_app_secret_says_to_copy_it_again_or_check_the_app() {
    let sandbox = start(Seed::default());
    let workspace = Workspace::new(None, "not-the-app-secret");
    let mut issued = String::new();
    let run = connect(&workspace, Some(&sandbox), &[], |url| {
        issued = redirect_with_code(url, None);
    });
    assert_refused(
        &run,
        &workspace,
        "error: TikTok refused the app (TikTok code 40113: Invalid app_id or secret.). Either the app secret (or app id) is wrong, or TikTok has blocked the app: copy both again from TikTok for Business Developers (My Apps, the app's basic information), and if they match, check the app's status there.",
        &["not-the-app-secret", &issued],
    );
}

#[test]
fn a_redirect_with_another_state_is_refused() {
    let sandbox = start(Seed::default());
    let workspace = Workspace::new(None, APP_SECRET);
    let run = connect(&workspace, Some(&sandbox), &[], |url| {
        let mut redirect = redirect_of(url);
        let code = param(&redirect, "auth_code");
        redirect
            .query_pairs_mut()
            .clear()
            .append_pair("auth_code", &code)
            .append_pair("state", "0123456789abcdef0123456789abcdef");
        visit(&redirect);
    });
    assert_refused(
        &run,
        &workspace,
        "error: refused a redirect whose state is not this run's (an old browser tab, or a page trying to connect another account): run connect again",
        &[],
    );
}

// ---- event-sets ----

fn account_settings(workspace: &Workspace) -> String {
    let path = workspace.path("s.json");
    std::fs::write(
        &path,
        json!({"access_token": TOKEN, "advertiser_id": DEFAULT_ADVERTISER_ID}).to_string(),
    )
    .unwrap();
    path
}

fn event_sets(sandbox: &Sandbox, settings: &str, args: &[&str]) -> Run {
    let base_url = sandbox.base_url();
    let mut all = vec!["event-sets"];
    all.extend(args);
    all.extend(["--settings", settings, "--endpoint", &base_url]);
    harness(&all)
}

#[test]
fn event_sets_are_listed_created_and_updated() {
    let sandbox = start(
        Seed::default()
            .with_access_token(TOKEN)
            .with_event_set_id(EVENT_SET)
            .with_event_set_name("Stores"),
    );
    let workspace = Workspace::new(None, APP_SECRET);
    let settings = account_settings(&workspace);

    let list = event_sets(&sandbox, &settings, &["list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let stores =
        json!({"id": EVENT_SET, "name": "Stores", "description": null, "auto_tracking": false});
    assert_eq!(list.json(), json!([stores]));

    let create = event_sets(
        &sandbox,
        &settings,
        &[
            "create",
            "--name",
            "Call centre",
            "--description",
            "Phone orders",
            "--auto-tracking",
        ],
    );
    assert_eq!(create.code, 0, "{}", create.stderr);
    let created = create.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(
        id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    let calls = json!({"id": id, "name": "Call centre", "description": "Phone orders", "auto_tracking": true});
    assert_eq!(created, calls);

    let update = event_sets(
        &sandbox,
        &settings,
        &[
            "update",
            "--id",
            &id,
            "--name",
            "Phone orders",
            "--auto-tracking",
            "false",
        ],
    );
    assert_eq!(update.code, 0, "{}", update.stderr);
    let renamed = json!({"id": id, "name": "Phone orders", "description": "Phone orders", "auto_tracking": false});
    assert_eq!(update.json(), renamed);

    let list = event_sets(&sandbox, &settings, &["list"]);
    let mut sets = list.json().as_array().unwrap().clone();
    sets.sort_by_key(|s| s["id"].as_str().unwrap().to_string());
    let mut expected = vec![stores, renamed];
    expected.sort_by_key(|s| s["id"].as_str().unwrap().to_string());
    assert_eq!(sets, expected);
    for run in [&list, &create, &update] {
        run.assert_keeps_secrets(Some(TOKEN));
    }
}

#[test]
fn event_sets_need_the_advertiser_and_a_known_set() {
    let sandbox = start(Seed::default().with_access_token(TOKEN));
    let workspace = Workspace::new(None, APP_SECRET);
    let settings = workspace.path("s.json");
    std::fs::write(&settings, json!({"access_token": TOKEN}).to_string()).unwrap();
    let list = event_sets(&sandbox, &settings, &["list"]);
    assert_eq!(list.code, 2);
    assert_eq!(
        list.stderr,
        "error: the settings need fixing:\n  advertiser_id: required to list, create or update offline event sets\n"
    );

    let settings = account_settings(&workspace);
    let update = event_sets(
        &sandbox,
        &settings,
        &["update", "--id", EVENT_SET, "--name", "Shops"],
    );
    assert_eq!(update.code, 2);
    assert_eq!(
        update.stderr,
        "error: TikTok code 40007: Invalid value for event_set_id: the offline event set does not exist in this ad account.\n"
    );
}
