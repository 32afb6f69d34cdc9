//! Offline event sets: `GET /offline/get/`, `POST /offline/create/` and
//! `POST /offline/update/`. The `event-sets` export lists, creates and updates an ad
//! account's sets with them; validation finds a set by id or name and creates one by
//! name through [`find`] and [`create_set`].

use serde::{Deserialize, Serialize};

use crate::contract::{DestinationError, EventSet, FieldError, Host, LogLevel, Setting};
use crate::settings::Settings;
use crate::tiktok_api::{Api, Failure, Id};

/// Which of an ad account's sets [`find`] returns.
#[derive(Debug, Clone, Copy)]
pub enum Filter<'a> {
    All,
    Id(&'a str),
    /// Exactly this name: TikTok's name filter may match loosely, so [`find`] checks.
    Name(&'a str),
}

/// What `/offline/create/` needs. `description` is required in practice.
#[derive(Debug, Clone, Copy)]
pub struct NewEventSet<'a> {
    pub advertiser_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// Makes every future campaign of the ad account track with this set.
    pub auto_tracking: bool,
}

#[derive(Deserialize, Default)]
struct List {
    #[serde(default)]
    event_set_list: Vec<Wire>,
}

#[derive(Deserialize)]
struct Wire {
    event_set_id: Id,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    auto_tracking: bool,
}

impl From<Wire> for EventSet {
    fn from(wire: Wire) -> EventSet {
        EventSet {
            id: wire.event_set_id.0,
            name: wire.name.unwrap_or_default(),
            description: wire.description.filter(|d| !d.is_empty()),
            auto_tracking: wire.auto_tracking,
        }
    }
}

/// `data` of `/offline/create/`.
#[derive(Deserialize)]
struct Created {
    event_set_id: Id,
}

/// The body of `/offline/create/`. Request bodies are small structs rather than `json!`
/// (whose map code the component's size budget cannot afford); fields are in
/// alphabetical order, so the bytes are those `json!`'s sorted map wrote.
#[derive(Serialize)]
struct CreateBody<'a> {
    advertiser_id: &'a str,
    auto_tracking: bool,
    description: &'a str,
    name: &'a str,
}

/// The body of `/offline/update/`: only what changes, fields in alphabetical order.
#[derive(Serialize)]
struct UpdateBody<'a> {
    advertiser_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_tracking: Option<bool>,
    event_set_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

/// The ad account's sets that match `filter`.
pub fn find(
    api: &mut Api<'_, impl Host>,
    advertiser_id: &str,
    filter: Filter<'_>,
) -> Result<Vec<EventSet>, Failure> {
    let ids;
    let mut query = vec![("advertiser_id", advertiser_id)];
    match filter {
        Filter::All => {}
        Filter::Id(id) => {
            ids = serde_json::to_string(&[id]).expect("a list of strings serialises");
            query.push(("event_set_ids", &ids));
        }
        Filter::Name(name) => query.push(("name", name)),
    }
    let data = api.get("/offline/get/", &query)?;
    let list: List = data.read().unwrap_or_default();
    Ok(list
        .event_set_list
        .into_iter()
        .map(EventSet::from)
        .filter(|set| match filter {
            Filter::All => true,
            Filter::Id(id) => set.id == id,
            Filter::Name(name) => set.name == name,
        })
        .collect())
}

/// Creates the set; `on_failure` maps TikTok's refusal, as only the caller knows which
/// setting or argument is to blame.
pub fn create_set(
    api: &mut Api<'_, impl Host>,
    new: &NewEventSet<'_>,
    on_failure: impl FnOnce(Failure) -> DestinationError,
) -> Result<EventSet, DestinationError> {
    let body = CreateBody {
        advertiser_id: new.advertiser_id,
        auto_tracking: new.auto_tracking,
        description: new.description,
        name: new.name,
    };
    let body = serde_json::to_string(&body).expect("strings and a bool serialise");
    let data = api.post("/offline/create/", body).map_err(on_failure)?;
    let id = data
        .read::<Created>()
        .map(|created| created.event_set_id.0)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            DestinationError::Transient(
                "TikTok created the event set but returned no event_set_id".into(),
            )
        })?;
    api.log(LogLevel::Info, &format!("created offline event set {id}"));
    Ok(EventSet {
        id,
        name: new.name.to_string(),
        description: Some(new.description.to_string()),
        auto_tracking: new.auto_tracking,
    })
}

/// `list-event-sets`: every offline set of the settings' ad account.
pub fn list(settings: &[Setting], host: &mut impl Host) -> Result<Vec<EventSet>, DestinationError> {
    let (settings, advertiser_id) = account(settings)?;
    let mut api = Api::new(host, settings.access_token.expose());
    find(&mut api, &advertiser_id, Filter::All).map_err(error)
}

