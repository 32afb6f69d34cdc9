//! The contract's types: the ones wit-bindgen generates from `wit/v0.1` and `wit/v0.2`, for
//! every target (as Zed's `extension_api` does), so the logic works on the very types
//! that cross the boundary and is unit-tested natively. This module re-exports them
//! under the names the logic uses and adds what the logic needs on them: constructors,
//! text for people (the generated `Display` of an error is its `Debug`), and the
//! [`Host`] trait that stands for the imports in native tests.
//!
//! The world is 0.2's, which includes 0.1's: transform and send by position (`batch`)
//! are the logic's own types; 0.1's by-id ones are in [`v0_1`], for `component.rs` to
//! adapt to. Only `component.rs` calls the imports and exports the world.

wit_bindgen::generate!({
    world: "cdp:destination/destination-plugin@0.2.0",
    path: ["wit/v0.1", "wit/v0.2"],
    generate_all,
    additional_derives: [PartialEq, Eq],
});

pub use cdp::destination0_1_0::http::{
    HttpError, Method, Request as HttpRequest, Response as HttpResponse,
};
pub use cdp::destination0_1_0::log::Level as LogLevel;
pub use cdp::destination0_1_0::types::{
    DestinationError, FieldError, RateLimit, Setting, SettingValue,
};
pub use exports::cdp::destination0_1_0::destination::{
    FieldType, RecordField, SettingField, Spec, Validation,
};
pub use exports::cdp::destination0_1_0::event_sets::EventSet;
pub use exports::cdp::destination0_1_0::oauth::{Account, Connection};
pub use exports::cdp::destination0_2_0::batch::{
    DeliveryStatus, PositionedWarning, PreparedRequest, Rejection, SendOutput, TransformOutput,
    Warning,
};

/// Contract 0.1's transform and send: records by id, outcomes by id.
pub mod v0_1 {
    pub use super::exports::cdp::destination0_1_0::destination::{
        DeliveryOutcome, DeliveryStatus, InputRecord, PreparedEvent, PreparedRequest,
        TransformOutcome, TransformOutput, TransformStatus,
    };
}

impl FieldError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        FieldError {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl DestinationError {
    /// The error for a person: the variant and its message, never a secret or raw PII.
    pub fn describe(&self) -> String {
        match self {
            DestinationError::InvalidSettings(errors) => {
                let parts: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.key, e.message))
                    .collect();
                format!("invalid settings: {}", parts.join("; "))
            }
            DestinationError::Auth(message) => format!("authorisation failed: {message}"),
            DestinationError::RateLimited(limit) => format!("rate limited: {}", limit.message),
            DestinationError::Transient(message) => format!("transient failure: {message}"),
            DestinationError::Permanent(message) => format!("permanent failure: {message}"),
        }
    }

    pub fn rate_limited(retry_after_ms: Option<u32>, message: impl Into<String>) -> Self {
        DestinationError::RateLimited(RateLimit {
            retry_after_ms,
            message: message.into(),
        })
    }
}

impl HttpError {
    /// The failure for a person.
    pub fn describe(&self) -> String {
        match self {
            HttpError::Denied(reason) => format!("denied by the host: {reason}"),
            HttpError::Timeout => "timed out".into(),
            HttpError::Connection(reason) => format!("connection failed: {reason}"),
            HttpError::TooLarge => "response too large".into(),
        }
    }
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TransformOutput {
    /// No requests, rejections or warnings: the answer to an empty batch.
    pub fn empty() -> Self {
        TransformOutput {
            requests: Vec::new(),
            rejections: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl Warning {
    pub fn new(field: &str, rule: impl Into<String>) -> Self {
        Warning {
            field: field.to_string(),
            rule: rule.into(),
        }
    }
}

/// The host's services as the logic sees them: the component implements it with the
/// WIT imports, tests with a script.
pub trait Host {
    fn fetch(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
    fn now_ms(&self) -> u64;
    fn log(&mut self, level: LogLevel, message: &str);
}
