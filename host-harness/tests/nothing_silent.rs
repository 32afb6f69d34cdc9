//! What a new user meets with real files, logs and disks, through the `host-harness`
//! binary: every failure is said, every row has one outcome, and no exit code makes a
//! run that fell short look successful.

mod common;

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use common::{
    EVENT_SET, TOKEN, assert_exit, cache_dir, example_settings, harness_with_env, lines, path,
    sandbox, send_sample, stderr, transform_sample,
};

/// `send` of the sample settings with `input` to `sandbox`, plus `extra` arguments.
fn send_to(sandbox: &tiktok_sandbox::Sandbox, input: &Path, extra: &[&str]) -> Output {
    let base_url = sandbox.base_url();
    let mut args = vec!["--endpoint", base_url.as_str()];
    args.extend_from_slice(extra);
    send_sample(input, &args)
}

/// `rows` single-item orders (`o1`, `o2`, ...) as CSV lines under `header`'s columns
/// `EMAIL,EVENT_ID,TIMESTAMP,PRICE`, separated by `sep`.
fn orders(first: usize, rows: usize, sep: char) -> String {
    let mut csv = String::new();
    for n in first..first + rows {
        writeln!(
            csv,
            "c{n}@example.com{sep}o{n}{sep}2026-11-20T10:00:00Z{sep}5"
        )
        .unwrap();
    }
    csv
}

/// The sandbox's events by event_id.
fn events_by_id(sandbox: &tiktok_sandbox::Sandbox) -> std::collections::BTreeMap<String, Value> {
    sandbox
        .accepted_events()
        .iter()
        .map(|e| {
            let event = e.json();
            (event["event_id"].as_str().unwrap().to_string(), event)
        })
        .collect()
}

#[test]
fn an_upper_case_order_column_keeps_an_order_whole_across_a_batch_boundary() {
    // Rows 1-999 are one-row orders; rows 1000-1002 are one order of three items,
    // straddling the CLI's 1,000-row batches.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.csv");
    let mut csv = String::from("EMAIL,EVENT_ID,TIMESTAMP,PRICE\n");
    csv += &orders(1, 999, ',');
    for item in 0..3 {
        writeln!(
            csv,
            "big@example.com,BIG,2026-11-20T10:00:00Z,{}",
            10 + item
        )
        .unwrap();
    }
    csv += "not-an-email,REJ,2026-11-20T10:00:00Z,5\n";
    std::fs::write(&input, csv).unwrap();
    let sandbox = sandbox();
    let out = dir.path().join("out");
    let send = send_to(&sandbox, &input, &["--out", path(&out)]);
    assert!(send.status.success(), "{}", stderr(&send));
    let events = events_by_id(&sandbox);
    assert_eq!(events.len(), 1_000);
    let big = &events["BIG"];
    assert_eq!(big["properties"]["contents"].as_array().unwrap().len(), 3);
    assert_eq!(big["properties"]["value"], 33.0);
    let results = lines(&out.join("results.ndjson"));
    let rejected: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "rejected")
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["row"], 1003);
    assert_eq!(
        rejected[0]["event_id"], "REJ",
        "a rejected row keeps its event_id"
    );

    // --retry-failed against another file with the same upper-case header is refused.
    let other = dir.path().join("other.csv");
    std::fs::write(
        &other,
        format!("EMAIL,EVENT_ID,TIMESTAMP,PRICE\n{}", orders(5000, 3, ',')),
    )
    .unwrap();
    let retry = send_to(
        &sandbox,
        &other,
        &[
            "--retry-failed",
            path(&out.join("results.ndjson")),
            "--out",
            path(&dir.path().join("retry")),
        ],
    );
    assert_exit(&retry, 2, "row 1 of the input has another event_id than");
}

