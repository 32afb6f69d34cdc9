//! The built component (`wasm32-wasip2`, embedded by host-harness's build script),
//! hosted by wasmtime with a scripted HTTP import: all four exports end to end.

use std::sync::Arc;

use host_harness::bindings::guest::{
    DeliveryStatus, InputRecord, PreparedEvent, PreparedRequest, TransformStatus,
};
use host_harness::bindings::http::{HttpError, Response};
use host_harness::bindings::types::{
    DestinationError, FieldError, RateLimit, Setting, SettingValue,
};
use host_harness::state::Clock;
use host_harness::transport::Scripted;
use host_harness::{AllowedHosts, Destination, Policy, Runtime, TIKTOK_COMPONENT};
use serde_json::json;

const API: &str = "https://business-api.tiktok.com/open_api/v1.3";
const TOKEN: &str = "tok-0123456789abcdef-SECRET";
const ADVERTISER: &str = "7000000000000000001";
const EVENT_SET: &str = "7181537436256731137";
/// 2023-05-20T09:19:55Z, the event time of TikTok's own example, plus one minute.
const NOW_MS: u64 = 1_684_574_395_000 + 60_000;

/// TikTok's documented example: `" ALICE_abc@gmail.com "`. (Its phone example,
/// `"(+1)2133734253"`, hashes to 9f7ec22d…2fd, which the golden body spells out.)
const ALICE_EMAIL_SHA256: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";

fn text(key: &str, value: &str) -> Setting {
    Setting {
        key: key.into(),
        value: SettingValue::Text(value.into()),
    }
}

fn base_settings() -> Vec<Setting> {
    vec![
        text("access_token", TOKEN),
        text("advertiser_id", ADVERTISER),
        text("event_set_id", EVENT_SET),
    ]
}

fn destination(script: &Arc<Scripted>) -> Destination {
    // Compiled once for the whole run, through the host's own on-disk cache.
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime =
        Arc::new(Runtime::new(Policy::allowing(AllowedHosts::Declared), Some(cache)).unwrap());
    Destination::load(runtime, TIKTOK_COMPONENT, script.clone())
        .unwrap()
        .with_clock(Clock::Fixed(NOW_MS))
}

fn ok(data: serde_json::Value) -> serde_json::Value {
    json!({"code": 0, "message": "OK", "request_id": "req-1", "data": data})
}

fn api_error(code: i64, message: &str) -> serde_json::Value {
    json!({"code": code, "message": message, "request_id": "req-1", "data": {}})
}

fn get(path: &str) -> String {
    format!("GET {API}{path}")
}

fn post(path: &str) -> String {
    format!("POST {API}{path}")
}

const USER_INFO: &str = "/user/info/";
const ADVERTISER_INFO: &str = "/advertiser/info/?advertiser_ids=%5B%227000000000000000001%22%5D";
const SET_BY_ID: &str =
    "/offline/get/?advertiser_id=7000000000000000001&event_set_ids=%5B%227181537436256731137%22%5D";
const SET_BY_NAME: &str = "/offline/get/?advertiser_id=7000000000000000001&name=Store%20purchases";

fn script_account(script: &Scripted) {
    script.json(
        &get(USER_INFO),
        ok(json!({"id": "u1", "display_name": "Ops"})),
    );
    script.json(
        &get(ADVERTISER_INFO),
        ok(json!({"list": [{"advertiser_id": ADVERTISER, "name": "Acme Retail"}]})),
    );
}

// ---- describe-settings ----

