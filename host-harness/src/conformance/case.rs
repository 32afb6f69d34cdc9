//! The case format: one JSON file per case, read here into the contract's types.
//!
//! ```json
//! {
//!   "about": "why this case exists",
//!   "clock_ms": 1684574455000,
//!   "http": [{"method": "GET", "url": "https://…", "status": 200, "body": {"code": 0}},
//!            {"method": "POST", "url": "https://…", "error": "timeout"}],
//!   "calls": [{"export": "validate-credentials", "settings": {"access_token": "…"},
//!              "expect": {"ok": {…}}, "expect_http": [{"method": "GET", …}]}]
//! }
//! ```
//!
//! Every driver reads the same rules: settings are passed sorted by key (nulls
//! dropped); a record's `json`, a request's `body` and an answer's `body` are sent
//! verbatim when they are strings and as compact JSON with sorted keys otherwise;
//! answers are queued per `METHOD url`, in file order; a missing `expect_http` means
//! the call makes no HTTP call.
//!
//! A case is run as a host of the contract it names (`"contract": "0.2"`, else 0.1). A
//! 0.1 host passes secret settings by value; a 0.2 host passes each as its reference
//! (`secret:<key>`) and resolves references in request headers, and only a 0.2 case
//! may call `batch.transform` (`"lines"`: rows, each a string or a JSON object) and
//! `batch.send` (`"request"`: `body`, `event_ids`, `event_sizes`, `rows`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::bindings::batch;
use crate::bindings::guest::{InputRecord, PreparedEvent, PreparedRequest};
use crate::bindings::http::{HttpError, Response};
use crate::bindings::types::{Setting, SettingValue};
use crate::transport::ScriptedAnswer;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid case: {source}")]
    Format {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: {problem}")]
    Invalid { path: String, problem: String },
    #[error("no case files (*.json) in {0}")]
    Empty(String),
}

/// One case: a fixed clock, the scripted HTTP answers, and the calls in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The file's stem, e.g. `send-rate-limited`.
    #[serde(skip)]
    pub name: String,
    pub about: String,
    pub clock_ms: u64,
    #[serde(default)]
    pub contract: Contract,
    #[serde(default)]
    pub http: Vec<Answer>,
    pub calls: Vec<Call>,
}

/// The contract version the host of a case speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Contract {
    #[default]
    #[serde(rename = "0.1")]
    V0_1,
    #[serde(rename = "0.2")]
    V0_2,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Call {
    #[serde(flatten)]
    pub invoke: Invoke,
    /// The normalised result (see [`super::normal`]).
    pub expect: Value,
    /// The HTTP calls this call makes, normalised, in order.
    #[serde(default)]
    pub expect_http: Vec<Value>,
}

/// Which export to call, with its arguments.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "export", rename_all = "kebab-case")]
pub enum Invoke {
    DescribeSettings,
    ValidateCredentials {
        settings: Settings,
    },
    TransformBatch {
        settings: Settings,
        records: Vec<Record>,
    },
    Send {
        settings: Settings,
        request: Request,
    },
    #[serde(rename = "batch.transform")]
    BatchTransform {
        settings: Settings,
        lines: Vec<Value>,
    },
    #[serde(rename = "batch.send")]
    BatchSend {
        settings: Settings,
        request: PositionedRequest,
    },
    AuthorizationUrl {
        app_id: String,
        redirect_uri: String,
        state: String,
    },
    Connect {
        app_id: String,
        app_secret: String,
        auth_code: String,
    },
    ListEventSets {
        settings: Settings,
    },
    CreateEventSet {
        settings: Settings,
        name: String,
        description: String,
        auto_tracking: bool,
    },
    UpdateEventSet {
        settings: Settings,
        id: String,
        name: Option<String>,
        auto_tracking: Option<bool>,
    },
}

