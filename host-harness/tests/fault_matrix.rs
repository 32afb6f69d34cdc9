//! The fault matrix: rows (about 1 % of them poison) sent through the real `send` job
//! against the sandbox, once per kind of fault TikTok's API and the network produce.
//! Each time the sandbox must hold exactly the valid rows' events, each once; every
//! poison row must be rejected with TikTok's reason; and the counts must add up.
//!
//! `cargo test -p host-harness --test fault_matrix` sends 2,000 rows per fault in seconds.
//! The long run, whose figures `docs/reliability.md` shows:
//!
//! ```text
//! FAULT_MATRIX_ROWS=100000 cargo test --release -p host-harness --test fault_matrix -- --nocapture
//! ```
//!
//! Poison rows: the host's clock runs three days ahead of TikTok's (a skewed clock), so
//! the component accepts an event two days ahead of TikTok's "now", and TikTok refuses
//! it (40002: more than a day in the future). It travels in a request with 99 good
//! events, and only it may be lost.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use host_harness::bindings::types::{Setting, SettingValue};
use host_harness::input::{Columns, Format, ORDER_KEY, Rows};
use host_harness::job::{Job, JobOptions, Ledger, RetryPolicy, Summary};
use host_harness::results::ResultsFile;
use host_harness::state::Clock;
use host_harness::transport::HttpTransport;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};
use serde_json::Value;
use tiktok_sandbox::{Fault, RandomFaults, Sandbox, Seed, StatusCode};
use url::Url;

const TOKEN: &str = "sandbox-token-0123456789abcdef";
const ADVERTISER: &str = "7000000000000000001";
const EVENT_SET: &str = "7181537436256731137";
/// Rows per `transform-batch` call, as the CLI.
const BATCH_ROWS: usize = 1000;
/// Events per request to TikTok (the `batch_size` setting).
const EVENTS_PER_REQUEST: i64 = 100;
/// Every row whose number leaves this remainder modulo 100 is poison: 1 %.
const POISON_REMAINDER: u64 = 50;
/// A valid row's time: 2026-01-01T00:00:00Z.
const PAST: u64 = 1_767_225_600;
const DAY: u64 = 24 * 60 * 60;
/// What the host's HTTP calls may wait: stalls of 10 s go well beyond it.
const HTTP_TIMEOUT: Duration = Duration::from_millis(500);
const STALL: Duration = Duration::from_secs(10);
const POISON_REASON: &str = "refused by TikTok: TikTok code 40002: Invalid value for data[0].event_time: more than a day in the future; Unix seconds are expected, not milliseconds.";

fn rows() -> u64 {
    std::env::var("FAULT_MATRIX_ROWS").map_or(2000, |n| n.parse().expect("a row count"))
}

fn is_poison(row: u64) -> bool {
    row % 100 == POISON_REMAINDER
}

fn event_id(row: u64) -> String {
    format!("ord-{row}")
}

/// One NDJSON line per row; poison rows are two days ahead of `tiktok_now`.
fn input(rows: u64, tiktok_now: u64) -> String {
    let mut ndjson = String::new();
    for row in 1..=rows {
        let time = if is_poison(row) {
            tiktok_now + 2 * DAY
        } else {
            PAST + row
        };
        ndjson.push_str(&format!(
            r#"{{"email":"customer{row}@example.com","event":"Purchase","event_id":"{}","timestamp":{time},"value":"{}.50","currency":"EUR"}}"#,
            event_id(row),
            row % 500,
        ));
        ndjson.push('\n');
    }
    ndjson
}

fn settings() -> Vec<Setting> {
    let text = |key: &str, value: &str| Setting {
        key: key.into(),
        value: SettingValue::Text(value.into()),
    };
    vec![
        text("access_token", TOKEN),
        text("advertiser_id", ADVERTISER),
        text("event_set_id", EVENT_SET),
        Setting {
            key: "batch_size".into(),
            value: SettingValue::Integer(EVENTS_PER_REQUEST),
        },
    ]
}

fn sandbox() -> Sandbox {
    let seed: Seed = serde_json::from_value(serde_json::json!({
        "access_token": TOKEN,
        "advertiser_id": ADVERTISER,
        "event_set_id": EVENT_SET,
    }))
    .unwrap();
    Sandbox::start("127.0.0.1:0".parse().unwrap(), seed).unwrap()
}

