//! Accepted events, and TikTok's deduplication: events sharing (event_source_id,
//! event, event_id) within 48 hours collapse into the first one. A duplicate is
//! absorbed silently (the request still gets code 0), as TikTok does.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::track::TrackRequest;

const DEDUP_WINDOW_SECS: u64 = 48 * 60 * 60;

/// An event the sandbox accepted, as TikTok would have stored it.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedEvent {
    pub event_source_id: String,
    /// Set when the request carried `test_event_code` (Events Manager's test tool).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_event_code: Option<String>,
    /// The event object byte for byte as received.
    pub event: Box<RawValue>,
}

impl AcceptedEvent {
    /// The event object, parsed, for assertions.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.event.get()).unwrap_or(Value::Null)
    }
}

/// Compact form: one request's events share their set id and test code.
#[derive(Debug)]
struct Stored {
    event_source_id: Arc<str>,
    test_event_code: Option<Arc<str>>,
    event: Box<RawValue>,
}

/// How one request's events fared.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) accepted: u64,
    pub(crate) duplicates: u64,
}

#[derive(Debug, Default)]
pub(crate) struct EventStore {
    events: Vec<Stored>,
    /// Per event set: `"<event>\u{1f}<event_id>"` → when it was first accepted.
    first_seen: HashMap<Arc<str>, HashMap<String, u64>>,
}

impl EventStore {
    /// Stores a checked request's events; `dedup_keys[i]` is event i's key within the
    /// set, `None` when it has no `event_id` (such events never collapse).
    pub(crate) fn accept(
        &mut self,
        request: &TrackRequest<'_>,
        dedup_keys: Vec<Option<String>>,
        now: u64,
    ) -> Outcome {
        let Self { events, first_seen } = self;
        // Reuse the set's existing key so its events share one allocation.
        let set_id: Arc<str> = match first_seen.get_key_value(request.event_source_id.as_str()) {
            Some((set_id, _)) => Arc::clone(set_id),
            None => Arc::from(request.event_source_id.as_str()),
        };
        let seen = first_seen.entry(Arc::clone(&set_id)).or_default();
        let test_event_code: Option<Arc<str>> = request.test_event_code.as_deref().map(Arc::from);
        let mut outcome = Outcome::default();
        for (event, key) in request.events.iter().zip(dedup_keys) {
            if let Some(key) = key
                && !first_sighting(seen, key, now)
            {
                outcome.duplicates += 1;
                continue;
            }
            events.push(Stored {
                event_source_id: Arc::clone(&set_id),
                test_event_code: test_event_code.clone(),
                event: (*event).to_owned(),
            });
            outcome.accepted += 1;
        }
        outcome
    }

    pub(crate) fn snapshot(&self) -> Vec<AcceptedEvent> {
        self.events
            .iter()
            .map(|stored| AcceptedEvent {
                event_source_id: stored.event_source_id.to_string(),
                test_event_code: stored.test_event_code.as_deref().map(str::to_owned),
                event: stored.event.clone(),
            })
            .collect()
    }

    /// Forgets all events and every deduplication key.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Records the key unless it was first seen less than 48 hours ago.
fn first_sighting(seen: &mut HashMap<String, u64>, key: String, now: u64) -> bool {
    match seen.get_mut(&key) {
        Some(at) if now.saturating_sub(*at) < DEDUP_WINDOW_SECS => false,
        Some(at) => {
            *at = now;
            true
        }
        None => {
            seen.insert(key, now);
            true
        }
    }
}
