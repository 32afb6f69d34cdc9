//! A loaded destination component and its exports, each call in a fresh `Store`
//! and instance: cheap (an `InstancePre`), isolates batches, and a trapped instance is
//! never reused.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use wasmtime::{Store, UpdateDeadline};

use crate::bindings::exports::cdp::destination::event_sets::EventSet;
use crate::bindings::exports::cdp::destination::oauth::Connection;
use crate::bindings::guest::{
    DeliveryOutcome, InputRecord, PreparedRequest, Spec, TransformOutput, TransformStatus,
    Validation,
};
use crate::bindings::types::{DestinationError, Setting, SettingValue};
use crate::bindings::{DestinationPlugin, DestinationPluginPre};
use crate::engine::Runtime;
use crate::policy::Egress;
use crate::redact::Redactor;
use crate::state::{Clock, HttpGrant, LimitHit, StoreState};
use crate::transport::Transport;

/// What went wrong on the host's side of a call: the component could not be loaded, hit
/// a limit, trapped, or returned something the contract forbids. Distinct from the
/// [`DestinationError`] a healthy component returns.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("could not load the component: {0}")]
    Load(String),
    #[error("the component's {export} was stopped: {limit}")]
    Limit {
        export: &'static str,
        limit: LimitHit,
    },
    #[error("the component failed in {export}: {message}{}", stderr_suffix(.stderr))]
    Trap {
        export: &'static str,
        message: String,
        stderr: String,
    },
    #[error("the component broke the contract in {export}: {problem}")]
    Contract {
        export: &'static str,
        problem: String,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(" (component stderr: {stderr})")
    }
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::Memory { limit } => write!(f, "memory limit of {} MiB exceeded", limit >> 20),
            LimitHit::Cpu { limit } => write!(f, "CPU time limit of {:?} exceeded", limit),
            LimitHit::HttpCalls { limit } => write!(f, "more than {limit} HTTP calls in one call"),
        }
    }
}

/// A component of the `destination-plugin` world, ready to be called from any thread.
pub struct Destination {
    runtime: Arc<Runtime>,
    pre: DestinationPluginPre<StoreState>,
    transport: Arc<dyn Transport>,
    clock: Clock,
    spec: Spec,
    egress: Arc<Egress>,
}

impl Destination {
    /// Compiles (or loads from the cache) and links `wasm`, and reads its spec.
    pub fn load(
        runtime: Arc<Runtime>,
        wasm: &[u8],
        transport: Arc<dyn Transport>,
    ) -> Result<Destination, HostError> {
        let load = |e: wasmtime::Error| HostError::Load(format!("{e:#}"));
        let component = runtime.compile(wasm).map_err(load)?;
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(load)?;
        let pre = DestinationPluginPre::new(instance_pre).map_err(load)?;
        let placeholder = Spec {
            id: String::new(),
            name: String::new(),
            version: String::new(),
            settings: vec![],
            record_fields: vec![],
            max_events_per_request: 0,
            max_request_bytes: 0,
            hosts: vec![],
        };
        let mut destination = Destination {
            runtime,
            pre,
            transport,
            clock: Clock::System,
            spec: placeholder,
            egress: Arc::new(Egress::new(&[], None)),
        };
        destination.spec = destination.describe()?;
        let allowed = destination.runtime.policy.allowed_hosts.as_deref();
        destination.egress = Arc::new(Egress::new(&destination.spec.hosts, allowed));
        Ok(destination)
    }

