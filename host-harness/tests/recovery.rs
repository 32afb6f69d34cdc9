//! Recovering from a run that did not deliver everything, through the CLI: rows that
//! failed are resent with `--retry-failed` and only they; an interrupted run (a real
//! SIGINT or SIGTERM) says which rows were delivered, and the rerun sends the rest.
//! The sandbox holds every event once.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tiktok_sandbox::{Fault, Sandbox};

use common::{TOKEN, assert_exit, cache_dir, sandbox, stderr};

const ROWS: u64 = 2000;
/// Events per request (the `batch_size` setting): 20 requests for the whole input.
const EVENTS_PER_REQUEST: u64 = 100;
const INTERRUPTED: &str = "the run was interrupted before delivery was confirmed";

/// A job's files: settings, input, and one --out directory per run.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        let settings = json!({
            "access_token": TOKEN,
            "advertiser_id": "7000000000000000001",
            "event_set_id": "7181537436256731137",
            "batch_size": EVENTS_PER_REQUEST,
        });
        std::fs::write(dir.path().join("settings.json"), settings.to_string()).unwrap();
        std::fs::write(
            dir.path().join("rows.ndjson"),
            rows(|row| format!("ord-{row}")),
        )
        .unwrap();
        Job { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `send` with these extra arguments, writing to `--out <out>`.
    fn send(&self, sandbox: &Sandbox, out: &str, extra: &[&str]) -> Command {
        self.send_input(sandbox, &self.path("rows.ndjson"), out, extra)
    }

    /// [`Job::send`] of another input (`-` for stdin).
    fn send_input(&self, sandbox: &Sandbox, input: &Path, out: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_host-harness"));
        command
            .args(["send", "--settings"])
            .arg(self.path("settings.json"))
            .arg("--input")
            .arg(input)
            .args(["--endpoint", &sandbox.base_url(), "--out"])
            .arg(self.path(out))
            .args(extra)
            .env("XDG_CACHE_HOME", cache_dir());
        command
    }

    fn results(&self, out: &str) -> BTreeMap<u64, (String, Option<String>)> {
        let text = std::fs::read_to_string(self.path(out).join("results.ndjson")).unwrap();
        let mut results = BTreeMap::new();
        for line in text.lines() {
            let line: Value = serde_json::from_str(line).unwrap();
            let row = line["row"].as_u64().unwrap();
            let outcome = (
                line["status"].as_str().unwrap().to_string(),
                line["reason"].as_str().map(str::to_string),
            );
            assert!(results.insert(row, outcome).is_none(), "row {row} twice");
        }
        results
    }
}

/// The job's input, NDJSON: row `row` has event id `event_id(row)`.
fn rows(event_id: impl Fn(u64) -> String) -> String {
    (1..=ROWS)
        .map(|row| {
            format!(
                "{}\n",
                json!({
                    "email": format!("customer{row}@example.com"),
                    "event": "Purchase",
                    "event_id": event_id(row),
                    "timestamp": 1_767_225_600 + row,
                })
            )
        })
        .collect()
}

/// The event ids the sandbox holds, sorted by row.
fn held_rows(sandbox: &Sandbox) -> Vec<u64> {
    let mut rows: Vec<u64> = sandbox
        .accepted_events()
        .iter()
        .map(|e| {
            let id = e.json()["event_id"].as_str().unwrap().to_string();
            id.strip_prefix("ord-").unwrap().parse().unwrap()
        })
        .collect();
    rows.sort_unstable();
    rows
}

fn count(results: &BTreeMap<u64, (String, Option<String>)>, status: &str) -> usize {
    results.values().filter(|(s, _)| s == status).count()
}

/// Lets a request through untouched while using up a place in the fault queue, so the
/// faults after it hit later requests.
fn pass() -> Fault {
    Fault::ProcessThenStall(Duration::ZERO)
}