/// The TikTok component on a host whose clock runs three days ahead of TikTok's.
fn destination(sandbox: &Sandbox, tiktok_now: u64) -> Destination {
    let policy = Policy {
        max_http_timeout: HTTP_TIMEOUT,
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(policy, Some(cache)).unwrap());
    let endpoint = Url::parse(&sandbox.base_url()).unwrap();
    Destination::load(
        runtime,
        TIKTOK_COMPONENT,
        Arc::new(HttpTransport::new(Some(endpoint), &[]).unwrap()),
    )
    .unwrap()
    .with_clock(Clock::Fixed((tiktok_now + 3 * DAY) * 1000))
}

/// Short pauses so the matrix runs in seconds; TikTok's one-second throttle pause is
/// still honoured as the component asks for it, and as the host's floor before
/// resending records a send handed back as retryable.
fn job_options() -> JobOptions {
    JobOptions {
        concurrency: 4,
        retry: RetryPolicy {
            max_attempts: 12,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            max_elapsed: Duration::from_secs(300),
        },
        ..JobOptions::default()
    }
}

fn batches(ndjson: &str) -> host_harness::input::Batches<Rows<&[u8]>> {
    Rows::new(
        ndjson.as_bytes(),
        Format::Ndjson,
        &Columns::new([ORDER_KEY]),
    )
    .unwrap()
    .batches(NonZeroUsize::new(BATCH_ROWS).unwrap())
}

/// The events `transform` prepares for the valid rows, by event id.
fn expected_events(destination: &Destination, ndjson: &str) -> HashMap<String, Value> {
    let job = Job {
        destination,
        settings: &settings(),
        options: job_options(),
    };
    let mut events = HashMap::new();
    job.transform(batches(ndjson), &Ledger::new(None, None), |request| {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        for event in body["data"].as_array().unwrap() {
            let id = event["event_id"].as_str().unwrap().to_string();
            events.insert(id, event.clone());
        }
        Ok(())
    })
    .unwrap();
    for row in (1..=rows()).filter(|&row| is_poison(row)) {
        events.remove(&event_id(row));
    }
    events
}

/// One fault kind: a burst at the start, then the same at random throughout.
struct Scenario {
    name: &'static str,
    burst: Vec<Fault>,
    random: Vec<Fault>,
    probability: f64,
}

impl Scenario {
    fn kind(name: &'static str, fault: Fault, burst: usize) -> Scenario {
        Scenario {
            name,
            burst: vec![fault.clone(); burst],
            random: vec![fault],
            probability: 0.02,
        }
    }
}

fn all_kinds() -> Vec<Fault> {
    vec![
        Fault::Code(40100),
        Fault::Code(40133),
        Fault::Code(50002),
        Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
        Fault::Status(StatusCode::BAD_GATEWAY),
        Fault::Stall(STALL),
        Fault::Reset,
        Fault::ProcessThenStall(STALL),
        Fault::NotJson,
    ]
}

/// What one scenario did, as `docs/reliability.md` reports it.
struct Figures {
    faults: u64,
    requests_seen: u64,
    resends_absorbed: u64,
    summary: Summary,
    lost: usize,
    duplicated: usize,
    wall: Duration,
}

