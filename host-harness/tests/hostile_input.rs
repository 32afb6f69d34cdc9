//! Hostile input files through the whole CLI: malformed lines, invalid UTF-8, a 10 MB
//! cell, 10,000 columns, 100,000 emails in one row. Each bad row gets its own clear
//! reason (naming the rule, never the value), and the good rows around them are
//! delivered.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use tiktok_sandbox::Sandbox;

use common::sandbox;

const TEN_MB: usize = 10 << 20;

fn settings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/settings.json")
}

fn send(sandbox: &Sandbox, input: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(["send", "--settings"])
        .arg(settings())
        .arg("--input")
        .arg(input)
        .args(["--endpoint", &sandbox.base_url(), "--out"])
        .arg(out)
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
        )
        .output()
        .unwrap()
}

/// Row number → (status, reason), one line per row.
fn results(out: &Path) -> BTreeMap<u64, (String, Option<String>)> {
    let text = std::fs::read_to_string(out.join("results.ndjson")).unwrap();
    let mut results = BTreeMap::new();
    for line in text.lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        let outcome = (
            line["status"].as_str().unwrap().to_string(),
            line["reason"].as_str().map(str::to_string),
        );
        let row = line["row"].as_u64().unwrap();
        assert!(results.insert(row, outcome).is_none(), "row {row} twice");
    }
    results
}

/// Four rows, the third rejected for `reason` and the others `ok`: the fixtures' shape.
fn third_rejected(
    ok: (String, Option<String>),
    reason: &str,
) -> BTreeMap<u64, (String, Option<String>)> {
    BTreeMap::from([
        (1, ok.clone()),
        (2, ok.clone()),
        (3, rejected(reason)),
        (4, ok),
    ])
}

fn delivered() -> (String, Option<String>) {
    ("delivered".into(), None)
}

fn rejected(reason: &str) -> (String, Option<String>) {
    ("rejected".into(), Some(reason.into()))
}

