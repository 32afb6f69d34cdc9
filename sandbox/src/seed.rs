//! What exists in the sandbox's TikTok account when it starts.
//!
//! A `Seed` deserialises from the destination's flat settings JSON (other keys are
//! ignored), so `host-harness send`/`validate` can start a sandbox in which the user's
//! own token, ad account and event set are real. Builder methods add what tests need.

use serde::Deserialize;

/// The ad account that exists when the settings name none.
pub const DEFAULT_ADVERTISER_ID: &str = "7000000000000000001";
pub(crate) const DEFAULT_ADVERTISER_NAME: &str = "Sandbox Advertiser";
pub(crate) const DEFAULT_EVENT_SET_NAME: &str = "Sandbox Offline Events";

/// The sandbox user's role on an ad account. TikTok lets only Admins and Operators
/// authorise an app for an ad account; an Analyst's authorisation grants nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Operator,
    Analyst,
}

impl Role {
    pub(crate) fn can_authorise(self) -> bool {
        matches!(self, Role::Admin | Role::Operator)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Seed {
    access_token: Option<String>,
    advertiser_id: Option<String>,
    event_set_id: Option<String>,
    event_set_name: Option<String>,
    #[serde(skip)]
    pub(crate) extra: Extras,
}

/// What builder methods add on top of the settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    pub(crate) advertisers: Vec<SeedAdvertiser>,
    pub(crate) tokens: Vec<(String, Vec<String>)>,
    pub(crate) event_sets: Vec<SeedEventSet>,
    pub(crate) apps: Vec<(String, String)>,
    pub(crate) auth_codes: Vec<(String, String)>,
    pub(crate) deny_consent: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SeedAdvertiser {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
}

#[derive(Debug, Clone)]
pub(crate) struct SeedEventSet {
    pub(crate) advertiser_id: String,
    pub(crate) id: String,
    pub(crate) name: String,
}

/// Settings fields left empty in a form count as absent.
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|value| !value.is_empty())
}

impl Seed {
    /// The settings' `access_token`, if any: it grants the settings' ad account.
    pub fn access_token(&self) -> Option<&str> {
        given(&self.access_token)
    }

    /// The settings' `advertiser_id`, or [`DEFAULT_ADVERTISER_ID`].
    pub fn advertiser_id(&self) -> &str {
        given(&self.advertiser_id).unwrap_or(DEFAULT_ADVERTISER_ID)
    }

    /// The settings' event set as (id, name), if the settings name one. With only a
    /// name, the id is derived from it, so the same settings always give the same id.
    pub fn event_set(&self) -> Option<(String, String)> {
        let name = given(&self.event_set_name);
        match (given(&self.event_set_id), name) {
            (Some(id), name) => Some((
                id.to_owned(),
                name.unwrap_or(DEFAULT_EVENT_SET_NAME).to_owned(),
            )),
            (None, Some(name)) => Some((crate::ids::id_from_name(name), name.to_owned())),
            (None, None) => None,
        }
    }

    pub fn with_access_token(mut self, token: &str) -> Self {
        self.access_token = Some(token.to_owned());
        self
    }

    pub fn with_advertiser_id(mut self, advertiser_id: &str) -> Self {
        self.advertiser_id = Some(advertiser_id.to_owned());
        self
    }

    pub fn with_event_set_id(mut self, event_set_id: &str) -> Self {
        self.event_set_id = Some(event_set_id.to_owned());
        self
    }

    pub fn with_event_set_name(mut self, name: &str) -> Self {
        self.event_set_name = Some(name.to_owned());
        self
    }

    /// Adds an ad account with the sandbox user's role on it. Using the settings' ad
    /// account id replaces its name and role (it is Admin otherwise).
    pub fn with_advertiser(mut self, advertiser_id: &str, name: &str, role: Role) -> Self {
        self.extra.advertisers.push(SeedAdvertiser {
            id: advertiser_id.to_owned(),
            name: name.to_owned(),
            role,
        });
        self
    }

    /// Adds an access token that may act for these ad accounts.
    pub fn with_token(mut self, token: &str, advertiser_ids: &[&str]) -> Self {
        let ids = advertiser_ids.iter().map(|id| (*id).to_owned()).collect();
        self.extra.tokens.push((token.to_owned(), ids));
        self
    }

    /// Adds an offline event set to an ad account.
    pub fn with_event_set(mut self, advertiser_id: &str, event_set_id: &str, name: &str) -> Self {
        self.extra.event_sets.push(SeedEventSet {
            advertiser_id: advertiser_id.to_owned(),
            id: event_set_id.to_owned(),
            name: name.to_owned(),
        });
        self
    }

    /// Registers a developer app (for OAuth).
    pub fn with_app(mut self, app_id: &str, secret: &str) -> Self {
        self.extra.apps.push((app_id.to_owned(), secret.to_owned()));
        self
    }

    /// Issues an auth code for an app at start-up, as if the user had just consented.
    pub fn with_auth_code(mut self, app_id: &str, auth_code: &str) -> Self {
        self.extra
            .auth_codes
            .push((app_id.to_owned(), auth_code.to_owned()));
        self
    }

    /// Makes the authorisation page answer as if the user declined.
    pub fn denying_consent(mut self) -> Self {
        self.extra.deny_consent = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_settings_and_ignores_other_keys() {
        let seed: Seed = serde_json::from_str(
            r#"{"access_token":"tok","advertiser_id":"7001","event_set_id":"7002",
                "event_set_name":"Stores","currency":"EUR","send_test_events":true}"#,
        )
        .unwrap();
        assert_eq!(seed.access_token(), Some("tok"));
        assert_eq!(seed.advertiser_id(), "7001");
        assert_eq!(
            seed.event_set(),
            Some(("7002".to_owned(), "Stores".to_owned()))
        );
    }

    #[test]
    fn empty_settings_fall_back_to_the_default_account() {
        let seed: Seed = serde_json::from_str(r#"{"access_token":"","advertiser_id":""}"#).unwrap();
        assert_eq!(seed.access_token(), None);
        assert_eq!(seed.advertiser_id(), DEFAULT_ADVERTISER_ID);
        assert_eq!(seed.event_set(), None);
    }

    #[test]
    fn a_named_event_set_gets_a_stable_19_digit_id() {
        let seed = Seed::default().with_event_set_name("Stores");
        let (id, name) = seed.event_set().unwrap();
        assert_eq!(name, "Stores");
        assert_eq!(id.len(), 19);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(seed.clone().event_set().unwrap().0, id);
        let other = Seed::default()
            .with_event_set_name("Online")
            .event_set()
            .unwrap();
        assert_ne!(other.0, id);
    }
}
