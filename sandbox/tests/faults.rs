//! Each injected fault as a real HTTP client sees it.

mod common;

use std::time::Duration;

use common::{Client, TOKEN, purchase, seed, start};
use serde_json::json;
use tiktok_sandbox::{Fault, RandomFaults, StatusCode};

/// A client timeout far below the stalls: the test waits for the timeout, never the stall.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
const STALL: Duration = Duration::from_secs(60);

#[test]
fn a_code_fault_is_tiktoks_envelope_on_http_200_and_stores_nothing() {
    let sandbox = start(seed());
    sandbox.inject(Fault::Code(40100));
    let client = Client::new(&sandbox);
    let reply = client.track(&[purchase("f-1")]);
    assert_eq!(
        reply.outcome(),
        (
            40100,
            "Too many requests. Please retry in some time.".to_owned()
        )
    );
    assert!(sandbox.accepted_events().is_empty());
    assert_eq!(client.track(&[purchase("f-1")]).outcome().0, 0);
    assert_eq!(sandbox.accepted_events().len(), 1);
    assert_eq!(sandbox.stats().faults_injected, 1);
}

#[test]
fn a_status_fault_is_a_gateway_html_page() {
    let sandbox = start(seed());
    sandbox.inject(Fault::Status(StatusCode::BAD_GATEWAY));
    let reply = Client::new(&sandbox).track(&[purchase("f-2")]);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.content_type, "text/html");
    assert!(reply.body.contains("<title>502 Bad Gateway</title>"));
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn a_stall_outlasts_the_clients_timeout_and_stores_nothing() {
    let sandbox = start(seed());
    sandbox.inject(Fault::Stall(STALL));
    let client = Client::with_timeout(&sandbox, CLIENT_TIMEOUT);
    let body = common::track_body(&[purchase("f-3")]);
    let error = client
        .try_post("/open_api/v1.3/event/track/", Some(TOKEN), &body)
        .unwrap_err();
    assert!(matches!(error, ureq::Error::Timeout(_)), "{error:?}");
    assert!(sandbox.accepted_events().is_empty());
    assert_eq!(sandbox.stats().faults_injected, 1);
}

#[test]
fn process_then_stall_stores_the_events_and_the_resend_is_absorbed() {
    let sandbox = start(seed());
    sandbox.inject(Fault::ProcessThenStall(STALL));
    let client = Client::with_timeout(&sandbox, CLIENT_TIMEOUT);
    let body = common::track_body(&[purchase("f-4"), purchase("f-5")]);
    let error = client
        .try_post("/open_api/v1.3/event/track/", Some(TOKEN), &body)
        .unwrap_err();
    assert!(matches!(error, ureq::Error::Timeout(_)), "{error:?}");
    assert_eq!(sandbox.accepted_events().len(), 2);

    // The client's retry: TikTok already has both events.
    let resend = client.try_post("/open_api/v1.3/event/track/", Some(TOKEN), &body);
    assert_eq!(resend.unwrap().outcome().0, 0);
    assert_eq!(sandbox.accepted_events().len(), 2);
    assert_eq!(sandbox.stats().duplicates_dropped, 2);
}

