use serde_json::{Value, json};

use super::*;

const NOW: u64 = 1_700_000_000;
const HASH: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";

fn purchase() -> Value {
    json!({
        "event": "Purchase",
        "event_time": NOW - 3600,
        "event_id": "ord-1",
        "user": {"email": [HASH], "phone": HASH},
        "properties": {
            "order_id": "ord-1", "shop_id": "store-17", "currency": "USD", "value": 46.0,
            "content_type": "product", "content_ids": ["1077218"],
            "contents": [{"content_id": "1077218", "content_name": "shoes", "price": 8.0, "quantity": 2}]
        }
    })
}

fn request(events: Vec<Value>) -> Value {
    json!({"event_source": "offline", "event_source_id": "7181537436256731137", "data": events})
}

/// Checks a whole body as the endpoint does (top level, then events).
fn check(body: &Value) -> Result<Vec<Option<String>>, ApiError> {
    let bytes = serde_json::to_vec(body).unwrap();
    let request = TrackRequest::parse(&bytes)?;
    check_events(&request.events, NOW)
}

/// The refusal for one purchase changed by `edit`.
fn refusal(edit: impl FnOnce(&mut Value)) -> ApiError {
    let mut event = purchase();
    edit(&mut event);
    check(&request(vec![event])).unwrap_err()
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(40002, message)
}

#[test]
fn a_valid_request_yields_each_events_dedup_key() {
    let mut anonymous = purchase();
    anonymous.as_object_mut().unwrap().remove("event_id");
    let keys = check(&request(vec![purchase(), anonymous])).unwrap();
    assert_eq!(keys, [Some("Purchase\u{1f}ord-1".to_owned()), None]);
}

#[test]
fn every_standard_event_is_accepted_and_names_are_case_sensitive() {
    for name in STANDARD_EVENTS {
        let mut event = purchase();
        event["event"] = json!(name);
        assert!(check(&request(vec![event])).is_ok(), "{name}");
    }
    assert_eq!(
        refusal(|e| e["event"] = json!("purchase")),
        invalid(
            "Invalid value for data[0].event: not a standard event name (names are case-sensitive)."
        )
    );
}

#[test]
fn offline_sets_take_the_offline_names_and_refuse_the_web_only_ones() {
    let offline = [
        "CompletePayment",
        "Contact",
        "Subscribe",
        "SubmitForm",
        "AddPaymentInfo",
        "AddToCart",
        "AddToWishlist",
        "ClickButton",
        "CompleteRegistration",
        "Download",
        "InitiateCheckout",
        "PlaceAnOrder",
        "Search",
        "ViewContent",
        "Purchase",
        "Lead",
    ];
    assert_eq!(STANDARD_EVENTS.len(), offline.len());
    assert!(offline.iter().all(|name| STANDARD_EVENTS.contains(name)));
    for web in [
        "ApplicationApproval",
        "CustomizeProduct",
        "FindLocation",
        "Schedule",
        "StartTrial",
        "SubmitApplication",
    ] {
        assert_eq!(
            refusal(|e| e["event"] = json!(web)),
            invalid(
                "Invalid value for data[0].event: not a standard event name (names are case-sensitive)."
            ),
            "{web}"
        );
    }
}

#[test]
fn external_id_is_taken_hashed_beside_email_or_phone_never_alone() {
    assert!(
        check(&request(vec![{
            let mut event = purchase();
            event["user"]["external_id"] = json!([HASH]);
            event
        }]))
        .is_ok()
    );
    assert_eq!(
        refusal(|e| e["user"]["external_id"] = json!("CRM-1")).code,
        40062
    );
    assert_eq!(
        refusal(|e| e["user"] = json!({"external_id": HASH})),
        invalid("Invalid value for data[0].user: email or phone is required for offline events.")
    );
}

#[test]
fn event_id_must_be_a_json_string() {
    assert_eq!(
        refusal(|e| e["event_id"] = json!(10023)),
        invalid("Invalid value for data[0].event_id: not a valid string.")
    );
    assert_eq!(
        refusal(|e| e["event_id"] = json!("")),
        invalid("Invalid value for data[0].event_id: empty string.")
    );
}

#[test]
fn event_time_must_be_integer_seconds_not_milliseconds() {
    let ms = invalid(
        "Invalid value for data[0].event_time: more than a day in the future; Unix seconds are expected, not milliseconds.",
    );
    assert_eq!(
        refusal(|e| e["event_time"] = json!((NOW - 3600) * 1000)),
        ms
    );
    let not_integer =
        invalid("Invalid value for data[0].event_time: not an integer of Unix seconds.");
    assert_eq!(
        refusal(|e| e["event_time"] = json!(1_699_996_400.5)),
        not_integer
    );
    assert_eq!(
        refusal(|e| e["event_time"] = json!("1699996400")),
        not_integer
    );
    assert_eq!(
        refusal(|e| e["event_time"] = Value::Null),
        invalid("Invalid value for data[0].event_time: required field is missing.")
    );
    // An old event is TikTok's attribution problem, not a refusal.
    let mut old = purchase();
    old["event_time"] = json!(NOW - 90 * 86_400);
    assert!(check(&request(vec![old])).is_ok());
}

