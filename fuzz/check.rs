//! The invariants the fuzz target checks, shared with the root crate's test that
//! replays the committed seeds (`tests/fuzz_seeds.rs`), so CI runs them too.
//!
//! Input: the first line is the settings (a JSON object; anything else means the
//! defaults), every further line one record's JSON, as the host would pass it.

use serde_json::Value;
use tiktok_offline_events::contract::{Setting, SettingValue};
use tiktok_offline_events::row::{KeyOrder, Row};
use tiktok_offline_events::settings::Settings;

/// The component's clock during the run: 2026-09-21.
const NOW_MS: u64 = 1_790_000_000_000;

/// More records only slow the fuzzer down; the host's batches are bigger, but the
/// mapping of one record does not depend on how many others there are.
const MAX_RECORDS: usize = 64;

pub fn transform(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let Ok(settings) = Settings::parse(&settings(lines.next().unwrap_or_default())) else {
        return;
    };
    let rows: Vec<&str> = lines.take(MAX_RECORDS).collect();
    self::rows(rows.iter().copied());
    use tiktok_offline_events::transform::{Rows, transform};
    let output = transform(&settings, Rows::Texts(&rows), NOW_MS);
    {
        // Each row ended by its line break, as a last empty row needs.
        let lines: String = rows.iter().map(|row| format!("{row}\n")).collect();
        assert_eq!(
            transform(&settings, Rows::Lines(&lines), NOW_MS),
            output,
            "a batch reads the same as lines and as texts"
        );
    }

    let mut outcomes = vec![0u32; rows.len()];
    for rejection in &output.rejections {
        assert!(!rejection.reason.is_empty(), "a reason");
        outcomes[rejection.row as usize] += 1;
    }
    for request in &output.requests {
        assert!(!request.event_ids.is_empty(), "no empty request");
        assert_eq!(request.event_ids.len(), request.event_sizes.len());
        assert!(!request.event_sizes.contains(&0), "every event has a row");
        assert_eq!(
            request.event_sizes.iter().sum::<u32>() as usize,
            request.rows.len(),
            "the event sizes add up to the rows"
        );
        let body: Value = serde_json::from_str(&request.body).expect("the body is JSON");
        let data = body["data"].as_array().expect("the body has a data array");
        assert_eq!(data.len(), request.event_ids.len(), "one id per event");
        for (event, id) in data.iter().zip(&request.event_ids) {
            assert_eq!(event["event_id"].as_str(), Some(id.as_str()));
        }
        for &row in &request.rows {
            outcomes[row as usize] += 1;
        }
    }
    assert!(
        outcomes.iter().all(|&n| n == 1),
        "every row exactly once, in a request or rejected"
    );
    for warning in &output.warnings {
        assert!(
            (warning.position as usize) < rows.len(),
            "warnings about rows"
        );
    }
}

/// The fast row reader reads each row as serde does (its fallback, and the reference).
/// The rows are read in turn with one [`KeyOrder`], as a batch reads them, so each is
/// also read with the key order the rows before it taught. Compared through `Debug`,
/// which tells -0.0 from 0.0.
pub fn rows<'a>(jsons: impl IntoIterator<Item = &'a str>) {
    let mut order = KeyOrder::default();
    let mut row = Row::default();
    for json in jsons {
        let read = row.read(json, &mut order).map(|()| &row);
        assert_eq!(
            format!("{read:?}"),
            format!("{:?}", Row::parse_with_serde(json)),
            "the fast reader reads a row as serde does"
        );
    }
}

/// The first line as settings; an access token is added when missing so that inputs
/// reach the mapping instead of stopping at the settings check.
fn settings(line: &str) -> Vec<Setting> {
    let mut object = match serde_json::from_str(line) {
        Ok(Value::Object(object)) => object,
        _ => serde_json::Map::new(),
    };
    object
        .entry("access_token")
        .or_insert_with(|| Value::String("fuzz-token".into()));
    object
        .into_iter()
        .filter_map(|(key, value)| {
            let value = match value {
                Value::String(text) => SettingValue::Text(text),
                Value::Bool(flag) => SettingValue::Boolean(flag),
                Value::Number(n) => SettingValue::Integer(n.as_i64()?),
                _ => return None,
            };
            Some(Setting { key, value })
        })
        .collect()
}