#[test]
fn describe_declares_the_destination() {
    let spec = destination(&Arc::new(Scripted::new())).describe().unwrap();
    assert_eq!(spec.id, "tiktok-offline-events");
    assert_eq!(spec.hosts, ["business-api.tiktok.com"]);
    assert_eq!(spec.max_events_per_request, 1000);
    let keys: Vec<&str> = spec.settings.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "advertiser_id",
            "event_set_id",
            "event_set_name",
            "auto_tracking",
            "allow_business_users",
            "allow_limited_pii_access",
            "name",
            "description",
            "event_name",
            "default_phone_country",
            "default_currency",
            "test_event_code",
            "partner_name",
            "batch_size",
            "value_is",
        ]
    );
    let token = &spec.settings[0];
    assert!(token.required && token.secret);
    let currency = spec
        .settings
        .iter()
        .find(|f| f.key == "default_currency")
        .unwrap();
    // No default: USD is assumed when it is not set, with a warning on each row.
    assert_eq!(currency.default, None);
    let batch = spec
        .settings
        .iter()
        .find(|f| f.key == "batch_size")
        .unwrap();
    assert_eq!(batch.default, Some(SettingValue::Integer(1000)));
    let columns: Vec<&str> = spec.record_fields.iter().map(|f| f.name.as_str()).collect();
    for column in [
        "email",
        "phone",
        "event",
        "event_id",
        "timestamp",
        "order_id",
        "value",
        "currency",
        "country",
    ] {
        assert!(
            columns.contains(&column),
            "record field {column} missing from {columns:?}"
        );
    }
}

// ---- validate-credentials ----

#[test]
fn validate_accepts_a_good_token_advertiser_and_set() {
    let script = Arc::new(Scripted::new());
    script_account(&script);
    script.json(
        &get(SET_BY_ID),
        ok(json!({"event_set_list": [{"event_set_id": EVENT_SET, "name": "POS"}]})),
    );
    let validation = destination(&script)
        .validate(&base_settings())
        .unwrap()
        .unwrap();
    assert_eq!(validation.event_set_id, EVENT_SET);
    assert_eq!(validation.event_set_name.as_deref(), Some("POS"));
    assert_eq!(validation.advertiser_name.as_deref(), Some("Acme Retail"));
    assert!(!validation.event_set_created);
    let calls = script.calls();
    assert_eq!(calls.len(), 3);
    for call in &calls {
        assert_eq!(
            call.headers,
            [("Access-Token".to_string(), TOKEN.to_string())]
        );
    }
}

#[test]
fn validate_reports_a_bad_token_as_auth() {
    let script = Arc::new(Scripted::new());
    script.json(
        &get(USER_INFO),
        api_error(40105, "Access token is incorrect or has been revoked."),
    );
    let error = destination(&script)
        .validate(&base_settings())
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error,
        DestinationError::Auth(
            "TikTok code 40105: Access token is incorrect or has been revoked.".into()
        )
    );
    assert_eq!(
        script.calls().len(),
        1,
        "nothing else is tried with a bad token"
    );
}

#[test]
fn validate_reports_a_missing_set_on_its_field() {
    let script = Arc::new(Scripted::new());
    script_account(&script);
    script.json(&get(SET_BY_ID), ok(json!({"event_set_list": []})));
    let error = destination(&script)
        .validate(&base_settings())
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error,
        DestinationError::InvalidSettings(vec![FieldError {
            key: "event_set_id".into(),
            message: "no offline event set with this id for this advertiser (a pixel code is not an event set id)".into(),
        }])
    );
}

fn by_name_settings() -> Vec<Setting> {
    vec![
        text("access_token", TOKEN),
        text("advertiser_id", ADVERTISER),
        text("event_set_name", "Store purchases"),
        text("description", "In-store purchases from the POS"),
        Setting {
            key: "auto_tracking".into(),
            value: SettingValue::Boolean(true),
        },
    ]
}

#[test]
fn validate_finds_a_set_by_name() {
    let script = Arc::new(Scripted::new());
    script_account(&script);
    script.json(
        &get(SET_BY_NAME),
        ok(json!({"event_set_list": [
            {"event_set_id": "7000000000000000999", "name": "Store purchases (old)"},
            {"event_set_id": EVENT_SET, "name": "Store purchases"}
        ]})),
    );
    let validation = destination(&script)
        .validate(&by_name_settings())
        .unwrap()
        .unwrap();
    assert_eq!(
        validation.event_set_id, EVENT_SET,
        "only the exact name counts"
    );
    assert!(!validation.event_set_created);
}

