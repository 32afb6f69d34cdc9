//! `/event/track/` bodies: the checks TikTok makes before it accepts offline events.
//!
//! A request is checked whole before anything is stored: one invalid event fails the
//! request (TikTok reports no per-event errors). Refusals name the field with the
//! event's index (`data[3].user.email`) and never the value.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::api_error::{ApiError, code};

/// TikTok rejects a request with more events than this (40061).
pub(crate) const MAX_EVENTS: usize = 1000;

/// Choice: TikTok's docs are silent on future times. An `event_time` more than a day
/// ahead of the sandbox clock is refused, which catches milliseconds sent as seconds
/// (TikTok would read them as a date thousands of years ahead). Old events are
/// accepted: whether TikTok refuses events older than its 28-day window is unconfirmed.
const MAX_FUTURE_SECS: u64 = 24 * 60 * 60;

/// Standard events accepted by offline event sets: TikTok's help page "supported events
/// for offline event sets", plus `Purchase` (the Events 2.0 offline example) and `Lead`
/// (the offline upload list). Case-sensitive. The standard events TikTok lists for web
/// only (`ApplicationApproval`, `CustomizeProduct`, `FindLocation`, `Schedule`,
/// `StartTrial`, `SubmitApplication`) are refused like any other name.
const STANDARD_EVENTS: [&str; 16] = [
    "AddPaymentInfo",
    "AddToCart",
    "AddToWishlist",
    "ClickButton",
    "CompletePayment",
    "CompleteRegistration",
    "Contact",
    "Download",
    "InitiateCheckout",
    "Lead",
    "PlaceAnOrder",
    "Purchase",
    "Search",
    "SubmitForm",
    "Subscribe",
    "ViewContent",
];

/// ISO 4217 codes TikTok accepts for `currency`.
const CURRENCIES: [&str; 62] = [
    "AED", "ARS", "AUD", "BDT", "BHD", "BIF", "BOB", "BRL", "CAD", "CHF", "CLP", "CNY", "COP",
    "CRC", "CZK", "DKK", "DZD", "EGP", "EUR", "GBP", "GTQ", "HKD", "HNL", "HUF", "IDR", "ILS",
    "INR", "ISK", "JPY", "KES", "KHR", "KRW", "KWD", "KZT", "MAD", "MOP", "MXN", "MYR", "NGN",
    "NIO", "NOK", "NZD", "OMR", "PEN", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RUB", "SAR",
    "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VES", "VND", "ZAR",
];

/// A request's top level, checked; events are still raw, exactly as received.
#[derive(Debug)]
pub(crate) struct TrackRequest<'a> {
    pub(crate) event_source_id: String,
    pub(crate) test_event_code: Option<String>,
    pub(crate) events: Vec<&'a RawValue>,
}

/// The top level as sent; each field is checked by hand so refusals can name it.
#[derive(Deserialize)]
struct TopLevel<'a> {
    event_source: Option<Value>,
    event_source_id: Option<Value>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    test_event_code: Option<Value>,
    partner_name: Option<Value>,
}

impl<'a> TrackRequest<'a> {
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, ApiError> {
        let top = parse_top_level(body)?;
        match top.event_source {
            None => return Err(ApiError::missing("event_source")),
            Some(Value::String(source)) if source == "offline" => {}
            Some(Value::String(_)) => {
                return Err(ApiError::invalid(
                    "event_source",
                    "this sandbox models offline event sets only; expected \"offline\"",
                ));
            }
            Some(_) => return Err(ApiError::not_a_string("event_source")),
        }
        let event_source_id = match top.event_source_id {
            None => return Err(ApiError::missing("event_source_id")),
            Some(Value::String(id)) if is_numeric_id(&id) => id,
            Some(Value::String(_)) => {
                return Err(ApiError::invalid(
                    "event_source_id",
                    "not an offline event set id (a numeric string); a pixel code cannot be used here",
                ));
            }
            Some(_) => return Err(ApiError::not_a_string("event_source_id")),
        };
        optional_string("partner_name", top.partner_name)?;
        let test_event_code = optional_string("test_event_code", top.test_event_code)?;
        let events = parse_events(top.data)?;
        Ok(Self {
            event_source_id,
            test_event_code,
            events,
        })
    }
}

fn parse_top_level(body: &[u8]) -> Result<TopLevel<'_>, ApiError> {
    let not_json = || ApiError::invalid("request body", "not valid JSON");
    // A derived struct would also accept a JSON array; TikTok wants an object.
    let starts_as_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !starts_as_object {
        return match serde_json::from_slice::<IgnoredAny>(body) {
            Ok(_) => Err(ApiError::invalid("request body", "not a JSON object")),
            Err(_) => Err(not_json()),
        };
    }
    serde_json::from_slice(body).map_err(|_| not_json())
}

