//! Accepted events, and TikTok's deduplication: events sharing (event_source_id,
//! event, event_id) within 48 hours collapse into the first one. A duplicate is
//! absorbed silently (the request still gets code 0), as TikTok does; one that arrives
//! within 5 minutes of the first is merged into it: what the first lacks, the duplicate
//! adds (keys at any depth, values of arrays), and what both have stays the first's.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::track::TrackRequest;

const DEDUP_WINDOW_SECS: u64 = 48 * 60 * 60;
const MERGE_WINDOW_SECS: u64 = 5 * 60;

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
    /// Duplicates absorbed, merged ones included.
    pub(crate) duplicates: u64,
    /// Of those, the ones merged into their first event.
    pub(crate) merged: u64,
}

#[derive(Debug, Default)]
pub(crate) struct EventStore {
    events: Vec<Stored>,
    /// Per event set: `"<event>\u{1f}<event_id>"` → when it was first accepted and
    /// where it is in `events`.
    first_seen: HashMap<Arc<str>, HashMap<String, FirstSeen>>,
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
            if let Some(key) = key {
                match sighting(seen, key, now, events.len()) {
                    Sighting::First => {}
                    Sighting::Merge(at) => {
                        merge_into(&mut events[at].event, event);
                        outcome.duplicates += 1;
                        outcome.merged += 1;
                        continue;
                    }
                    Sighting::Drop => {
                        outcome.duplicates += 1;
                        continue;
                    }
                }
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

#[derive(Debug, Clone, Copy)]
struct FirstSeen {
    at: u64,
    index: usize,
}

/// What becomes of an event with a deduplication key.
enum Sighting {
    /// Stored, as the key's first event (at `events[index]`).
    First,
    /// Merged into the first event, stored at this index.
    Merge(usize),
    /// Absorbed.
    Drop,
}

/// Records the key as first seen now, at `index`, unless it was first seen less than 48
/// hours ago.
fn sighting(
    seen: &mut HashMap<String, FirstSeen>,
    key: String,
    now: u64,
    index: usize,
) -> Sighting {
    let first = FirstSeen { at: now, index };
    match seen.get_mut(&key) {
        Some(seen) if now.saturating_sub(seen.at) < MERGE_WINDOW_SECS => {
            Sighting::Merge(seen.index)
        }
        Some(seen) if now.saturating_sub(seen.at) < DEDUP_WINDOW_SECS => Sighting::Drop,
        Some(seen) => {
            *seen = first;
            Sighting::First
        }
        None => {
            seen.insert(key, first);
            Sighting::First
        }
    }
}

/// Adds to `first` what `duplicate` has and it lacks.
fn merge_into(first: &mut Box<RawValue>, duplicate: &RawValue) {
    let (Ok(mut merged), Ok(other)) = (
        serde_json::from_str::<Value>(first.get()),
        serde_json::from_str::<Value>(duplicate.get()),
    ) else {
        return;
    };
    merge_values(&mut merged, other);
    if let Ok(raw) = serde_json::value::to_raw_value(&merged) {
        *first = raw;
    }
}

fn merge_values(first: &mut Value, other: Value) {
    match (first, other) {
        (Value::Object(first), Value::Object(other)) => {
            for (key, value) in other {
                match first.get_mut(&key) {
                    Some(existing) => merge_values(existing, value),
                    None => {
                        first.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(first), Value::Array(other)) => {
            for value in other {
                if !first.contains(&value) {
                    first.push(value);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(event_id: &str) -> Option<String> {
        Some(format!("Purchase\u{1f}{event_id}"))
    }

    /// The store as a request of these events (all of one set) reaches it at `now`.
    fn accept(
        store: &mut EventStore,
        events: &[&str],
        keys: Vec<Option<String>>,
        now: u64,
    ) -> Outcome {
        let body = format!(
            r#"{{"event_source":"offline","event_source_id":"1","data":[{}]}}"#,
            events.join(",")
        );
        let request = TrackRequest::parse(body.as_bytes()).unwrap();
        store.accept(&request, keys, now)
    }

    #[test]
    fn a_duplicate_within_5_minutes_merges_into_the_first_and_later_is_dropped() {
        let mut store = EventStore::default();
        let first = r#"{"event":"Purchase","event_id":"o1","user":{"email":["a"]},"properties":{"value":5}}"#;
        let soon = r#"{"event":"Purchase","event_id":"o1","user":{"email":["b"],"phone":["p"]},"properties":{"value":9}}"#;
        let late = r#"{"event":"Purchase","event_id":"o1","user":{"email":["c"]}}"#;
        assert_eq!(
            accept(&mut store, &[first], vec![key("o1")], 1_000).accepted,
            1
        );
        let merged = accept(&mut store, &[soon], vec![key("o1")], 1_000 + 299);
        assert_eq!(
            (merged.accepted, merged.duplicates, merged.merged),
            (0, 1, 1)
        );
        let dropped = accept(&mut store, &[late], vec![key("o1")], 1_000 + 300);
        assert_eq!(
            (dropped.accepted, dropped.duplicates, dropped.merged),
            (0, 1, 0)
        );
        let stored = store.snapshot();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].json(),
            serde_json::json!({"event":"Purchase","event_id":"o1",
                "user":{"email":["a","b"],"phone":["p"]},"properties":{"value":5}})
        );
    }
}
