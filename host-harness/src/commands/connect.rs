//! `connect`: connect a TikTok ad account the way `gh auth login` does. Listens for the
//! redirect on 127.0.0.1, shows (and opens) the authorisation page, exchanges the code
//! through the component, picks the advertiser, resolves or creates the event set the
//! settings name (as `validate` does), and writes the settings file, readable by its
//! owner only. The token is never printed.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use clap::builder::NonEmptyStringValueParser;
use serde_json::{Map, Value, json};
use url::Url;

use host_harness::bindings::oauth::{Account, Connection};
use host_harness::bindings::types::{DestinationError, Setting, SettingValue};
use host_harness::connect::RedirectListener;
use host_harness::settings_file::SettingsFile;
use host_harness::transport::route;

use super::{EndpointArg, HostArgs, endpoint_or_seeded_sandbox, explain, load, print_json};

/// How long the user has to consent in the browser.
const REDIRECT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

#[derive(Args)]
pub struct ConnectArgs {
    /// The TikTok app's id (TikTok for Business Developers, My Apps).
    #[arg(long, value_name = "ID")]
    app_id: String,
    /// A file holding the app's secret: kept off the command line and out of shell history.
    #[arg(long, value_name = "F")]
    app_secret_file: PathBuf,
    /// The settings file to write: created (mode 0600), or merged into (its other keys
    /// are kept, and its event_set_id, or event_set_name with auto_tracking, say which
    /// event set to use unless --event-set-name does).
    #[arg(long, value_name = "S.json")]
    settings: PathBuf,
    /// The offline event set to use, by name: found in the ad account, or created.
    /// Written into the settings file as event_set_name, replacing the file's
    /// event_set_id (the id of the set found or created is written instead).
    #[arg(long, value_name = "NAME", value_parser = NonEmptyStringValueParser::new())]
    event_set_name: Option<String>,
    /// If connect creates the event set, make every future campaign of the ad account
    /// use it. Written into the settings file as auto_tracking.
    #[arg(long)]
    auto_tracking: bool,
    #[command(flatten)]
    endpoint: EndpointArg,
    /// The port of the redirect listener on 127.0.0.1 [default: any free port]. The
    /// app's registered redirect URL must be http://127.0.0.1:N/callback.
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    port: u16,
    /// Print the authorisation URL without trying to open a browser.
    #[arg(long)]
    no_browser: bool,
    /// The ad account to connect when the authorisation covers several (no prompt).
    #[arg(long, value_name = "ID")]
    advertiser_id: Option<String>,
}

pub fn run(host: &HostArgs, args: ConnectArgs) -> Result<ExitCode> {
    let secret = read_secret(&args.app_secret_file)?;
    let mut settings = existing_settings(&args.settings)?;
    // Before the sandbox is seeded from the settings, so it sees the set named here too.
    apply_event_set_options(&mut settings, &args);
    let (endpoint, _sandbox) =
        endpoint_or_seeded_sandbox(args.endpoint.endpoint.clone(), &settings, |seed| {
            seed.with_app(&args.app_id, &secret)
        })?;
    let destination = load(host, Some(endpoint.clone()))?;

    let listener = RedirectListener::bind(args.port)?;
    let redirect_uri = listener.redirect_uri();
    let page = destination.authorization_url(&args.app_id, &redirect_uri, listener.state())?;
    // The page lives where the API does: the sandbox serves its own.
    let page = route(
        &endpoint,
        &Url::parse(&page).context("the component's authorisation URL is not a URL")?,
    );
    eprintln!(
        "Open this page in a browser and allow access to your TikTok ad account:\n\n  {page}\n"
    );
    if !args.no_browser {
        open_browser(&page);
    }
    eprintln!(
        "Waiting up to {} minutes for the browser to come back to {redirect_uri} …",
        REDIRECT_TIMEOUT.as_secs() / 60
    );
    let auth_code = listener.wait(REDIRECT_TIMEOUT)?;

    let connection = destination
        .connect(&args.app_id, &secret, &auth_code)?
        .map_err(|error| anyhow!(explain_connect(&error)))?;
    let account = pick_account(&connection, args.advertiser_id.as_deref())?.clone();
    for setting in connection.settings {
        set(&mut settings, setting);
    }
    settings.set_text(&connection.account_setting, &account.id);

    // Like `validate`: by event_set_id, or by event_set_name (created if missing).
    let names_a_set = ["event_set_id", "event_set_name"]
        .iter()
        .any(|key| settings.text(key).is_some());
    let resolved = if names_a_set {
        Some(destination.validate(&settings.settings)?)
    } else {
        None
    };
    if let Some(Ok(validation)) = &resolved {
        settings.set_text("event_set_id", &validation.event_set_id);
    }
    write_private(&args.settings, &settings.raw)?;
    let shown = args.settings.display();
    let name = account.name.as_deref().unwrap_or("unnamed");
    eprintln!(
        "Connected ad account {} ({name}); the access token is saved in {shown}.",
        account.id
    );

    let mut summary = json!({
        "settings": shown.to_string(),
        "advertiser_id": account.id,
        "advertiser_name": account.name,
    });
    match resolved {
        None => eprintln!(
            "{shown} names no event set: add event_set_name (validate finds or creates it) or event_set_id, or connect with --event-set-name NAME. `host-harness event-sets list --settings {shown}` lists the ad account's sets."
        ),
        Some(Ok(validation)) => {
            summary["event_set_id"] = json!(validation.event_set_id);
            summary["event_set_name"] = json!(validation.event_set_name);
            summary["event_set_created"] = json!(validation.event_set_created);
        }
        Some(Err(error)) => bail!(
            "the token is saved, but the event set could not be resolved: {}",
            explain(&error)
        ),
    }
    print_json(&summary)?;
    Ok(ExitCode::SUCCESS)
}