#[test]
fn a_reset_cuts_the_body_off_after_the_status_line() {
    let sandbox = start(seed());
    sandbox.inject(Fault::Reset);
    let response = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(format!("{}/open_api/v1.3/event/track/", sandbox.base_url()))
        .header("Access-Token", TOKEN)
        .header("Content-Type", "application/json")
        .send(common::track_body(&[purchase("f-6")]).as_str());
    let mut response = response.expect("status line and headers arrive");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.body_mut().read_to_string();
    assert!(
        matches!(&body, Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "the body should fail mid-way: {body:?}"
    );
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn not_json_is_an_html_page_on_http_200() {
    let sandbox = start(seed());
    sandbox.inject(Fault::NotJson);
    let reply = Client::new(&sandbox).track(&[purchase("f-7")]);
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(serde_json::from_str::<serde_json::Value>(&reply.body).is_err());
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn faults_can_target_another_path() {
    let sandbox = start(seed());
    sandbox.inject_at("/user/info/", Fault::Code(50000));
    let client = Client::new(&sandbox);
    assert_eq!(client.track(&[purchase("f-8")]).outcome().0, 0);
    let info = client.get("/open_api/v1.3/user/info/", Some(TOKEN), &[]);
    assert_eq!(info.outcome(), (50000, "System error.".to_owned()));
    let again = client.get("/open_api/v1.3/user/info/", Some(TOKEN), &[]);
    assert_eq!(again.outcome().0, 0);
}

#[test]
fn queued_faults_are_set_over_http_in_order() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let order = json!({"queue": [{"code": 40016}, {"status": 503}]});
    assert_eq!(
        client
            .post("/_sandbox/faults", None, &order.to_string())
            .status,
        204
    );
    assert_eq!(client.track(&[purchase("h-1")]).outcome().0, 40016);
    assert_eq!(client.track(&[purchase("h-1")]).status, 503);
    assert_eq!(client.track(&[purchase("h-1")]).outcome().0, 0);

    let bad = client.post("/_sandbox/faults", None, r#"{"queue": [{"status": 200}]}"#);
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("status 200 is not an HTTP error status"),
        "{}",
        bad.body
    );
}

/// Which of 200 requests fail, under a seeded random mode.
fn random_run(sandbox: &tiktok_sandbox::Sandbox) -> Vec<bool> {
    let client = Client::new(sandbox);
    (0..200)
        .map(|i| client.track(&[purchase(&format!("rnd-{i}"))]).json()["code"] != 0)
        .collect()
}

#[test]
fn random_faults_repeat_from_their_seed_and_never_lose_a_processed_event() {
    let kinds = vec![Fault::Code(40100), Fault::Code(50002)];
    let first = start(seed());
    first.randomise_faults(RandomFaults::new(0.25, kinds.clone(), 7).unwrap());
    let failures = random_run(&first);

    let second = start(seed());
    let order = json!({"random": {"probability": 0.25, "kinds": [{"code": 40100}, {"code": 50002}], "seed": 7}});
    Client::new(&second).post("/_sandbox/faults", None, &order.to_string());
    assert_eq!(random_run(&second), failures);

    let failed = failures.iter().filter(|failed| **failed).count() as u64;
    assert!((25..=75).contains(&failed), "{failed} of 200 failed");
    assert_eq!(first.stats().faults_injected, failed);
    assert_eq!(first.accepted_events().len() as u64, 200 - failed);

    first.clear_faults();
    assert!(!random_run(&first).contains(&true));
}

/// One keep-alive connection: a request, its whole answer read, then the next request on
/// the same socket. A faulted answer leaves the connection usable, as a gateway's does:
/// a client that pools it must not meet a closed socket on its next request.
#[test]
fn a_faulted_answer_leaves_the_connection_open_for_the_next_request() {
    use std::io::{BufRead, BufReader, Read, Write};

    let sandbox = start(seed());
    sandbox.inject(Fault::Code(40016));
    sandbox.inject(Fault::Status(StatusCode::SERVICE_UNAVAILABLE));
    let mut socket = std::net::TcpStream::connect(sandbox.addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(socket.try_clone().unwrap());
    // A body larger than one read, so that an answer sent before reading it would
    // leave most of it unread.
    let events: Vec<_> = (0..400).map(|i| purchase(&format!("k-{i}"))).collect();
    let body = common::track_body(&events);
    for expected in ["HTTP/1.1 200", "HTTP/1.1 503", "HTTP/1.1 200"] {
        write!(
            socket,
            "POST /open_api/v1.3/event/track/ HTTP/1.1\r\nHost: sandbox\r\nAccess-Token: {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(
            status.starts_with(expected),
            "{status:?}, expected {expected}"
        );
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
            let lower = header.to_ascii_lowercase();
            assert_ne!(lower.trim(), "connection: close", "{status}");
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        reader.read_exact(&mut vec![0; length]).unwrap();
    }
    assert_eq!(sandbox.accepted_events().len(), 400);
}
