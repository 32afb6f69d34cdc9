//! Offline event sets: who may report to one, and `/offline/get|create|update/`.

use crate::api_error::{ApiError, code};
use crate::directory::{Directory, EventSet};

/// `/offline/create/`'s body, checked.
#[derive(Debug)]
pub(crate) struct NewEventSet {
    pub(crate) advertiser_id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) auto_tracking: bool,
}

/// `/offline/update/`'s body, checked: only the fields given change.
#[derive(Debug)]
pub(crate) struct EventSetChange {
    pub(crate) advertiser_id: String,
    pub(crate) event_set_id: String,
    pub(crate) name: Option<String>,
    pub(crate) auto_tracking: Option<bool>,
}

impl Directory {
    /// Whether the token may report to this offline set: an unknown set is 40007, a
    /// set of an ad account the token may not act for is 40001.
    pub(crate) fn authorize_event_set(
        &self,
        token: Option<&str>,
        set_id: &str,
    ) -> Result<(), ApiError> {
        let grants = self.grants(token)?;
        let set = self.event_sets.get(set_id).ok_or_else(|| {
            ApiError::new(
                code::NOT_FOUND,
                "Invalid value for event_source_id: the offline event set does not exist.",
            )
        })?;
        if grants.contains(&set.advertiser_id) {
            Ok(())
        } else {
            Err(ApiError::no_permission("this event_source_id"))
        }
    }

    /// The ad account's sets, filtered by ids and/or exact name; no match is an empty
    /// list. Without an ad account (optional in TikTok's schema): the sets of every ad
    /// account the token may act for.
    pub(crate) fn find_event_sets(
        &self,
        token: Option<&str>,
        advertiser_id: Option<&str>,
        ids: Option<&[String]>,
        name: Option<&str>,
    ) -> Result<Vec<&EventSet>, ApiError> {
        let grants = self.grants(token)?;
        if let Some(advertiser_id) = advertiser_id {
            self.advertiser(grants, advertiser_id)?;
        }
        let found = self
            .event_sets
            .values()
            .filter(|set| {
                advertiser_id.map_or(grants.contains(&set.advertiser_id), |id| {
                    set.advertiser_id == id
                })
            })
            .filter(|set| ids.is_none_or(|ids| ids.contains(&set.event_set_id)))
            .filter(|set| name.is_none_or(|name| set.name == name))
            .collect();
        Ok(found)
    }

    pub(crate) fn create_event_set(
        &mut self,
        token: Option<&str>,
        new: NewEventSet,
        now: u64,
    ) -> Result<String, ApiError> {
        self.advertiser(self.grants(token)?, &new.advertiser_id)?;
        let id = self.ids.next_event_set_id();
        if new.auto_tracking {
            self.clear_auto_tracking(&new.advertiser_id, now);
        }
        let set = EventSet {
            advertiser_id: new.advertiser_id,
            event_set_id: id.clone(),
            name: new.name,
            description: new.description,
            auto_tracking: new.auto_tracking,
            create_time: now,
            update_time: now,
        };
        self.event_sets.insert(id.clone(), set);
        Ok(id)
    }

    /// Applies `change` and returns the set as it now is, as TikTok answers.
    pub(crate) fn update_event_set(
        &mut self,
        token: Option<&str>,
        change: EventSetChange,
        now: u64,
    ) -> Result<&EventSet, ApiError> {
        self.advertiser(self.grants(token)?, &change.advertiser_id)?;
        let belongs = |set: &EventSet| set.advertiser_id == change.advertiser_id;
        if !self
            .event_sets
            .get(&change.event_set_id)
            .is_some_and(belongs)
        {
            return Err(ApiError::new(
                code::NOT_FOUND,
                "Invalid value for event_set_id: the offline event set does not exist in this ad account.",
            ));
        }
        if change.auto_tracking == Some(true) {
            self.clear_auto_tracking(&change.advertiser_id, now);
        }
        let set = self
            .event_sets
            .get_mut(&change.event_set_id)
            .expect("checked above");
        if let Some(name) = change.name {
            set.name = name;
        }
        if let Some(auto_tracking) = change.auto_tracking {
            set.auto_tracking = auto_tracking;
        }
        set.update_time = now;
        Ok(set)
    }

    /// `auto_tracking` makes a set the one all future campaigns of the ad account
    /// track with, so at most one set per account has it.
    fn clear_auto_tracking(&mut self, advertiser_id: &str, now: u64) {
        for set in self.event_sets.values_mut() {
            if set.advertiser_id == advertiser_id && set.auto_tracking {
                set.auto_tracking = false;
                set.update_time = now;
            }
        }
    }
}
