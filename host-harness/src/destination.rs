//! A loaded destination component and its exports, each call in a fresh `Store`
//! and instance: cheap (an `InstancePre`), isolates batches, and a trapped instance is
//! never reused.
//!
//! A component speaks contract 0.1 or 0.2 (`bindings`). The host's jobs use 0.2's
//! transform and send by position; a 0.1 component gets them through its by-id exports
//! (`transform_v0_1`, `send_v0_1`), adapted here. A 0.2 component never receives a
//! secret's value: each setting the spec marks secret crosses as a reference
//! (`secret:<key>`), which the `http` import resolves in request headers only.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::{Store, UpdateDeadline};

use wasmtime::component::{Instance, InstancePre};

use crate::bindings::batch::{PreparedRequest, SendOutput, TransformOutput};
use crate::bindings::event_sets::{self, EventSet};
use crate::bindings::guest::{
    self as v0_1, DeliveryOutcome, InputRecord, Spec, TransformStatus, Validation,
};
use crate::bindings::oauth::{self, Connection};
use crate::bindings::types::{DestinationError, Setting, SettingValue};
use crate::bindings::{batch, guest};
use crate::by_id;
use crate::engine::Runtime;
use crate::guest_text::{self, Clean};
use crate::imports::MAX_LOG_LINES_PER_CALL;
use crate::policy::{AllowedHosts, Egress, Policy};
use crate::redact::Redactor;
use crate::secrets::Secrets;
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
    #[error("the component failed in {export}: {message}{}{}", stderr_suffix(.stderr), after_http_suffix(*.after_http))]
    Trap {
        export: &'static str,
        message: String,
        stderr: String,
        /// It had had answers to HTTP calls: what it sent may have arrived.
        after_http: bool,
    },
    #[error("the component broke the contract in {export}: {problem}")]
    Contract {
        export: &'static str,
        problem: String,
    },
}

fn after_http_suffix(after_http: bool) -> &'static str {
    if after_http {
        "; it had already had answers to HTTP calls, so its rows may have been delivered (resending them is safe where the destination deduplicates, as TikTok does on event_id)"
    } else {
        ""
    }
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

/// The contract version a component speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Exports 0.1's interfaces only.
    V0_1,
    /// Exports 0.1's interfaces and `batch`.
    V0_2,
}

/// Where each exported interface is, looked up once per component.
struct Exports {
    destination: guest::GuestIndices,
    oauth: oauth::GuestIndices,
    event_sets: event_sets::GuestIndices,
    /// Only in a 0.2 component.
    batch: Option<batch::GuestIndices>,
}

/// One instance's exported interfaces, found by the indices of [`Exports`].
struct Plugin<'a> {
    exports: &'a Exports,
    instance: Instance,
}

impl Plugin<'_> {
    fn destination(&self, store: &mut Store<StoreState>) -> wasmtime::Result<guest::Guest> {
        self.exports.destination.load(&mut *store, &self.instance)
    }

    fn oauth(&self, store: &mut Store<StoreState>) -> wasmtime::Result<oauth::Guest> {
        self.exports.oauth.load(&mut *store, &self.instance)
    }

    fn event_sets(&self, store: &mut Store<StoreState>) -> wasmtime::Result<event_sets::Guest> {
        self.exports.event_sets.load(&mut *store, &self.instance)
    }

    /// Called only when the component speaks 0.2 ([`Destination::version`]).
    fn batch(&self, store: &mut Store<StoreState>) -> wasmtime::Result<batch::Guest> {
        let batch = self
            .exports
            .batch
            .as_ref()
            .expect("a 0.2 component exports batch");
        batch.load(&mut *store, &self.instance)
    }
}

/// A component of the `destination-plugin` world, ready to be called from any thread.
pub struct Destination {
    runtime: Arc<Runtime>,
    pre: InstancePre<StoreState>,
    exports: Exports,
    transport: Arc<dyn Transport>,
    clock: Clock,
    spec: Spec,
    egress: Arc<Egress>,
    /// HTTP calls its components have made, all calls together (a job's budget).
    http_calls: AtomicU64,
}

