//! The WIT glue: generated bindings on one side, the plain-Rust logic on the other.
//! Nothing here decides anything; it only converts.

use crate::contract;

wit_bindgen::generate!({
    world: "destination-plugin",
    path: "wit",
});

use cdp::destination::types as wit;
use cdp::destination::{clock, http, log};
use exports::cdp::destination::destination as api;
use exports::cdp::destination::{event_sets, oauth};

/// Small blocks from size-class free lists, the rest from dlmalloc (`allocator`).
#[global_allocator]
static ALLOCATOR: crate::hot::allocator::Global = crate::hot::allocator::Global;

struct Component;

export!(Component);

impl api::Guest for Component {
    fn describe_settings() -> api::Spec {
        spec(crate::spec::spec())
    }

    fn validate_credentials(
        settings: wit::Settings,
    ) -> Result<api::Validation, wit::DestinationError> {
        let validation =
            crate::validate::validate(&from_settings(settings), &mut WitHost).map_err(to_error)?;
        Ok(api::Validation {
            event_set_id: validation.event_set_id,
            event_set_name: validation.event_set_name,
            event_set_created: validation.event_set_created,
            advertiser_name: validation.advertiser_name,
        })
    }

    fn transform_batch(
        settings: wit::Settings,
        records: Vec<api::InputRecord>,
    ) -> Result<api::TransformOutput, wit::DestinationError> {
        let settings = crate::settings::Settings::parse(&from_settings(settings))
            .map_err(|errors| to_error(contract::DestinationError::InvalidSettings(errors)))?;
        let records: Vec<contract::InputRecord> = records
            .into_iter()
            .map(|r| contract::InputRecord {
                id: r.id,
                json: r.json,
            })
            .collect();
        let output = crate::transform::transform_batch(&settings, records, clock::now_ms());
        Ok(api::TransformOutput {
            requests: output.requests.into_iter().map(to_request).collect(),
            outcomes: output
                .outcomes
                .into_iter()
                .map(|o| api::TransformOutcome {
                    id: o.id,
                    status: match o.status {
                        contract::TransformStatus::Accepted(index) => {
                            api::TransformStatus::Accepted(index)
                        }
                        contract::TransformStatus::Rejected(reason) => {
                            api::TransformStatus::Rejected(reason)
                        }
                    },
                })
                .collect(),
        })
    }

    fn send(
        settings: wit::Settings,
        request: api::PreparedRequest,
    ) -> Result<Vec<api::DeliveryOutcome>, wit::DestinationError> {
        let events = request
            .events
            .into_iter()
            .map(|e| contract::PreparedEvent {
                event_id: e.event_id,
                record_ids: e.record_ids,
            })
            .collect();
        let request = contract::PreparedRequest {
            body: request.body,
            events,
        };
        let outcomes = crate::deliver::send(&from_settings(settings), &request, &mut WitHost)
            .map_err(to_error)?;
        Ok(outcomes
            .into_iter()
            .map(|o| api::DeliveryOutcome {
                id: o.id,
                status: match o.status {
                    contract::DeliveryStatus::Delivered => api::DeliveryStatus::Delivered,
                    contract::DeliveryStatus::Rejected(reason) => {
                        api::DeliveryStatus::Rejected(reason)
                    }
                    contract::DeliveryStatus::Retryable(reason) => {
                        api::DeliveryStatus::Retryable(reason)
                    }
                },
            })
            .collect())
    }
}

/// The host's imports, as the logic's [`contract::Host`].
struct WitHost;

impl contract::Host for WitHost {
    fn fetch(
        &mut self,
        request: contract::HttpRequest,
    ) -> Result<contract::HttpResponse, contract::HttpError> {
        let request = http::Request {
            method: match request.method {
                contract::Method::Get => http::Method::Get,
                contract::Method::Post => http::Method::Post,
            },
            url: request.url,
            headers: request.headers,
            body: request.body,
            timeout_ms: request.timeout_ms,
        };
        match http::fetch(&request) {
            Ok(r) => Ok(contract::HttpResponse {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }),
            Err(http::HttpError::Denied(reason)) => Err(contract::HttpError::Denied(reason)),
            Err(http::HttpError::Timeout) => Err(contract::HttpError::Timeout),
            Err(http::HttpError::Connection(reason)) => {
                Err(contract::HttpError::Connection(reason))
            }
            Err(http::HttpError::TooLarge) => Err(contract::HttpError::TooLarge),
        }
    }

    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }

    fn log(&mut self, level: contract::LogLevel, message: &str) {
        let level = match level {
            contract::LogLevel::Debug => log::Level::Debug,
            contract::LogLevel::Info => log::Level::Info,
            contract::LogLevel::Warn => log::Level::Warn,
            contract::LogLevel::Error => log::Level::Error,
        };
        log::log(level, message);
    }
}

fn from_settings(settings: wit::Settings) -> Vec<contract::Setting> {
    settings
        .into_iter()
        .map(|s| contract::Setting {
            key: s.key,
            value: from_value(s.value),
        })
        .collect()
}

