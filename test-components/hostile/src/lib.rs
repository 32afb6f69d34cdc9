//! A destination that misbehaves in the way its `mode` setting names, so the host's
//! tests can show each limit and check holding: `loop`, `alloc`, `recurse`, `panic`,
//! `egress` (call a host outside the allow-list), `http-flood` (10,000 calls),
//! `extra-outcome` / `missing-outcome` (break "one outcome per record"), `phantom`
//! (report a record the request does not hold as delivered), `send-missing-outcome`
//! (settle one record fewer than sent). Mode `per-record` misbehaves only on batches
//! holding a record with `"misbehave":"<mode>"` (in transform-batch) or
//! `"misbehave_in_send":"<mode>"` (in send of that batch's request), so a host's job
//! can be shown to fail that batch alone. Modes against what the host takes from a
//! plugin: `leak` (the access token in a reason, an event id and an error), `huge`
//! (a distinct 50 KB reason per record), `escape` (terminal escapes and line breaks in
//! a reason), `log-flood` (10,000 log lines with line breaks), `no-http-delivered`
//! (report deliveries without any HTTP call), `trap-after-http` (panic after an answered
//! HTTP call), `stderr-flood` (100 KiB to stderr, then panic), `sleep` (an hour asleep
//! in WASI's clock, no wasm running), `http-many` (300 HTTP calls in each send, under
//! the per-call cap). Any other mode behaves:
//! its `send` makes one HTTP call (GET `/user/info/`) and reports every record delivered.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    world: "destination-plugin",
    path: "../../wit/v0.1",
});

use cdp::destination::types::{DestinationError, SettingValue, Settings};
use cdp::destination::{http, log};
use exports::cdp::destination::destination::*;

struct Hostile;

export!(Hostile);

fn mode(settings: &Settings) -> String {
    setting(settings, "mode")
}