#[test]
fn a_semicolon_export_is_read_and_a_run_that_delivers_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox();
    let send = |csv: &str| {
        let input = dir.path().join("export.csv");
        std::fs::write(&input, csv).unwrap();
        send_to(&sandbox, &input, &[])
    };
    // European Excel: `;` between cells and a blank row of separators.
    let semicolons = format!("EMAIL;EVENT_ID;TIMESTAMP;PRICE\n{};;;\n", orders(1, 2, ';'));
    let sent = send(&semicolons);
    assert!(sent.status.success(), "{}", stderr(&sent));
    let text = stderr(&sent);
    assert!(
        text.contains("2 rows read: 2 delivered (2 events in 1 request), 0 rejected, 0 failed."),
        "{text}"
    );
    assert!(text.contains("skipped        1  blank rows"), "{text}");
    assert_eq!(events_by_id(&sandbox).len(), 2);

    let all_rejected = send("email,timestamp\nnot-an-email,2026-11-20\n");
    assert_exit(&all_rejected, 4, "error: no row was delivered.");
    let empty = send("email,timestamp\n");
    assert_exit(
        &empty,
        4,
        "0 rows read: 0 delivered (0 events in 0 requests)",
    );
}

#[test]
fn transform_counts_every_row_and_rejects_an_order_too_big_for_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.csv");
    let mut csv = String::from("email,event_id,timestamp,price\n");
    csv += &orders(1, 2, ',');
    for _ in 0..1_500 {
        csv += "same@example.com,CONSTANT,2026-11-20T10:00:00Z,1\n";
    }
    csv += &orders(3, 1, ',');
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let transform = transform_sample(&input, &out);
    let text = stderr(&transform);
    assert!(transform.status.success(), "{text}");
    assert!(
        text.contains("1503 rows read: 3 accepted into 2 requests, 1500 rejected, 0 failed."),
        "{text}"
    );
    assert!(
        text.contains(
            "rejected    1500  event_id: more than 1000 rows share it; one event holds at most 1000"
        ),
        "{text}"
    );
    assert_eq!(lines(&out.join("results.ndjson")).len(), 1_503);
}

#[test]
fn a_full_disk_stops_the_run_names_the_file_and_has_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.csv");
    std::fs::write(
        &input,
        format!("email,event_id,timestamp,price\n{}", orders(1, 10_000, ',')),
    )
    .unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // A real write failure: every write to /dev/full fails with ENOSPC.
    std::os::unix::fs::symlink("/dev/full", out.join("results.ndjson")).unwrap();
    let sandbox = sandbox();
    let send = send_to(
        &sandbox,
        &input,
        &["--out", path(&out), "--concurrency", "1"],
    );
    let text = stderr(&send);
    assert_eq!(send.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "error: cannot write {}: No space left on device",
            out.join("results.ndjson").display()
        )),
        "{text}"
    );
    assert!(
        text.contains("The run stopped reading the input there"),
        "{text}"
    );
    // One request was in flight when the first write failed (the buffer fills within
    // its 1,000 outcomes); no request starts after it, and reading stops.
    assert_eq!(sandbox.accepted_events().len(), 1_000);
    assert!(
        text.contains(": 1000 delivered (1000 events in 1 request)"),
        "{text}"
    );
    let read: u64 = text
        .split(" rows read")
        .next()
        .unwrap()
        .rsplit('\n')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(read < 10_000, "reading stopped: {read} rows read");
    assert!(
        text.contains("not sent: the results file could not be written"),
        "{text}"
    );
}

#[test]
fn no_log_level_prints_the_token() {
    // A token no log line contains by chance, piece by piece.
    const SECRET: &str = "Zq7Xw4Lp8Vn3Bd6Kt9Rm2Hj5";
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.csv");
    std::fs::write(&input, "email,event_id,timestamp\na@b.co,1,2026-11-20\n").unwrap();
    let settings = dir.path().join("settings.json");
    std::fs::write(
        &settings,
        format!(
            r#"{{"access_token":"{SECRET}","event_set_id":"{EVENT_SET}","event_name":"Purchase"}}"#
        ),
    )
    .unwrap();
    let seed = serde_json::from_value(serde_json::json!({
        "access_token": SECRET,
        "event_set_id": EVENT_SET,
    }))
    .unwrap();
    let sandbox = tiktok_sandbox::Sandbox::start("127.0.0.1:0".parse().unwrap(), seed).unwrap();
    for level in [
        "trace",
        "debug",
        "ureq=trace,ureq_proto=trace,rustls=trace",
        "info",
    ] {
        let send = harness_with_env(
            &[
                "send",
                "-vv",
                "--settings",
                path(&settings),
                "--input",
                path(&input),
                "--endpoint",
                &sandbox.base_url(),
            ],
            &[("HOST_HARNESS_LOG", level), ("RUST_LOG", "trace")],
        );
        let text = stderr(&send);
        assert!(send.status.success(), "{text}");
        // A hex dump splits the token across lines: look for every 4-byte piece of it.
        for start in 0..=SECRET.len() - 4 {
            let piece = &SECRET[start..start + 4];
            assert!(
                !text.contains(piece),
                "{level}: a piece of the token, {piece:?}, in {text}"
            );
        }
    }
}

