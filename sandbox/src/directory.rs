//! The account model behind the API: one user, their ad accounts (with the user's role
//! on each), access tokens, offline event sets, developer apps and pending auth codes.
//!
//! Lookups here return TikTok's errors, so every endpoint refuses the same way.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, code};
use crate::ids::IdSource;
use crate::seed::{DEFAULT_ADVERTISER_NAME, Role, Seed};

const USER_ID: &str = "7100000000000000001";

#[derive(Debug)]
pub(crate) struct Advertiser {
    pub(crate) name: String,
    pub(crate) role: Role,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventSet {
    pub(crate) advertiser_id: String,
    pub(crate) event_set_id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) auto_tracking: bool,
    pub(crate) create_time: u64,
    pub(crate) update_time: u64,
}

#[derive(Debug)]
pub(crate) struct AuthCode {
    pub(crate) app_id: String,
    pub(crate) issued_at: u64,
    pub(crate) used: bool,
}

/// The ad accounts an access token may act for.
pub(crate) type Grants = BTreeSet<String>;

#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub(crate) advertisers: BTreeMap<String, Advertiser>,
    pub(crate) tokens: HashMap<String, Grants>,
    pub(crate) event_sets: BTreeMap<String, EventSet>,
    /// app_id → secret.
    pub(crate) apps: HashMap<String, String>,
    pub(crate) auth_codes: HashMap<String, AuthCode>,
    pub(crate) deny_consent: bool,
    pub(crate) ids: IdSource,
}

impl Directory {
    pub(crate) fn from_seed(seed: &Seed, now: u64) -> Self {
        let mut directory = Directory {
            deny_consent: seed.extra.deny_consent,
            ..Directory::default()
        };
        let advertiser_id = seed.advertiser_id();
        directory.add_advertiser(advertiser_id, DEFAULT_ADVERTISER_NAME, Role::Admin);
        for advertiser in &seed.extra.advertisers {
            directory.add_advertiser(&advertiser.id, &advertiser.name, advertiser.role);
        }
        if let Some(token) = seed.access_token() {
            directory.grant(token, [advertiser_id.to_owned()]);
        }
        for (token, advertiser_ids) in &seed.extra.tokens {
            directory.grant(token, advertiser_ids.iter().cloned());
        }
        if let Some((id, name)) = seed.event_set() {
            directory.add_event_set(advertiser_id, &id, &name, now);
        }
        for set in &seed.extra.event_sets {
            directory.add_event_set(&set.advertiser_id, &set.id, &set.name, now);
        }
        for (app_id, secret) in &seed.extra.apps {
            directory.apps.insert(app_id.clone(), secret.clone());
        }
        for (app_id, auth_code) in &seed.extra.auth_codes {
            directory.add_auth_code(app_id, auth_code.clone(), now);
        }
        directory
    }

    fn add_advertiser(&mut self, id: &str, name: &str, role: Role) {
        let advertiser = Advertiser {
            name: name.to_owned(),
            role,
        };
        self.advertisers.insert(id.to_owned(), advertiser);
    }

    pub(crate) fn grant(&mut self, token: &str, advertiser_ids: impl IntoIterator<Item = String>) {
        self.tokens
            .entry(token.to_owned())
            .or_default()
            .extend(advertiser_ids);
    }

    pub(crate) fn add_event_set(&mut self, advertiser_id: &str, id: &str, name: &str, now: u64) {
        let set = EventSet {
            advertiser_id: advertiser_id.to_owned(),
            event_set_id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            auto_tracking: false,
            create_time: now,
            update_time: now,
        };
        self.event_sets.insert(id.to_owned(), set);
    }

    pub(crate) fn add_auth_code(&mut self, app_id: &str, auth_code: String, now: u64) {
        let pending = AuthCode {
            app_id: app_id.to_owned(),
            issued_at: now,
            used: false,
        };
        self.auth_codes.insert(auth_code, pending);
    }

    /// What the `Access-Token` header's token may do: 40104 when it is missing (TikTok
    /// reads no other header: `Authorization: Bearer` counts as missing), 40105 when unknown.
    pub(crate) fn grants(&self, token: Option<&str>) -> Result<&Grants, ApiError> {
        let token = token.filter(|token| !token.is_empty()).ok_or_else(|| {
            ApiError::new(
                code::ACCESS_TOKEN_MISSING,
                "Access token is empty. Send it in the Access-Token header.",
            )
        })?;
        self.tokens.get(token).ok_or_else(|| {
            ApiError::new(
                code::ACCESS_TOKEN_INVALID,
                "Access token is incorrect or has been revoked.",
            )
        })
    }

    /// An ad account the token may act for. A missing account and one the token may
    /// not use answer alike (40001), so a token cannot probe for accounts.
    pub(crate) fn advertiser(&self, grants: &Grants, id: &str) -> Result<&Advertiser, ApiError> {
        self.advertisers
            .get(id)
            .filter(|_| grants.contains(id))
            .ok_or_else(|| ApiError::no_permission("this advertiser_id"))
    }

    pub(crate) fn user_info(&self) -> Value {
        json!({
            "id": USER_ID,
            "display_name": "Sandbox User",
            "email": "sa***@example.com",
            "create_time": 1_600_000_000,
        })
    }

    pub(crate) fn advertiser_info(
        &self,
        grants: &Grants,
        ids: &[String],
    ) -> Result<Value, ApiError> {
        let list = ids
            .iter()
            .map(|id| {
                let advertiser = self.advertiser(grants, id)?;
                Ok(json!({
                    "advertiser_id": id,
                    "name": advertiser.name,
                    "status": "STATUS_ENABLE",
                    "role": "ROLE_ADVERTISER",
                    "currency": "USD",
                    "timezone": "Etc/GMT",
                    "country": "US",
                }))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(json!({ "list": list }))
    }
}
