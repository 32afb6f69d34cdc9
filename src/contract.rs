//! Plain-Rust mirror of the WIT contract (`wit/destination.wit`).
//!
//! The logic of the destination works on these types, so it compiles and is unit-tested
//! natively; `component.rs` converts them to and from the generated bindings and is the
//! only place that knows about WebAssembly.

use std::fmt;

/// A setting as the user entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Text(String),
    Boolean(bool),
    Integer(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: SettingValue,
}

/// One problem with one setting, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

impl FieldError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        FieldError {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// Why a whole call failed. Messages never contain secrets or raw PII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("invalid settings: {}", list_field_errors(.0))]
    InvalidSettings(Vec<FieldError>),
    #[error("authorisation failed: {0}")]
    Auth(String),
    #[error("rate limited: {message}")]
    RateLimited {
        retry_after_ms: Option<u32>,
        message: String,
    },
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

fn list_field_errors(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.key, e.message))
        .collect();
    parts.join("; ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Boolean,
    Integer,
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingField {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub field_type: FieldType,
    pub required: bool,
    pub secret: bool,
    pub default: Option<SettingValue>,
    pub options: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordField {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub id: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub settings: Vec<SettingField>,
    pub record_fields: Vec<RecordField>,
    pub max_events_per_request: u32,
    pub max_request_bytes: u32,
    pub hosts: Vec<&'static str>,
}

/// What validation established about the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub event_set_id: String,
    pub event_set_name: Option<String>,
    pub event_set_created: bool,
    pub advertiser_name: Option<String>,
}

/// One record of a batch: the host's id and the record's columns as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    pub id: String,
    pub json: String,
}

/// One event of a prepared request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedEvent {
    /// The `event_id` sent to TikTok (derived when the records had none).
    pub event_id: String,
    /// The records merged into this event (the rows of one order).
    pub record_ids: Vec<String>,
}

/// One request, ready to send: exactly the body that will be POSTed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    pub body: String,
    /// The body's events, in order.
    pub events: Vec<PreparedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformStatus {
    /// Part of `requests[index]`.
    Accepted(u32),
    /// Never sent; names the field and the rule, never the value.
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformOutcome {
    pub id: String,
    pub status: TransformStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransformOutput {
    pub requests: Vec<PreparedRequest>,
    /// Exactly one per input record, in input order.
    pub outcomes: Vec<TransformOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStatus {
    Delivered,
    Rejected(String),
    Retryable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    pub id: String,
    pub status: DeliveryStatus,
}

// ---- imports: what the host provides ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("denied by the host: {0}")]
    Denied(String),
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("response too large")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// The host's services as the logic sees them: the component implements it with the
/// WIT imports, tests with a script.
pub trait Host {
    fn fetch(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
    fn now_ms(&self) -> u64;
    fn log(&mut self, level: LogLevel, message: &str);
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
        })
    }
}

// ---- oauth and event-sets exports ----

/// An account an OAuth grant covers (for TikTok, an advertiser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
}

/// What connecting an account yields: settings to store and accounts to pick from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// E.g. `access_token` (a secret setting: store it as such).
    pub settings: Vec<Setting>,
    pub accounts: Vec<Account>,
    /// The setting key the picked account's id belongs in.
    pub account_setting: String,
}

/// A container events are sent to (for TikTok, an offline event set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub auto_tracking: bool,
}
