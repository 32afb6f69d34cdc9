//! Events prepared, by offline event set and by currency: what the report shows beside
//! the rows, read off TikTok's request bodies as the match keys are ([`super::MatchKeys`]).
//! A body names its event set once (`"event_source_id":"…"`), and each event has one
//! `"event_time":` and at most one `"currency":"…"`; inside a JSON string a quote is
//! always escaped, so neither text can occur there. What the guest wrote is kept only
//! when it has the shape TikTok's ids and ISO 4217 codes have, and only so many distinct
//! values: the rest count as [`OTHER`].

use std::collections::BTreeMap;

use memchr::memmem;

/// Where events go whose event set or currency is not of the expected shape, or past
/// [`MAX_KEYS`] distinct values.
pub const OTHER: &str = "(other)";

/// Distinct event sets or currencies kept; a run has a handful of each.
const MAX_KEYS: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Offline event set id → events.
    pub by_event_set: BTreeMap<String, u64>,
    /// ISO 4217 code → events with a value in it.
    pub by_currency: BTreeMap<String, u64>,
}

impl EventCounts {
    /// Counts the events of one request body.
    pub(crate) fn count(&mut self, body: &str) {
        let bytes = body.as_bytes();
        let events = memmem::find_iter(bytes, br#""event_time":"#).count() as u64;
        if events == 0 {
            return;
        }
        let event_set = string_after(bytes, br#""event_source_id":""#)
            .filter(|id| id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()));
        add(&mut self.by_event_set, event_set, events);
        for at in memmem::find_iter(bytes, br#""currency":""#) {
            let code = string_after(&bytes[at..], br#""currency":""#)
                .filter(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()));
            add(&mut self.by_currency, code, 1);
        }
    }
}

/// The text of the JSON string that follows the first `key` in `bytes` (up to its closing
/// quote; an escaped quote ends it early, which the shape checks then refuse).
fn string_after<'a>(bytes: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let start = memmem::find(bytes, key)? + key.len();
    let len = memchr::memchr(b'"', &bytes[start..])?;
    std::str::from_utf8(&bytes[start..start + len]).ok()
}

fn add(counts: &mut BTreeMap<String, u64>, key: Option<&str>, n: u64) {
    let key = match key {
        Some(key) if counts.contains_key(key) || counts.len() < MAX_KEYS => key,
        _ => OTHER,
    };
    *counts.entry(key.to_owned()).or_default() += n;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_counted_by_their_body_s_event_set_and_their_currency() {
        let mut counts = EventCounts::default();
        counts.count(
            r#"{"event_source":"offline","event_source_id":"7181537436256731137","data":[
            {"event":"Purchase","event_time":1,"properties":{"currency":"EUR","value":1,"content_name":"\"currency\":\"XXX\""}},
            {"event":"Purchase","event_time":2,"properties":{"currency":"USD","value":2}},
            {"event":"Lead","event_time":3}]}"#,
        );
        counts.count(
            r#"{"event_source_id":"42","data":[{"event_time":1,"properties":{"currency":"EUR"}}]}"#,
        );
        counts.count(
            r#"{"event_source_id":"<b>","data":[{"event_time":1,"properties":{"currency":"eu"}}]}"#,
        );
        counts.count(r#"{"records":[]}"#);
        assert_eq!(
            counts.by_event_set,
            BTreeMap::from([
                ("42".to_string(), 1),
                ("7181537436256731137".to_string(), 3),
                (OTHER.to_string(), 1)
            ])
        );
        assert_eq!(
            counts.by_currency,
            BTreeMap::from([
                ("EUR".to_string(), 2),
                ("USD".to_string(), 1),
                (OTHER.to_string(), 1)
            ])
        );
    }

    #[test]
    fn distinct_values_are_kept_up_to_a_bound() {
        let mut counts = EventCounts::default();
        for n in 0..MAX_KEYS + 10 {
            counts.count(&format!(
                r#"{{"event_source_id":"{n}","data":[{{"event_time":1}}]}}"#
            ));
        }
        assert_eq!(counts.by_event_set.len(), MAX_KEYS + 1);
        assert_eq!(counts.by_event_set[OTHER], 10);
    }
}
