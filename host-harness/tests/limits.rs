//! The sandbox policy against a component that misbehaves on purpose
//! (`test-components/hostile`): each limit stops it with a clear error, and the same
//! `Destination` goes on serving well-behaved calls afterwards.

use std::sync::Arc;
use std::time::Duration;

use host_harness::bindings::guest::{InputRecord, PreparedEvent, PreparedRequest};
use host_harness::bindings::types::{DestinationError, Setting, SettingValue};
use host_harness::state::LimitHit;
use host_harness::transport::Scripted;
use host_harness::{AllowedHosts, Destination, HostError, Policy, Runtime};

fn hostile_wasm() -> Vec<u8> {
    std::fs::read(host_harness::HOSTILE_COMPONENT_PATH)
        .expect("the build script built the hostile component")
}

fn hostile(policy: Policy) -> (Destination, Arc<Scripted>) {
    let script = Arc::new(Scripted::new());
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(policy, Some(cache)).unwrap());
    (
        Destination::load(runtime, &hostile_wasm(), script.clone()).unwrap(),
        script,
    )
}

fn mode(mode: &str) -> Vec<Setting> {
    vec![Setting {
        key: "mode".into(),
        value: SettingValue::Text(mode.into()),
    }]
}

fn records(n: usize) -> Vec<InputRecord> {
    (1..=n)
        .map(|i| InputRecord {
            id: i.to_string(),
            json: "{}".into(),
        })
        .collect()
}

/// After whatever happened, a well-behaved call on the same destination still works.
/// A hostile guest in `mode` under `policy`, made to transform one record: the host's
/// error, and the destination, to check it still serves.
fn stopped(policy: Policy, guest_mode: &str) -> (HostError, Destination) {
    let (destination, _) = hostile(policy);
    let error = destination
        .transform_v0_1(&mode(guest_mode), &records(1))
        .unwrap_err();
    (error, destination)
}

fn still_serves(destination: &Destination) {
    let output = destination
        .transform_v0_1(&mode("behave"), &records(3))
        .unwrap()
        .unwrap();
    assert_eq!(output.outcomes.len(), 3);
}

