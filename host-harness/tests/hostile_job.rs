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
use host_harness::{Destination, Policy, Runtime};

fn hostile() -> Destination {
    let policy = Policy {
        cpu_per_call: Duration::from_millis(200),
        memory_bytes: 16 << 20,
        ..Policy::default()
    };
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(policy, Some(cache)).unwrap());
    let wasm = std::fs::read(host_harness::HOSTILE_COMPONENT_PATH).unwrap();
    Destination::load(runtime, &wasm, Arc::new(Scripted::new())).unwrap()
}

/// Runs `send` over `lines` (NDJSON), two rows per batch; returns the summary and each
/// row's (status, reason).
fn run(mode: &str, lines: &[&str]) -> (Summary, BTreeMap<u64, (String, Option<String>)>) {
    let destination = hostile();
    let settings = [Setting {
        key: "mode".into(),
        value: SettingValue::Text(mode.into()),
    }];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.ndjson");
    let ledger = Ledger::new(Some(ResultsFile::create(&path).unwrap()), None);
    let job = Job {
        destination: &destination,
        settings: &settings,
        options: JobOptions::default(),
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
    for line in std::fs::read_to_string(&path).unwrap().lines() {
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
    (summary, results)
}

fn status(results: &BTreeMap<u64, (String, Option<String>)>, row: u64) -> &str {
    &results[&row].0
}

fn reason(results: &BTreeMap<u64, (String, Option<String>)>, row: u64) -> &str {
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
        assert!(
            reason(&results, row).starts_with("the component failed in send: ")
                && reason(&results, row).contains("hostile component panicked on purpose"),
            "{}",
            reason(&results, row)
        );
    }
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
