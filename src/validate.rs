//! `validate-credentials`: field checks, then the token, the advertiser and the offline
//! event set, each checked with the cheapest call TikTok offers. An event set named but
//! not found is created, so a user can configure a destination by name alone.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::contract::{DestinationError, FieldError, Host, LogLevel, Setting, Validation};
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

#[derive(Deserialize)]
struct AdvertiserList {
    #[serde(default)]
    list: Vec<Advertiser>,
}

#[derive(Deserialize)]
struct Advertiser {
    advertiser_id: Value,
    #[serde(default)]
    name: Option<String>,
}

fn advertiser(api: &mut Api<'_, impl Host>, id: &str) -> Result<String, DestinationError> {
    let ids = json!([id]).to_string();
    let data = api.get("/advertiser/info/", &[("advertiser_ids", &ids)]).map_err(|failure| {
        match failure.class() {
            Class::Config | Class::Payload => field_error("advertiser_id", &failure),
            Class::Auth if matches!(failure, Failure::Api { code: 40001, .. }) => field_error(
                "advertiser_id",
                &format!("{failure} (the authorising user needs the Admin or Operator role on this ad account)"),
            ),
            _ => failure.into_error(),
        }
    })?;
    let list: AdvertiserList =
        serde_json::from_value(data).unwrap_or(AdvertiserList { list: vec![] });
    list.list
        .into_iter()
        .find(|a| id_matches(&a.advertiser_id, id))
        .map(|a| a.name.unwrap_or_default())
        .ok_or_else(|| {
            field_error(
                "advertiser_id",
                &"this token has no access to an advertiser with this id",
            )
        })
}

#[derive(Deserialize)]
struct EventSetList {
    #[serde(default)]
    event_set_list: Vec<EventSet>,
}

#[derive(Deserialize)]
struct EventSet {
    event_set_id: Value,
    #[serde(default)]
    name: Option<String>,
}

fn event_sets(
    api: &mut Api<'_, impl Host>,
    query: &[(&str, &str)],
    field: &str,
) -> Result<Vec<EventSet>, DestinationError> {
    let data = api
        .get("/offline/get/", query)
        .map_err(|failure| match failure.class() {
            Class::Config | Class::Payload => field_error(field, &failure),
            _ => failure.into_error(),
        })?;
    Ok(serde_json::from_value::<EventSetList>(data)
        .map(|l| l.event_set_list)
        .unwrap_or_default())
}

fn event_set_by_id(
    api: &mut Api<'_, impl Host>,
    advertiser_id: &str,
    id: &str,
) -> Result<Validation, DestinationError> {
    let ids = json!([id]).to_string();
    let sets = event_sets(
        api,
        &[("advertiser_id", advertiser_id), ("event_set_ids", &ids)],
        "event_set_id",
    )?;
    let set = sets.into_iter().find(|s| id_matches(&s.event_set_id, id)).ok_or_else(|| {
        field_error("event_set_id", &"no offline event set with this id for this advertiser (a pixel code is not an event set id)")
    })?;
    Ok(Validation {
        event_set_id: id.to_string(),
        event_set_name: set.name,
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
    let sets = event_sets(
        api,
        &[("advertiser_id", advertiser_id), ("name", name)],
        "event_set_name",
    )?;
    // TikTok's name filter may match loosely; only an exact name is the same set.
    if let Some(set) = sets.into_iter().find(|s| s.name.as_deref() == Some(name)) {
        return Ok(Validation {
            event_set_id: id_text(&set.event_set_id),
            event_set_name: set.name,
            event_set_created: false,
            advertiser_name: None,
        });
    }
    let description = settings
        .description
        .clone()
        .unwrap_or_else(|| "Offline conversions sent from the CDP".into());
    let body = json!({
        "advertiser_id": advertiser_id,
        "name": name,
        "description": description,
        "auto_tracking": settings.auto_tracking,
    });
    let data = api
        .post("/offline/create/", body.to_string())
        .map_err(|failure| match failure.class() {
            Class::Payload | Class::Config => field_error("event_set_name", &failure),
            _ => failure.into_error(),
        })?;
    let id = data
        .get("event_set_id")
        .map(id_text)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            DestinationError::Transient(
                "TikTok created the event set but returned no event_set_id".into(),
            )
        })?;
    api.log(LogLevel::Info, &format!("created offline event set {id}"));
    Ok(Validation {
        event_set_id: id,
        event_set_name: Some(name.to_string()),
        event_set_created: true,
        advertiser_name: None,
    })
}

fn field_error(key: &str, problem: &dyn std::fmt::Display) -> DestinationError {
    DestinationError::InvalidSettings(vec![FieldError::new(key, problem.to_string())])
}

/// TikTok ids are strings, but some endpoints have been seen to return numbers.
fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn id_matches(value: &Value, id: &str) -> bool {
    id_text(value) == id
}
