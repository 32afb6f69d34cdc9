//! `/event/track/` over real HTTP: refusals, storage exactly as sent, deduplication.

mod common;

use std::time::Duration;

use common::{Client, EVENT_SET, HASH, TOKEN, purchase, seed, start, track_body};
use serde_json::{Value, json};
use tiktok_sandbox::{Role, Seed, Stats};

const TRACK: &str = "/open_api/v1.3/event/track/";

#[test]
fn accepted_events_are_stored_exactly_as_sent() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    // Key order and number formatting are kept byte for byte.
    let raw = format!(
        r#"{{"event_time":{},"event":"Purchase","event_id":"ord-1","user":{{"email":"{HASH}"}},"properties":{{"value":46.50,"currency":"EUR"}}}}"#,
        common::unix_now() - 60
    );
    let body =
        format!(r#"{{"event_source":"offline","event_source_id":"{EVENT_SET}","data":[{raw}]}}"#);
    let reply = client.post(TRACK, Some(TOKEN), &body);
    assert_eq!(reply.outcome(), (0, "OK".to_owned()));
    assert_eq!(reply.json()["data"], json!({}));

    let events = sandbox.accepted_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_source_id, EVENT_SET);
    assert_eq!(events[0].test_event_code, None);
    assert_eq!(events[0].event.get(), raw);

    let listed = client.get("/_sandbox/events", None, &[]).json();
    let expected = format!(r#"[{{"event_source_id":"{EVENT_SET}","event":{raw}}}]"#);
    assert_eq!(listed, serde_json::from_str::<Value>(&expected).unwrap());
}

#[test]
fn test_events_are_stored_flagged() {
    let sandbox = start(seed());
    let body = json!({
        "event_source": "offline", "event_source_id": EVENT_SET,
        "test_event_code": "TEST123", "data": [purchase("t-1")]
    });
    let reply = Client::new(&sandbox).post(TRACK, Some(TOKEN), &body.to_string());
    assert_eq!(reply.outcome().0, 0);
    let events = sandbox.accepted_events();
    assert_eq!(events[0].test_event_code.as_deref(), Some("TEST123"));
    assert_eq!(events[0].json()["event_id"], "t-1");
}

#[test]
fn the_token_goes_in_the_access_token_header_only() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let body = track_body(&[purchase("a-1")]);

    let missing = client.post(TRACK, None, &body).outcome();
    assert_eq!(missing.0, 40104);
    let unknown = client.post(TRACK, Some("not-a-token"), &body).outcome();
    assert_eq!(
        unknown,
        (
            40105,
            "Access token is incorrect or has been revoked.".to_owned()
        )
    );

    let bearer = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(format!("{}{TRACK}", sandbox.base_url()))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("Content-Type", "application/json")
        .send(body.as_str())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&bearer).unwrap()["code"],
        40104
    );
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn malformed_bodies_are_invalid_parameters() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    assert_eq!(
        client.post(TRACK, Some(TOKEN), "{\"data\": [").outcome(),
        (
            40002,
            "Invalid value for request body: not valid JSON.".to_owned()
        )
    );

    let plain_text = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(format!("{}{TRACK}", sandbox.base_url()))
        .header("Access-Token", TOKEN)
        .header("Content-Type", "text/plain")
        .send(track_body(&[purchase("p-1")]).as_str())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&plain_text).unwrap()["message"],
        "Invalid value for Content-Type: expected application/json."
    );
}

#[test]
fn the_event_set_must_be_a_known_offline_set_the_token_may_use() {
    let other_account = "7000000000000000002";
    let sandbox = start(
        seed()
            .with_advertiser(other_account, "Elsewhere", Role::Admin)
            .with_event_set(other_account, "7181537436256731999", "Not yours"),
    );
    let client = Client::new(&sandbox);
    let with_set = |set: Value| {
        let body =
            json!({"event_source": "offline", "event_source_id": set, "data": [purchase("s-1")]});
        client.post(TRACK, Some(TOKEN), &body.to_string()).outcome()
    };
    assert_eq!(
        with_set(json!("CABC1234567890DEF")),
        (
            40002,
            "Invalid value for event_source_id: not an offline event set id (a numeric string); a pixel code cannot be used here.".to_owned()
        )
    );
    assert_eq!(
        with_set(json!("7181537436256730000")),
        (
            40007,
            "Invalid value for event_source_id: the offline event set does not exist.".to_owned()
        )
    );
    assert_eq!(with_set(json!("7181537436256731999")).0, 40001);
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn one_invalid_event_fails_the_whole_request() {
    let sandbox = start(seed());
    let mut numeric_id = purchase("x");
    numeric_id["event_id"] = json!(10023);
    let reply = Client::new(&sandbox).track(&[purchase("ok-1"), numeric_id]);
    assert_eq!(
        reply.outcome(),
        (
            40002,
            "Invalid value for data[1].event_id: not a valid string.".to_owned()
        )
    );
    assert!(sandbox.accepted_events().is_empty());
}

#[test]
fn unhashed_pii_is_refused_without_being_echoed() {
    let sandbox = start(seed());
    let mut event = purchase("pii-1");
    event["user"] = json!({"email": "alice_abc@gmail.com"});
    let reply = Client::new(&sandbox).track(&[event]);
    let (code, message) = reply.outcome();
    assert_eq!(code, 40062);
    assert_eq!(
        message,
        "Invalid value for data[0].user.email: PII must be SHA-256 hashed (64 lowercase hex characters)."
    );
    assert!(!reply.body.contains("alice"));
}

#[test]
fn more_than_1000_events_are_refused_whole() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let events: Vec<Value> = (0..1001).map(|i| purchase(&format!("b-{i}"))).collect();
    assert_eq!(client.track(&events).outcome().0, 40061);
    assert!(sandbox.accepted_events().is_empty());
    assert_eq!(client.track(&events[..1000]).outcome().0, 0);
    assert_eq!(sandbox.accepted_events().len(), 1000);
}

