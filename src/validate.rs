//! `validate-credentials`: field checks, then the token, the advertiser and the offline
//! event set, each checked with the cheapest call TikTok offers. An event set named but
//! not found is created, so a user can configure a destination by name alone.

use crate::advertisers;
use crate::contract::{DestinationError, FieldError, Host, Setting, Validation};
use crate::event_sets::{self, Filter, NewEventSet};
use crate::settings::Settings;
use crate::tiktok_api::{Api, Class, Failure};

pub fn validate(
    settings: &[Setting],
    host: &mut impl Host,
) -> Result<Validation, DestinationError> {
    let settings = Settings::parse(settings).map_err(DestinationError::InvalidSettings)?;
    settings
        .require_event_set()
        .map_err(DestinationError::InvalidSettings)?;
    let mut api = Api::new(host, settings.access_token.expose());

    // The token: /user/info/ needs no permission, so only a bad token fails it.
    api.get("/user/info/", &[]).map_err(Failure::into_error)?;

    let advertiser_name = match &settings.advertiser_id {
        Some(id) => Some(advertiser(&mut api, id)?),
        None => None,
    };
    let validation = match (&settings.event_set_id, &settings.advertiser_id) {
        (Some(id), Some(advertiser_id)) => event_set_by_id(&mut api, advertiser_id, id)?,
        // A token made for one event set in Events Manager comes without an advertiser:
        // the set cannot be looked up, and the first send will tell.
        (Some(id), None) => Validation {
            event_set_id: id.clone(),
            event_set_name: None,
            event_set_created: false,
            advertiser_name: None,
        },
        (None, Some(advertiser_id)) => {
            let name = settings.event_set_name.as_deref().unwrap_or_default();
            event_set_by_name(&mut api, &settings, advertiser_id, name)?
        }
        (None, None) => {
            unreachable!("require_event_set guarantees an id or an advertiser and a name")
        }
    };
    Ok(Validation {
        advertiser_name,
        ..validation
    })
}

/// The configured ad account's name; a missing account is the setting's problem.
fn advertiser(api: &mut Api<'_, impl Host>, id: &str) -> Result<String, DestinationError> {
    let found =
        advertisers::info(api, &[id.to_string()]).map_err(|failure| match failure.class() {
            Class::Config | Class::Payload => field_error("advertiser_id", &failure),
            Class::Auth if matches!(failure, Failure::Api { code: 40001, .. }) => field_error(
                "advertiser_id",
                &format!("{failure} ({})", crate::tiktok_api::NO_PERMISSION),
            ),
            _ => failure.into_error(),
        })?;
    found
        .into_iter()
        .find(|a| a.id == id)
        .map(|a| a.name.unwrap_or_default())
        .ok_or_else(|| {
            field_error(
                "advertiser_id",
                &"this token has no access to an advertiser with this id",
            )
        })
}

/// A refusal that names the set's setting when the set (or its lookup) is at fault.
fn on_field(field: &'static str) -> impl Fn(Failure) -> DestinationError {
    move |failure| match failure.class() {
        Class::Config | Class::Payload => field_error(field, &failure),
        _ => failure.into_error(),
    }
}

fn event_set_by_id(
    api: &mut Api<'_, impl Host>,
    advertiser_id: &str,
    id: &str,
) -> Result<Validation, DestinationError> {
    let set = event_sets::find(api, advertiser_id, Filter::Id(id))
        .map_err(on_field("event_set_id"))?
        .into_iter()
        .next()
        .ok_or_else(|| {
            field_error("event_set_id", &"no offline event set with this id for this advertiser (a pixel code is not an event set id)")
        })?;
    Ok(Validation {
        event_set_id: id.to_string(),
        event_set_name: Some(set.name).filter(|name| !name.is_empty()),
        event_set_created: false,
        advertiser_name: None,
    })
}

fn event_set_by_name(
    api: &mut Api<'_, impl Host>,
    settings: &Settings,
    advertiser_id: &str,
    name: &str,
) -> Result<Validation, DestinationError> {
    let found = event_sets::find(api, advertiser_id, Filter::Name(name))
        .map_err(on_field("event_set_name"))?;
    if let Some(set) = found.into_iter().next() {
        return Ok(Validation {
            event_set_id: set.id,
            event_set_name: Some(set.name),
            event_set_created: false,
            advertiser_name: None,
        });
    }
    let description = settings
        .description
        .as_deref()
        .unwrap_or("Offline conversions sent from the CDP");
    let new = NewEventSet {
        advertiser_id,
        name,
        description,
        auto_tracking: settings.auto_tracking,
    };
    let set = event_sets::create_set(api, &new, on_field("event_set_name"))?;
    Ok(Validation {
        event_set_id: set.id,
        event_set_name: Some(set.name),
        event_set_created: true,
        advertiser_name: None,
    })
}

fn field_error(key: &str, problem: &dyn std::fmt::Display) -> DestinationError {
    DestinationError::InvalidSettings(vec![FieldError::new(key, problem.to_string())])
}