fn from_value(value: wit::SettingValue) -> contract::SettingValue {
    match value {
        wit::SettingValue::Text(text) => contract::SettingValue::Text(text),
        wit::SettingValue::Boolean(flag) => contract::SettingValue::Boolean(flag),
        wit::SettingValue::Integer(number) => contract::SettingValue::Integer(number),
    }
}

fn to_value(value: contract::SettingValue) -> wit::SettingValue {
    match value {
        contract::SettingValue::Text(text) => wit::SettingValue::Text(text),
        contract::SettingValue::Boolean(flag) => wit::SettingValue::Boolean(flag),
        contract::SettingValue::Integer(number) => wit::SettingValue::Integer(number),
    }
}

fn to_error(error: contract::DestinationError) -> wit::DestinationError {
    match error {
        contract::DestinationError::InvalidSettings(errors) => {
            wit::DestinationError::InvalidSettings(
                errors
                    .into_iter()
                    .map(|e| wit::FieldError {
                        key: e.key,
                        message: e.message,
                    })
                    .collect(),
            )
        }
        contract::DestinationError::Auth(message) => wit::DestinationError::Auth(message),
        contract::DestinationError::RateLimited {
            retry_after_ms,
            message,
        } => wit::DestinationError::RateLimited(wit::RateLimit {
            retry_after_ms,
            message,
        }),
        contract::DestinationError::Transient(message) => wit::DestinationError::Transient(message),
        contract::DestinationError::Permanent(message) => wit::DestinationError::Permanent(message),
    }
}

fn to_request(request: contract::PreparedRequest) -> api::PreparedRequest {
    let events = request
        .events
        .into_iter()
        .map(|e| api::PreparedEvent {
            event_id: e.event_id,
            record_ids: e.record_ids,
        })
        .collect();
    api::PreparedRequest {
        body: request.body,
        events,
    }
}

fn spec(spec: contract::Spec) -> api::Spec {
    api::Spec {
        id: spec.id.into(),
        name: spec.name.into(),
        version: spec.version.into(),
        settings: spec
            .settings
            .into_iter()
            .map(|f| api::SettingField {
                key: f.key.into(),
                label: f.label.into(),
                description: f.description.into(),
                field_type: match f.field_type {
                    contract::FieldType::Text => api::FieldType::Text,
                    contract::FieldType::Boolean => api::FieldType::Boolean,
                    contract::FieldType::Integer => api::FieldType::Integer,
                    contract::FieldType::Choice => api::FieldType::Choice,
                },
                required: f.required,
                secret: f.secret,
                default: f.default.map(to_value),
                options: f.options.into_iter().map(String::from).collect(),
            })
            .collect(),
        record_fields: spec
            .record_fields
            .into_iter()
            .map(|f| api::RecordField {
                name: f.name.into(),
                description: f.description.into(),
                required: f.required,
            })
            .collect(),
        max_events_per_request: spec.max_events_per_request,
        max_request_bytes: spec.max_request_bytes,
        hosts: spec.hosts.into_iter().map(String::from).collect(),
    }
}

impl oauth::Guest for Component {
    fn authorization_url(app_id: String, redirect_uri: String, state: String) -> String {
        crate::tiktok_api::authorization_url(&app_id, &redirect_uri, &state)
    }

    fn connect(
        app_id: String,
        app_secret: String,
        auth_code: String,
    ) -> Result<oauth::Connection, wit::DestinationError> {
        let connection = crate::oauth::connect(&app_id, &app_secret, &auth_code, &mut WitHost)
            .map_err(to_error)?;
        Ok(oauth::Connection {
            settings: connection
                .settings
                .into_iter()
                .map(|s| wit::Setting {
                    key: s.key,
                    value: to_value(s.value),
                })
                .collect(),
            accounts: connection
                .accounts
                .into_iter()
                .map(|a| oauth::Account {
                    id: a.id,
                    name: a.name,
                })
                .collect(),
            account_setting: connection.account_setting,
        })
    }
}

impl event_sets::Guest for Component {
    fn list_event_sets(
        settings: wit::Settings,
    ) -> Result<Vec<event_sets::EventSet>, wit::DestinationError> {
        let sets =
            crate::event_sets::list(&from_settings(settings), &mut WitHost).map_err(to_error)?;
        Ok(sets.into_iter().map(to_event_set).collect())
    }

    fn create_event_set(
        settings: wit::Settings,
        name: String,
        description: String,
        auto_tracking: bool,
    ) -> Result<event_sets::EventSet, wit::DestinationError> {
        crate::event_sets::create(
            &from_settings(settings),
            &name,
            &description,
            auto_tracking,
            &mut WitHost,
        )
        .map(to_event_set)
        .map_err(to_error)
    }

    fn update_event_set(
        settings: wit::Settings,
        id: String,
        name: Option<String>,
        auto_tracking: Option<bool>,
    ) -> Result<event_sets::EventSet, wit::DestinationError> {
        crate::event_sets::update(
            &from_settings(settings),
            &id,
            name.as_deref(),
            auto_tracking,
            &mut WitHost,
        )
        .map(to_event_set)
        .map_err(to_error)
    }
}

fn to_event_set(set: contract::EventSet) -> event_sets::EventSet {
    event_sets::EventSet {
        id: set.id,
        name: set.name,
        description: set.description,
        auto_tracking: set.auto_tracking,
    }
}