fn is_numeric_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

fn optional_string(field: &str, value: Option<Value>) -> Result<Option<String>, ApiError> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::not_a_string(field)),
    }
}

fn parse_events(data: Option<&RawValue>) -> Result<Vec<&RawValue>, ApiError> {
    let data = data.ok_or_else(|| ApiError::missing("data"))?;
    let events: Vec<&RawValue> = serde_json::from_str(data.get())
        .map_err(|_| ApiError::invalid("data", "not an array of events"))?;
    match events.len() {
        0 => Err(ApiError::invalid("data", "at least one event is required")),
        n if n > MAX_EVENTS => Err(ApiError::new(
            code::INVALID_BATCH_SIZE,
            format!("Invalid batch size: {n} events in one request; the maximum is {MAX_EVENTS}."),
        )),
        _ => Ok(events),
    }
}

/// Checks every event; for each, the part of its deduplication key it contributes:
/// `Some("<event>\u{1f}<event_id>")`, or `None` when it has no `event_id`.
pub(crate) fn check_events(
    events: &[&RawValue],
    now: u64,
) -> Result<Vec<Option<String>>, ApiError> {
    events
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let event: Value = serde_json::from_str(raw.get())
                .map_err(|_| ApiError::invalid(format_args!("data[{i}]"), "not valid JSON"))?;
            match event {
                Value::Object(event) => check_event(i, &event, now),
                _ => Err(ApiError::invalid(
                    format_args!("data[{i}]"),
                    "not an event object",
                )),
            }
        })
        .collect()
}

/// Fields sent as JSON `null` count as absent.
fn field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn check_event(i: usize, event: &Map<String, Value>, now: u64) -> Result<Option<String>, ApiError> {
    let name = match field(event, "event") {
        None => return Err(ApiError::missing(format_args!("data[{i}].event"))),
        Some(Value::String(name)) if STANDARD_EVENTS.contains(&name.as_str()) => name,
        Some(Value::String(_)) => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].event"),
                "not a standard event name (names are case-sensitive)",
            ));
        }
        Some(_) => return Err(ApiError::not_a_string(format_args!("data[{i}].event"))),
    };
    check_event_time(i, field(event, "event_time"), now)?;
    let event_id = match field(event, "event_id") {
        None => None,
        // Choice: TikTok's docs are silent; an empty id would collapse unrelated events.
        Some(Value::String(id)) if id.is_empty() => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].event_id"),
                "empty string",
            ));
        }
        Some(Value::String(id)) => Some(id),
        Some(_) => return Err(ApiError::not_a_string(format_args!("data[{i}].event_id"))),
    };
    check_user(i, field(event, "user"))?;
    if let Some(properties) = field(event, "properties") {
        check_properties(i, properties)?;
    }
    Ok(event_id.map(|id| format!("{name}\u{1f}{id}")))
}

fn check_event_time(i: usize, event_time: Option<&Value>, now: u64) -> Result<(), ApiError> {
    let path = || format!("data[{i}].event_time");
    match event_time.map(Value::as_u64) {
        None => Err(ApiError::missing(path())),
        Some(None) => Err(ApiError::invalid(path(), "not an integer of Unix seconds")),
        Some(Some(secs)) if secs > now + MAX_FUTURE_SECS => Err(ApiError::invalid(
            path(),
            "more than a day in the future; Unix seconds are expected, not milliseconds",
        )),
        Some(Some(_)) => Ok(()),
    }
}

/// Offline events match on `email` and `phone` only, SHA-256 hashed. Other `user`
/// fields (web and app identifiers) are ignored, as TikTok ignores them for offline sets.
fn check_user(i: usize, user: Option<&Value>) -> Result<(), ApiError> {
    let user = match user {
        None => None,
        Some(Value::Object(user)) => Some(user),
        Some(_) => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].user"),
                "not an object",
            ));
        }
    };
    let mut identifiers = 0;
    for key in ["email", "phone"] {
        if let Some(value) = user.and_then(|user| field(user, key)) {
            identifiers += count_hashes(i, key, value)?;
        }
    }
    // Hashed like email (TikTok's Events 2.0 page; its offline connector sends it), but
    // not an offline match key on its own: TikTok's offline help names email and phone.
    if let Some(value) = user.and_then(|user| field(user, "external_id")) {
        count_hashes(i, "external_id", value)?;
    }
    // Choice: TikTok's docs are silent; an offline event nobody can match is refused.
    if identifiers == 0 {
        return Err(ApiError::invalid(
            format_args!("data[{i}].user"),
            "email or phone is required for offline events",
        ));
    }
    Ok(())
}