/// `create-event-set` in the settings' ad account.
pub fn create(
    settings: &[Setting],
    name: &str,
    description: &str,
    auto_tracking: bool,
    host: &mut impl Host,
) -> Result<EventSet, DestinationError> {
    let (settings, advertiser_id) = account(settings)?;
    require_text("name", name)?;
    require_text("description", description)?;
    let new = NewEventSet {
        advertiser_id: &advertiser_id,
        name,
        description,
        auto_tracking,
    };
    let mut api = Api::new(host, settings.access_token.expose());
    create_set(&mut api, &new, error)
}

/// `update-event-set`: renames the set and/or changes its auto-tracking, then reads it
/// back (TikTok's answer carries no set).
pub fn update(
    settings: &[Setting],
    id: &str,
    name: Option<&str>,
    auto_tracking: Option<bool>,
    host: &mut impl Host,
) -> Result<EventSet, DestinationError> {
    let (settings, advertiser_id) = account(settings)?;
    require_text("id", id)?;
    if name.is_none() && auto_tracking.is_none() {
        return Err(DestinationError::Permanent(
            "nothing to update: give a new name and/or auto-tracking".into(),
        ));
    }
    if let Some(name) = name {
        require_text("name", name)?;
    }
    let body = UpdateBody {
        advertiser_id: &advertiser_id,
        auto_tracking,
        event_set_id: id,
        name,
    };
    let body = serde_json::to_string(&body).expect("strings and a bool serialise");
    let mut api = Api::new(host, settings.access_token.expose());
    api.post("/offline/update/", body).map_err(error)?;
    find(&mut api, &advertiser_id, Filter::Id(id))
        .map_err(error)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            DestinationError::Transient(format!(
                "TikTok updated event set {id} but does not list it yet; list the sets again"
            ))
        })
}

/// The settings and their ad account, which every event-set call names.
fn account(settings: &[Setting]) -> Result<(Settings, String), DestinationError> {
    let settings = Settings::parse(settings).map_err(DestinationError::InvalidSettings)?;
    let advertiser_id = settings.advertiser_id.clone().ok_or_else(|| {
        DestinationError::InvalidSettings(vec![FieldError::new(
            "advertiser_id",
            "required to list, create or update offline event sets",
        )])
    })?;
    Ok((settings, advertiser_id))
}

fn require_text(argument: &str, value: &str) -> Result<(), DestinationError> {
    if value.trim().is_empty() {
        return Err(DestinationError::Permanent(format!(
            "the event set's {argument} must not be empty"
        )));
    }
    Ok(())
}