fn held_event_ids(sandbox: &Sandbox) -> Vec<String> {
    let mut ids: Vec<String> = sandbox
        .accepted_events()
        .iter()
        .map(|e| e.json()["event_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn good_row(n: u32) -> Vec<u8> {
    let row = json!({
        "email": format!("good{n}@example.com"),
        "event": "Purchase",
        "event_id": format!("ord-{n}"),
        "timestamp": "2026-01-01T00:00:00Z",
    });
    row.to_string().into_bytes()
}

#[test]
fn every_hostile_ndjson_line_gets_its_reason_and_the_run_goes_on() {
    let mut wide = serde_json::Map::new();
    for i in 0..10_000 {
        wide.insert(format!("c{i}"), json!("v"));
    }
    wide.insert("email".into(), json!("wide@example.com"));
    wide.insert("event_id".into(), json!("ord-wide"));
    wide.insert("timestamp".into(), json!("2026-01-01T00:00:00Z"));
    // Just under the 1 MiB row limit, so the component sees all 100,000.
    let emails: Vec<String> = (0..100_000).map(|i| format!("{i}@b")).collect();
    let many = json!({"email": emails, "event_id": "ord-many", "timestamp": "2026-01-01"});
    let lines: Vec<Vec<u8>> = vec![
        good_row(1),
        br#"{"email": "broken@example.com", "event": "#.to_vec(),
        b"{\"email\": \"caf\xe9@example.com\"}".to_vec(),
        json!({"email": "x".repeat(TEN_MB), "event_id": "ord-big"})
            .to_string()
            .into_bytes(),
        Value::Object(wide).to_string().into_bytes(),
        many.to_string().into_bytes(),
        b"[1, 2, 3]".to_vec(),
        good_row(2),
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.ndjson");
    std::fs::write(&input, lines.join(&b'\n')).unwrap();
    let sandbox = sandbox();

    let output = send(&sandbox, &input, &dir.path().join("out"));

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = results(&dir.path().join("out"));
    let expected = BTreeMap::from([
        (1, delivered()),
        (
            2,
            rejected("invalid JSON: EOF while parsing a value at column 41"),
        ),
        (3, rejected("invalid UTF-8 at byte 15")),
        (4, rejected("row larger than 1 MiB")),
        (5, delivered()),
        (6, rejected("email: more than 1000 values in one row")),
        (7, rejected("not a JSON object")),
        (8, delivered()),
    ]);
    assert_eq!(results, expected);
    assert_eq!(held_event_ids(&sandbox), ["ord-1", "ord-2", "ord-wide"]);
}

#[test]
fn every_hostile_csv_row_gets_its_reason_and_the_run_goes_on() {
    // 10,000 columns: the four the component reads, then 9,996 it ignores.
    let mut header = String::from("email,event,event_id,timestamp");
    for i in 4..10_000 {
        header.push_str(&format!(",c{i}"));
    }
    let empty_cells = ",".repeat(9_996);
    let row = |email: &[u8], order: &str| -> Vec<u8> {
        let mut row = email.to_vec();
        row.extend_from_slice(format!(",Purchase,{order},2026-01-01{empty_cells}").as_bytes());
        row
    };
    let lines: Vec<Vec<u8>> = vec![
        header.into_bytes(),
        row(b"good1@example.com", "ord-1"),
        b"short@example.com,Purchase,ord-short".to_vec(),
        row(b"caf\xe9@example.com", "ord-latin1"),
        row("x".repeat(TEN_MB).as_bytes(), "ord-big"),
        row(b"good2@example.com", "ord-2"),
        row(b"\"unclosed@example.com", "ord-open"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.csv");
    std::fs::write(&input, lines.join(&b'\n')).unwrap();
    let sandbox = sandbox();

    let output = send(&sandbox, &input, &dir.path().join("out"));

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = BTreeMap::from([
        (1, delivered()),
        (2, rejected("CSV: row has 3 fields, header has 10000")),
        (
            3,
            rejected("column `email`: invalid UTF-8 at byte 4 of the cell"),
        ),
        (4, rejected("row larger than 1 MiB")),
        (5, delivered()),
        (
            6,
            rejected("CSV: quoted field not closed before the end of the file"),
        ),
    ]);
    assert_eq!(results(&dir.path().join("out")), expected);
    assert_eq!(held_event_ids(&sandbox), ["ord-1", "ord-2"]);
}

#[test]
fn a_row_naming_an_event_set_that_does_not_exist_is_rejected_and_the_run_goes_on() {
    let mut unknown_set: Value = serde_json::from_slice(&good_row(2)).unwrap();
    unknown_set["event_set_id"] = json!("7999999999999999999");
    let lines = [
        good_row(1),
        unknown_set.to_string().into_bytes(),
        good_row(3),
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.ndjson");
    std::fs::write(&input, lines.join(&b'\n')).unwrap();
    let sandbox = sandbox();

    let output = send(&sandbox, &input, &dir.path().join("out"));

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = BTreeMap::from([
        (1, delivered()),
        (
            2,
            rejected(
                "event_set_id 7999999999999999999 of the row: TikTok code 40007: Invalid value for event_source_id: the offline event set does not exist.",
            ),
        ),
        (3, delivered()),
    ]);
    assert_eq!(results(&dir.path().join("out")), expected);
    assert_eq!(held_event_ids(&sandbox), ["ord-1", "ord-3"]);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inputs")
        .join(name)
}

/// Sends the fixture `name` into a fresh directory; the run must succeed. Returns the
/// directory and each row's outcome.
fn send_fixture(
    sandbox: &Sandbox,
    name: &str,
) -> (tempfile::TempDir, BTreeMap<u64, (String, Option<String>)>) {
    let dir = tempfile::tempdir().unwrap();
    let output = send(sandbox, &fixture(name), dir.path());
    assert!(
        output.status.success(),
        "{name}: {}",
        common::stderr(&output)
    );
    let results = results(dir.path());
    (dir, results)
}

const NOT_A_DATE: &str = "timestamp: not an ISO 8601 date-time, Unix seconds or Unix milliseconds";

/// Files as real writers write them (`scripts/input_fixtures.py`: Python's csv, gzip
/// and json): gzip recognised by its content as well as its name, tab-separated cells,
/// an upper-case header, empty cells and nulls, non-ASCII text, ids beyond a double's
/// precision (as text, and as NDJSON integers), and a bad record in the middle that
/// gets its own outcome while the others are delivered.
#[test]
fn files_from_real_writers_are_read_compressed_or_not() {
    let sandbox = sandbox();
    for name in ["python.csv.gz", "python.tsv", "gzipped-but-named.csv"] {
        let (_dir, results) = send_fixture(&sandbox, name);
        assert_eq!(results, third_rejected(delivered(), NOT_A_DATE), "{name}");
    }
    let (dir, results) = send_fixture(&sandbox, "python.jsonl.gz");
    assert_eq!(
        results,
        BTreeMap::from([
            (1, delivered()),
            (2, delivered()),
            (
                3,
                rejected("invalid JSON: EOF while parsing a value at column 38")
            ),
            (4, rejected(NOT_A_DATE)),
            (5, delivered()),
        ])
    );
    // The 64-bit ids arrive exact, as text.
    let ids: Vec<Value> = common::lines(&dir.path().join("results.ndjson"))
        .into_iter()
        .map(|line| line["event_id"].clone())
        .collect();
    assert!(ids.contains(&json!("9007199254740993")), "{ids:?}");
    assert!(ids.contains(&json!("9007199254740995")), "{ids:?}");
}

/// A compressed export cut short (a full disk, an interrupted copy): the rows before
/// the cut are settled and delivered, and the run fails, saying where it stopped.
#[test]
fn a_cut_gzip_file_settles_the_rows_before_the_cut_and_fails_the_run() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let output = send(&sandbox, &fixture("cut.csv.gz"), dir.path());
    common::assert_exit(
        &output,
        2,
        "read error after 975 rows: incomplete deflate stream",
    );
    let results = results(dir.path());
    assert_eq!(results.len(), 975);
    assert!(results.values().all(|outcome| *outcome == delivered()));
}

/// `host-harness transform` of `input` on stdin, with `extra` arguments.
fn transform_stdin(input: &[u8], extra: &[&str], out: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(["transform", "--settings"])
        .arg(settings())
        .args(["--input", "-", "--out"])
        .arg(out)
        .args(extra)
        .env("XDG_CACHE_HOME", common::cache_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// CSV on stdin needs `--format csv`; without it, stdin is NDJSON, and CSV piped in is
/// refused with what to do rather than read as one bad row per line.
#[test]
fn csv_on_stdin_is_read_with_format_csv_and_refused_without() {
    let tsv = std::fs::read(fixture("python.tsv")).unwrap();
    let transform = |extra: &[&str], out: &Path| transform_stdin(&tsv, extra, out);
    let dir = tempfile::tempdir().unwrap();
    let read = transform(&["--format", "csv"], dir.path());
    assert!(read.status.success(), "{}", common::stderr(&read));
    let accepted = ("accepted".to_string(), None);
    assert_eq!(
        results(dir.path()),
        third_rejected(accepted.clone(), NOT_A_DATE)
    );
    let refused = transform(&[], &dir.path().join("refused"));
    common::assert_exit(
        &refused,
        2,
        "stdin does not start with a JSON object, as NDJSON does, nor as Parquet does; for CSV, pass --format csv",
    );
}

/// `scripts/input_fixtures.py`'s Parquet files, as pyarrow's defaults and Spark write
/// them: typed rows reach TikTok as the same rows in NDJSON would, each bad row gets
/// its own outcome, and stdin's Parquet is recognised by its first bytes.
#[test]
fn parquet_from_pyarrow_and_spark_is_delivered_with_its_types_intact() {
    let sandbox = sandbox();
    let (_dir, results) = send_fixture(&sandbox, "pyarrow.parquet");
    assert_eq!(
        results,
        third_rejected(delivered(), "timestamp: more than 10 minutes in the future")
    );
    let events: BTreeMap<String, Value> = sandbox
        .accepted_events()
        .iter()
        .map(|event| {
            let event = event.json();
            (event["event_id"].as_str().unwrap().to_string(), event)
        })
        .collect();
    // Python: datetime(2026, 11, 11, 10, tzinfo=timezone.utc).timestamp(), and 11:00:00.25.
    assert_eq!(events["9007199254740993"]["event_time"], json!(1794391200));
    assert_eq!(events["9007199254740995"]["event_time"], json!(1794394800));
    assert_eq!(
        events["9007199254740993"]["properties"],
        json!({
            "currency": "EUR",
            "value": 12.5,
            "content_type": "product",
            "contents": [{"content_id": "crème", "price": 6.25, "quantity": 2}],
        })
    );
    // Python: hashlib.sha256(b"+442079460456").hexdigest(); the list's null is absent.
    assert_eq!(
        events["9007199254740995"]["user"],
        json!({"phone": ["d96fe6be41a3e71a7ca4d88b8d180dff1ff79124e2e3b393ebe756ed85d0ca59"]})
    );
    assert_eq!(events.len(), 3);

    sandbox.reset_events();
    let (_dir, results) = send_fixture(&sandbox, "spark.parquet");
    assert_eq!(
        results,
        third_rejected(
            delivered(),
            "column `content_name`: invalid UTF-8 at byte 2 of the cell"
        )
    );
    assert_eq!(
        held_event_ids(&sandbox),
        ["9007199254740993", "9007199254740995", "o-4"]
    );
}

/// Parquet's index is at the end of the file: one cut short is refused before any row,
/// saying why, rather than read as nothing.
#[test]
fn a_cut_parquet_file_is_refused_saying_why() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let output = send(&sandbox, &fixture("cut.parquet"), dir.path());
    common::assert_exit(
        &output,
        2,
        "cut.parquet: not a readable Parquet file: Parquet error: Invalid Parquet file. Corrupt footer (Parquet keeps its index at its end: a file cut short cannot be read)",
    );
    assert!(sandbox.accepted_events().is_empty());
}

/// Parquet on stdin, recognised by its first bytes or named with --format.
#[test]
fn parquet_on_stdin_is_read_whole_then_row_by_row() {
    let parquet = std::fs::read(fixture("pyarrow.parquet")).unwrap();
    for extra in [&[][..], &["--format", "parquet"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let output = transform_stdin(&parquet, extra, dir.path());
        assert!(output.status.success(), "{}", common::stderr(&output));
        let accepted = ("accepted".to_string(), None);
        assert_eq!(
            results(dir.path()),
            third_rejected(
                accepted.clone(),
                "timestamp: more than 10 minutes in the future"
            ),
            "{extra:?}"
        );
    }
}