/// A call's settings as the guest gets them, and the secrets the host keeps back.
struct GuestSettings {
    settings: Vec<Setting>,
    secrets: Arc<Secrets>,
    redactor: Redactor,
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
        let pre = runtime.linker.instantiate_pre(&component).map_err(load)?;
        let exports = Exports {
            destination: guest::GuestIndices::new(&pre).map_err(load)?,
            oauth: oauth::GuestIndices::new(&pre).map_err(load)?,
            event_sets: event_sets::GuestIndices::new(&pre).map_err(load)?,
            batch: batch::GuestIndices::new(&pre).ok(),
        };
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
            exports,
            transport,
            clock: Clock::System,
            spec: placeholder,
            egress: Arc::new(Egress::new(&[], &AllowedHosts::Nothing)),
            http_calls: AtomicU64::new(0),
        };
        destination.spec = destination.describe()?;
        let allowed = &destination.runtime.policy.allowed_hosts;
        destination.egress = Arc::new(Egress::new(&destination.spec.hosts, allowed));
        Ok(destination)
    }

    /// Calls the component as a host of contract 0.1 would: secrets by value, and
    /// transform and send through 0.1's exports, whatever else it exports.
    pub fn as_v0_1_host(mut self) -> Destination {
        self.exports.batch = None;
        self
    }

    /// The settings as the guest receives them (see [`Destination::guest_settings`]);
    /// `None` when the host refuses them.
    pub fn settings_for_guest(&self, settings: &[Setting]) -> Option<Vec<Setting>> {
        self.guest_settings(settings)
            .ok()
            .map(|guest| guest.settings)
    }

    /// Fixes the guest's clock (for reproducible tests).
    pub fn with_clock(mut self, clock: Clock) -> Destination {
        self.clock = clock;
        self
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The limits its calls run under.
    pub fn policy(&self) -> &Policy {
        &self.runtime.policy
    }

    /// The HTTP calls its components have made so far, all calls together.
    pub fn http_calls(&self) -> u64 {
        self.http_calls.load(Ordering::Relaxed)
    }

    pub fn version(&self) -> Version {
        match self.exports.batch {
            Some(_) => Version::V0_2,
            None => Version::V0_1,
        }
    }

    /// The hosts the component may reach: what it declared ∩ what the policy allows.
    pub fn egress(&self) -> &Egress {
        &self.egress
    }

    pub fn describe(&self) -> Result<Spec, HostError> {
        self.call(
            "describe-settings",
            HttpGrant::None,
            self.no_settings(),
            |plugin, store| plugin.destination(store)?.call_describe_settings(store),
        )
        .map(|(spec, _)| spec)
    }

    pub fn validate(
        &self,
        settings: &[Setting],
    ) -> Result<Result<Validation, DestinationError>, HostError> {
        let (validation, _) = self.call_with_settings(
            "validate-credentials",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| {
                plugin
                    .destination(store)?
                    .call_validate_credentials(store, passed)
            },
        )?;
        Ok(self.cleaned(settings, validation))
    }

    /// Pure: the host refuses any HTTP call the component attempts here. `lines` holds
    /// `rows` rows, a JSON object a line (see the WIT's `batch.transform`).
    pub fn transform(
        &self,
        settings: &[Setting],
        lines: &str,
        rows: usize,
    ) -> Result<Result<TransformOutput, DestinationError>, HostError> {
        if self.version() == Version::V0_1 {
            return self.transform_by_id(settings, lines);
        }
        let (output, _) = self.call_with_settings(
            "transform",
            HttpGrant::None,
            settings,
            |plugin, store, passed| plugin.batch(store)?.call_transform(store, passed, lines),
        )?;
        if let Ok(output) = &output {
            check_positions(rows, output).map_err(|problem| HostError::Contract {
                export: "transform",
                problem,
            })?;
        }
        Ok(self.cleaned(settings, output))
    }

    /// Delivers one request that [`Destination::transform`] prepared.
    pub fn send(
        &self,
        settings: &[Setting],
        request: &PreparedRequest,
    ) -> Result<Result<SendOutput, DestinationError>, HostError> {
        if self.version() == Version::V0_1 {
            return self.send_by_id(settings, request);
        }
        let (output, exchanges) = self.call_with_settings(
            "send",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| plugin.batch(store)?.call_send(store, passed, request),
        )?;
        if let Ok(output) = &output {
            check_sent(request.event_ids.len(), output)
                .and_then(|()| check_delivered(&output.statuses, exchanges))
                .map_err(|problem| HostError::Contract {
                    export: "send",
                    problem,
                })?;
        }
        Ok(self.cleaned(settings, output))
    }

    /// Contract 0.1's `transform-batch`, records by id. Pure.
    pub fn transform_v0_1(
        &self,
        settings: &[Setting],
        records: &[InputRecord],
    ) -> Result<Result<v0_1::TransformOutput, DestinationError>, HostError> {
        let (output, _) = self.call_with_settings(
            "transform-batch",
            HttpGrant::None,
            settings,
            |plugin, store, passed| {
                plugin
                    .destination(store)?
                    .call_transform_batch(store, passed, records)
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

    /// Contract 0.1's `send`, outcomes by record id.
    pub fn send_v0_1(
        &self,
        settings: &[Setting],
        request: &v0_1::PreparedRequest,
    ) -> Result<Result<Vec<DeliveryOutcome>, DestinationError>, HostError> {
        let (outcomes, exchanges) = self.call_with_settings(
            "send",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| plugin.destination(store)?.call_send(store, passed, request),
        )?;
        if let Ok(outcomes) = &outcomes {
            let delivered = outcomes
                .iter()
                .any(|o| o.status == v0_1::DeliveryStatus::Delivered);
            check_send(request, outcomes)
                .and_then(|()| match delivered && exchanges == 0 {
                    true => Err(DELIVERED_WITHOUT_HTTP.to_string()),
                    false => Ok(()),
                })
                .map_err(|problem| HostError::Contract {
                    export: "send",
                    problem,
                })?;
        }
        Ok(outcomes)
    }

    /// [`Destination::transform`] through 0.1: each row's id is its position.
    fn transform_by_id(
        &self,
        settings: &[Setting],
        lines: &str,
    ) -> Result<Result<TransformOutput, DestinationError>, HostError> {
        let records: Vec<InputRecord> = by_id::records(lines);
        let output = self
            .transform_v0_1(settings, &records)?
            .map(by_id::transform_output);
        if let Ok(output) = &output {
            check_positions(records.len(), output).map_err(|problem| HostError::Contract {
                export: "transform-batch",
                problem,
            })?;
        }
        Ok(self.cleaned(settings, output))
    }

    /// [`Destination::send`] through 0.1: one outcome per event, which its records
    /// must agree on (0.2 settles events, not rows).
    fn send_by_id(
        &self,
        settings: &[Setting],
        request: &PreparedRequest,
    ) -> Result<Result<SendOutput, DestinationError>, HostError> {
        let by_id = by_id::request(request);
        let output =
            match self.send_v0_1(settings, &by_id)? {
                Ok(outcomes) => Ok(by_id::send_output(&by_id, outcomes).map_err(|problem| {
                    HostError::Contract {
                        export: "send",
                        problem,
                    }
                })?),
                Err(error) => Err(error),
            };
        Ok(self.cleaned(settings, output))
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
            self.no_settings(),
            |plugin, store| {
                plugin
                    .oauth(store)?
                    .call_authorization_url(store, app_id, redirect_uri, state)
            },
        )
        .map(|(url, _)| url)
    }

    /// Exchanges an authorisation code for credentials; the app secret and the code are
    /// redacted from everything the guest says.
    pub fn connect(
        &self,
        app_id: &str,
        app_secret: &str,
        auth_code: &str,
    ) -> Result<Result<Connection, DestinationError>, HostError> {
        let redactor = Redactor::new([app_secret.to_string(), auth_code.to_string()]);
        let guest = GuestSettings {
            redactor: redactor.clone(),
            ..self.no_settings()
        };
        let (mut connection, _) =
            self.call("connect", HttpGrant::Allowed, guest, |plugin, store| {
                plugin
                    .oauth(store)?
                    .call_connect(store, app_id, app_secret, auth_code)
            })?;
        connection.clean(&redactor);
        Ok(connection)
    }

    pub fn list_event_sets(
        &self,
        settings: &[Setting],
    ) -> Result<Result<Vec<EventSet>, DestinationError>, HostError> {
        let (answer, _) = self.call_with_settings(
            "list-event-sets",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| {
                plugin
                    .event_sets(store)?
                    .call_list_event_sets(store, passed)
            },
        )?;
        Ok(self.cleaned(settings, answer))
    }

    pub fn create_event_set(
        &self,
        settings: &[Setting],
        name: &str,
        description: &str,
        auto_tracking: bool,
    ) -> Result<Result<EventSet, DestinationError>, HostError> {
        let (answer, _) = self.call_with_settings(
            "create-event-set",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| {
                plugin.event_sets(store)?.call_create_event_set(
                    store,
                    passed,
                    name,
                    description,
                    auto_tracking,
                )
            },
        )?;
        Ok(self.cleaned(settings, answer))
    }

    /// Renames the set `id` and/or switches its auto-tracking.
    pub fn update_event_set(
        &self,
        settings: &[Setting],
        id: &str,
        name: Option<&str>,
        auto_tracking: Option<bool>,
    ) -> Result<Result<EventSet, DestinationError>, HostError> {
        let (answer, _) = self.call_with_settings(
            "update-event-set",
            HttpGrant::Allowed,
            settings,
            |plugin, store, passed| {
                plugin.event_sets(store)?.call_update_event_set(
                    store,
                    passed,
                    id,
                    name,
                    auto_tracking,
                )
            },
        )?;
        Ok(self.cleaned(settings, answer))
    }

    /// Scrubs the values of the secret settings (as the spec marks them) out of text.
    fn redactor(&self, settings: &[Setting]) -> Redactor {
        let is_secret = |key: &str| self.spec.settings.iter().any(|f| f.secret && f.key == key);
        Redactor::new(settings.iter().filter(|s| is_secret(&s.key)).filter_map(
            |s| match &s.value {
                SettingValue::Text(text) => Some(text.clone()),
                _ => None,
            },
        ))
    }

    fn no_settings(&self) -> GuestSettings {
        GuestSettings {
            settings: Vec::new(),
            secrets: Arc::new(Secrets::default()),
            redactor: Redactor::default(),
        }
    }

    /// The settings the guest gets. Secret ones (as the spec marks them) are scrubbed
    /// from everything the guest says; for a 0.2 component they are kept back too, each
    /// replaced by its reference, and refused when they cannot be a header value.
    fn guest_settings(&self, settings: &[Setting]) -> Result<GuestSettings, DestinationError> {
        let is_secret = |key: &str| self.spec.settings.iter().any(|f| f.secret && f.key == key);
        let redactor = self.redactor(settings);
        if self.version() == Version::V0_1 {
            return Ok(GuestSettings {
                settings: settings.to_vec(),
                secrets: Arc::new(Secrets::default()),
                redactor,
            });
        }
        let (settings, secrets) =
            Secrets::keep_back(settings, is_secret).map_err(DestinationError::InvalidSettings)?;
        Ok(GuestSettings {
            settings,
            secrets: Arc::new(secrets),
            redactor,
        })
    }

    /// [`Destination::call`] with `settings` as the guest gets them, passed to `f`; a
    /// setting the host refuses is the call's settings error, and the guest is not run.
    fn call_with_settings<R>(
        &self,
        export: &'static str,
        grant: HttpGrant,
        settings: &[Setting],
        f: impl FnOnce(
            &Plugin,
            &mut Store<StoreState>,
            &Vec<Setting>,
        ) -> wasmtime::Result<Result<R, DestinationError>>,
    ) -> Result<(Result<R, DestinationError>, u32), HostError> {
        let guest = match self.guest_settings(settings) {
            Ok(guest) => guest,
            Err(error) => return Ok((Err(error), 0)),
        };
        let passed = guest.settings.clone();
        self.call(export, grant, guest, |plugin, store| {
            f(plugin, store, &passed)
        })
    }

    /// `answer`, of a call with `settings`, [`Clean`]ed: what the host prints or stores.
    fn cleaned<T: Clean>(&self, settings: &[Setting], mut answer: T) -> T {
        answer.clean(&self.redactor(settings));
        answer
    }

    /// Calls an export in a fresh store and instance: its answer, and how many of its
    /// HTTP calls had an answer (only then can anything have arrived).
    fn call<R>(
        &self,
        export: &'static str,
        grant: HttpGrant,
        guest: GuestSettings,
        f: impl FnOnce(&Plugin, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<(R, u32), HostError> {
        let policy = &self.runtime.policy;
        let state = StoreState::new(
            policy,
            grant,
            self.egress.clone(),
            self.transport.clone(),
            self.clock,
            Arc::new(guest.redactor),
            guest.secrets,
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
        let result = self.pre.instantiate(&mut store).and_then(|instance| {
            let plugin = Plugin {
                exports: &self.exports,
                instance,
            };
            f(&plugin, &mut store)
        });
        if let (Some(total), Ok(left)) = (&self.runtime.fuel_used, store.get_fuel()) {
            total.fetch_add(u64::MAX - left, Ordering::Relaxed);
        }
        let dropped = store.data().logs.dropped;
        if dropped > 0 {
            tracing::warn!(target: "component", "{dropped} more log lines of this {export} call dropped: at most {MAX_LOG_LINES_PER_CALL} a call are kept");
        }
        let exchanges = store.data().http.exchanges;
        self.http_calls
            .fetch_add(u64::from(store.data().http.calls), Ordering::Relaxed);
        result.map(|answer| (answer, exchanges)).map_err(|error| {
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
                    message: guest_text::clean(&format!("{error:#}"), &state.redactor),
                    stderr: guest_text::clean_tail(&state.stderr_text(), &state.redactor),
                    after_http: state.http.exchanges > 0,
                },
            }
        })
    }
}

/// Every row of the batch exactly once, in a request's events or among the rejections;
/// each request's events consistent (an id and at least one row each); warnings only
/// about rows of the batch.
fn check_positions(rows: usize, output: &TransformOutput) -> Result<(), String> {
    let mut seen = vec![false; rows];
    let mut place = |row: u32| -> Result<(), String> {
        match seen.get_mut(row as usize) {
            None => Err(format!("row {row} is outside the batch of {rows} rows")),
            Some(true) => Err(format!("row {row} has more than one outcome")),
            Some(slot) => {
                *slot = true;
                Ok(())
            }
        }
    };
    for (index, request) in output.requests.iter().enumerate() {
        let sizes: u64 = request.event_sizes.iter().map(|&s| u64::from(s)).sum();
        if request.event_ids.is_empty()
            || request.event_ids.len() != request.event_sizes.len()
            || request.event_sizes.contains(&0)
            || sizes != request.rows.len() as u64
        {
            return Err(format!(
                "request {index}: {} event ids, {} event sizes (total {sizes}) for {} rows",
                request.event_ids.len(),
                request.event_sizes.len(),
                request.rows.len()
            ));
        }
        request.rows.iter().try_for_each(|&row| place(row))?;
    }
    output
        .rejections
        .iter()
        .try_for_each(|rejection| place(rejection.row))?;
    if let Some(row) = seen.iter().position(|&settled| !settled) {
        return Err(format!("row {row} has no outcome"));
    }
    if let Some(warning) = output.warnings.iter().find(|w| w.position as usize >= rows) {
        return Err(format!(
            "a warning about row {}, outside the batch of {rows} rows",
            warning.position
        ));
    }
    Ok(())
}

/// What a `send` that reports deliveries without one answered HTTP call breaks.
const DELIVERED_WITHOUT_HTTP: &str =
    "it reported events delivered without one HTTP call answered: nothing can have arrived";

/// A `delivered` status needs at least one HTTP call that had an answer in that call.
fn check_delivered(statuses: &[batch::DeliveryStatus], exchanges: u32) -> Result<(), String> {
    let delivered = statuses.contains(&batch::DeliveryStatus::Delivered);
    match delivered && exchanges == 0 {
        true => Err(DELIVERED_WITHOUT_HTTP.into()),
        false => Ok(()),
    }
}

/// One status per event of the request; warnings only about its events.
fn check_sent(events: usize, output: &SendOutput) -> Result<(), String> {
    if output.statuses.len() != events {
        return Err(format!(
            "{} statuses for the request's {events} events",
            output.statuses.len()
        ));
    }
    if let Some(warning) = output
        .warnings
        .iter()
        .find(|w| w.position as usize >= events)
    {
        return Err(format!(
            "a warning about event {}, outside the request's {events} events",
            warning.position
        ));
    }
    Ok(())
}

/// Exactly one outcome per record, in input order; every accepted record in exactly
/// one event of the request it names, and no event holding anything else.
fn check_transform(records: &[InputRecord], output: &v0_1::TransformOutput) -> Result<(), String> {
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
fn check_send(request: &v0_1::PreparedRequest, outcomes: &[DeliveryOutcome]) -> Result<(), String> {
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
    use crate::bindings::guest::{
        PreparedEvent, PreparedRequest, TransformOutcome, TransformOutput,
    };

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