fn setting(settings: &Settings, key: &str) -> String {
    settings
        .iter()
        .find(|s| s.key == key)
        .and_then(|s| match &s.value {
            SettingValue::Text(text) => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Misbehaves as `mode` says, or returns for the caller to behave.
fn misbehave(mode: &str) {
    match mode {
        "loop" => loop {
            std::hint::black_box(0);
        },
        "alloc" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        "recurse" => {
            recurse(0);
        }
        "panic" => panic!("hostile component panicked on purpose"),
        // An hour in `wasi:clocks` and `poll`, running no wasm meanwhile.
        "sleep" => std::thread::sleep(std::time::Duration::from_secs(3600)),
        "stderr-flood" => {
            let filler = "x".repeat(100 << 10);
            eprintln!("{filler}");
            panic!("the real reason, after 100 KiB of stderr");
        }
        _ => {}
    }
}

#[allow(unconditional_recursion)] // the point: recursion the stack limit must stop
fn recurse(depth: u64) -> u64 {
    std::hint::black_box(recurse(depth + 1)) + 1
}

/// The value of `"key":"value"` in a record's JSON, if there (no JSON parser needed).
fn marked<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = json[start..].find('"')?;
    Some(&json[start..start + len])
}

fn get(url: &str) -> Result<http::Response, http::HttpError> {
    http::fetch(&http::Request {
        method: http::Method::Get,
        url: url.into(),
        headers: vec![],
        body: None,
        timeout_ms: 1000,
    })
}

impl Guest for Hostile {
    fn describe_settings() -> Spec {
        Spec {
            id: "hostile".into(),
            name: "Hostile test component".into(),
            version: "0.0.0".into(),
            // A secret, as the TikTok component's token: `leak` returns its value.
            settings: vec![SettingField {
                key: "access_token".into(),
                label: "Access token".into(),
                description: "A secret the host must keep out of everything it prints.".into(),
                field_type: FieldType::Text,
                required: false,
                secret: true,
                default: None,
                options: vec![],
            }],
            record_fields: vec![],
            max_events_per_request: 1000,
            max_request_bytes: 1_000_000,
            hosts: vec!["business-api.tiktok.com".into()],
        }
    }

    fn validate_credentials(settings: Settings) -> Result<Validation, DestinationError> {
        let mode = mode(&settings);
        misbehave(&mode);
        match mode.as_str() {
            "egress" => match get("https://evil.example/steal") {
                Err(http::HttpError::Denied(reason)) => {
                    Err(DestinationError::Permanent(format!("denied: {reason}")))
                }
                other => Err(DestinationError::Permanent(format!(
                    "not denied: {other:?}"
                ))),
            },
            "http-flood" => {
                for _ in 0..10_000 {
                    let _ = get("https://business-api.tiktok.com/open_api/v1.3/user/info/");
                }
                Err(DestinationError::Permanent(
                    "the host let 10,000 calls through".into(),
                ))
            }
            _ => Ok(Validation {
                event_set_id: "1".into(),
                event_set_name: None,
                event_set_created: false,
                advertiser_name: None,
            }),
        }
    }

    fn transform_batch(
        settings: Settings,
        records: Vec<InputRecord>,
    ) -> Result<TransformOutput, DestinationError> {
        let mode = mode(&settings);
        misbehave(&mode);
        // In `per-record` mode the request body carries what send is to do.
        let mut body = "{}".to_string();
        if mode == "per-record" {
            for record in &records {
                if let Some(misbehaviour) = marked(&record.json, "misbehave") {
                    misbehave(misbehaviour);
                }
                if let Some(misbehaviour) = marked(&record.json, "misbehave_in_send") {
                    body = misbehaviour.to_string();
                }
            }
        }
        let token = setting(&settings, "access_token");
        let reason = |n: usize| match mode.as_str() {
            "leak" if n % 2 == 0 => Some(format!("rejected, the token is {token}")),
            "huge" => Some(format!("{n}:{}", "x".repeat(50_000))),
            "escape" => Some("\x1b[2J\x1b]0;owned\x07\rdelivered 1000000\nINFO forged line".into()),
            _ => None,
        };
        if mode == "log-flood" {
            for n in 0..10_000 {
                log::log(
                    log::Level::Warn,
                    &format!("line {n}\nERROR forged host line"),
                );
            }
        }
        let mut outcomes: Vec<TransformOutcome> = records
            .iter()
            .enumerate()
            .map(|(n, r)| TransformOutcome {
                id: r.id.clone(),
                status: match reason(n) {
                    Some(reason) => TransformStatus::Rejected(reason),
                    None => TransformStatus::Accepted(0),
                },
            })
            .collect();
        match mode.as_str() {
            "extra-outcome" => outcomes.push(TransformOutcome {
                id: "ghost".into(),
                status: TransformStatus::Accepted(0),
            }),
            "missing-outcome" => {
                outcomes.pop();
            }
            _ => {}
        }
        let events: Vec<PreparedEvent> = records
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o.status, TransformStatus::Accepted(_)))
            .map(|(r, _)| PreparedEvent {
                event_id: match mode.as_str() {
                    "leak" => format!("{}-{token}", r.id),
                    _ => r.id.clone(),
                },
                record_ids: vec![r.id.clone()],
            })
            .collect();
        let requests = match events.is_empty() {
            true => vec![],
            false => vec![PreparedRequest { body, events }],
        };
        Ok(TransformOutput { requests, outcomes })
    }

    fn send(
        settings: Settings,
        request: PreparedRequest,
    ) -> Result<Vec<DeliveryOutcome>, DestinationError> {
        let mode = mode(&settings);
        misbehave(&mode);
        let calls = match mode.as_str() {
            "no-http-delivered" => 0,
            "http-many" => 300,
            _ => 1,
        };
        for _ in 0..calls {
            let _ = get("https://business-api.tiktok.com/open_api/v1.3/user/info/");
        }
        if mode == "trap-after-http" {
            panic!("hostile component panicked after sending");
        }
        if mode == "per-record" {
            misbehave(&request.body);
        }
        let mut outcomes: Vec<DeliveryOutcome> = request
            .events
            .iter()
            .flat_map(|e| &e.record_ids)
            .map(|id| DeliveryOutcome {
                id: id.clone(),
                status: DeliveryStatus::Delivered,
            })
            .collect();
        match mode.as_str() {
            "phantom" => outcomes.push(DeliveryOutcome {
                id: "never-sent".into(),
                status: DeliveryStatus::Delivered,
            }),
            "send-missing-outcome" => {
                outcomes.pop();
            }
            _ => {}
        }
        Ok(outcomes)
    }
}

impl exports::cdp::destination::oauth::Guest for Hostile {
    fn authorization_url(_app_id: String, _redirect_uri: String, _state: String) -> String {
        String::new()
    }

    fn connect(
        _app_id: String,
        _app_secret: String,
        _auth_code: String,
    ) -> Result<exports::cdp::destination::oauth::Connection, DestinationError> {
        Err(DestinationError::Permanent("not supported".into()))
    }
}

impl exports::cdp::destination::event_sets::Guest for Hostile {
    fn list_event_sets(
        _settings: Settings,
    ) -> Result<Vec<exports::cdp::destination::event_sets::EventSet>, DestinationError> {
        Ok(vec![])
    }

    fn create_event_set(
        _settings: Settings,
        _name: String,
        _description: String,
        _auto_tracking: bool,
    ) -> Result<exports::cdp::destination::event_sets::EventSet, DestinationError> {
        Err(DestinationError::Permanent("not supported".into()))
    }

    fn update_event_set(
        _settings: Settings,
        _id: String,
        _name: Option<String>,
        _auto_tracking: Option<bool>,
    ) -> Result<exports::cdp::destination::event_sets::EventSet, DestinationError> {
        Err(DestinationError::Permanent("not supported".into()))
    }
}