impl Invoke {
    /// The export's name in the WIT.
    pub fn export(&self) -> &'static str {
        match self {
            Invoke::DescribeSettings => "describe-settings",
            Invoke::ValidateCredentials { .. } => "validate-credentials",
            Invoke::TransformBatch { .. } => "transform-batch",
            Invoke::Send { .. } => "send",
            Invoke::BatchTransform { .. } => "batch.transform",
            Invoke::BatchSend { .. } => "batch.send",
            Invoke::AuthorizationUrl { .. } => "authorization-url",
            Invoke::Connect { .. } => "connect",
            Invoke::ListEventSets { .. } => "list-event-sets",
            Invoke::CreateEventSet { .. } => "create-event-set",
            Invoke::UpdateEventSet { .. } => "update-event-set",
        }
    }

    /// Every argument but the settings, as the text that crosses into the guest.
    pub fn arguments(&self) -> Vec<String> {
        match self {
            Invoke::DescribeSettings
            | Invoke::ValidateCredentials { .. }
            | Invoke::ListEventSets { .. } => vec![],
            Invoke::TransformBatch { records, .. } => records
                .iter()
                .flat_map(|r| [r.id.clone(), text(&r.json)])
                .collect(),
            Invoke::Send { request, .. } => {
                let mut texts = vec![text(&request.body)];
                for event in &request.events {
                    texts.push(event.event_id.clone());
                    texts.extend(event.record_ids.iter().cloned());
                }
                texts
            }
            Invoke::BatchTransform { lines: rows, .. } => vec![lines(rows).0],
            Invoke::BatchSend { request, .. } => {
                let mut texts = vec![text(&request.body)];
                texts.extend(request.event_ids.iter().cloned());
                texts
            }
            Invoke::AuthorizationUrl {
                app_id,
                redirect_uri,
                state,
            } => vec![app_id.clone(), redirect_uri.clone(), state.clone()],
            Invoke::Connect {
                app_id,
                app_secret,
                auth_code,
            } => vec![app_id.clone(), app_secret.clone(), auth_code.clone()],
            Invoke::CreateEventSet {
                name, description, ..
            } => vec![name.clone(), description.clone()],
            Invoke::UpdateEventSet { id, name, .. } => [Some(id.clone()), name.clone()]
                .into_iter()
                .flatten()
                .collect(),
        }
    }

    /// The settings passed, if the export takes any.
    pub fn settings(&self) -> Option<&Settings> {
        match self {
            Invoke::ValidateCredentials { settings }
            | Invoke::TransformBatch { settings, .. }
            | Invoke::Send { settings, .. }
            | Invoke::BatchTransform { settings, .. }
            | Invoke::BatchSend { settings, .. }
            | Invoke::ListEventSets { settings }
            | Invoke::CreateEventSet { settings, .. }
            | Invoke::UpdateEventSet { settings, .. } => Some(settings),
            Invoke::DescribeSettings | Invoke::AuthorizationUrl { .. } | Invoke::Connect { .. } => {
                None
            }
        }
    }
}

/// Settings as a flat object of scalars, like a settings file (`S.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "BTreeMap<String, Value>")]
pub struct Settings(pub Vec<Setting>);

impl TryFrom<BTreeMap<String, Value>> for Settings {
    type Error = String;