#[test]
fn retry_failed_resends_exactly_the_failed_rows_and_nothing_is_stored_twice() {
    let job = Job::new();
    let sandbox = sandbox();
    // The second request fails both of its attempts; the others are delivered.
    for fault in [pass(), Fault::Code(50002), Fault::Code(50002)] {
        sandbox.inject(fault);
    }
    let first = job
        .send(
            &sandbox,
            "first",
            &["--concurrency", "1", "--max-attempts", "2"],
        )
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let results = job.results("first");
    let failed: Vec<u64> = results
        .iter()
        .filter(|(_, (status, _))| status == "failed")
        .map(|(row, _)| *row)
        .collect();
    assert_eq!(failed, (101..=200).collect::<Vec<_>>());
    assert_eq!(
        results[&101].1.as_deref(),
        Some("gave up after 2 attempts: TikTok code 50002: The request timed out on the server.")
    );
    assert_eq!(count(&results, "delivered"), 1900);
    assert_eq!(sandbox.stats().faults_injected, 3, "two attempts, no third");

    // The file being retried is never overwritten.
    let refused = job
        .send(&sandbox, "first", &["--retry-failed"])
        .arg(job.path("first/results.ndjson"))
        .output()
        .unwrap();
    assert_exit(
        &refused,
        2,
        "write this run's results to another --out directory",
    );
    assert_eq!(job.results("first"), results);

    let retry = job
        .send(&sandbox, "retry", &["--retry-failed"])
        .arg(job.path("first/results.ndjson"))
        .output()
        .unwrap();
    assert!(retry.status.success(), "{}", stderr(&retry));
    assert!(
        stderr(&retry).contains("(1900 rows skipped)"),
        "{}",
        stderr(&retry)
    );
    assert!(
        stderr(&retry).contains("100 rows read: 100 delivered (100 events in 1 request)"),
        "{}",
        stderr(&retry)
    );
    assert_eq!(held_rows(&sandbox), (1..=ROWS).collect::<Vec<_>>());
    assert_eq!(
        sandbox.stats().duplicates_dropped,
        0,
        "nothing was resent twice"
    );
    let retried = job.results("retry");
    assert_eq!(retried.len() as u64, ROWS, "the new file is complete");
    assert_eq!(count(&retried, "delivered") as u64, ROWS);

    // Sending everything again by mistake stores nothing twice: the ids are the same.
    let again = job.send(&sandbox, "again", &[]).output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(sandbox.stats().duplicates_dropped, ROWS);
    assert_eq!(held_rows(&sandbox), (1..=ROWS).collect::<Vec<_>>());
}

