//! The WIT glue: the exports call the logic, and the imports serve as its [`Host`].
//! The types are the generated ones (`contract`), so nothing here converts or decides.

use crate::contract::cdp::destination::{clock, http, log};
use crate::contract::exports::cdp::destination::destination as api;
use crate::contract::exports::cdp::destination::{event_sets, oauth};
use crate::contract::{
    Connection, DeliveryOutcome, DestinationError, EventSet, Host, HttpError, HttpRequest,
    HttpResponse, InputRecord, LogLevel, PreparedRequest, Setting, Spec, TransformOutput,
    Validation,
};

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
        records: Vec<InputRecord>,
    ) -> Result<TransformOutput, DestinationError> {
        let settings = crate::settings::Settings::parse(&settings)
            .map_err(DestinationError::InvalidSettings)?;
        Ok(crate::transform::transform_batch(
            &settings,
            records,
            clock::now_ms(),
        ))
    }

    fn send(
        settings: Vec<Setting>,
        request: PreparedRequest,
    ) -> Result<Vec<DeliveryOutcome>, DestinationError> {
        crate::deliver::send(&settings, &request, &mut WitHost)
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
