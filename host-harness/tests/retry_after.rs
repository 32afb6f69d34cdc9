//! A throttle in the middle of isolating a bad event, through the real `send` job: the
//! TikTok component in wasmtime, TikTok's answers scripted call by call. Whether the
//! throttle comes before or after part of the request was settled, no call goes out
//! within TikTok's one-second pause of a throttled answer that carried it, and every
//! row ends delivered exactly once.

use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use host_harness::bindings::types::{Setting, SettingValue};
use host_harness::input::{Columns, Format, Rows};
use host_harness::job::{Job, JobOptions, Ledger, Summary};
use host_harness::transport::Scripted;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};
use serde_json::{Value, json};

const TRACK: &str = "POST https://business-api.tiktok.com/open_api/v1.3/event/track/";
/// TikTok's pause after a throttle (40100).
const THROTTLE_PAUSE: Duration = Duration::from_secs(1);

fn tiktok(code: i64, message: &str) -> Value {
    json!({"code": code, "message": message, "request_id": "r", "data": {}})
}

fn accepted() -> Value {
    tiktok(0, "OK")
}

fn refused() -> Value {
    tiktok(40002, "Invalid value for event_time.")
}

fn throttled() -> Value {
    tiktok(40100, "Too many requests.")
}

/// Sends four rows (one request of four events, `ord-1`…`ord-4`) with TikTok answering
/// `answers` in order; returns the summary, the calls made and how long the job took.
fn send(answers: &[Value]) -> (Summary, Vec<Vec<String>>, Duration) {
    let script = Arc::new(Scripted::new());
    for answer in answers {
        script.json(TRACK, answer.clone());
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime =
        Arc::new(Runtime::new(Policy::allowing(AllowedHosts::Declared), Some(cache)).unwrap());
    let destination = Destination::load(runtime, TIKTOK_COMPONENT, script.clone()).unwrap();
    let text = |key: &str, value: &str| Setting {
        key: key.into(),
        value: SettingValue::Text(value.into()),
    };
    let settings = [
        text("access_token", "token-0123456789"),
        text("event_set_id", "7181537436256731137"),
    ];
    let rows: String = (1..=4)
        .map(|row| {
            let line = json!({
                "email": format!("customer{row}@example.com"),
                "event": "Purchase",
                "event_id": format!("ord-{row}"),
                "timestamp": 1_767_225_600 + row,
            });
            format!("{line}\n")
        })
        .collect();
    let job = Job {
        destination: &destination,
        settings: &settings,
        options: JobOptions::default(),
    };
    let ledger = Ledger::new(None, None);
    let started = Instant::now();
    let batches = Rows::new(
        rows.as_bytes(),
        Format::Ndjson,
        &Columns::of(destination.spec()),
    )
    .unwrap()
    .batches(NonZeroUsize::new(100).unwrap());
    job.send(batches, &ledger).unwrap();
    let elapsed = started.elapsed();
    let calls = script.calls().iter().map(event_ids).collect();
    (ledger.finish(), calls, elapsed)
}

fn event_ids(call: &host_harness::transport::RecordedCall) -> Vec<String> {
    let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["event_id"].as_str().unwrap().to_string())
        .collect()
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

fn assert_all_delivered(summary: &Summary) {
    assert_eq!(summary.rows_delivered, 4, "{summary:?}");
    assert_eq!(summary.events_delivered, 4, "{summary:?}");
    assert_eq!(summary.rows_settled(), 4, "{summary:?}");
}

#[test]
fn a_throttle_before_anything_settled_pauses_the_whole_request() {
    // The request is refused (a bad event, say), its first half throttled: nothing is
    // settled, so the component fails the whole request with TikTok's 1 s pause, and
    // the second half is not sent into the throttle. The resend goes through.
    let (summary, calls, elapsed) = send(&[refused(), throttled(), accepted()]);
    assert_all_delivered(&summary);
    let all = ids(&["ord-1", "ord-2", "ord-3", "ord-4"]);
    assert_eq!(calls, [all.clone(), ids(&["ord-1", "ord-2"]), all]);
    assert!(elapsed >= THROTTLE_PAUSE, "resent after {elapsed:?}");
}

#[test]
fn a_throttle_after_part_was_delivered_hands_back_the_rest_and_its_pause_follows() {
    // The first half is delivered, the second throttled: the component hands the second
    // half back as retryable (the contract has no retry-after there), and the host
    // resends only that half after its usual backoff. TikTok still throttles it: with
    // nothing settled, that call fails whole with TikTok's 1 s pause, waited before the
    // resend that goes through.
    let (summary, calls, elapsed) =
        send(&[refused(), accepted(), throttled(), throttled(), accepted()]);
    assert_all_delivered(&summary);
    let second_half = ids(&["ord-3", "ord-4"]);
    assert_eq!(
        calls,
        [
            ids(&["ord-1", "ord-2", "ord-3", "ord-4"]),
            ids(&["ord-1", "ord-2"]),
            second_half.clone(),
            second_half.clone(),
            second_half,
        ]
    );
    assert!(elapsed >= THROTTLE_PAUSE, "resent after {elapsed:?}");
}
