//! The invariants the fuzz target checks, shared with the root crate's test that
//! replays the committed seeds (`tests/fuzz_seeds.rs`), so CI runs them too.
//!
//! Input: the first line is the settings (a JSON object; anything else means the
//! defaults), every further line one record's JSON, as the host would pass it.

use serde_json::Value;
use tiktok_offline_events::contract::{InputRecord, Setting, SettingValue, TransformStatus};
use tiktok_offline_events::row::{KeyOrder, Row};
use tiktok_offline_events::settings::Settings;
use tiktok_offline_events::transform::transform_batch;

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
    let records: Vec<InputRecord> = lines
        .take(MAX_RECORDS)
        .enumerate()
        .map(|(i, json)| InputRecord {
            id: format!("r{i}"),
            json: json.to_string(),
        })
        .collect();
    rows(records.iter().map(|record| record.json.as_str()));
    let output = transform_batch(&settings, records.clone(), NOW_MS);

    assert_eq!(
        output.outcomes.len(),
        records.len(),
        "one outcome per record"
    );
    let mut accepted_into: Vec<Vec<&str>> = vec![vec![]; output.requests.len()];
    for (record, outcome) in records.iter().zip(&output.outcomes) {
        assert_eq!(outcome.id, record.id, "outcomes in input order");
        match &outcome.status {
            TransformStatus::Accepted(index) => accepted_into
                .get_mut(*index as usize)
                .expect("accepted into a request that exists")
                .push(&record.id),
            TransformStatus::Rejected(reason) => assert!(!reason.is_empty(), "a reason"),
        }
    }
    for (request, mut accepted) in output.requests.iter().zip(accepted_into) {
        assert!(!request.events.is_empty(), "no empty request");
        let body: Value = serde_json::from_str(&request.body).expect("the body is JSON");
        let data = body["data"].as_array().expect("the body has a data array");
        assert_eq!(
            data.len(),
            request.events.len(),
            "one prepared event per event"
        );
        for (event, prepared) in data.iter().zip(&request.events) {
            assert_eq!(event["event_id"].as_str(), Some(prepared.event_id.as_str()));
        }
        let mut held: Vec<&str> = request
            .events
            .iter()
            .flat_map(|e| &e.record_ids)
            .map(String::as_str)
            .collect();
        held.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(
            held, accepted,
            "a request holds exactly its accepted records"
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