#[test]
fn validate_creates_a_missing_set_by_name() {
    let script = Arc::new(Scripted::new());
    script_account(&script);
    script.json(&get(SET_BY_NAME), ok(json!({"event_set_list": []})));
    script.json(
        &post("/offline/create/"),
        ok(json!({"event_set_id": "7300000000000000001"})),
    );
    let validation = destination(&script)
        .validate(&by_name_settings())
        .unwrap()
        .unwrap();
    assert_eq!(validation.event_set_id, "7300000000000000001");
    assert_eq!(
        validation.event_set_name.as_deref(),
        Some("Store purchases")
    );
    assert!(validation.event_set_created);
    let create = script.calls().pop().unwrap();
    assert_eq!(create.url, format!("{API}/offline/create/"));
    assert_eq!(
        create.body.as_deref(),
        Some(
            r#"{"advertiser_id":"7000000000000000001","auto_tracking":true,"description":"In-store purchases from the POS","name":"Store purchases"}"#
        )
    );
}

#[test]
fn validate_checks_fields_before_calling_tiktok() {
    let script = Arc::new(Scripted::new());
    let settings = vec![text("advertiser_id", "not-digits"), text("colour", "blue")];
    let error = destination(&script)
        .validate(&settings)
        .unwrap()
        .unwrap_err();
    let DestinationError::InvalidSettings(fields) = error else {
        panic!("expected field errors, got {error:?}")
    };
    let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    assert!(keys.contains(&"access_token"), "{fields:?}");
    assert!(keys.contains(&"advertiser_id"), "{fields:?}");
    assert!(keys.contains(&"colour"), "{fields:?}");
    assert!(script.calls().is_empty());
}

// ---- transform-batch ----

fn record(id: &str, json: serde_json::Value) -> InputRecord {
    InputRecord {
        id: id.into(),
        json: json.to_string(),
    }
}

fn golden_batch() -> Vec<InputRecord> {
    vec![
        record(
            "1",
            json!({"email": " ALICE_abc@gmail.com ", "phone": "(+1)2133734253", "event": "purchase",
                   "event_id": "ord-10023", "timestamp": "2023-05-20T09:19:55Z", "order_id": "ord-10023",
                   "shop_id": "store-17", "currency": "usd", "content_id": 1077218, "content_name": "running shoes",
                   "content_category": "Shoes", "brand": "acme", "price": 8, "quantity": 2, "event_channel": "in_store"}),
        ),
        record(
            "2",
            json!({"email": "alice_abc@gmail.com", "event": "Purchase", "event_id": "ord-10023",
                   "timestamp": "2023-05-20T09:19:55Z", "order_id": "ord-10023", "content_id": "2000001",
                   "content_name": "socks", "price": "30", "quantity": 1}),
        ),
        record(
            "3",
            json!({"email": "not-an-email", "event": "Purchase", "timestamp": 1684574395}),
        ),
        record(
            "4",
            json!({"email": ALICE_EMAIL_SHA256.to_uppercase(), "event": "Lead", "event_id": 42,
                   "timestamp": 1684574395000u64, "value": 0}),
        ),
    ]
}

