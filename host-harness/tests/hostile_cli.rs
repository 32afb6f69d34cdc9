//! The hostile test component (`test-components/hostile`) through the `host-harness`
//! command: what a plugin says reaches the terminal bounded and escaped.

mod common;

use std::path::Path;
use std::process::Output;

use common::{harness, path, stderr};

/// `host-harness transform` of `rows` one-key rows with the hostile component in `mode`.
fn transform(mode: &str, rows: usize, dir: &Path) -> Output {
    let settings = dir.join("settings.json");
    std::fs::write(&settings, format!(r#"{{"mode": "{mode}"}}"#)).unwrap();
    let input = dir.join("rows.ndjson");
    let text: String = (1..=rows).map(|n| format!("{{\"n\":{n}}}\n")).collect();
    std::fs::write(&input, text).unwrap();
    harness(&[
        "--component",
        host_harness::HOSTILE_COMPONENT_PATH,
        "transform",
        "--settings",
        path(&settings),
        "--input",
        path(&input),
        "--out",
        path(&dir.join("out")),
    ])
}

/// 10,000 log lines a call, each with a line break meant to forge a host log line: 200
/// a call are kept, each on one line, and one line says how many were dropped. (Two
/// calls: `transform` checks the settings with an empty batch first.)
#[test]
fn a_log_flood_is_cut_to_a_budget_and_cannot_forge_lines() {
    let dir = tempfile::tempdir().unwrap();
    let output = transform("log-flood", 3, dir.path());
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    let kept = text.lines().filter(|l| l.contains("line ")).count();
    assert_eq!(kept, 2 * 200, "{text}");
    assert!(
        text.lines().all(|l| !l.starts_with("ERROR forged")),
        "a guest's line break started a line of its own"
    );
    assert!(text.contains("line 0\\nERROR forged host line"), "{text}");
    let dropped =
        "9800 more log lines of this transform-batch call dropped: at most 200 a call are kept";
    assert_eq!(text.matches(dropped).count(), 2, "{text}");
}

/// 30 distinct reasons: the summary shows the 20 most frequent and counts the rest in
/// one line.
#[test]
fn a_summary_shows_twenty_reasons_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let output = transform("huge", 30, dir.path());
    let text = stderr(&output);
    let shown = text
        .lines()
        .filter(|l| l.starts_with("  rejected "))
        .count();
    assert_eq!(shown, 21, "{text}");
    assert!(
        text.contains(
            "  rejected      10  … and 10 other reasons (each row's is in results.ndjson)"
        ),
        "{text}"
    );
    assert!(text.len() < 30_000, "{} bytes of summary", text.len());
}