/// How many hashes a `user.email`/`user.phone` (a string or an array of strings) holds.
fn count_hashes(i: usize, key: &str, value: &Value) -> Result<usize, ApiError> {
    let wrong_type = || {
        ApiError::invalid(
            format_args!("data[{i}].user.{key}"),
            "not a string or an array of strings",
        )
    };
    match value {
        Value::String(hash) if is_sha256_hex(hash) => Ok(1),
        Value::String(_) => Err(ApiError::not_hashed(format_args!("data[{i}].user.{key}"))),
        Value::Array(items) => {
            for (j, item) in items.iter().enumerate() {
                let hash = item.as_str().ok_or_else(wrong_type)?;
                if !is_sha256_hex(hash) {
                    return Err(ApiError::not_hashed(format_args!(
                        "data[{i}].user.{key}[{j}]"
                    )));
                }
            }
            Ok(items.len())
        }
        _ => Err(wrong_type()),
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The JSON type a property must have.
#[derive(Clone, Copy)]
enum Kind {
    String,
    Number,
    Integer,
    StringArray,
}

impl Kind {
    fn admits(self, value: &Value) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Integer => value.is_i64() || value.is_u64(),
            Kind::StringArray => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
        }
    }

    fn rule(self) -> &'static str {
        match self {
            Kind::String => "not a valid string",
            Kind::Number => "not a number",
            Kind::Integer => "not an integer",
            Kind::StringArray => "not an array of strings",
        }
    }
}

const PROPERTY_KINDS: [(&str, Kind); 7] = [
    ("value", Kind::Number),
    ("order_id", Kind::String),
    ("shop_id", Kind::String),
    ("content_ids", Kind::StringArray),
    ("num_items", Kind::Integer),
    ("description", Kind::String),
    ("search_string", Kind::String),
];

const CONTENT_KINDS: [(&str, Kind); 6] = [
    ("content_id", Kind::String),
    ("content_name", Kind::String),
    ("content_category", Kind::String),
    ("brand", Kind::String),
    ("price", Kind::Number),
    ("quantity", Kind::Integer),
];

/// Properties not listed here are custom properties, which TikTok accepts.
fn check_properties(i: usize, properties: &Value) -> Result<(), ApiError> {
    let Value::Object(properties) = properties else {
        return Err(ApiError::invalid(
            format_args!("data[{i}].properties"),
            "not an object",
        ));
    };
    for (key, kind) in PROPERTY_KINDS {
        if field(properties, key).is_some_and(|value| !kind.admits(value)) {
            return Err(ApiError::invalid(
                format_args!("data[{i}].properties.{key}"),
                kind.rule(),
            ));
        }
    }
    match field(properties, "currency") {
        Some(Value::String(currency)) if CURRENCIES.contains(&currency.as_str()) => {}
        Some(_) => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].properties.currency"),
                "not a supported ISO 4217 currency code",
            ));
        }
        // Choice: a value means nothing to TikTok's reporting without its currency.
        None if field(properties, "value").is_some() => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].properties.currency"),
                "required when value is set",
            ));
        }
        None => {}
    }
    match field(properties, "content_type") {
        None => {}
        Some(Value::String(kind)) if kind == "product" || kind == "product_group" => {}
        Some(_) => {
            return Err(ApiError::invalid(
                format_args!("data[{i}].properties.content_type"),
                "not one of product, product_group",
            ));
        }
    }
    match field(properties, "contents") {
        None => Ok(()),
        Some(Value::Array(contents)) => contents
            .iter()
            .enumerate()
            .try_for_each(|(j, content)| check_content(i, j, content)),
        Some(_) => Err(ApiError::invalid(
            format_args!("data[{i}].properties.contents"),
            "not an array of objects",
        )),
    }
}

fn check_content(i: usize, j: usize, content: &Value) -> Result<(), ApiError> {
    let Value::Object(content) = content else {
        return Err(ApiError::invalid(
            format_args!("data[{i}].properties.contents[{j}]"),
            "not an object",
        ));
    };
    for (key, kind) in CONTENT_KINDS {
        if field(content, key).is_some_and(|value| !kind.admits(value)) {
            return Err(ApiError::invalid(
                format_args!("data[{i}].properties.contents[{j}].{key}"),
                kind.rule(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "track_tests.rs"]
mod tests;
