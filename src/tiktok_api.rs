//! TikTok's Business API as the component speaks it: endpoints, the `{code, message,
//! request_id, data}` envelope, and what each code means for the caller.
//!
//! TikTok answers application errors with HTTP 200, so success is `code == 0` (or
//! 20001, partial success), never the status alone. A non-200 status means the request
//! never reached the API; its body may be an HTML page.

use serde::de::{DeserializeOwned, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::contract::{DestinationError, Host, HttpError, HttpRequest, LogLevel, Method};

/// The only host the component reaches; the host routes it elsewhere for tests.
pub const HOST: &str = "business-api.tiktok.com";
pub const BASE_URL: &str = "https://business-api.tiktok.com/open_api/v1.3";
/// Per-call timeout asked of the host (it may lower it).
pub const TIMEOUT_MS: u32 = 20_000;
/// TikTok's messages are echoed in reasons; a bound keeps a hostile answer from
/// bloating every record's outcome.
const MAX_MESSAGE_CHARS: usize = 300;

/// How the caller should treat an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The records in the request are at fault (invalid parameter, PII not hashed,
    /// batch size): not retryable as is; isolate the bad ones.
    Payload,
    /// The user must re-authorise or fix permissions.
    Auth,
    /// A setting points at something that does not exist.
    Config,
    /// Throttled: retry after a pause.
    Throttle,
    /// A passing fault on TikTok's side or on the way there.
    Transient,
    /// Fails the same way every time.
    Permanent,
}

/// Classifies an application code (§3 of the reference, TikTok's published return
/// codes). Unknown 5xxxx/6xxxx codes are transient and unknown 4xxxx codes permanent:
/// neither rejects records for good.
///
/// Codes TikTok does not publish, kept from connectors and earlier notes, each with
/// the handling that is safe if the guess is wrong: 40061 (batch size) and 40062 (PII
/// not hashed) as payload errors, which bisection narrows to the events at fault;
/// 40063 (partner name) as configuration; 40130 (scope) as auth, which stops the run
/// for the user to act; 61000 (blocked for too many requests) as a throttle.
pub fn classify(code: i64) -> Class {
    match code {
        40000 | 40002 | 40061 | 40062 => Class::Payload,
        40001 | 40101 | 40102 | 40104 | 40105 | 40106 | 40107 | 40110 | 40113 | 40115 | 40119
        | 40130 => Class::Auth,
        40007 | 40063 | 40118 | 40125 | 40300 | 40301 => Class::Config,
        // 60001 (maintenance) and 61000 (blocked for too many requests) ask for a long pause.
        40016 | 40100 | 40132 | 40133 | 60001 | 61000 => Class::Throttle,
        40202 | 50000..=69999 => Class::Transient,
        _ => Class::Permanent,
    }
}

/// What the user can do about a code whose message alone does not say.
pub fn advice(code: i64) -> Option<&'static str> {
    match code {
        40001 => Some(NO_PERMISSION),
        40118 => Some(
            "the app or the ad account is not on TikTok's allowlist for this feature: ask your TikTok representative to allowlist it",
        ),
        40125 => Some(
            "the app's developer account has no permission for this API: check the app's permissions in TikTok for Business Developers (My Apps)",
        ),
        _ => None,
    }
}

/// 40001 is a missing role or a missing app scope, and TikTok does not say which. The
/// scopes are those of TikTok's v1.3 endpoint list (README: "Permissions").
pub const NO_PERMISSION: &str = "the token's user needs the Admin or Operator role on this ad account, and the app needs the call's scope: Measurement > Report Conversion Event to send; Ad Account Management > Read Ad Account Information to validate; Offline Events Management to list, create or update event sets";

/// Why a call did not return data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// TikTok answered with a non-zero code.
    Api {
        code: i64,
        message: String,
    },
    /// Not HTTP 200: a gateway or path error.
    Status {
        status: u16,
        retry_after_ms: Option<u32>,
    },
    /// HTTP 200 whose body is not TikTok's envelope.
    NotJson,
    Http(HttpError),
}

impl Failure {
    pub fn class(&self) -> Class {
        match self {
            Failure::Api { code, .. } => classify(*code),
            Failure::Status { status: 429, .. } => Class::Throttle,
            Failure::Status {
                status: 401 | 403, ..
            } => Class::Auth,
            Failure::Status { status: 500.., .. } | Failure::NotJson => Class::Transient,
            Failure::Status { .. } => Class::Permanent,
            Failure::Http(HttpError::Timeout | HttpError::Connection(_)) => Class::Transient,
            Failure::Http(HttpError::Denied(_) | HttpError::TooLarge) => Class::Permanent,
        }
    }