/// Nesting in a row costs the component no stack (serde_json skips a nested value in a
/// loop), so its 128 KiB shadow stack holds any row: each gets its reason, no trap.
#[test]
fn deeply_nested_values_are_rejected_without_a_trap() {
    let nested = |id: &str, depth: usize| InputRecord {
        id: id.into(),
        json: format!(
            r#"{{"email": "a@b.c", "event": "Purchase", "timestamp": 1684574395, "brand": {}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    };
    let records = [nested("1", 127), nested("2", 100_000)];
    let output = destination(&Arc::new(Scripted::new()))
        .transform_v0_1(&base_settings(), &records)
        .unwrap()
        .unwrap();
    let reasons: Vec<_> = output.outcomes.iter().map(|o| &o.status).collect();
    let nested = TransformStatus::Rejected("brand: must be text or a number".into());
    assert_eq!(reasons, [&nested, &nested]);
}

#[test]
fn transform_produces_the_exact_golden_body() {
    let script = Arc::new(Scripted::new());
    let output = destination(&script)
        .transform_v0_1(&base_settings(), &golden_batch())
        .unwrap()
        .unwrap();
    // Byte for byte, in TikTok's documented key order (json! would sort the keys).
    let expected_body = concat!(
        r#"{"event_source":"offline","event_source_id":"7181537436256731137","data":["#,
        r#"{"event":"Purchase","event_time":1684574395,"event_id":"ord-10023","#,
        r#""user":{"email":["848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f"],"#,
        r#""phone":["9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd"]},"#,
        r#""properties":{"order_id":"ord-10023","shop_id":"store-17","currency":"USD","value":46.0,"#,
        r#""content_type":"product","contents":["#,
        r#"{"content_id":"1077218","content_name":"running shoes","content_category":"Shoes","brand":"acme","price":8.0,"quantity":2},"#,
        r#"{"content_id":"2000001","content_name":"socks","price":30.0,"quantity":1}]}},"#,
        r#"{"event":"Lead","event_time":1684574395,"event_id":"42","#,
        r#""user":{"email":["848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f"]},"#,
        r#""properties":{"currency":"USD","value":0.0}}]}"#
    );
    assert_eq!(output.requests.len(), 1);
    assert_eq!(output.requests[0].body, expected_body);
    assert_eq!(
        output.requests[0].events,
        [
            PreparedEvent {
                event_id: "ord-10023".into(),
                record_ids: vec!["1".into(), "2".into()]
            },
            PreparedEvent {
                event_id: "42".into(),
                record_ids: vec!["4".into()]
            },
        ]
    );
    let statuses: Vec<(&str, &TransformStatus)> = output
        .outcomes
        .iter()
        .map(|o| (o.id.as_str(), &o.status))
        .collect();
    assert_eq!(statuses[0], ("1", &TransformStatus::Accepted(0)));
    assert_eq!(statuses[1], ("2", &TransformStatus::Accepted(0)));
    assert_eq!(statuses[3], ("4", &TransformStatus::Accepted(0)));
    let TransformStatus::Rejected(reason) = statuses[2].1 else {
        panic!("row 3 must be rejected")
    };
    assert!(reason.starts_with("no usable email or phone"), "{reason}");
    assert!(
        !reason.contains("not-an-email"),
        "reasons never echo PII: {reason}"
    );
    assert!(script.calls().is_empty(), "transform makes no HTTP call");
    assert!(!output.requests[0].body.contains(TOKEN));
}

// ---- send ----

fn one_event_request() -> PreparedRequest {
    let body = json!({"event_source": "offline", "event_source_id": EVENT_SET, "data": [
        {"event": "Purchase", "event_time": 1684574395, "event_id": "ord-1", "user": {"email": [ALICE_EMAIL_SHA256]}}
    ]});
    PreparedRequest {
        body: body.to_string(),
        events: vec![PreparedEvent {
            event_id: "ord-1".into(),
            record_ids: vec!["1".into(), "2".into()],
        }],
    }
}

fn send_with(
    answer: Result<Response, HttpError>,
) -> (Result<Vec<DeliveryStatus>, DestinationError>, Arc<Scripted>) {
    let script = Arc::new(Scripted::new());
    script.answer(&post("/event/track/"), answer);
    let result = destination(&script)
        .send_v0_1(&base_settings(), &one_event_request())
        .unwrap();
    (
        result.map(|outcomes| outcomes.into_iter().map(|o| o.status).collect()),
        script,
    )
}

fn tiktok(body: serde_json::Value) -> Result<Response, HttpError> {
    Ok(Response {
        status: 200,
        headers: vec![],
        body: body.to_string(),
    })
}

/// A response nested however deep costs the component no stack (its `data` is kept
/// as raw JSON, skipped in a loop): delivered, no trap.
#[test]
fn send_reads_deeply_nested_responses_without_a_trap() {
    let nested = |depth: usize| Response {
        status: 200,
        headers: vec![],
        body: format!(
            r#"{{"code": 0, "message": "OK", "request_id": "req-1", "data": {}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    };
    let (result, _) = send_with(Ok(nested(127)));
    assert_eq!(result, Ok(vec![DeliveryStatus::Delivered; 2]));
    let (result, _) = send_with(Ok(nested(100_000)));
    assert_eq!(result, Ok(vec![DeliveryStatus::Delivered; 2]));
}

#[test]
fn send_code_0_delivers_every_record_with_the_token_in_its_header_only() {
    let (result, script) = send_with(tiktok(ok(json!({}))));
    assert_eq!(
        result.unwrap(),
        [DeliveryStatus::Delivered, DeliveryStatus::Delivered]
    );
    let call = &script.calls()[0];
    assert_eq!(call.url, format!("{API}/event/track/"));
    assert_eq!(
        call.headers,
        [
            ("Access-Token".to_string(), TOKEN.to_string()),
            ("Content-Type".to_string(), "application/json".to_string())
        ]
    );
    assert_eq!(
        call.body.as_deref(),
        Some(one_event_request().body.as_str())
    );
}

#[test]
fn send_40002_rejects_the_records_with_tiktoks_message() {
    let (result, _) = send_with(tiktok(api_error(
        40002,
        "Invalid value for event_id: not a valid string.",
    )));
    let reason =
        "refused by TikTok: TikTok code 40002: Invalid value for event_id: not a valid string.";
    assert_eq!(
        result.unwrap(),
        [
            DeliveryStatus::Rejected(reason.into()),
            DeliveryStatus::Rejected(reason.into())
        ]
    );
}

#[test]
fn send_40100_is_rate_limited() {
    let (result, _) = send_with(tiktok(api_error(40100, "Too many requests.")));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::RateLimited(RateLimit {
            retry_after_ms: Some(1000),
            message: "TikTok code 40100: Too many requests.".into()
        })
    );
}

#[test]
fn send_40105_is_an_auth_error() {
    let (result, _) = send_with(tiktok(api_error(
        40105,
        "Access token is incorrect or has been revoked.",
    )));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::Auth(
            "TikTok code 40105: Access token is incorrect or has been revoked.".into()
        )
    );
}

#[test]
fn send_50002_is_transient() {
    let (result, _) = send_with(tiktok(api_error(50002, "Internal service timeout.")));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::Transient("TikTok code 50002: Internal service timeout.".into())
    );
}

#[test]
fn send_http_502_with_html_is_transient() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let (result, _) = send_with(Ok(Response {
        status: 502,
        headers: vec![],
        body: html.into(),
    }));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::Transient("TikTok answered HTTP 502".into())
    );
}

