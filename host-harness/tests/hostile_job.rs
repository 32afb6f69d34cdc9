//! A hostile component inside a real `send` job (`test-components/hostile`): a batch
//! whose instance loops, runs out of memory or panics fails its own rows and no others,
//! and a record the component does not account for is never reported delivered.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use host_harness::bindings::types::{Setting, SettingValue};
use host_harness::input::{Columns, Format, Rows};
use host_harness::job::{Job, JobOptions, Ledger, Summary};
use host_harness::results::ResultsFile;
use host_harness::transport::Scripted;
use host_harness::{AllowedHosts, Destination, Policy, Runtime};

fn hostile() -> Destination {
    let policy = Policy {
        cpu_per_call: Duration::from_millis(200),
        memory_bytes: 16 << 20,
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(policy, Some(cache)).unwrap());
    let wasm = std::fs::read(host_harness::HOSTILE_COMPONENT_PATH).unwrap();
    // The one call a behaving send makes, answered for every send of a test.
    let script = Scripted::new();
    for _ in 0..1_000 {
        script.json(
            USER_INFO,
            serde_json::json!({"code": 0, "message": "OK", "data": {}}),
        );
    }
    Destination::load(runtime, &wasm, Arc::new(script)).unwrap()
}

const USER_INFO: &str = "GET https://business-api.tiktok.com/open_api/v1.3/user/info/";

/// Runs `send` over `lines` (NDJSON), two rows per batch; returns the summary and each
/// row's (status, reason).
/// Row number → (status, reason).
type Results = BTreeMap<u64, (String, Option<String>)>;

fn run(mode: &str, lines: &[&str]) -> (Summary, Results) {
    let (summary, results, _) = run_with_token(mode, lines);
    (summary, results)
}

/// The hostile component's secret setting, as a user would enter it.
const TOKEN: &str = "tok-HOSTILE-0123456789-secret";

/// [`run`] with the secret `access_token` set; also returns the results file's text.
fn run_with_token(mode: &str, lines: &[&str]) -> (Summary, Results, String) {
    run_job(mode, lines, JobOptions::default())
}