#[test]
fn an_endless_loop_is_stopped_by_the_cpu_limit() {
    let policy = Policy {
        cpu_per_call: Duration::from_millis(200),
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let (error, destination) = stopped(policy, "loop");
    assert!(
        matches!(
            error,
            HostError::Limit {
                export: "transform-batch",
                limit: LimitHit::Cpu { .. }
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the component's transform-batch was stopped: CPU time limit of 200ms exceeded"
    );
    still_serves(&destination);
}

/// A guest asleep in WASI's clock runs no wasm, so no epoch check can stop it; its
/// sleep ends with its CPU budget instead, and it is stopped as a loop would be.
#[test]
fn a_sleeping_guest_is_stopped_by_the_cpu_limit() {
    let policy = Policy {
        cpu_per_call: Duration::from_millis(300),
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let started = std::time::Instant::now();
    let (error, destination) = stopped(policy, "sleep");
    assert_eq!(
        error.to_string(),
        "the component's transform-batch was stopped: CPU time limit of 300ms exceeded"
    );
    // It asked for an hour.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    still_serves(&destination);
}

#[test]
fn unbounded_allocation_is_stopped_by_the_memory_cap() {
    let policy = Policy {
        memory_bytes: 16 << 20,
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let (error, destination) = stopped(policy, "alloc");
    assert_eq!(
        error.to_string(),
        "the component's transform-batch was stopped: memory limit of 16 MiB exceeded"
    );
    still_serves(&destination);
}

#[test]
fn unbounded_recursion_is_stopped_by_the_stack_limit() {
    let (destination, _) = hostile(Policy::allowing(AllowedHosts::Declared));
    let error = destination
        .transform_v0_1(&mode("recurse"), &records(1))
        .unwrap_err();
    let HostError::Trap {
        export, message, ..
    } = &error
    else {
        panic!("expected a trap, got {error:?}")
    };
    assert_eq!(*export, "transform-batch");
    assert!(message.contains("call stack exhausted"), "{message}");
    still_serves(&destination);
}

#[test]
fn a_panic_reaches_the_user_with_its_message() {
    let (destination, _) = hostile(Policy::allowing(AllowedHosts::Declared));
    let error = destination
        .send_v0_1(
            &mode("panic"),
            &PreparedRequest {
                body: "{}".into(),
                events: vec![],
            },
        )
        .unwrap_err();
    let HostError::Trap { export, stderr, .. } = &error else {
        panic!("expected a trap, got {error:?}")
    };
    assert_eq!(*export, "send");
    assert!(
        stderr.contains("hostile component panicked on purpose"),
        "{stderr}"
    );
    still_serves(&destination);
}

#[test]
fn egress_outside_the_allow_list_is_denied_before_any_connection() {
    let (destination, script) = hostile(Policy::allowing(AllowedHosts::Declared));
    let error = destination.validate(&mode("egress")).unwrap().unwrap_err();
    assert_eq!(
        error,
        DestinationError::Permanent(
            "denied: host 'evil.example' is not in the egress allow-list".into()
        )
    );
    assert!(script.calls().is_empty(), "the transport was never asked");
}

#[test]
fn an_http_flood_is_cut_off_at_the_call_cap() {
    let policy = Policy {
        max_http_calls: 50,
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let (destination, script) = hostile(policy);
    let error = destination.validate(&mode("http-flood")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the component's validate-credentials was stopped: more than 50 HTTP calls in one call"
    );
    assert_eq!(script.calls().len(), 50);
    still_serves(&destination);
}

#[test]
fn transform_outcomes_must_match_the_records_one_for_one() {
    let (destination, _) = hostile(Policy::allowing(AllowedHosts::Declared));
    for (mode_name, problem) in [
        ("extra-outcome", "4 outcomes for 3 records"),
        ("missing-outcome", "2 outcomes for 3 records"),
    ] {
        let error = destination
            .transform_v0_1(&mode(mode_name), &records(3))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("the component broke the contract in transform-batch: {problem}")
        );
    }
}

#[test]
fn a_delivery_of_a_record_the_request_does_not_hold_is_refused() {
    let (destination, _) = hostile(Policy::allowing(AllowedHosts::Declared));
    let request = PreparedRequest {
        body: "{}".into(),
        events: vec![PreparedEvent {
            event_id: "e1".into(),
            record_ids: vec!["1".into()],
        }],
    };
    let error = destination
        .send_v0_1(&mode("phantom"), &request)
        .unwrap_err();
    assert!(
        matches!(error, HostError::Contract { export: "send", .. }),
        "{error:?}"
    );
}

#[test]
fn compiled_code_is_cached_and_a_corrupt_cache_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let load = || {
        let runtime = Arc::new(
            Runtime::new(
                Policy::allowing(AllowedHosts::Declared),
                Some(dir.path().to_path_buf()),
            )
            .unwrap(),
        );
        Destination::load(runtime, &hostile_wasm(), Arc::new(Scripted::new()))
            .map(|d| still_serves(&d))
    };
    load().unwrap();
    let cached: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "one compiled file: {cached:?}");
    assert_eq!(cached[0].extension().unwrap(), "cwasm");
    let compiled_len = std::fs::metadata(&cached[0]).unwrap().len();

    load().unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "the second run reuses the file"
    );

    std::fs::write(&cached[0], b"not compiled code").unwrap();
    load().unwrap();
    assert_eq!(
        std::fs::metadata(&cached[0]).unwrap().len(),
        compiled_len,
        "the corrupt file was rewritten"
    );
}

/// A transport as slow as a server can be within its timeout: each call takes 50 ms.
struct Slow;

impl host_harness::transport::Transport for Slow {
    fn fetch(
        &self,
        _call: host_harness::transport::Outbound<'_>,
    ) -> Result<host_harness::bindings::http::Response, host_harness::bindings::http::HttpError>
    {
        std::thread::sleep(Duration::from_millis(50));
        Err(host_harness::bindings::http::HttpError::Timeout)
    }
}

/// Slow HTTP cannot hold a call past its HTTP time: once 200 ms of calls are spent, the
/// rest time out at once, and 10,000 calls of 50 ms end in about 200 ms, not 500 s.
#[test]
fn the_http_time_of_a_call_is_bounded() {
    let policy = Policy {
        http_time_per_call: Duration::from_millis(200),
        max_http_calls: 10_000,
        ..Policy::allowing(AllowedHosts::Declared)
    };
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(policy, Some(cache)).unwrap());
    let destination = Destination::load(runtime, &hostile_wasm(), Arc::new(Slow)).unwrap();
    let started = std::time::Instant::now();
    let answer = destination.validate(&mode("http-flood")).unwrap();
    assert_eq!(
        answer.unwrap_err(),
        DestinationError::Permanent("the host let 10,000 calls through".into()),
        "the calls were answered (timed out), not trapped"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// A plugin that floods stderr before it panics does not hide why: the host keeps the
/// end of stderr, where the panic's message is.
#[test]
fn the_end_of_a_flooded_stderr_is_kept() {
    let (destination, _) = hostile(Policy::allowing(AllowedHosts::Declared));
    let error = destination
        .transform_v0_1(&mode("stderr-flood"), &records(1))
        .unwrap_err();
    let HostError::Trap { stderr, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        stderr.contains("the real reason, after 100 KiB of stderr"),
        "{stderr}"
    );
    assert!(stderr.starts_with("[cut: the first "), "{stderr}");
    assert!(stderr.len() < 1_200, "{}", stderr.len());
}