    /// Fixes the guest's clock (for reproducible tests).
    pub fn with_clock(mut self, clock: Clock) -> Destination {
        self.clock = clock;
        self
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The hosts the component may reach: what it declared ∩ what the policy allows.
    pub fn egress(&self) -> &Egress {
        &self.egress
    }

    pub fn describe(&self) -> Result<Spec, HostError> {
        self.call(
            "describe-settings",
            HttpGrant::None,
            Redactor::default(),
            |plugin, store| {
                plugin
                    .cdp_destination_destination()
                    .call_describe_settings(store)
            },
        )
    }

    pub fn validate(
        &self,
        settings: &[Setting],
    ) -> Result<Result<Validation, DestinationError>, HostError> {
        self.call(
            "validate-credentials",
            HttpGrant::Allowed,
            self.redactor(settings),
            |plugin, store| {
                plugin
                    .cdp_destination_destination()
                    .call_validate_credentials(store, &settings.to_vec())
            },
        )
    }

    /// Pure: the host refuses any HTTP call the component attempts here.
    pub fn transform(
        &self,
        settings: &[Setting],
        records: &[InputRecord],
    ) -> Result<Result<TransformOutput, DestinationError>, HostError> {
        let output = self.call(
            "transform-batch",
            HttpGrant::None,
            self.redactor(settings),
            |plugin, store| {
                plugin.cdp_destination_destination().call_transform_batch(
                    store,
                    &settings.to_vec(),
                    records,
                )
            },
        )?;
        if let Ok(output) = &output {
            check_transform(records, output).map_err(|problem| HostError::Contract {
                export: "transform-batch",
                problem,
            })?;
        }
        Ok(output)
    }

    pub fn send(
        &self,
        settings: &[Setting],
        request: &PreparedRequest,
    ) -> Result<Result<Vec<DeliveryOutcome>, DestinationError>, HostError> {
        let outcomes = self.call(
            "send",
            HttpGrant::Allowed,
            self.redactor(settings),
            |plugin, store| {
                plugin
                    .cdp_destination_destination()
                    .call_send(store, &settings.to_vec(), request)
            },
        )?;
        if let Ok(outcomes) = &outcomes {
            check_send(request, outcomes).map_err(|problem| HostError::Contract {
                export: "send",
                problem,
            })?;
        }
        Ok(outcomes)
    }

    /// Pure: builds the page where the user grants access.
    pub fn authorization_url(
        &self,
        app_id: &str,
        redirect_uri: &str,
        state: &str,
    ) -> Result<String, HostError> {
        self.call(
            "authorization-url",
            HttpGrant::None,
            Redactor::default(),
            |plugin, store| {
                plugin.cdp_destination_oauth().call_authorization_url(
                    store,
                    app_id,
                    redirect_uri,
                    state,
                )
            },
        )
    }

    /// Exchanges an authorisation code for credentials; the app secret and the code are
    /// redacted from everything the guest says.
    pub fn connect(
        &self,
        app_id: &str,
        app_secret: &str,
        auth_code: &str,
    ) -> Result<Result<Connection, DestinationError>, HostError> {
        self.call(
            "connect",
            HttpGrant::Allowed,
            Redactor::new([app_secret.to_string(), auth_code.to_string()]),
            |plugin, store| {
                plugin
                    .cdp_destination_oauth()
                    .call_connect(store, app_id, app_secret, auth_code)
            },
        )
    }

    pub fn list_event_sets(
        &self,
        settings: &[Setting],
    ) -> Result<Result<Vec<EventSet>, DestinationError>, HostError> {
        self.call(
            "list-event-sets",
            HttpGrant::Allowed,
            self.redactor(settings),
            |plugin, store| {
                plugin
                    .cdp_destination_event_sets()
                    .call_list_event_sets(store, &settings.to_vec())
            },
        )
    }

    pub fn create_event_set(
        &self,
        settings: &[Setting],
        name: &str,
        description: &str,
        auto_tracking: bool,
    ) -> Result<Result<EventSet, DestinationError>, HostError> {
        self.call(
            "create-event-set",
            HttpGrant::Allowed,
            self.redactor(settings),
            |plugin, store| {
                plugin.cdp_destination_event_sets().call_create_event_set(
                    store,
                    &settings.to_vec(),
                    name,
                    description,
                    auto_tracking,
                )
            },
        )
    }

    /// Renames the set `id` and/or switches its auto-tracking.
    pub fn update_event_set(
        &self,
        settings: &[Setting],
        id: &str,
        name: Option<&str>,
        auto_tracking: Option<bool>,
    ) -> Result<Result<EventSet, DestinationError>, HostError> {
        self.call(
            "update-event-set",
            HttpGrant::Allowed,
            self.redactor(settings),
            |plugin, store| {
                plugin.cdp_destination_event_sets().call_update_event_set(
                    store,
                    &settings.to_vec(),
                    id,
                    name,
                    auto_tracking,
                )
            },
        )
    }

    /// Secret settings (as the spec marks them) are scrubbed from everything the guest says.
    fn redactor(&self, settings: &[Setting]) -> Redactor {
        let is_secret = |key: &str| self.spec.settings.iter().any(|f| f.secret && f.key == key);
        Redactor::new(settings.iter().filter(|s| is_secret(&s.key)).filter_map(
            |s| match &s.value {
                SettingValue::Text(text) => Some(text.clone()),
                _ => None,
            },
        ))
    }

    fn call<R>(
        &self,
        export: &'static str,
        grant: HttpGrant,
        redactor: Redactor,
        f: impl FnOnce(&DestinationPlugin, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, HostError> {
        let policy = &self.runtime.policy;
        let state = StoreState::new(
            policy,
            grant,
            self.egress.clone(),
            self.transport.clone(),
            self.clock,
            Arc::new(redactor),
        );
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.memory);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            if state.cpu.exceeded() {
                state.limit_hit = Some(LimitHit::Cpu {
                    limit: state.cpu.limit,
                });
                wasmtime::bail!("CPU time limit exceeded");
            }
            Ok(UpdateDeadline::Continue(1))
        });
        if self.runtime.fuel_used.is_some() {
            store
                .set_fuel(u64::MAX)
                .expect("a metered engine consumes fuel");
        }
        let result = self
            .pre
            .instantiate(&mut store)
            .and_then(|plugin| f(&plugin, &mut store));
        if let (Some(total), Ok(left)) = (&self.runtime.fuel_used, store.get_fuel()) {
            total.fetch_add(u64::MAX - left, std::sync::atomic::Ordering::Relaxed);
        }
        result.map_err(|error| {
            let state = store.data();
            let limit = state.limit_hit.clone().or_else(|| {
                state.memory.hit.then_some(LimitHit::Memory {
                    limit: policy.memory_bytes,
                })
            });
            match limit {
                Some(limit) => HostError::Limit { export, limit },
                None => HostError::Trap {
                    export,
                    message: state.redactor.redact(&format!("{error:#}")),
                    stderr: state.stderr_text(),
                },
            }
        })
    }
}