fn run(scenario: &Scenario) -> Figures {
    let rows = rows();
    let sandbox = sandbox();
    let tiktok_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ndjson = input(rows, tiktok_now);
    let destination = destination(&sandbox, tiktok_now);
    let expected = expected_events(&destination, &ndjson);
    for fault in &scenario.burst {
        sandbox.inject(fault.clone());
    }
    let random = RandomFaults::new(scenario.probability, scenario.random.clone(), 4);
    sandbox.randomise_faults(random.unwrap());

    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.ndjson");
    let ledger = Ledger::new(Some(ResultsFile::create(&results).unwrap()), None);
    let job = Job {
        destination: &destination,
        settings: &settings(),
        options: job_options(),
    };
    let started = Instant::now();
    job.send(batches(&ndjson), &ledger).unwrap();
    let summary = ledger.finish();
    let wall = started.elapsed();
    let stats = sandbox.stats();
    let name = scenario.name;

    // The sandbox holds exactly the valid rows' events, each once, as prepared.
    let mut held: HashMap<String, Value> = HashMap::new();
    let mut duplicated = 0;
    for accepted in sandbox.accepted_events() {
        let event = accepted.json();
        let id = event["event_id"].as_str().unwrap().to_string();
        duplicated += usize::from(held.insert(id, event).is_some());
    }
    let lost = expected.keys().filter(|id| !held.contains_key(*id)).count();
    let unexpected: Vec<&String> = held
        .keys()
        .filter(|id| !expected.contains_key(*id))
        .collect();
    let altered = expected
        .iter()
        .filter(|(id, event)| held.get(*id).is_some_and(|held| held != *event))
        .count();
    assert_eq!((lost, duplicated), (0, 0), "{name}: lost, duplicated");
    assert!(
        unexpected.is_empty(),
        "{name}: poison stored: {unexpected:?}"
    );
    assert_eq!(
        altered, 0,
        "{name}: events differ from what transform prepared"
    );

    // Every row has one outcome; poison rows are rejected with TikTok's reason.
    let poison = (1..=rows).filter(|&row| is_poison(row)).count() as u64;
    assert_eq!(summary.rows_read, rows, "{name}");
    assert_eq!(summary.rows_delivered, rows - poison, "{name}");
    assert_eq!(
        summary.rejected,
        BTreeMap::from([(POISON_REASON.to_string(), poison)]),
        "{name}"
    );
    assert_eq!(summary.failed, BTreeMap::new(), "{name}");
    assert_eq!(summary.rows_settled(), rows, "{name}");
    assert_eq!(summary.stopped, None, "{name}");
    let mut outcomes: Vec<(u64, String)> = std::fs::read_to_string(&results)
        .unwrap()
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).unwrap();
            let status = line["status"].as_str().unwrap().to_string();
            (line["row"].as_u64().unwrap(), status)
        })
        .collect();
    outcomes.sort();
    let want: Vec<(u64, String)> = (1..=rows)
        .map(|row| {
            let status = if is_poison(row) {
                "rejected"
            } else {
                "delivered"
            };
            (row, status.to_string())
        })
        .collect();
    assert!(
        outcomes == want,
        "{name}: results.ndjson is not one line per row"
    );

    Figures {
        faults: stats.faults_injected,
        requests_seen: stats.requests_seen,
        resends_absorbed: stats.duplicates_dropped,
        summary,
        lost,
        duplicated,
        wall,
    }
}

fn report(name: &str, figures: &Figures) {
    let s = &figures.summary;
    println!(
        "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
        s.rows_read,
        figures.faults,
        s.rows_delivered,
        s.rows_rejected(),
        s.rows_failed(),
        figures.lost,
        figures.duplicated,
        figures.resends_absorbed,
        figures.requests_seen,
        figures.wall.as_secs_f64(),
    );
}

fn check(scenario: Scenario) -> Figures {
    let figures = run(&scenario);
    report(scenario.name, &figures);
    assert!(
        figures.faults > 0,
        "{}: no fault was injected",
        scenario.name
    );
    figures
}

#[test]
fn throttle_40100_bursts() {
    check(Scenario::kind("40100 bursts", Fault::Code(40100), 8));
}

#[test]
fn throttle_40133() {
    check(Scenario::kind("40133", Fault::Code(40133), 8));
}

#[test]
fn server_error_50002() {
    check(Scenario::kind("50002", Fault::Code(50002), 8));
}

#[test]
fn gateway_errors_with_html_bodies() {
    let errors = [StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_GATEWAY];
    check(Scenario {
        name: "HTTP 500/502, HTML body",
        burst: errors
            .iter()
            .cycle()
            .take(8)
            .map(|s| Fault::Status(*s))
            .collect(),
        random: errors.map(Fault::Status).to_vec(),
        probability: 0.02,
    });
}

#[test]
fn stalls_beyond_the_timeout() {
    check(Scenario::kind("10 s stalls", Fault::Stall(STALL), 4));
}

#[test]
fn connections_reset_mid_response() {
    check(Scenario::kind("reset mid-response", Fault::Reset, 8));
}

#[test]
fn html_on_http_200() {
    check(Scenario::kind("HTML on HTTP 200", Fault::NotJson, 8));
}

#[test]
fn processed_but_the_answer_never_arrives() {
    let figures = check(Scenario::kind(
        "processed, answer lost",
        Fault::ProcessThenStall(STALL),
        4,
    ));
    assert!(
        figures.resends_absorbed > 0,
        "the resends of processed requests were absorbed by deduplication"
    );
}

#[test]
fn one_percent_random_faults_of_all_kinds() {
    check(Scenario {
        name: "1 % random, all kinds",
        burst: vec![],
        random: all_kinds(),
        probability: 0.01,
    });
}