#[test]
fn send_http_200_with_html_is_never_success() {
    let (result, _) = send_with(Ok(Response {
        status: 200,
        headers: vec![],
        body: "<html>OK</html>".into(),
    }));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::Transient("TikTok answered HTTP 200 with a body that is not JSON".into())
    );
}

#[test]
fn send_timeout_is_transient() {
    let (result, _) = send_with(Err(HttpError::Timeout));
    assert_eq!(
        result.unwrap_err(),
        DestinationError::Transient("HTTP call failed: timed out".into())
    );
}

/// The size budget a host downloads and keeps compiled (docs/performance.md): the
/// build's inline threshold (.cargo/config.toml) was chosen to stay under it. The
/// shipped component is the build without its top-level custom sections (below).
#[test]
fn the_component_stays_within_its_600_kb_budget() {
    assert!(
        TIKTOK_COMPONENT.len() <= 600_000,
        "{} bytes",
        TIKTOK_COMPONENT.len()
    );
}

/// `host-harness/build.rs` ships the component without the custom sections
/// `wasm-component-ld` adds at its top level (names for debuggers, tool versions);
/// what remains is a whole component (every test here instantiates it).
#[test]
fn the_shipped_component_has_no_top_level_custom_sections() {
    use wasmparser::{Parser, Payload};
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(TIKTOK_COMPONENT) {
        match payload.unwrap() {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::CustomSection(section) if depth == 0 => {
                panic!("custom section {:?} is shipped", section.name())
            }
            _ => {}
        }
    }
}