/// The secret without the newline editors add.
fn read_secret(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the app secret file {}", path.display()))?;
    let secret = text.trim();
    if secret.is_empty() {
        bail!("the app secret file {} is empty", path.display());
    }
    Ok(secret.to_string())
}

fn existing_settings(path: &Path) -> Result<SettingsFile> {
    if path.exists() {
        return Ok(SettingsFile::read(path)?);
    }
    Ok(SettingsFile {
        settings: vec![],
        raw: Map::new(),
    })
}

/// The command line's choice of event set, over the settings file's: a first connect
/// needs no hand-written settings file. A name replaces the file's event_set_id, which
/// validation would otherwise prefer, silently ignoring the name given.
fn apply_event_set_options(settings: &mut SettingsFile, args: &ConnectArgs) {
    if let Some(name) = &args.event_set_name {
        settings.remove("event_set_id");
        settings.set_text("event_set_name", name);
    }
    if args.auto_tracking {
        set(
            settings,
            Setting {
                key: "auto_tracking".into(),
                value: SettingValue::Boolean(true),
            },
        );
    }
}

/// Best effort: without a desktop opener, the printed URL is enough.
fn open_browser(page: &Url) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let child = Command::new(opener)
        .arg(page.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        std::thread::spawn(move || child.wait());
    }
}

/// The component's message already says what to do about a refused connection.
fn explain_connect(error: &DestinationError) -> String {
    match error {
        DestinationError::Auth(message) => message.clone(),
        other => explain(other),
    }
}

fn pick_account<'c>(connection: &'c Connection, wanted: Option<&str>) -> Result<&'c Account> {
    let accounts = &connection.accounts;
    if let Some(id) = wanted {
        return accounts.iter().find(|a| a.id == id).ok_or_else(|| {
            anyhow!(
                "the authorisation does not cover ad account {id}; it covers:\n{}",
                listing(accounts)
            )
        });
    }
    match accounts.as_slice() {
        [] => bail!("the authorisation covers no ad account"),
        [only] => Ok(only),
        several if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            prompt(several)
        }
        several => bail!(
            "the authorisation covers {} ad accounts; choose one with --advertiser-id:\n{}",
            several.len(),
            listing(several)
        ),
    }
}

fn listing(accounts: &[Account]) -> String {
    let lines: Vec<String> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let name = a.name.as_deref().unwrap_or("");
            format!("  {:>2}. {}  {name}", i + 1, a.id)
        })
        .collect();
    lines.join("\n")
}

/// Asks on the terminal until the answer is a number from the list or one of the ids.
fn prompt(accounts: &[Account]) -> Result<&Account> {
    eprintln!(
        "The authorisation covers several ad accounts:\n{}",
        listing(accounts)
    );
    let mut stdin = std::io::stdin().lock();
    loop {
        eprint!("Connect which one? [1-{}, or its id]: ", accounts.len());
        let mut answer = String::new();
        if stdin.read_line(&mut answer)? == 0 {
            bail!("no ad account chosen");
        }
        let answer = answer.trim();
        let by_number = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| accounts.get(i));
        if let Some(account) = by_number.or_else(|| accounts.iter().find(|a| a.id == answer)) {
            return Ok(account);
        }
    }
}

/// Sets (or replaces) a setting the component returned, whatever its type.
fn set(settings: &mut SettingsFile, setting: Setting) {
    settings.raw.insert(
        setting.key.clone(),
        host_harness::json::setting_value(&setting.value),
    );
    settings.settings.retain(|s| s.key != setting.key);
    settings.settings.push(setting);
}

/// Writes a temporary file beside `path`, readable by its owner only from the moment
/// it exists, then renames it over `path`: a crash leaves the old file or the new one,
/// never half of one, and the token is never readable by others.
fn write_private(path: &Path, raw: &Map<String, Value>) -> Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let text = serde_json::to_string_pretty(raw)? + "\n";
    let written = owner_only()
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write the settings file {}", path.display()))
}

fn owner_only() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_settings_file_is_replaced_whole_and_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        fs::write(&path, "{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let mut raw = Map::new();
        raw.insert("access_token".into(), json!("tok"));
        write_private(&path, &raw).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\n  \"access_token\": \"tok\"\n}\n"
        );
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