    /// How long to wait before retrying a throttle. TikTok sends no Retry-After: its
    /// per-second limits clear in the next second; 60001/61000 ask for a long pause.
    pub fn retry_after_ms(&self) -> Option<u32> {
        match self {
            Failure::Api {
                code: 60001 | 61000,
                ..
            } => Some(60_000),
            Failure::Api { code, .. } if classify(*code) == Class::Throttle => Some(1_000),
            Failure::Status { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// The generic mapping to a contract error; callers map `Config` themselves when
    /// they know which setting is at fault.
    pub fn into_error(self) -> DestinationError {
        let message = match &self {
            Failure::Api { code, .. } => match advice(*code) {
                Some(advice) => format!("{self} ({advice})"),
                None => self.to_string(),
            },
            _ => self.to_string(),
        };
        match self.class() {
            Class::Auth => DestinationError::Auth(message),
            Class::Throttle => DestinationError::rate_limited(self.retry_after_ms(), message),
            // A gateway's 503 with Retry-After: the host must wait at least that long.
            Class::Transient if self.retry_after_ms().is_some() => {
                DestinationError::rate_limited(self.retry_after_ms(), message)
            }
            Class::Transient => DestinationError::Transient(message),
            Class::Payload | Class::Config | Class::Permanent => {
                DestinationError::Permanent(message)
            }
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Api { code, message } => write!(f, "TikTok code {code}: {message}"),
            Failure::Status { status, .. } => write!(f, "TikTok answered HTTP {status}"),
            Failure::NotJson => {
                f.write_str("TikTok answered HTTP 200 with a body that is not JSON")
            }
            Failure::Http(error) => write!(f, "HTTP call failed: {}", error.describe()),
        }
    }
}

/// Read straight from the body, with `data` kept as raw JSON text: parsing answers into
/// `serde_json::Value` first cost 19 KB of the component's size budget.
#[derive(Deserialize)]
struct Envelope {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<Box<RawValue>>,
}

/// The `data` of an accepted answer, not yet read. Reading is a second step so that a
/// `data` of an unexpected shape is the caller's to judge (most treat it as empty),
/// not a body that is "not JSON".
#[derive(Debug)]
pub struct Data {
    data: Option<Box<RawValue>>,
    /// TikTok answered code 20001, "partially successful", without saying which part.
    pub partial: bool,
}

impl Data {
    /// `data` as `T`; `None` when it does not have that shape. A missing `data` reads
    /// as `null`.
    pub fn read<T: DeserializeOwned>(&self) -> Option<T> {
        let text = self.data.as_deref().map_or("null", RawValue::get);
        serde_json::from_str(text).ok()
    }
}

/// A client over the host's HTTP import, authenticated unless made for the OAuth
/// code exchange (the one call that comes before there is a token).
pub struct Api<'h, H: Host> {
    host: &'h mut H,
    token: Option<&'h str>,
}

impl<'h, H: Host> Api<'h, H> {
    pub fn new(host: &'h mut H, token: &'h str) -> Self {
        Api {
            host,
            token: Some(token),
        }
    }

    /// Sends no `Access-Token` header: for `/oauth2/access_token/`.
    pub fn without_token(host: &'h mut H) -> Self {
        Api { host, token: None }
    }

    /// `GET {BASE_URL}{path}?{query}`; query values are percent-encoded here.
    pub fn get(&mut self, path: &str, query: &[(&str, &str)]) -> Result<Data, Failure> {
        let mut url = format!("{BASE_URL}{path}");
        for (i, (key, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        self.call(Method::Get, url, None)
    }

    pub fn post(&mut self, path: &str, body: String) -> Result<Data, Failure> {
        self.call(Method::Post, format!("{BASE_URL}{path}"), Some(body))
    }

    /// The host, for logging between calls.
    pub fn log(&mut self, level: LogLevel, message: &str) {
        self.host.log(level, message);
    }

    fn call(&mut self, method: Method, url: String, body: Option<String>) -> Result<Data, Failure> {
        let mut headers: Vec<(String, String)> = self
            .token
            .map(|token| ("Access-Token".to_string(), token.to_string()))
            .into_iter()
            .collect();
        if body.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        let request = HttpRequest {
            method,
            url,
            headers,
            body,
            timeout_ms: TIMEOUT_MS,
        };
        let response = self.host.fetch(request).map_err(Failure::Http)?;
        if response.status != 200 {
            let retry_after_ms = response
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                .and_then(|(_, v)| v.trim().parse::<u32>().ok())
                .map(|s| s.saturating_mul(1000));
            return Err(Failure::Status {
                status: response.status,
                retry_after_ms,
            });
        }
        let envelope: Envelope =
            serde_json::from_str(&response.body).map_err(|_| Failure::NotJson)?;
        match envelope.code {
            0 | PARTIAL_SUCCESS => Ok(Data {
                data: envelope.data,
                partial: envelope.code == PARTIAL_SUCCESS,
            }),
            code => Err(Failure::Api {
                code,
                message: bounded(&envelope.message),
            }),
        }
    }
}

/// TikTok's code for an answer that was "partially successful".
pub const PARTIAL_SUCCESS: i64 = 20001;

/// An id as text. TikTok ids are strings, but some endpoints have been seen to return
/// numbers; anything else (null, a list…) reads as an empty id rather than failing the
/// whole answer. A visitor instead of `serde_json::Value`, which cost 19 KB.
#[derive(Debug, Default)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
        deserializer.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an id")
    }

    fn visit_str<E: Error>(self, id: &str) -> Result<Id, E> {
        Ok(Id(id.to_string()))
    }

    fn visit_u64<E: Error>(self, id: u64) -> Result<Id, E> {
        Ok(Id(id.to_string()))
    }

    fn visit_i64<E: Error>(self, id: i64) -> Result<Id, E> {
        Ok(Id(id.to_string()))
    }

    /// Written as `serde_json::Number` writes it, as the id always was.
    fn visit_f64<E: Error>(self, id: f64) -> Result<Id, E> {
        Ok(Id(serde_json::Number::from_f64(id)
            .map(|n| n.to_string())
            .unwrap_or_default()))
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<Id, E> {
        Ok(Id::default())
    }

    fn visit_unit<E: Error>(self) -> Result<Id, E> {
        Ok(Id::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Id, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Id::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Id, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Id::default())
    }
}

fn bounded(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

/// TikTok's authorisation page for advertisers (§4 of the reference).
pub fn authorization_url(app_id: &str, redirect_uri: &str, state: &str) -> String {
    format!(
        "https://{HOST}/portal/auth?app_id={}&state={}&redirect_uri={}",
        percent_encode(app_id),
        percent_encode(state),
        percent_encode(redirect_uri)
    )
}

/// RFC 3986 unreserved characters pass; everything else is `%XX` (UTF-8 bytes).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::contract::{HttpResponse, RateLimit};
    use crate::test_host::ScriptedHost;

    /// What `get` answers when TikTok's body is `body`.
    fn answer(body: &str) -> Result<Data, Failure> {
        let mut host = ScriptedHost::default();
        host.answer(
            "GET /user/info/",
            Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: body.into(),
            }),
        );
        Api::new(&mut host, "tok").get("/user/info/", &[])
    }

    #[test]
    fn ids_read_as_the_text_they_were_read_as_through_value() {
        // The rule before `Id`: a string as is, a number as serde_json writes it,
        // anything else empty.
        let through_value = |value: &Value| match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let ids =
            json!(["7001", 7002, -3, 1.5e3, 18446744073709551615_u64, null, true, [1], {"a": [2]}]);
        let read: Vec<Id> = serde_json::from_str(&ids.to_string()).unwrap();
        let read: Vec<String> = read.into_iter().map(|id| id.0).collect();
        let expected: Vec<String> = ids.as_array().unwrap().iter().map(through_value).collect();
        assert_eq!(read, expected);
        assert_eq!(read[..4], ["7001", "7002", "-3", "1500.0"]);
    }

    #[test]
    fn data_of_another_shape_is_the_callers_to_judge() {
        #[derive(Deserialize)]
        struct List {
            list: Vec<u8>,
        }
        let data = answer(r#"{"code": 0, "message": "OK", "data": {"list": "x"}}"#).unwrap();
        assert!(data.read::<List>().is_none());
        let data = answer(r#"{"code": 0, "data": {"list": [1, 2]}}"#).unwrap();
        assert_eq!(data.read::<List>().unwrap().list, [1, 2]);
        // A missing `data` and a null one both read as null.
        for body in [r#"{"code": 0}"#, r#"{"code": 0, "data": null}"#] {
            assert_eq!(
                answer(body)
                    .unwrap()
                    .read::<Option<List>>()
                    .map(|l| l.is_none()),
                Some(true)
            );
        }
    }

    #[test]
    fn only_a_body_that_is_not_the_envelope_is_not_json() {
        for body in [
            "<html></html>",
            r#"{"message": "OK"}"#,
            r#"{"code": "0"}"#,
            r#"{"code": 0"#,
        ] {
            assert_eq!(answer(body).unwrap_err(), Failure::NotJson, "{body}");
        }
        assert_eq!(
            answer(r#"{"code": 40100, "message": "Too many requests", "data": [1]}"#).unwrap_err(),
            Failure::Api {
                code: 40100,
                message: "Too many requests".into()
            }
        );
    }

    #[test]
    fn codes_are_classified_as_the_reference_says() {
        let cases = [
            (40000, Class::Payload),
            (40002, Class::Payload),
            (40061, Class::Payload),
            (40062, Class::Payload),
            (40001, Class::Auth),
            (40101, Class::Auth),
            (40110, Class::Auth),
            (40115, Class::Auth),
            (40118, Class::Config),
            (40125, Class::Config),
            (40105, Class::Auth),
            (40102, Class::Auth),
            (40007, Class::Config),
            (40300, Class::Config),
            (40100, Class::Throttle),
            (40016, Class::Throttle),
            (40133, Class::Throttle),
            (40202, Class::Transient),
            (50002, Class::Transient),
            (51234, Class::Transient),
            (61000, Class::Throttle),
            (60001, Class::Throttle),
            (40050, Class::Permanent),
            (40006, Class::Permanent),
            (49999, Class::Permanent),
        ];
        for (code, class) in cases {
            assert_eq!(classify(code), class, "code {code}");
        }
    }

    #[test]
    fn allowlist_and_developer_permission_refusals_say_what_to_do() {
        let allowlist = Failure::Api {
            code: 40118,
            message: "Not on the allowlist for this feature.".into(),
        };
        assert_eq!(
            allowlist.into_error(),
            DestinationError::Permanent(
                "TikTok code 40118: Not on the allowlist for this feature. (the app or the ad account is not on TikTok's allowlist for this feature: ask your TikTok representative to allowlist it)".into()
            )
        );
        let developer = Failure::Api {
            code: 40125,
            message: "No permission.".into(),
        };
        assert!(matches!(
            developer.into_error(),
            DestinationError::Permanent(message) if message.ends_with("(the app's developer account has no permission for this API: check the app's permissions in TikTok for Business Developers (My Apps))")
        ));
    }

    #[test]
    fn transport_failures_are_retryable_except_policy_denials() {
        assert_eq!(
            Failure::Status {
                status: 502,
                retry_after_ms: None
            }
            .class(),
            Class::Transient
        );
        assert_eq!(
            Failure::Status {
                status: 404,
                retry_after_ms: None
            }
            .class(),
            Class::Permanent
        );
        assert_eq!(Failure::NotJson.class(), Class::Transient);
        assert_eq!(Failure::Http(HttpError::Timeout).class(), Class::Transient);
        assert_eq!(
            Failure::Http(HttpError::Denied("x".into())).class(),
            Class::Permanent
        );
    }

    #[test]
    fn maintenance_and_blocking_ask_for_a_long_pause() {
        let blocked = Failure::Api {
            code: 61000,
            message: "Blocked".into(),
        };
        assert_eq!(blocked.retry_after_ms(), Some(60_000));
        assert!(matches!(
            blocked.into_error(),
            DestinationError::RateLimited(RateLimit {
                retry_after_ms: Some(60_000),
                ..
            })
        ));
    }

    #[test]
    fn throttles_carry_a_retry_after() {
        let throttle = Failure::Api {
            code: 40100,
            message: "Too many requests".into(),
        };
        assert_eq!(
            throttle.into_error(),
            DestinationError::rate_limited(Some(1000), "TikTok code 40100: Too many requests")
        );
    }

    #[test]
    fn a_gateways_retry_after_reaches_the_host() {
        let unavailable = Failure::Status {
            status: 503,
            retry_after_ms: Some(30_000),
        };
        assert_eq!(
            unavailable.into_error(),
            DestinationError::rate_limited(Some(30_000), "TikTok answered HTTP 503")
        );
        let bad_gateway = Failure::Status {
            status: 502,
            retry_after_ms: None,
        };
        assert_eq!(
            bad_gateway.into_error(),
            DestinationError::Transient("TikTok answered HTTP 502".into())
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            percent_encode("[\"7181537436256731137\"]"),
            "%5B%227181537436256731137%22%5D"
        );
        assert_eq!(percent_encode("Café store"), "Caf%C3%A9%20store");
    }

    #[test]
    fn the_authorisation_url_carries_app_state_and_redirect() {
        assert_eq!(
            authorization_url("7001", "http://127.0.0.1:8765/callback", "s-1"),
            "https://business-api.tiktok.com/portal/auth?app_id=7001&state=s-1&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
        );
    }

    #[test]
    fn long_messages_are_bounded() {
        let long = "x".repeat(1000);
        assert_eq!(bounded(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