// ---- the component and its native build ----

/// The bench's wasm/native ratio compares like with like, and the component's
/// WebAssembly-only code (SIMD scanning) reads rows as the portable code does: on the
/// bench's sample, 1 % of it invalid, both builds make the same requests, byte for
/// byte, and the same outcomes.
#[test]
fn the_component_and_the_native_build_agree_on_the_bench_sample() {
    use tiktok_offline_events::contract;
    let settings = bench::settings();
    let native_settings: Vec<contract::Setting> = settings
        .iter()
        .map(|s| contract::Setting {
            key: s.key.clone(),
            value: match &s.value {
                SettingValue::Text(t) => contract::SettingValue::Text(t.clone()),
                SettingValue::Boolean(b) => contract::SettingValue::Boolean(*b),
                SettingValue::Integer(n) => contract::SettingValue::Integer(*n),
            },
        })
        .collect();
    let parsed = tiktok_offline_events::settings::Settings::parse(&native_settings).unwrap();
    let now_ms = bench::sample::NOW_MS;
    let destination = destination(&Arc::new(Scripted::new())).with_clock(Clock::Fixed(now_ms));
    let mut rejected = 0;
    for batch in bench::batches(3_000) {
        let rows = tiktok_offline_events::transform::Rows::Lines(&batch.lines);
        let native = tiktok_offline_events::transform::transform(&parsed, rows, now_ms);
        let wasm = destination
            .transform(&settings, &batch.lines, batch.rows)
            .unwrap()
            .unwrap();
        assert_eq!(wasm.requests.len(), native.requests.len());
        for (w, n) in wasm.requests.iter().zip(&native.requests) {
            assert_eq!(w.body, n.body);
            assert_eq!(
                (&w.event_ids, &w.event_sizes, &w.rows),
                (&n.event_ids, &n.event_sizes, &n.rows),
                "the requests' events differ"
            );
        }
        let by_row = |rejections: Vec<(u32, String)>| rejections;
        assert_eq!(
            by_row(
                wasm.rejections
                    .iter()
                    .map(|r| (r.row, r.reason.clone()))
                    .collect()
            ),
            by_row(
                native
                    .rejections
                    .iter()
                    .map(|r| (r.row, r.reason.clone()))
                    .collect()
            )
        );
        rejected += wasm.rejections.len();
    }
    assert_eq!(rejected, 30, "one row in 100 of the sample is invalid");
}

/// The host bounds an order's rows as it reads them by the number of rows the component
/// merges into one event, with the same reason: a host-rejected row and a
/// component-rejected one read alike.
#[test]
fn the_host_bounds_orders_as_the_component_bounds_events() {
    use tiktok_offline_events::batch::{MAX_EVENT_ROWS, too_many_rows};
    assert_eq!(host_harness::input::MAX_ORDER_ROWS, MAX_EVENT_ROWS);
    assert_eq!(
        host_harness::input::RowError::OrderTooLarge.to_string(),
        too_many_rows()
    );
}
