//! The conformance suite: cases as data (`conformance/cases/*.json`, format in
//! [`case`]) run against a component of the `destination-plugin` world, with each call's
//! result, HTTP calls and log lines in one normalised JSON form ([`normal`]).
//!
//! This is the reference driver. The Node.js (jco) and Python (wasmtime-py) drivers in
//! `conformance/` print the same JSON for the same component, byte for byte once keys
//! are sorted; `conformance/run-all.sh` fails on any difference.

pub mod case;
mod invariants;
mod logs;
pub mod normal;

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use crate::bindings::guest::Spec;
use crate::bindings::types::SettingValue;
use crate::destination::{Destination, HostError, Version};
use crate::engine::Runtime;
use crate::state::Clock;
use crate::transport::Scripted;
use case::{Case, Contract, Invoke};

/// What one call did, normalised: what every driver prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallOutput {
    pub export: &'static str,
    /// See [`normal`]; a host error (trap, limit) as `{"host_error": "…"}`.
    pub result: Value,
    /// The HTTP calls the host performed for this call, in order.
    pub http: Vec<Value>,
    /// The component's log lines, `{"level", "message"}`.
    pub logs: Vec<Value>,
    /// Whether the value of a setting the spec marks secret was in any argument this
    /// call passed into the guest (settings as passed, and every other argument). A 0.1
    /// host passes secrets by value; a 0.2 host never does.
    pub secret_in_guest: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutput {
    pub name: String,
    pub calls: Vec<CallOutput>,
}

/// One case's output and everything wrong with it.
#[derive(Debug)]
pub struct CaseReport {
    pub output: CaseOutput,
    /// Differences from the case's expectations, then broken invariants; empty when the
    /// case passed.
    pub problems: Vec<String>,
}

/// Runs cases against one component, each in a fresh destination with its own script.
pub struct Suite {
    runtime: Arc<Runtime>,
    wasm: Vec<u8>,
    spec: Spec,
}

impl Suite {
    /// Loads the component once to read its spec (its hosts and secret settings are
    /// what the invariants are checked against).
    pub fn new(runtime: Arc<Runtime>, wasm: Vec<u8>) -> Result<Suite, HostError> {
        let spec = Destination::load(runtime.clone(), &wasm, Arc::new(Scripted::new()))?
            .spec()
            .clone();
        Ok(Suite {
            runtime,
            wasm,
            spec,
        })
    }

    pub fn run(&self, case: &Case) -> Result<CaseReport, HostError> {
        let script = Arc::new(Scripted::new());
        for answer in &case.http {
            script.answer(&answer.key(), answer.to_scripted());
        }
        let mut destination = Destination::load(self.runtime.clone(), &self.wasm, script.clone())?
            .with_clock(Clock::Fixed(case.clock_ms));
        if case.contract == Contract::V0_1 {
            destination = destination.as_v0_1_host();
        }
        let mut calls = vec![];
        let mut problems = vec![];
        for (index, call) in case.calls.iter().enumerate() {
            let before = script.calls().len();
            let secret_in_guest = self.secret_in_guest(&destination, &call.invoke);
            let (result, logs) = logs::capture(|| invoke(&destination, &call.invoke));
            let http: Vec<Value> = script.calls()[before..]
                .iter()
                .map(normal::http_call)
                .collect();
            let export = call.invoke.export();
            if result != call.expect {
                problems.push(format!(
                    "call {index} ({export}): result differs\n  expected: {}\n  actual:   {result}",
                    call.expect
                ));
            }
            if http != call.expect_http {
                problems.push(format!(
                    "call {index} ({export}): HTTP calls differ\n  expected: {}\n  actual:   {}",
                    Value::from(call.expect_http.clone()),
                    Value::from(http.clone())
                ));
            }
            calls.push(CallOutput {
                export,
                result,
                http,
                logs,
                secret_in_guest,
            });
        }
        if case.contract == Contract::V0_2 && destination.version() != Version::V0_2 {
            problems.push("the component does not export contract 0.2's batch".into());
        }
        problems.extend(invariants::check(case, &calls, &self.spec));
        Ok(CaseReport {
            output: CaseOutput {
                name: case.name.clone(),
                calls,
            },
            problems,
        })
    }

    /// See [`CallOutput::secret_in_guest`].
    fn secret_in_guest(&self, destination: &Destination, invoke: &Invoke) -> bool {
        let Some(settings) = invoke.settings() else {
            return false;
        };
        let is_secret = |key: &str| self.spec.settings.iter().any(|f| f.secret && f.key == key);
        let secrets: Vec<&str> = settings
            .0
            .iter()
            .filter(|s| is_secret(&s.key))
            .filter_map(|s| match &s.value {
                SettingValue::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let passed = destination
            .settings_for_guest(&settings.0)
            .unwrap_or_default();
        let mut arguments: Vec<String> = passed
            .iter()
            .filter_map(|s| match &s.value {
                SettingValue::Text(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        arguments.extend(invoke.arguments());
        arguments
            .iter()
            .any(|argument| secrets.iter().any(|secret| argument.contains(secret)))
    }
}

/// Calls one export and normalises its result.
fn invoke(destination: &Destination, invoke: &Invoke) -> Value {
    let result = match invoke {
        Invoke::DescribeSettings => destination.describe().map(|s| normal::spec(&s)),
        Invoke::ValidateCredentials { settings } => destination
            .validate(&settings.0)
            .map(|r| normal::result(&r, normal::validation)),
        Invoke::TransformBatch { settings, records } => {
            let records: Vec<_> = records.iter().map(|r| r.to_input()).collect();
            destination
                .transform_v0_1(&settings.0, &records)
                .map(|r| normal::result(&r, normal::transform_output))
        }
        Invoke::Send { settings, request } => destination
            .send_v0_1(&settings.0, &request.to_prepared())
            .map(|r| normal::result(&r, |o| normal::delivery_outcomes(o))),
        Invoke::BatchTransform { settings, lines } => {
            let (text, rows) = case::lines(lines);
            destination
                .transform(&settings.0, &text, rows)
                .map(|r| normal::result(&r, normal::positions))
        }
        Invoke::BatchSend { settings, request } => destination
            .send(&settings.0, &request.to_prepared())
            .map(|r| normal::result(&r, normal::send_output)),
        Invoke::AuthorizationUrl {
            app_id,
            redirect_uri,
            state,
        } => destination
            .authorization_url(app_id, redirect_uri, state)
            .map(Value::from),
        Invoke::Connect {
            app_id,
            app_secret,
            auth_code,
        } => destination
            .connect(app_id, app_secret, auth_code)
            .map(|r| normal::result(&r, normal::connection)),
        Invoke::ListEventSets { settings } => destination
            .list_event_sets(&settings.0)
            .map(|r| normal::result(&r, |s| normal::event_sets(s))),
        Invoke::CreateEventSet {
            settings,
            name,
            description,
            auto_tracking,
        } => destination
            .create_event_set(&settings.0, name, description, *auto_tracking)
            .map(|r| normal::result(&r, normal::event_set)),
        Invoke::UpdateEventSet {
            settings,
            id,
            name,
            auto_tracking,
        } => destination
            .update_event_set(&settings.0, id, name.as_deref(), *auto_tracking)
            .map(|r| normal::result(&r, normal::event_set)),
    };
    result.unwrap_or_else(|error| json!({ "host_error": error.to_string() }))
}