    /// Sorted by key (the map is ordered), so every host passes the same list.
    fn try_from(map: BTreeMap<String, Value>) -> Result<Settings, String> {
        let mut settings = vec![];
        for (key, value) in map {
            let value = match value {
                Value::Null => continue,
                Value::String(text) => SettingValue::Text(text),
                Value::Bool(flag) => SettingValue::Boolean(flag),
                Value::Number(n) => SettingValue::Integer(
                    n.as_i64()
                        .ok_or_else(|| format!("setting '{key}' must be a whole number"))?,
                ),
                Value::Array(_) | Value::Object(_) => {
                    return Err(format!("setting '{key}' must be a scalar"));
                }
            };
            settings.push(Setting { key, value });
        }
        Ok(Settings(settings))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    /// The record's columns; a string is passed as is (e.g. to send malformed JSON).
    pub json: Value,
}

impl Record {
    pub fn to_input(&self) -> InputRecord {
        InputRecord {
            id: self.id.clone(),
            json: text(&self.json),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub body: Value,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub event_id: String,
    pub record_ids: Vec<String>,
}

impl Request {
    pub fn to_prepared(&self) -> PreparedRequest {
        PreparedRequest {
            body: text(&self.body),
            events: self
                .events
                .iter()
                .map(|e| PreparedEvent {
                    event_id: e.event_id.clone(),
                    record_ids: e.record_ids.clone(),
                })
                .collect(),
        }
    }
}

/// The rows of a `batch.transform`, a line each, and how many lines that is (a string
/// with a line break in it is two rows).
pub fn lines(rows: &[Value]) -> (String, usize) {
    let text = rows.iter().map(text).collect::<Vec<_>>().join("\n");
    let count = if text.is_empty() {
        0
    } else {
        text.split('\n').count()
    };
    (text, count)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionedRequest {
    pub body: Value,
    pub event_ids: Vec<String>,
    pub event_sizes: Vec<u32>,
    pub rows: Vec<u32>,
}

impl PositionedRequest {
    pub fn to_prepared(&self) -> batch::PreparedRequest {
        batch::PreparedRequest {
            body: text(&self.body),
            event_ids: self.event_ids.clone(),
            event_sizes: self.event_sizes.clone(),
            rows: self.rows.clone(),
        }
    }
}

/// One scripted HTTP answer: a response, or an `error` instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub method: String,
    pub url: String,
    status: Option<u16>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    body: Option<Value>,
    error: Option<AnswerError>,
}

/// `"timeout"`, `"too_large"`, `{"denied": "…"}` or `{"connection": "…"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AnswerError {
    Denied(String),
    Timeout,
    Connection(String),
    TooLarge,
}

impl Answer {
    /// The key [`crate::transport::Scripted`] matches calls on.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    fn check(&self) -> Result<(), String> {
        let response_parts = self.status.is_some() || self.body.is_some();
        if self.error.is_some() && (response_parts || !self.headers.is_empty()) {
            return Err(format!(
                "answer to {} has an error and a response: give one",
                self.key()
            ));
        }
        Ok(())
    }

    pub fn to_scripted(&self) -> ScriptedAnswer {
        match &self.error {
            Some(AnswerError::Denied(reason)) => Err(HttpError::Denied(reason.clone())),
            Some(AnswerError::Timeout) => Err(HttpError::Timeout),
            Some(AnswerError::Connection(reason)) => Err(HttpError::Connection(reason.clone())),
            Some(AnswerError::TooLarge) => Err(HttpError::TooLarge),
            None => Ok(Response {
                status: self.status.unwrap_or(200),
                headers: self.headers.clone(),
                body: self.body.as_ref().map(text).unwrap_or_default(),
            }),
        }
    }
}

/// A string as is; any other JSON compact, keys sorted (serde_json's map is ordered).
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every `*.json` case in `dir`, in file-name order.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, CaseError> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|source| CaseError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(CaseError::Empty(shown));
    }
    paths.iter().map(|p| load(p)).collect()
}

pub fn load(path: &Path) -> Result<Case, CaseError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CaseError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut case: Case = serde_json::from_str(&text).map_err(|source| CaseError::Format {
        path: shown.clone(),
        source,
    })?;
    for answer in &case.http {
        answer.check().map_err(|problem| CaseError::Invalid {
            path: shown.clone(),
            problem,
        })?;
    }
    let batch_call = case.calls.iter().find(|c| {
        matches!(
            c.invoke,
            Invoke::BatchTransform { .. } | Invoke::BatchSend { .. }
        )
    });
    if let (Some(call), Contract::V0_1) = (batch_call, case.contract) {
        return Err(CaseError::Invalid {
            path: shown,
            problem: format!(
                "{} is contract 0.2: say \"contract\": \"0.2\"",
                call.invoke.export()
            ),
        });
    }
    case.name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(case)
}