#[test]
fn emails_and_phones_must_be_lowercase_sha256_and_are_never_echoed() {
    let plain = refusal(|e| e["user"]["email"] = json!("alice@example.com"));
    assert_eq!(
        plain,
        ApiError::new(
            40062,
            "Invalid value for data[0].user.email: PII must be SHA-256 hashed (64 lowercase hex characters)."
        )
    );
    assert!(!plain.message.contains("alice"));

    let second = refusal(|e| e["user"]["phone"] = json!([HASH, "+12133734253"]));
    assert_eq!(second.code, 40062);
    assert!(
        second
            .message
            .starts_with("Invalid value for data[0].user.phone[1]: ")
    );
    assert!(!second.message.contains("2133734253"));

    let upper = refusal(|e| e["user"]["email"] = json!(HASH.to_uppercase()));
    assert_eq!(upper.code, 40062);

    assert_eq!(
        refusal(|e| e["user"]["phone"] = json!(12133734253_u64)),
        invalid("Invalid value for data[0].user.phone: not a string or an array of strings.")
    );
}

#[test]
fn an_offline_event_needs_an_email_or_a_phone() {
    let nobody =
        invalid("Invalid value for data[0].user: email or phone is required for offline events.");
    assert_eq!(
        refusal(|e| e["user"] = json!({"external_id": HASH})),
        nobody
    );
    assert_eq!(refusal(|e| e["user"] = json!({"email": []})), nobody);
    assert_eq!(
        refusal(|e| {
            e.as_object_mut().unwrap().remove("user");
        }),
        nobody
    );
    let mut phone_only = purchase();
    phone_only["user"] = json!({"phone": HASH});
    assert!(check(&request(vec![phone_only])).is_ok());
}

/// A change to an event.
type Edit = fn(&mut Value);

#[test]
fn typed_properties_are_checked_by_name() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            |e| e["properties"]["currency"] = json!("usd"),
            "properties.currency: not a supported ISO 4217 currency code",
        ),
        (
            |e| e["properties"]["currency"] = json!("XXX"),
            "properties.currency: not a supported ISO 4217 currency code",
        ),
        (
            |e| e["properties"]["value"] = json!("46.00"),
            "properties.value: not a number",
        ),
        (
            |e| e["properties"]["order_id"] = json!(10023),
            "properties.order_id: not a valid string",
        ),
        (
            |e| e["properties"]["shop_id"] = json!(17),
            "properties.shop_id: not a valid string",
        ),
        (
            |e| e["properties"]["content_ids"] = json!([1077218]),
            "properties.content_ids: not an array of strings",
        ),
        (
            |e| e["properties"]["content_type"] = json!("sku"),
            "properties.content_type: not one of product, product_group",
        ),
        (
            |e| e["properties"]["contents"] = json!({}),
            "properties.contents: not an array of objects",
        ),
        (
            |e| e["properties"]["contents"][0]["content_id"] = json!(1077218),
            "properties.contents[0].content_id: not a valid string",
        ),
        (
            |e| e["properties"]["contents"][0]["price"] = json!("8.00"),
            "properties.contents[0].price: not a number",
        ),
        (
            |e| e["properties"]["contents"][0]["quantity"] = json!(1.5),
            "properties.contents[0].quantity: not an integer",
        ),
        (
            |e| {
                e["properties"].as_object_mut().unwrap().remove("currency");
            },
            "properties.currency: required when value is set",
        ),
    ];
    for (edit, expected) in cases {
        assert_eq!(
            refusal(edit),
            invalid(&format!("Invalid value for data[0].{expected}."))
        );
    }
}

#[test]
fn a_zero_value_and_custom_properties_are_accepted() {
    let mut event = purchase();
    event["properties"]["value"] = json!(0);
    event["properties"]["loyalty_tier"] = json!("gold");
    assert!(check(&request(vec![event])).is_ok());
}

#[test]
fn the_failing_events_index_is_named() {
    let mut bad = purchase();
    bad["event_id"] = json!(7);
    let err = check(&request(vec![purchase(), purchase(), bad])).unwrap_err();
    assert_eq!(
        err.message,
        "Invalid value for data[2].event_id: not a valid string."
    );
}

#[test]
fn the_top_level_is_checked_before_the_events() {
    let parse = |body: &[u8]| TrackRequest::parse(body).unwrap_err();
    assert_eq!(
        parse(b"{\"event_source\":"),
        invalid("Invalid value for request body: not valid JSON.")
    );
    assert_eq!(
        parse(b"[\"offline\"]"),
        invalid("Invalid value for request body: not a JSON object.")
    );

    let with = |key: &str, value: Value| {
        let mut body = request(vec![purchase()]);
        body[key] = value;
        check(&body).unwrap_err()
    };
    assert_eq!(
        with("event_source", json!("web")),
        invalid(
            "Invalid value for event_source: this sandbox models offline event sets only; expected \"offline\"."
        )
    );
    assert_eq!(
        with("event_source_id", json!("CABC1234567890")),
        invalid(
            "Invalid value for event_source_id: not an offline event set id (a numeric string); a pixel code cannot be used here."
        )
    );
    assert_eq!(
        with("event_source_id", json!(7181537436256731137_u64)),
        invalid("Invalid value for event_source_id: not a valid string.")
    );
    assert_eq!(
        with("data", json!({})),
        invalid("Invalid value for data: not an array of events.")
    );
    assert_eq!(
        with("data", json!([])),
        invalid("Invalid value for data: at least one event is required.")
    );
    assert_eq!(
        with("data", json!([1])),
        invalid("Invalid value for data[0]: not an event object.")
    );
    assert_eq!(
        with("test_event_code", json!(42)),
        invalid("Invalid value for test_event_code: not a valid string.")
    );
}

#[test]
fn at_most_1000_events_per_request() {
    assert_eq!(check(&request(vec![purchase(); 1000])).unwrap().len(), 1000);
    assert_eq!(
        check(&request(vec![purchase(); 1001])).unwrap_err(),
        ApiError::new(
            40061,
            "Invalid batch size: 1001 events in one request; the maximum is 1000."
        )
    );
}
