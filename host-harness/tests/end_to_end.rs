//! The product's main job, end to end: the `host-harness` binary and library, the
//! embedded TikTok component, and the TikTok API sandbox on loopback.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use host_harness::bindings::guest::{DeliveryStatus, PreparedEvent, PreparedRequest};
use host_harness::bindings::types::{DestinationError, FieldError, Setting, SettingValue};
use host_harness::transport::HttpTransport;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};
use serde_json::{Value, json};
use tiktok_sandbox::{Fault, Sandbox};
use url::Url;

use common::{
    EVENT_SET, TOKEN, assert_exit, cache_dir, example_settings, examples, harness, lines, path,
    sandbox, send_sample, stderr, transform_sample,
};

/// `send` of the example CSV to `sandbox`: its output and its results.ndjson lines.
fn send_csv_to(sandbox: &Sandbox) -> (Output, Vec<Value>) {
    let out = tempfile::tempdir().unwrap();
    let input = examples().join("offline-events.csv");
    let send = send_sample(
        &input,
        &["--endpoint", &sandbox.base_url(), "--out", path(out.path())],
    );
    let results = lines(&out.path().join("results.ndjson"));
    (send, results)
}

/// The events of every request body in `requests.ndjson`, with their event set.
fn transformed_events(requests: &Path) -> Vec<(String, Value)> {
    lines(requests)
        .into_iter()
        .flat_map(|body| {
            let set = body["event_source_id"].as_str().unwrap().to_string();
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (set.clone(), e.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn statuses(results: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in results {
        *counts
            .entry(line["status"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

#[test]
fn the_examples_are_delivered_exactly_as_transformed() {
    let out = tempfile::tempdir().unwrap();
    let (transformed, sent) = (out.path().join("transform"), out.path().join("send"));
    let input = examples().join("offline-events.csv");

    let transform = transform_sample(&input, &transformed);
    assert!(transform.status.success(), "{}", stderr(&transform));
    let results = lines(&transformed.join("results.ndjson"));
    assert_eq!(results.len(), 302, "one result per row");
    assert_eq!(
        statuses(&results),
        BTreeMap::from([("accepted".into(), 285), ("rejected".into(), 17)])
    );

    let sandbox = sandbox();
    let send = send_sample(
        &input,
        &["--endpoint", &sandbox.base_url(), "--out", path(&sent)],
    );
    assert!(send.status.success(), "{}", stderr(&send));
    assert!(
        stderr(&send).contains(
            "302 rows read: 285 delivered (150 events in 1 request), 17 rejected, 0 failed."
        ),
        "{}",
        stderr(&send)
    );

    // What TikTok would have received is exactly what transform prepared.
    let mut expected = transformed_events(&transformed.join("requests.ndjson"));
    let mut accepted: Vec<(String, Value)> = sandbox
        .accepted_events()
        .into_iter()
        .map(|e| {
            (
                e.event_source_id.clone(),
                serde_json::from_str(e.event.get()).unwrap(),
            )
        })
        .collect();
    let key =
        |(set, event): &(String, Value)| format!("{set}/{}/{}", event["event"], event["event_id"]);
    expected.sort_by_key(key);
    accepted.sort_by_key(key);
    assert_eq!(accepted.len(), 150);
    assert_eq!(accepted, expected);

    // Every row has exactly one final status; rejections agree with transform's.
    let sent_results = lines(&sent.join("results.ndjson"));
    let mut rows: Vec<u64> = sent_results
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    rows.sort_unstable();
    assert_eq!(rows, (1..=302).collect::<Vec<_>>());
    assert_eq!(
        statuses(&sent_results),
        BTreeMap::from([("delivered".into(), 285), ("rejected".into(), 17)])
    );

    // The summary's match keys, counted here from what the sandbox received: each
    // delivered row with its event's emails and phones.
    let mut rows_of_event: BTreeMap<String, u64> = BTreeMap::new();
    for result in sent_results.iter().filter(|r| r["status"] == "delivered") {
        *rows_of_event
            .entry(result["event_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let mut by_keys: BTreeMap<(bool, bool), u64> = BTreeMap::new();
    for (_, event) in &accepted {
        let user = &event["user"];
        let keys = (user["email"].is_array(), user["phone"].is_array());
        *by_keys.entry(keys).or_default() += rows_of_event[event["event_id"].as_str().unwrap()];
    }
    let share = |keys| {
        let n = by_keys.get(&keys).copied().unwrap_or(0);
        format!("{n} ({:.1} %)", 100.0 * n as f64 / 285.0)
    };
    let line = format!(
        "match keys of the 285 rows accepted: email and phone {}, email only {}, phone only {}",
        share((true, true)),
        share((true, false)),
        share((false, true))
    );
    assert!(stderr(&send).contains(&line), "{line}\n{}", stderr(&send));
}

/// Debian's Chromium, headless, as the machine's own browser; `.ci/run` installs it.
fn chromium(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{browser}: {e}; install Debian's chromium, as .ci/run does"))
}

/// `send --out` writes `report.html`: opened in a real browser, the page shows the
/// figures the terminal summary shows, and renders.
#[test]
fn the_report_shows_the_summary_s_figures_in_a_browser() {
    let out = tempfile::tempdir().unwrap();
    let sandbox = sandbox();
    let send = send_sample(
        &examples().join("offline-events.csv"),
        &["--endpoint", &sandbox.base_url(), "--out", path(out.path())],
    );
    assert!(send.status.success(), "{}", stderr(&send));
    let summary = stderr(&send);
    assert!(
        summary.contains(
            "302 rows read: 285 delivered (150 events in 1 request), 17 rejected, 0 failed."
        ),
        "{summary}"
    );
    let report = out.path().join("report.html");
    let url = format!("file://{}", report.display());

    let dom = chromium(&["--dump-dom", &url]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    let figure = |name: &str| -> String {
        let marker = format!("data-figure=\"{name}\">");
        let start = dom
            .find(&marker)
            .unwrap_or_else(|| panic!("{name} not on the page"))
            + marker.len();
        dom[start..start + dom[start..].find('<').unwrap()].to_string()
    };
    for (name, value) in [
        ("rows-read", "302"),
        ("rows-delivered", "285"),
        ("rows-rejected", "17"),
        ("rows-failed", "0"),
        ("requests", "1"),
        ("auto-tracking", "off"),
    ] {
        assert_eq!(figure(name), value, "{name}");
    }
    // The match keys, as the summary line says them.
    let keys = format!(
        "match keys of the 285 rows accepted: email and phone {} (",
        figure("match-email-and-phone")
    );
    assert!(summary.contains(&keys), "{keys}\n{summary}");
    assert!(summary.contains(&format!("email only {} (", figure("match-email-only"))));
    assert!(summary.contains(&format!("phone only {} (", figure("match-phone-only"))));
    // Events by event set and currency, counted here from what the sandbox received.
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(example_settings()).unwrap()).unwrap();
    let event_set = settings["event_set_id"].as_str().unwrap();
    assert_eq!(figure(&format!("event-set-{event_set}")), "150");
    let mut currencies = std::collections::BTreeMap::<String, u64>::new();
    for event in sandbox.accepted_events() {
        if let Some(code) = event.json()["properties"]["currency"].as_str() {
            *currencies.entry(code.to_string()).or_default() += 1;
        }
    }
    assert!(currencies.len() > 1, "{currencies:?}");
    for (code, events) in currencies {
        assert_eq!(
            figure(&format!("currency-{code}")),
            events.to_string(),
            "{code}"
        );
    }
    // Each rejection reason with its count and an example row; never a secret.
    assert!(
        dom.contains("<td>2</td><td>timestamp: more than 10 minutes in the future</td>"),
        "{dom}"
    );
    let token = settings["access_token"].as_str().unwrap();
    assert!(!dom.contains(token) && dom.contains("(secret, not shown)"));

    let screenshot = out.path().join("report.png");
    let shot = chromium(&[
        "--window-size=1100,1900",
        &format!("--screenshot={}", screenshot.display()),
        &url,
    ]);
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn without_an_endpoint_send_uses_a_local_sandbox() {
    let out = tempfile::tempdir().unwrap();
    let input = examples().join("offline-events.ndjson");
    let send = send_sample(&input, &["--out", path(out.path())]);
    assert!(send.status.success(), "{}", stderr(&send));
    assert!(
        stderr(&send).contains(
            "No --endpoint given: using the local TikTok API sandbox at http://127.0.0.1:"
        )
    );
    assert_eq!(
        statuses(&lines(&out.path().join("results.ndjson")))["delivered"],
        285
    );
}

/// TikTok attributes an offline event set's events only with auto-tracking on: while it
/// is off, `validate` says so and how to switch it on, and `send` delivers and says so
/// too; once switched on (through the component's `update-event-set`), neither warns.
#[test]
fn an_event_set_without_auto_tracking_is_said_to_be_unused_by_campaigns() {
    let sandbox = sandbox();
    let settings = example_settings();
    let endpoint = sandbox.base_url();
    let validate = || {
        harness(&[
            "validate",
            "--settings",
            path(&settings),
            "--endpoint",
            &endpoint,
        ])
    };
    let warning = format!(
        "warning: the offline event set {EVENT_SET} has auto-tracking off: TikTok accepts its events, but campaigns use them for attribution only when auto-tracking is on"
    );
    let off = validate();
    assert!(off.status.success(), "{}", stderr(&off));
    let printed: Value = serde_json::from_slice(&off.stdout).unwrap();
    assert_eq!(printed["auto_tracking"], json!(false));
    assert!(stderr(&off).contains(&warning), "{}", stderr(&off));
    assert!(
        stderr(&off).contains(&format!(
            "host-harness event-sets update --settings S.json --id {EVENT_SET} --auto-tracking true"
        )),
        "{}",
        stderr(&off)
    );
    let (send, _) = send_csv_to(&sandbox);
    assert_eq!(
        stderr(&send).matches(&warning).count(),
        2,
        "{}",
        stderr(&send)
    );

    let update = harness(&[
        "event-sets",
        "update",
        "--settings",
        path(&settings),
        "--endpoint",
        &endpoint,
        "--id",
        EVENT_SET,
        "--auto-tracking",
        "true",
    ]);
    assert!(update.status.success(), "{}", stderr(&update));
    let on = validate();
    let printed: Value = serde_json::from_slice(&on.stdout).unwrap();
    assert_eq!(printed["auto_tracking"], json!(true));
    assert!(
        !stderr(&on).contains("auto-tracking off"),
        "{}",
        stderr(&on)
    );
    let (send, _) = send_csv_to(&sandbox);
    assert!(
        !stderr(&send).contains("auto-tracking off"),
        "{}",
        stderr(&send)
    );
}

#[test]
fn a_business_user_is_refused_without_the_setting_and_nothing_is_sent() {
    let sandbox = sandbox();
    let input = examples().join("offline-events.csv");
    let send = send_sample(
        &input,
        &["--endpoint", &sandbox.base_url(), "--as", "business"],
    );
    assert_exit(&send, 2, "set \"allow_business_users\": true");
    assert_eq!(sandbox.stats().requests_seen, 0);
}

#[test]
fn an_auth_error_mid_run_stops_it_and_fails_the_rest() {
    let sandbox = sandbox();
    sandbox.inject(Fault::Code(40105));
    let (send, results) = send_csv_to(&sandbox);
    assert_exit(&send, 2, "The run stopped early");
    assert_eq!(
        statuses(&results),
        BTreeMap::from([("failed".into(), 285), ("rejected".into(), 17)])
    );
    assert!(sandbox.accepted_events().is_empty());
    assert!(results.iter().all(|line| !line.to_string().contains(TOKEN)));
}

/// TikTok's 40002 for the request itself (here a message naming no field, repeated by
/// both halves of the first split): not one row is rejected, the run stops as for a
/// settings error, and every row is `failed` with what to fix.
#[test]
fn a_refusal_of_the_request_itself_rejects_no_row_and_stops_the_run() {
    let sandbox = sandbox();
    for _ in 0..3 {
        sandbox.inject(Fault::Code(40002));
    }
    let (send, results) = send_csv_to(&sandbox);
    assert_exit(
        &send,
        2,
        "The run stopped early: invalid settings: event_set_id: TikTok refused the request itself, not one of its events",
    );
    assert_eq!(
        statuses(&results),
        BTreeMap::from([("failed".into(), 285), ("rejected".into(), 17)]),
        "the 17 rows the component refused, and not one more"
    );
    assert_eq!(
        sandbox.stats().requests_seen,
        7,
        "validation's three calls, the look at the set's auto-tracking, the request and its two halves"
    );
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn throttles_and_gateway_errors_are_retried_until_delivered() {
    let sandbox = sandbox();
    sandbox.inject(Fault::Code(40100));
    sandbox.inject(Fault::Status(tiktok_sandbox::StatusCode::BAD_GATEWAY));
    let input = examples().join("offline-events.csv");
    let send = send_sample(&input, &["--endpoint", &sandbox.base_url()]);
    assert!(send.status.success(), "{}", stderr(&send));
    assert_eq!(sandbox.stats().faults_injected, 2);
    assert_eq!(sandbox.accepted_events().len(), 150);
}

/// Throttles are waited out, however many, within the patience; past it the rows are
/// `failed` with what to do (TikTok suspends an app for minutes), and the run says
/// that it waited.
#[test]
fn a_throttle_that_outlasts_the_patience_fails_the_rows_and_says_when_to_resend() {
    let sandbox = sandbox();
    for _ in 0..30 {
        sandbox.inject(Fault::Code(40100));
    }
    let out = tempfile::tempdir().unwrap();
    let input = examples().join("offline-events.csv");
    let send = send_sample(
        &input,
        &[
            "--endpoint",
            &sandbox.base_url(),
            "--out",
            path(out.path()),
            "--patience",
            "3",
            "--max-attempts",
            "1",
        ],
    );
    assert_exit(&send, 1, "TikTok is throttling: waiting ");
    let results = lines(&out.path().join("results.ndjson"));
    assert_eq!(statuses(&results)["failed"], 285);
    let reason = results
        .iter()
        .find(|r| r["status"] == "failed")
        .and_then(|r| r["reason"].as_str())
        .unwrap()
        .to_string();
    assert!(reason.starts_with("gave up after "), "{reason}");
    assert!(
        reason.ends_with("TikTok kept throttling past the patience (--patience): it suspends an app for 5 minutes after its per-minute limit and until 00:00 UTC after its daily one, so resend these rows after that with send --retry-failed"),
        "{reason}"
    );
    assert!(
        sandbox.stats().faults_injected >= 2,
        "retried although --max-attempts is 1: throttles do not count"
    );
}

#[test]
fn a_throttled_or_failing_validation_is_retried_and_the_rows_delivered() {
    let sandbox = sandbox();
    // Each of validation's three calls fails once: a throttle on HTTP 200 (TikTok's
    // 1 s pause), a gateway's HTML 503, and a server fault.
    sandbox.inject_at("/user/info/", Fault::Code(40100));
    sandbox.inject_at(
        "/user/info/",
        Fault::Status(tiktok_sandbox::StatusCode::SERVICE_UNAVAILABLE),
    );
    sandbox.inject_at("/advertiser/info/", Fault::Code(50002));
    sandbox.inject_at("/offline/get/", Fault::Code(40133));
    let (send, results) = send_csv_to(&sandbox);
    assert_exit(&send, 0, "Validating again in 1.0 s: TikTok code 40100: ");
    assert_eq!(sandbox.stats().faults_injected, 4);
    assert_eq!(sandbox.accepted_events().len(), 150);
    assert_eq!(
        statuses(&results),
        BTreeMap::from([("delivered".into(), 285), ("rejected".into(), 17)])
    );
}

#[test]
fn validation_that_keeps_failing_or_is_refused_exits_2_and_sends_nothing() {
    let sandbox = sandbox();
    let input = examples().join("offline-events.csv");
    // Patience spent: two attempts, both throttled (TikTok asks for 1 s), and a third
    // would start past the 2 s of patience.
    for _ in 0..3 {
        sandbox.inject_at("/user/info/", Fault::Code(40100));
    }
    let send = send_sample(
        &input,
        &["--endpoint", &sandbox.base_url(), "--patience", "2"],
    );
    assert_exit(
        &send,
        2,
        "error: nothing was sent: TikTok code 40100: Too many requests. Please retry in some time.; try again later",
    );
    assert_eq!(sandbox.stats().faults_injected, 2);

    // An auth error is not retried.
    sandbox.clear_faults();
    sandbox.inject_at("/user/info/", Fault::Code(40105));
    let send = send_sample(&input, &["--endpoint", &sandbox.base_url()]);
    assert_exit(&send, 2, "The access token was refused");
    assert!(!stderr(&send).contains("Validating again"));
    assert_eq!(sandbox.stats().faults_injected, 3);
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn describe_prints_the_spec_as_json() {
    let describe = harness(&["describe"]);
    assert!(describe.status.success(), "{}", stderr(&describe));
    let spec: Value = serde_json::from_slice(&describe.stdout).unwrap();
    assert_eq!(spec["id"], "tiktok-offline-events");
    assert_eq!(spec["hosts"], json!(["business-api.tiktok.com"]));
    assert_eq!(spec["settings"][0]["key"], "access_token");
    assert_eq!(spec["settings"][0]["secret"], true);
}

// ---- the library against the sandbox: each refusal as its typed error ----

fn destination(sandbox: &Sandbox, policy: Policy) -> Destination {
    let runtime = Arc::new(Runtime::new(policy, Some(cache_dir().join("host-harness"))).unwrap());
    let endpoint = Url::parse(&sandbox.base_url()).unwrap();
    Destination::load(
        runtime,
        TIKTOK_COMPONENT,
        Arc::new(HttpTransport::new(Some(endpoint), &[]).unwrap()),
    )
    .unwrap()
}

fn settings(token: &str, event_set: &str) -> Vec<Setting> {
    let text = |k: &str, v: &str| Setting {
        key: k.into(),
        value: SettingValue::Text(v.into()),
    };
    vec![
        text("access_token", token),
        text("advertiser_id", "7000000000000000001"),
        text("event_set_id", event_set),
    ]
}

fn request(events: Vec<Value>) -> PreparedRequest {
    let prepared = (1..=events.len())
        .map(|i| PreparedEvent {
            event_id: format!("e{i}"),
            record_ids: vec![i.to_string()],
        })
        .collect();
    let body = format!(
        r#"{{"event_source":"offline","event_source_id":"{EVENT_SET}","data":{}}}"#,
        Value::Array(events)
    );
    PreparedRequest {
        body,
        events: prepared,
    }
}

fn event(i: usize, email: &str) -> Value {
    json!({"event": "Purchase", "event_time": 1_763_900_000, "event_id": format!("e{i}"), "user": {"email": [email]}})
}

const HASHED: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";

#[test]
fn a_bad_token_is_an_auth_error() {
    let sandbox = sandbox();
    let error = destination(&sandbox, Policy::allowing(AllowedHosts::Declared))
        .validate(&settings("wrong-token", EVENT_SET))
        .unwrap()
        .unwrap_err();
    let DestinationError::Auth(message) = error else {
        panic!("expected auth, got {error:?}")
    };
    assert!(message.starts_with("TikTok code 40105: "), "{message}");
}

#[test]
fn an_unknown_event_set_is_a_settings_error_on_its_field() {
    let sandbox = sandbox();
    let error = destination(&sandbox, Policy::allowing(AllowedHosts::Declared))
        .validate(&settings(TOKEN, "7999999999999999999"))
        .unwrap()
        .unwrap_err();
    let DestinationError::InvalidSettings(fields) = error else {
        panic!("expected settings error, got {error:?}")
    };
    assert_eq!(
        fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        ["event_set_id"]
    );
}

#[test]
fn unhashed_pii_is_rejected_by_tiktok_and_only_that_event() {
    let sandbox = sandbox();
    let outcomes = destination(&sandbox, Policy::allowing(AllowedHosts::Declared))
        .send_v0_1(
            &settings(TOKEN, EVENT_SET),
            &request(vec![
                event(1, HASHED),
                event(2, "alice@example.com"),
                event(3, HASHED),
            ]),
        )
        .unwrap()
        .unwrap();
    let statuses: Vec<&DeliveryStatus> = outcomes.iter().map(|o| &o.status).collect();
    assert_eq!(statuses[0], &DeliveryStatus::Delivered);
    assert_eq!(statuses[2], &DeliveryStatus::Delivered);
    let DeliveryStatus::Rejected(reason) = statuses[1] else {
        panic!("{statuses:?}")
    };
    assert!(
        reason.starts_with("refused by TikTok: TikTok code 40062: "),
        "{reason}"
    );
    assert!(!reason.contains("alice@example.com"), "{reason}");
    assert_eq!(sandbox.accepted_events().len(), 2);
}

#[test]
fn a_request_of_1001_events_is_split_and_delivered() {
    let sandbox = sandbox();
    let events = (1..=1001).map(|i| event(i, HASHED)).collect();
    let outcomes = destination(&sandbox, Policy::allowing(AllowedHosts::Declared))
        .send_v0_1(&settings(TOKEN, EVENT_SET), &request(events))
        .unwrap()
        .unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| o.status == DeliveryStatus::Delivered)
    );
    assert_eq!(sandbox.accepted_events().len(), 1001);
    assert_eq!(
        sandbox.stats().requests_seen,
        3,
        "refused whole (40061), then two halves"
    );
}

#[test]
fn egress_outside_the_operators_policy_is_denied() {
    let sandbox = sandbox();
    let policy = Policy {
        allowed_hosts: AllowedHosts::Only(vec!["other.example".into()]),
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let error = destination(&sandbox, policy)
        .validate(&settings(TOKEN, EVENT_SET))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error,
        DestinationError::Permanent(
            "HTTP call failed: denied by the host: host 'business-api.tiktok.com' is not in the egress allow-list".into()
        )
    );
    assert_eq!(sandbox.stats().requests_seen, 0);
}

#[test]
fn settings_errors_name_the_field() {
    let sandbox = sandbox();
    let mut bad = settings(TOKEN, EVENT_SET);
    bad.push(Setting {
        key: "batch_size".into(),
        value: SettingValue::Integer(5000),
    });
    let error = destination(&sandbox, Policy::allowing(AllowedHosts::Declared))
        .validate(&bad)
        .unwrap()
        .unwrap_err();
    let DestinationError::InvalidSettings(fields) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        fields
            .iter()
            .map(|f: &FieldError| f.key.as_str())
            .collect::<Vec<_>>(),
        ["batch_size"]
    );
}