#[test]
fn duplicates_within_48_hours_are_absorbed_silently() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let mut same_id_other_items = purchase("ord-7");
    same_id_other_items["properties"]["value"] = json!(99.0);
    let mut same_id_other_event = purchase("ord-7");
    same_id_other_event["event"] = json!("CompletePayment");

    assert_eq!(
        client
            .track(&[purchase("ord-7"), same_id_other_items])
            .outcome()
            .0,
        0
    );
    assert_eq!(
        client
            .track(&[purchase("ord-7"), same_id_other_event])
            .outcome()
            .0,
        0
    );
    let events = sandbox.accepted_events();
    let kept: Vec<(Value, Value)> = events
        .iter()
        .map(|e| {
            (
                e.json()["event"].clone(),
                e.json()["properties"]["value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            (json!("Purchase"), json!(46.0)),
            (json!("CompletePayment"), json!(46.0))
        ]
    );

    sandbox.advance_clock(Duration::from_secs(47 * 3600));
    assert_eq!(client.track(&[purchase("ord-7")]).outcome().0, 0);
    assert_eq!(sandbox.accepted_events().len(), 2);

    sandbox.advance_clock(Duration::from_secs(3600));
    assert_eq!(client.track(&[purchase("ord-7")]).outcome().0, 0);
    assert_eq!(sandbox.accepted_events().len(), 3);

    assert_eq!(
        sandbox.stats(),
        Stats {
            requests_seen: 4,
            faults_injected: 0,
            events_accepted: 3,
            duplicates_dropped: 3,
            duplicates_merged: 2,
        }
    );
}

#[test]
fn events_without_an_id_never_collapse() {
    let sandbox = start(seed());
    let mut anonymous = purchase("n/a");
    anonymous.as_object_mut().unwrap().remove("event_id");
    Client::new(&sandbox).track(&[anonymous.clone(), anonymous]);
    assert_eq!(sandbox.accepted_events().len(), 2);
}

#[test]
fn resetting_forgets_events_and_dedup_keys_over_http() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    client.track(&[purchase("r-1")]);
    assert_eq!(client.delete("/_sandbox/events").status, 204);
    assert!(sandbox.accepted_events().is_empty());
    client.track(&[purchase("r-1")]);
    assert_eq!(sandbox.accepted_events().len(), 1);
    let stats = client.get("/_sandbox/stats", None, &[]).json();
    assert_eq!(
        stats,
        json!({"requests_seen": 2, "faults_injected": 0, "events_accepted": 2, "duplicates_dropped": 0, "duplicates_merged": 0})
    );
}

#[test]
fn the_clock_advances_over_http() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    client.track(&[purchase("c-1")]);
    let advanced = client.post("/_sandbox/clock", None, r#"{"advance_secs": 172800}"#);
    assert_eq!(advanced.status, 200);
    assert!(advanced.json()["now"].as_u64().unwrap() >= common::unix_now() + 172_800);
    client.track(&[purchase("c-1")]);
    assert_eq!(sandbox.accepted_events().len(), 2);
}

#[test]
fn settings_with_only_an_event_set_name_get_a_usable_set() {
    let settings = r#"{"access_token":"tok","advertiser_id":"7123","event_set_name":"Stores"}"#;
    let seed: Seed = serde_json::from_str(settings).unwrap();
    let (set_id, _) = seed.event_set().unwrap();
    let sandbox = start(seed);
    let body =
        json!({"event_source": "offline", "event_source_id": set_id, "data": [purchase("n-1")]});
    let client = Client::new(&sandbox);
    assert_eq!(
        client
            .post(TRACK, Some("tok"), &body.to_string())
            .outcome()
            .0,
        0
    );
    assert_eq!(sandbox.accepted_events()[0].event_source_id, set_id);

    let query = [("advertiser_id", "7123"), ("name", "Stores")];
    let found = client
        .get("/open_api/v1.3/offline/get/", Some("tok"), &query)
        .json();
    assert_eq!(
        found["data"]["event_set_list"][0]["event_set_id"],
        set_id.as_str()
    );
}