/// Exactly one outcome per record, in input order; every accepted record in exactly
/// one event of the request it names, and no event holding anything else.
fn check_transform(records: &[InputRecord], output: &TransformOutput) -> Result<(), String> {
    if output.outcomes.len() != records.len() {
        return Err(format!(
            "{} outcomes for {} records",
            output.outcomes.len(),
            records.len()
        ));
    }
    let mut expected: Vec<Vec<&str>> = vec![vec![]; output.requests.len()];
    for (record, outcome) in records.iter().zip(&output.outcomes) {
        if outcome.id != record.id {
            return Err(format!(
                "outcome for record '{}' where '{}' was expected",
                outcome.id, record.id
            ));
        }
        if let TransformStatus::Accepted(index) = outcome.status {
            let slot = expected.get_mut(index as usize).ok_or_else(|| {
                format!(
                    "record '{}' accepted into request {index}, which does not exist",
                    record.id
                )
            })?;
            slot.push(&record.id);
        }
    }
    for (index, (request, mut want)) in output.requests.iter().zip(expected).enumerate() {
        let mut got: Vec<&str> = request
            .events
            .iter()
            .flat_map(|e| &e.record_ids)
            .map(String::as_str)
            .collect();
        // Usually already in the same order (an event's rows are adjacent): sorting
        // is only for the rest, and was 2 % of a batch's time here.
        if got != want {
            got.sort_unstable();
            want.sort_unstable();
        }
        if got != want {
            return Err(format!(
                "request {index} holds other records than those accepted into it"
            ));
        }
    }
    Ok(())
}

/// One outcome for every record of the request, in the order of its events.
fn check_send(request: &PreparedRequest, outcomes: &[DeliveryOutcome]) -> Result<(), String> {
    let expected: Vec<&str> = request
        .events
        .iter()
        .flat_map(|e| &e.record_ids)
        .map(String::as_str)
        .collect();
    let got: Vec<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    if got != expected {
        let unique: HashSet<&str> = got.iter().copied().collect();
        return Err(format!(
            "{} outcomes ({} distinct) for the request's {} records, or not in its order",
            got.len(),
            unique.len(),
            expected.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::guest::{PreparedEvent, TransformOutcome};

    fn record(id: &str) -> InputRecord {
        InputRecord {
            id: id.into(),
            json: "{}".into(),
        }
    }

    fn accepted(id: &str, request: u32) -> TransformOutcome {
        TransformOutcome {
            id: id.into(),
            status: TransformStatus::Accepted(request),
        }
    }

    /// One request whose events hold these records, in this order.
    fn output(outcomes: Vec<TransformOutcome>, events: &[&[&str]]) -> TransformOutput {
        TransformOutput {
            requests: vec![PreparedRequest {
                body: "{}".into(),
                events: events
                    .iter()
                    .enumerate()
                    .map(|(i, ids)| PreparedEvent {
                        event_id: format!("e{i}"),
                        record_ids: ids.iter().map(|id| id.to_string()).collect(),
                    })
                    .collect(),
            }],
            outcomes,
        }
    }

    #[test]
    fn a_request_may_list_its_records_in_another_order_than_the_input() {
        let records = [record("a"), record("b"), record("c")];
        let outcomes = vec![accepted("a", 0), accepted("b", 0), accepted("c", 0)];
        for events in [&[&["a", "c"][..], &["b"]][..], &[&["a", "b"], &["c"]]] {
            assert_eq!(
                check_transform(&records, &output(outcomes.clone(), events)),
                Ok(())
            );
        }
    }

    #[test]
    fn a_request_must_hold_exactly_the_records_accepted_into_it() {
        let records = [record("a"), record("b")];
        let outcomes = vec![accepted("a", 0), accepted("b", 0)];
        for events in [&[&["a"][..]][..], &[&["a", "a"]], &[&["b", "a", "x"]]] {
            assert_eq!(
                check_transform(&records, &output(outcomes.clone(), events)),
                Err("request 0 holds other records than those accepted into it".into())
            );
        }
        assert_eq!(
            check_transform(
                &records,
                &output(vec![accepted("b", 0), accepted("a", 0)], &[&["a", "b"]])
            ),
            Err("outcome for record 'b' where 'a' was expected".into())
        );
    }
}
