//! The contract's types: the ones wit-bindgen generates from `wit/destination.wit`, for
//! every target (as Zed's `extension_api` does), so the logic works on the very types
//! that cross the boundary and is unit-tested natively. This module re-exports them
//! under the names the logic uses and adds what the logic needs on them: constructors,
//! text for people (the generated `Display` of an error is its `Debug`), and the
//! [`Host`] trait that stands for the imports in native tests.
//!
//! Only `component.rs` calls the imports and exports the world.

wit_bindgen::generate!({
    world: "destination-plugin",
    path: "wit",
    additional_derives: [PartialEq, Eq],
});

pub use cdp::destination::http::{
    HttpError, Method, Request as HttpRequest, Response as HttpResponse,
};
pub use cdp::destination::log::Level as LogLevel;
pub use cdp::destination::types::{DestinationError, FieldError, RateLimit, Setting, SettingValue};
pub use exports::cdp::destination::destination::{
    DeliveryOutcome, DeliveryStatus, FieldType, InputRecord, PreparedEvent, PreparedRequest,
    RecordField, SettingField, Spec, TransformOutcome, TransformOutput, TransformStatus,
    Validation,
};
pub use exports::cdp::destination::event_sets::EventSet;
pub use exports::cdp::destination::oauth::{Account, Connection};

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
    /// No requests and no outcomes: the answer to an empty batch.
    pub fn empty() -> Self {
        TransformOutput {
            requests: Vec::new(),
            outcomes: Vec::new(),
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