/// An ad account that does not exist or that the token may not use (TikTok answers
/// 40001 for both in places) is the `advertiser_id` setting's problem.
fn error(failure: Failure) -> DestinationError {
    match failure {
        Failure::Api {
            code: 40001 | 40300 | 40301,
            ..
        } => DestinationError::InvalidSettings(vec![FieldError::new(
            "advertiser_id",
            format!("{failure} ({})", crate::tiktok_api::NO_PERMISSION),
        )]),
        failure => failure.into_error(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::SettingValue;
    use crate::test_host::ScriptedHost;

    const LIST: &str = "GET /offline/get/?advertiser_id=7001";
    const BY_ID: &str =
        "GET /offline/get/?advertiser_id=7001&event_set_ids=%5B%227181537436256731137%22%5D";
    const SET_ID: &str = "7181537436256731137";

    fn settings(advertiser: Option<&str>) -> Vec<Setting> {
        let text = |key: &str, value: &str| Setting {
            key: key.into(),
            value: SettingValue::Text(value.into()),
        };
        let mut settings = vec![text("access_token", "tok-1")];
        settings.extend(advertiser.map(|id| text("advertiser_id", id)));
        settings
    }

    fn store_set(name: &str, auto_tracking: bool) -> EventSet {
        EventSet {
            id: SET_ID.into(),
            name: name.into(),
            description: Some("Till receipts".into()),
            auto_tracking,
        }
    }

    #[test]
    fn lists_every_set_of_the_advertiser() {
        let mut host = ScriptedHost::default();
        host.ok(
            LIST,
            json!({"event_set_list": [
                {"advertiser_id": "7001", "event_set_id": SET_ID, "name": "Stores",
                 "description": "Till receipts", "auto_tracking": true, "create_time": 1},
                {"advertiser_id": "7001", "event_set_id": 7181537436256731999_u64, "name": "Calls",
                 "description": ""},
            ]}),
        );
        let sets = list(&settings(Some("7001")), &mut host).unwrap();
        assert_eq!(
            sets,
            [
                store_set("Stores", true),
                EventSet {
                    id: "7181537436256731999".into(),
                    name: "Calls".into(),
                    description: None,
                    auto_tracking: false,
                },
            ]
        );
        assert_eq!(host.header(0, "Access-Token"), Some("tok-1"));
    }

    #[test]
    fn creates_with_exactly_the_given_fields() {
        let mut host = ScriptedHost::default();
        host.ok("POST /offline/create/", json!({"event_set_id": SET_ID}));
        let set = create(
            &settings(Some("7001")),
            "Stores",
            "Till receipts",
            true,
            &mut host,
        )
        .unwrap();
        assert_eq!(set, store_set("Stores", true));
        // Byte for byte what `json!` wrote before the body became a struct.
        assert_eq!(
            host.body(0),
            json!({"advertiser_id": "7001", "name": "Stores", "description": "Till receipts", "auto_tracking": true}).to_string()
        );
        assert_eq!(
            host.logs,
            [(
                LogLevel::Info,
                format!("created offline event set {SET_ID}")
            )]
        );
    }

    #[test]
    fn updates_only_what_is_given_and_reads_the_set_back() {
        let mut host = ScriptedHost::default();
        host.ok("POST /offline/update/", json!({}));
        host.ok(
            BY_ID,
            json!({"event_set_list": [{"event_set_id": SET_ID, "name": "Shops",
                "description": "Till receipts", "auto_tracking": false}]}),
        );
        let set = update(
            &settings(Some("7001")),
            SET_ID,
            Some("Shops"),
            None,
            &mut host,
        )
        .unwrap();
        assert_eq!(set, store_set("Shops", false));
        assert_eq!(
            host.body(0),
            json!({"advertiser_id": "7001", "event_set_id": SET_ID, "name": "Shops"}).to_string()
        );
    }

    #[test]
    fn auto_tracking_alone_can_be_updated() {
        let mut host = ScriptedHost::default();
        host.ok("POST /offline/update/", json!({}));
        host.ok(
            BY_ID,
            json!({"event_set_list": [{"event_set_id": SET_ID, "name": "Stores",
                "description": "Till receipts", "auto_tracking": true}]}),
        );
        update(&settings(Some("7001")), SET_ID, None, Some(true), &mut host).unwrap();
        assert_eq!(
            host.body(0),
            json!({"advertiser_id": "7001", "event_set_id": SET_ID, "auto_tracking": true})
                .to_string()
        );
    }

    #[test]
    fn an_update_that_changes_nothing_is_refused_before_any_call() {
        let mut host = ScriptedHost::default();
        assert_eq!(
            update(&settings(Some("7001")), SET_ID, None, None, &mut host).unwrap_err(),
            DestinationError::Permanent(
                "nothing to update: give a new name and/or auto-tracking".into()
            )
        );
        assert_eq!(
            create(&settings(Some("7001")), "Stores", " ", false, &mut host).unwrap_err(),
            DestinationError::Permanent("the event set's description must not be empty".into())
        );
        assert!(host.requests.is_empty());
    }

    #[test]
    fn every_call_needs_the_advertiser() {
        let mut host = ScriptedHost::default();
        let missing = DestinationError::InvalidSettings(vec![FieldError::new(
            "advertiser_id",
            "required to list, create or update offline event sets",
        )]);
        assert_eq!(list(&settings(None), &mut host).unwrap_err(), missing);
        assert_eq!(
            create(&settings(None), "Stores", "Till receipts", false, &mut host).unwrap_err(),
            missing
        );
        assert!(host.requests.is_empty());
    }

    #[test]
    fn an_advertiser_the_token_may_not_use_is_the_settings_problem() {
        let mut host = ScriptedHost::default();
        host.expect(
            LIST,
            40001,
            "No permission to operate this advertiser_id.",
            json!({}),
        );
        assert_eq!(
            list(&settings(Some("7001")), &mut host).unwrap_err(),
            DestinationError::InvalidSettings(vec![FieldError::new(
                "advertiser_id",
                "TikTok code 40001: No permission to operate this advertiser_id. (the token's user needs the Admin or Operator role on this ad account, and the app needs the call's scope: Measurement > Report Conversion Event to send; Ad Account Management > Read Ad Account Information to validate; Offline Events Management to list, create or update event sets)"
            )])
        );
    }

    #[test]
    fn a_missing_set_on_update_keeps_tiktoks_words() {
        let mut host = ScriptedHost::default();
        host.expect(
            "POST /offline/update/",
            40007,
            "Invalid value for event_set_id: the offline event set does not exist in this ad account.",
            json!({}),
        );
        assert_eq!(
            update(&settings(Some("7001")), SET_ID, Some("Shops"), None, &mut host).unwrap_err(),
            DestinationError::Permanent("TikTok code 40007: Invalid value for event_set_id: the offline event set does not exist in this ad account.".into())
        );
    }
}