#[test]
fn a_results_file_cut_mid_line_is_resumed_and_its_cut_row_sent_again() {
    let job = Job::new();
    let sandbox = sandbox();
    let first = job.send(&sandbox, "first", &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    // What kill -9 or a full disk leaves: the last line stops part-way.
    let old = job.path("first/results.ndjson");
    let text = std::fs::read_to_string(&old).unwrap();
    std::fs::write(&old, &text[..text.len() - 20]).unwrap();
    let retry = job
        .send(&sandbox, "retry", &["--retry-failed"])
        .arg(&old)
        .output()
        .unwrap();
    assert!(retry.status.success(), "{}", stderr(&retry));
    let expected = format!(
        "note: the last line of {} (line {ROWS}) is cut short, as a killed run or a full disk leaves it: its row counts as not settled and is sent again.",
        old.display()
    );
    assert!(stderr(&retry).contains(&expected), "{}", stderr(&retry));
    assert!(
        stderr(&retry).contains("1 row read: 1 delivered (1 event in 1 request)"),
        "{}",
        stderr(&retry)
    );
    assert_eq!(
        job.results("retry").len() as u64,
        ROWS,
        "one line per row again"
    );
    assert_eq!(
        sandbox.stats().duplicates_dropped,
        1,
        "the resent row was a duplicate"
    );
}

#[test]
fn retry_failed_refuses_another_input_before_sending_anything() {
    let job = Job::new();
    let sandbox = sandbox();
    let first = job.send(&sandbox, "first", &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let old = job.path("first/results.ndjson");
    let requests = sandbox.stats().requests_seen;

    // Row 1500 has another event id: the rows are not those the first run settled.
    let other = rows(|row| match row {
        1500 => "ord-1500-b".into(),
        _ => format!("ord-{row}"),
    });
    std::fs::write(job.path("other.ndjson"), &other).unwrap();
    let refused = job
        .send_input(
            &sandbox,
            &job.path("other.ndjson"),
            "retry",
            &["--retry-failed"],
        )
        .arg(&old)
        .output()
        .unwrap();
    let expected = format!(
        "error: nothing was sent: row 1500 of the input has another event_id than {} recorded for it: --retry-failed needs the same input as the run that wrote that file",
        old.display()
    );
    assert_exit(&refused, 2, &expected);
    assert_eq!(
        sandbox.stats().requests_seen,
        requests,
        "not even validated"
    );
    assert!(!job.path("retry").exists(), "no results file was started");

    // Stdin cannot be read twice: its rows are checked as they are read. (Row 1500 is in
    // the second and last batch, so the whole input is read before the run stops.)
    let mut piped = job
        .send_input(&sandbox, Path::new("-"), "piped", &["--retry-failed"])
        .arg(&old)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    piped
        .stdin
        .take()
        .unwrap()
        .write_all(other.as_bytes())
        .unwrap();
    let piped = piped.wait_with_output().unwrap();
    assert_exit(
        &piped,
        2,
        "error: stopped reading the input: row 1500 of the input has another event_id",
    );
    assert_eq!(held_rows(&sandbox), (1..=ROWS).collect::<Vec<_>>());
    assert_eq!(sandbox.stats().duplicates_dropped, 0, "nothing was resent");
}

/// Starts a run whose fourth request hangs (a gateway that answers after 1.5 s, again
/// on every retry), waits until that request reached the sandbox, and sends `signal`.
fn interrupted_run(job: &Job, sandbox: &Sandbox, signal: &str) -> Output {
    for _ in 0..3 {
        sandbox.inject(pass());
    }
    for _ in 0..30 {
        sandbox.inject(Fault::Stall(Duration::from_millis(1500)));
    }
    let mut child = job
        .send(sandbox, "interrupted", &["--concurrency", "1"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sandbox.stats().faults_injected < 4 {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            panic!("the run ended before the stall: {}", stderr(&output));
        }
        assert!(
            Instant::now() < deadline,
            "the stalled request never arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    wait_at_most(child, Duration::from_secs(30))
}

fn wait_at_most(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the interrupted run did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// Delivered rows are the first three requests'; every other row read is failed as
/// interrupted; the rows after them were never read and have no line.
fn assert_interrupted(job: &Job, sandbox: &Sandbox, output: &Output) {
    assert_exit(output, 130, "Interrupted: finishing the requests in flight");
    let resume = format!(
        "The run was interrupted: rows after those shown were not read. `send --retry-failed {}` (same input, another --out)",
        job.path("interrupted/results.ndjson").display()
    );
    assert!(stderr(output).contains(&resume), "{}", stderr(output));
    let results = job.results("interrupted");
    let delivered: Vec<u64> = results
        .iter()
        .filter(|(_, (status, _))| status == "delivered")
        .map(|(row, _)| *row)
        .collect();
    assert_eq!(delivered, (1..=300).collect::<Vec<_>>());
    assert_eq!(
        held_rows(sandbox),
        delivered,
        "the results file tells the truth"
    );
    for (row, outcome) in results.range(301..) {
        assert_eq!(
            outcome,
            &("failed".to_string(), Some(INTERRUPTED.to_string())),
            "row {row}"
        );
    }
    assert!(
        (results.len() as u64) < ROWS,
        "reading stopped: {} rows have a line",
        results.len()
    );
}

#[test]
fn an_interrupted_run_says_what_was_delivered_and_the_rerun_sends_only_the_rest() {
    let job = Job::new();
    let sandbox = sandbox();
    let interrupted = interrupted_run(&job, &sandbox, "-INT");
    assert_interrupted(&job, &sandbox, &interrupted);

    sandbox.clear_faults();
    let rerun = job
        .send(&sandbox, "rerun", &["--retry-failed"])
        .arg(job.path("interrupted/results.ndjson"))
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains("1700 rows read: 1700 delivered"),
        "{}",
        stderr(&rerun)
    );
    assert_eq!(held_rows(&sandbox), (1..=ROWS).collect::<Vec<_>>());
    assert_eq!(
        sandbox.stats().duplicates_dropped,
        0,
        "no row was sent twice"
    );
    assert_eq!(count(&job.results("rerun"), "delivered") as u64, ROWS);
}

#[test]
fn sigterm_stops_a_run_as_cleanly_as_ctrl_c() {
    let job = Job::new();
    let sandbox = sandbox();
    let interrupted = interrupted_run(&job, &sandbox, "-TERM");
    assert_interrupted(&job, &sandbox, &interrupted);
}