#[test]
fn plain_http_off_loopback_is_refused_before_any_connection() {
    let send = harness_with_env(
        &[
            "send",
            "--settings",
            path(&example_settings()),
            "--input",
            path(&common::examples().join("offline-events.csv")),
            "--endpoint",
            "http://business-api.tiktok.com",
        ],
        &[],
    );
    assert_exit(
        &send,
        2,
        "error: endpoint http://business-api.tiktok.com: plain http would send the access token in clear",
    );
}

#[test]
fn loopback_is_never_proxied_and_a_proxy_that_fails_is_named() {
    // A proxy address where nothing listens (loopback: no traffic leaves the machine).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let proxies = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("https_proxy", proxy.as_str()),
        ("NO_PROXY", ""),
    ];
    let validate = |endpoint: &str| {
        harness_with_env(
            &[
                "validate",
                "--settings",
                path(&example_settings()),
                "--endpoint",
                endpoint,
            ],
            &proxies,
        )
    };
    let sandbox = sandbox();
    let direct = validate(&sandbox.base_url());
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert!(String::from_utf8_lossy(&direct.stdout).contains(EVENT_SET));

    // Through the proxy to a real endpoint: only the proxy (on loopback) is contacted.
    let proxied = validate("https://business-api.tiktok.com");
    assert_exit(&proxied, 2, &format!("through the proxy {proxy}"));
}

#[test]
fn settings_mistakes_are_settings_errors_with_the_component_message() {
    let dir = tempfile::tempdir().unwrap();
    let validate = |json: &str| {
        let settings = dir.path().join("settings.json");
        std::fs::write(&settings, json).unwrap();
        harness_with_env(&["validate", "--settings", path(&settings)], &[])
    };
    let number = validate(&format!(
        r#"{{"access_token":"{TOKEN}","advertiser_id":7000000000000000001,"event_set_id":"{EVENT_SET}"}}"#
    ));
    assert_exit(
        &number,
        2,
        "advertiser_id: must be text: put the id in quotes (ids exceed 2^53, and numbers lose digits on the way)",
    );
    let pasted = validate(&format!(
        r#"{{"access_token":"{}\n{}","event_set_id":"{EVENT_SET}"}}"#,
        &TOKEN[..10],
        &TOKEN[10..]
    ));
    assert_exit(
        &pasted,
        2,
        "access_token: must be printable ASCII without spaces or line breaks",
    );
    assert!(!stderr(&pasted).contains(&TOKEN[..10]));
    let twice = validate(&format!(
        r#"{{"access_token":"{TOKEN}","event_set_id":"1","event_set_id":"{EVENT_SET}"}}"#
    ));
    assert_exit(&twice, 2, "setting 'event_set_id' appears twice; keep one");
}

#[test]
fn messages_are_said_once_and_the_cli_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let transform = harness_with_env(
        &[
            "transform",
            "--settings",
            path(&example_settings()),
            "--input",
            path(&empty),
            "--out",
            path(&dir.path().join("out")),
        ],
        &[],
    );
    let text = stderr(&transform);
    assert_eq!(transform.status.code(), Some(2), "{text}");
    assert_eq!(
        text.matches("the file is empty").count(),
        1,
        "said once: {text}"
    );

    // `describe | head -1`: the reader goes away after one line.
    let mut describe = Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .arg("describe")
        .env("XDG_CACHE_HOME", cache_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(describe.stdout.take());
    let output = describe.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));

    let help = harness_with_env(&["sandbox", "--help"], &[]);
    let help = String::from_utf8_lossy(&help.stdout);
    for option in ["--component", "--cache-dir", "--no-cache", "--allow-host"] {
        assert!(!help.contains(option), "{option} in {help}");
    }
    assert!(help.contains("--addr"), "{help}");
}