fn run_job(mode: &str, lines: &[&str], options: JobOptions) -> (Summary, Results, String) {
    let destination = hostile();
    let settings = [
        Setting {
            key: "access_token".into(),
            value: SettingValue::Text(TOKEN.into()),
        },
        Setting {
            key: "mode".into(),
            value: SettingValue::Text(mode.into()),
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.ndjson");
    let ledger = Ledger::new(Some(ResultsFile::create(&path).unwrap()), None);
    let job = Job {
        destination: &destination,
        settings: &settings,
        options,
    };
    let input = lines.join("\n");
    let batches = Rows::new(
        input.as_bytes(),
        Format::Ndjson,
        &Columns::of(destination.spec()),
    )
    .unwrap()
    .batches(NonZeroUsize::new(2).unwrap());
    job.send(batches, &ledger).unwrap();
    let summary = ledger.finish();
    let mut results = BTreeMap::new();
    let text = std::fs::read_to_string(&path).unwrap();
    for line in text.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        let outcome = (
            line["status"].as_str().unwrap().to_string(),
            line["reason"].as_str().map(str::to_string),
        );
        assert!(
            results
                .insert(line["row"].as_u64().unwrap(), outcome)
                .is_none()
        );
    }
    (summary, results, text)
}

fn status(results: &Results, row: u64) -> &str {
    &results[&row].0
}

fn reason(results: &Results, row: u64) -> &str {
    results[&row].1.as_deref().unwrap()
}

#[test]
fn a_batch_that_misbehaves_fails_its_rows_and_the_other_batches_are_delivered() {
    let (summary, results) = run(
        "per-record",
        &[
            r#"{"n":1}"#,
            r#"{"n":2}"#,
            r#"{"n":3,"misbehave":"loop"}"#,
            r#"{"n":4}"#,
            r#"{"n":5}"#,
            r#"{"n":6,"misbehave":"alloc"}"#,
            r#"{"n":7,"misbehave_in_send":"panic"}"#,
            r#"{"n":8}"#,
            r#"{"n":9}"#,
            r#"{"n":10,"misbehave":"recurse"}"#,
            r#"{"n":11}"#,
            r#"{"n":12}"#,
        ],
    );

    let delivered: Vec<u64> = (1..=12)
        .filter(|&row| status(&results, row) == "delivered")
        .collect();
    assert_eq!(delivered, [1, 2, 11, 12]);
    let cpu = "the component's transform-batch was stopped: CPU time limit of 200ms exceeded";
    let memory = "the component's transform-batch was stopped: memory limit of 16 MiB exceeded";
    for (rows, expected) in [([3, 4], cpu), ([5, 6], memory)] {
        for row in rows {
            assert_eq!(results[&row], ("failed".into(), Some(expected.into())));
        }
    }
    for row in [7, 8] {
        assert_eq!(status(&results, row), "failed");
    }
    assert!(
        reason(&results, 7).starts_with("the component failed in send: ")
            && reason(&results, 7).contains("hostile component panicked on purpose"),
        "{}",
        reason(&results, 7)
    );
    // The batch's error, with the component's stderr, is stored once.
    assert!(
        reason(&results, 8).starts_with("the component failed in send: ")
            && reason(&results, 8).ends_with("… (in full at row 7)"),
        "{}",
        reason(&results, 8)
    );
    for row in [9, 10] {
        assert_eq!(status(&results, row), "failed");
        assert!(
            reason(&results, row).starts_with("the component failed in transform-batch: "),
            "{}",
            reason(&results, row)
        );
    }
    assert_eq!(summary.rows_read, 12);
    assert_eq!(summary.rows_delivered, 4);
    assert_eq!(summary.rows_failed(), 8);
    assert_eq!(summary.rows_settled(), 12);
}

/// Each send stays under the per-call cap, but the job as a whole may make only 512
/// calls plus 8 a row: 300 a send for three 2-row batches passes it at the third.
#[test]
fn a_job_stops_sending_once_its_http_budget_is_spent() {
    let one_at_a_time = JobOptions {
        concurrency: 1,
        ..JobOptions::default()
    };
    let (summary, results, _) = run_job("http-many", &SIX, one_at_a_time);
    for row in 1..=4 {
        assert_eq!(status(&results, row), "delivered", "row {row}");
    }
    for row in [5, 6] {
        assert_eq!(
            results[&row],
            (
                "failed".into(),
                Some("not sent: the component made 600 HTTP calls for 6 rows, past the job's budget of 560 (512 plus 8 a row)".into())
            )
        );
    }
    assert_eq!(summary.requests, 2);
}

#[test]
fn records_the_component_does_not_account_for_are_never_reported_delivered() {
    for (mode, problem) in [
        (
            "phantom",
            "the component broke the contract in send: 3 outcomes (3 distinct) for the request's 2 records, or not in its order",
        ),
        (
            "send-missing-outcome",
            "the component broke the contract in send: 1 outcomes (1 distinct) for the request's 2 records, or not in its order",
        ),
    ] {
        let (summary, results) = run(mode, &[r#"{"n":1}"#, r#"{"n":2}"#, r#"{"n":3}"#]);
        assert_eq!(summary.rows_delivered, 0, "{mode}");
        assert_eq!(summary.rows_settled(), 3, "{mode}");
        for row in [1, 2] {
            assert_eq!(
                results[&row],
                ("failed".to_string(), Some(problem.to_string())),
                "{mode}"
            );
        }
        assert_eq!(status(&results, 3), "failed", "{mode}");
    }
}

/// Six rows, two per batch.
const SIX: [&str; 6] = [
    r#"{"n":1}"#,
    r#"{"n":2}"#,
    r#"{"n":3}"#,
    r#"{"n":4}"#,
    r#"{"n":5}"#,
    r#"{"n":6}"#,
];

/// A 0.1 plugin holds the token, and puts it in a reason and an event id: the host
/// scrubs every string a guest returns before storing it.
#[test]
fn a_token_a_plugin_returns_is_scrubbed_from_reasons_and_event_ids() {
    let (summary, results, text) = run_with_token("leak", &SIX);
    assert!(!text.contains(TOKEN), "{text}");
    assert!(summary.rejected.keys().all(|r| !r.contains(TOKEN)));
    assert_eq!(
        results[&1],
        (
            "rejected".into(),
            Some("rejected, the token is [redacted]".into())
        )
    );
    assert_eq!(status(&results, 2), "delivered");
    assert!(text.contains(r#""event_id":"1-[redacted]""#), "{text}");
}

/// Reasons are cut to about 1 KiB and marked, however long a plugin makes them.
#[test]
fn a_reason_is_cut_to_a_kilobyte_and_says_so() {
    let (summary, results, text) = run_with_token("huge", &SIX);
    assert_eq!(summary.rows_rejected(), 6);
    // The component numbers its reasons within each batch of two: two distinct ones.
    for row in [1, 2] {
        let reason = reason(&results, row);
        assert!(reason.len() <= 1_100, "{}", reason.len());
        assert!(
            reason.ends_with(&format!("… [cut: {} of 50002 bytes]", 50_002 - 1_024)),
            "{reason}"
        );
    }
    // Repeated, a long reason is stored once and referred to.
    for row in 3..=6 {
        let first = 2 - row % 2;
        assert!(
            reason(&results, row).ends_with(&format!("… (in full at row {first})")),
            "{}",
            reason(&results, row)
        );
    }
    assert!(text.len() < 2 * 1_200 + 4 * 300, "{}", text.len());
}

/// A reason cannot clear a terminal, retitle it, overwrite a line or forge one.
#[test]
fn control_characters_in_a_reason_are_escaped() {
    let (summary, results, _) = run_with_token("escape", &SIX);
    let escaped = r"\u{1b}[2J\u{1b}]0;owned\u{7}\rdelivered 1000000\nINFO forged line";
    assert_eq!(reason(&results, 1), escaped);
    assert!(
        summary
            .rejected
            .keys()
            .all(|r| !r.chars().any(char::is_control))
    );
}

/// `delivered` needs an answered HTTP call: a plugin that claims deliveries without one
/// breaks the contract, and its rows fail, never count as delivered.
#[test]
fn deliveries_claimed_without_an_http_call_are_not_believed() {
    let (summary, results) = run("no-http-delivered", &SIX);
    assert_eq!(summary.rows_delivered, 0);
    assert_eq!(
        results[&1],
        (
            "failed".into(),
            Some("the component broke the contract in send: it reported events delivered without one HTTP call answered: nothing can have arrived".into())
        )
    );
}

/// A plugin that traps after an answered HTTP call may have delivered: its rows are
/// failed, and the reason says so rather than "safe to resend".
#[test]
fn a_trap_after_http_says_the_rows_may_have_been_delivered() {
    let (_, results) = run("trap-after-http", &SIX);
    // Batches settle in any order: the first row written has the reason in full.
    let full = |row: u64| !reason(&results, row).contains("… (in full at row ");
    let first = (1..=6).find(|&row| full(row)).unwrap();
    for row in 1..=6 {
        assert_eq!(status(&results, row), "failed");
        let reason = reason(&results, row);
        match full(row) {
            true => assert!(
                reason.starts_with("the component failed in send: ")
                    && reason.ends_with("; it had already had answers to HTTP calls, so its rows may have been delivered (resending them is safe where the destination deduplicates, as TikTok does on event_id)"),
                "{reason}"
            ),
            false => assert!(reason.ends_with(&format!("… (in full at row {first})")), "{reason}"),
        }
    }
}
