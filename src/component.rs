//! The WIT glue: the exports call the logic, and the imports serve as its [`Host`].
//! The types are the generated ones (`contract`); contract 0.1's by-id transform and
//! send go through `by_id`, which turns the logic's positions into ids.

use crate::contract::cdp::destination0_1_0::{clock, http, log};
use crate::contract::exports::cdp::destination0_1_0::destination as api;
use crate::contract::exports::cdp::destination0_1_0::{event_sets, oauth};
use crate::contract::exports::cdp::destination0_2_0::batch;
use crate::contract::{
    Connection, DestinationError, EventSet, Host, HttpError, HttpRequest, HttpResponse, LogLevel,
    PreparedRequest, SendOutput, Setting, Spec, TransformOutput, Validation, v0_1,
};
use crate::transform::Rows;

/// Small blocks from size-class free lists, the rest from dlmalloc (`hot::allocator`).
#[global_allocator]
static ALLOCATOR: crate::hot::allocator::Global = crate::hot::allocator::Global;

struct Component;

crate::contract::export!(Component with_types_in crate::contract);

impl api::Guest for Component {
    fn describe_settings() -> Spec {
        crate::spec::spec()
    }

    fn validate_credentials(settings: Vec<Setting>) -> Result<Validation, DestinationError> {
        crate::validate::validate(&settings, &mut WitHost)
    }

    fn transform_batch(
        settings: Vec<Setting>,
        records: Vec<v0_1::InputRecord>,
    ) -> Result<v0_1::TransformOutput, DestinationError> {
        let settings = crate::settings::Settings::parse(&settings)
            .map_err(DestinationError::InvalidSettings)?;
        let rows: Vec<&str> = records.iter().map(|r| r.json.as_str()).collect();
        let output = crate::transform::transform(&settings, Rows::Texts(&rows), clock::now_ms());
        Ok(crate::by_id::transform_output(output, records))
    }

    fn send(
        settings: Vec<Setting>,
        request: v0_1::PreparedRequest,
    ) -> Result<Vec<v0_1::DeliveryOutcome>, DestinationError> {
        let output =
            crate::deliver::send(&settings, &request.body, request.events.len(), &mut WitHost)?;
        Ok(crate::by_id::delivery_outcomes(output, &request))
    }
}

impl batch::Guest for Component {
    fn transform(
        settings: Vec<Setting>,
        lines: String,
    ) -> Result<TransformOutput, DestinationError> {
        let settings = crate::settings::Settings::parse(&settings)
            .map_err(DestinationError::InvalidSettings)?;
        let rows = Rows::Lines(&lines);
        Ok(crate::transform::transform(
            &settings,
            rows,
            clock::now_ms(),
        ))
    }

    fn send(
        settings: Vec<Setting>,
        request: PreparedRequest,
    ) -> Result<SendOutput, DestinationError> {
        crate::deliver::send(
            &settings,
            &request.body,
            request.event_ids.len(),
            &mut WitHost,
        )
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
    ) -> Result<Connection, DestinationError> {
        crate::oauth::connect(&app_id, &app_secret, &auth_code, &mut WitHost)
    }
}

impl event_sets::Guest for Component {
    fn list_event_sets(settings: Vec<Setting>) -> Result<Vec<EventSet>, DestinationError> {
        crate::event_sets::list(&settings, &mut WitHost)
    }

    fn create_event_set(
        settings: Vec<Setting>,
        name: String,
        description: String,
        auto_tracking: bool,
    ) -> Result<EventSet, DestinationError> {
        crate::event_sets::create(&settings, &name, &description, auto_tracking, &mut WitHost)
    }

    fn update_event_set(
        settings: Vec<Setting>,
        id: String,
        name: Option<String>,
        auto_tracking: Option<bool>,
    ) -> Result<EventSet, DestinationError> {
        crate::event_sets::update(&settings, &id, name.as_deref(), auto_tracking, &mut WitHost)
    }
}

/// The host's imports, as the logic's [`Host`].
struct WitHost;

impl Host for WitHost {
    fn fetch(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        http::fetch(&request)
    }

    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        log::log(level, message);
    }
}
