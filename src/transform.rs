//! `transform`: a batch's rows in, request bodies out, and every row in exactly one
//! request's events or among the rejections. Pure: no HTTP, the time is given.

use rustc_hash::FxHashMap;

use crate::batch::{Batch, Failure, Merged};
use crate::contract::{self, PositionedWarning, PreparedRequest, TransformOutput, Warning};
use crate::line::{self, Rejection};
use crate::normalize::LastHashed;
use crate::request::{RequestBuilder, TooLarge};
use crate::row::{KeyOrder, Row, RowError};
use crate::settings::Settings;
use crate::tiktok_event::Event;

/// The reason of an order's other rows when one of its rows is rejected.
const ANOTHER_ROW_REJECTED: &str = "another row of this event was rejected";

/// The warning on the rows of an event whose value went in USD because neither a row
/// nor the `default_currency` setting named a currency.
pub fn currency_assumed() -> Warning {
    Warning::new(
        "currency",
        "missing, and default_currency is not set: the value was sent in USD; set default_currency (or add a currency column) if that is not its currency",
    )
}

/// The warning on the rows of an order whose equal values were sent once, as its total,
/// with neither `value_is` nor the items' prices to confirm it.
pub fn total_assumed() -> Warning {
    Warning::new(
        "value",
        "equal on every row of this order: sent once, as the order's total; set value_is to line_total if each row carries its own line's value",
    )
}

/// A batch's rows, each a JSON object.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Contract 0.2: a row a line; a last `\n` ends the last row. JSON text holds no
    /// raw line break, so a line is a whole row.
    Lines(&'a str),
    /// Contract 0.1: a row a text.
    Texts(&'a [&'a str]),
}

/// Maps, merges and packs `rows`. Every row ends in exactly one request or rejection,
/// whatever it holds.
pub fn transform(settings: &Settings, rows: Rows<'_>, now_ms: u64) -> TransformOutput {
    let mut statuses = Statuses {
        rows: Vec::new(),
        warnings: Vec::new(),
    };
    let batch = map_rows(settings, rows, now_ms, &mut statuses);
    let merged = batch.finish(settings);
    let sets = by_event_set(&merged, &mut statuses);
    let requests = pack(settings, sets, &mut statuses);
    let (rejections, warnings) = statuses.finish();
    TransformOutput {
        requests,
        rejections,
        warnings,
    }
}

/// Reads and maps every row into a batch of events; rejected rows get their status.
fn map_rows<'a>(
    settings: &'a Settings,
    rows: Rows<'a>,
    now_ms: u64,
    statuses: &mut Statuses,
) -> Batch<'a> {
    let mut mapper = Mapper {
        settings,
        now_ms,
        batch: Batch::with_capacity(match rows {
            Rows::Lines(text) => text.len() / TYPICAL_ROW_BYTES,
            Rows::Texts(texts) => texts.len(),
        }),
        hashed: LastHashed::default(),
        parsed: Row::default(),
        order: KeyOrder::default(),
        warnings: Vec::new(),
    };
    match rows {
        Rows::Texts(texts) => {
            for &json in texts {
                let read = mapper.parsed.read(json, &mut mapper.order);
                mapper.map(read, statuses);
            }
        }
        Rows::Lines("") => {}
        Rows::Lines(text) => {
            let mut rest = text.strip_suffix('\n').unwrap_or(text);
            loop {
                let (read, len) = mapper.parsed.read_line(rest, &mut mapper.order);
                mapper.map(read, statuses);
                match rest[len..].strip_prefix('\n') {
                    Some(next) => rest = next,
                    None => break,
                }
            }
        }
    }
    mapper.batch
}

/// Room for a typical row: a batch's capacity, from its size in bytes.
const TYPICAL_ROW_BYTES: usize = 512;

/// What mapping a batch's rows carries from one row to the next.
struct Mapper<'a> {
    settings: &'a Settings,
    now_ms: u64,
    batch: Batch<'a>,
    hashed: LastHashed,
    parsed: Row<'a>,
    order: KeyOrder,
    /// The row's warnings, while it is mapped.
    warnings: Vec<Warning>,
}

impl<'a> Mapper<'a> {
    /// Maps the row just `read` into `parsed`, the next of the batch.
    fn map(&mut self, read: Result<(), RowError>, statuses: &mut Statuses) {
        let row = statuses.rows.len();
        statuses.rows.push(None);
        let mapped = match read {
            Ok(()) => line::map_row(
                &mut self.parsed,
                self.settings,
                self.now_ms,
                &mut self.hashed,
                &mut self.warnings,
            ),
            Err(e) => Err(Rejection {
                key: None,
                reason: e.to_string(),
            }),
        };
        match mapped {
            Ok((key, line)) => {
                self.batch.add(row, key, line);
                statuses.warn(row, &mut self.warnings);
            }
            Err(Rejection { key, reason }) => {
                statuses.reject(row, reason);
                if let Some(key) = key {
                    self.batch.reject(row, key);
                }
            }
        }
        self.warnings.clear();
    }
}

/// The events of one event set, each with its rows, borrowed where the merged events
/// lie: an event is a few hundred bytes, and every move a `memory.copy` in
/// WebAssembly.
struct SetEvents<'m, 'a> {
    event_set: &'m str,
    events: Vec<(&'m Event<'a>, &'m [usize])>,
}

/// Events to send, grouped by event set in order of each set's first event; the rows
/// of events that are not sent are rejected.
fn by_event_set<'m, 'a>(
    merged: &'m [Merged<'a>],
    statuses: &mut Statuses,
) -> Vec<SetEvents<'m, 'a>> {
    let mut sets: Vec<SetEvents> = Vec::new();
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    // Events mostly share one set: the last one is tried before hashing (a string
    // compare is a `memcmp` call in WebAssembly, `bytes::equal` is not).
    let mut last = None;
    for merged in merged {
        let event_set: &str = &merged.event_set;
        match &merged.outcome {
            Ok(event) => {
                let assumed = [
                    (merged.assumed.currency, currency_assumed as fn() -> Warning),
                    (merged.assumed.total, total_assumed),
                ];
                for (_, warning) in assumed.iter().filter(|(assumed, _)| *assumed) {
                    for &row in &merged.rows {
                        statuses.warnings.push(PositionedWarning {
                            position: row as u32,
                            warning: warning(),
                        });
                    }
                }
                let at = match last.filter(|&at: &usize| {
                    crate::hot::bytes::equal(sets[at].event_set.as_bytes(), event_set.as_bytes())
                }) {
                    Some(at) => at,
                    None => *index.entry(event_set).or_insert_with(|| {
                        sets.push(SetEvents {
                            event_set,
                            events: Vec::new(),
                        });
                        sets.len() - 1
                    }),
                };
                last = Some(at);
                sets[at].events.push((event, &merged.rows));
            }
            // The culprit has its own reason and shares the event's event_id: no id here,
            // so that a host's summary counts these rows under one reason.
            Err(Failure::Row(_)) => merged
                .rows
                .iter()
                .for_each(|&row| statuses.reject(row, ANOTHER_ROW_REJECTED.to_string())),
            Err(Failure::Event(reason)) => merged
                .rows
                .iter()
                .for_each(|&row| statuses.reject(row, reason.clone())),
        }
    }
    sets
}

/// The requests of each event set, in turn.
fn pack(
    settings: &Settings,
    sets: Vec<SetEvents>,
    statuses: &mut Statuses,
) -> Vec<PreparedRequest> {
    let mut requests = Vec::new();
    for SetEvents { event_set, events } in sets {
        let mut builder = RequestBuilder::new(
            event_set,
            settings.partner_name.as_deref(),
            settings.test_event_code.as_deref(),
            settings.batch_size,
        )
        .expecting(events.len());
        for (event, rows) in events {
            match builder.push(event, &event.event_id, rows) {
                Ok(_) => rows.iter().for_each(|&row| statuses.accept(row)),
                Err(TooLarge) => rows
                    .iter()
                    .for_each(|&row| statuses.reject(row, TooLarge::reason())),
            }
        }
        requests.extend(builder.finish());
    }
    requests
}

/// What became of a row so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Accepted,
    Rejected(String),
}

/// Each row's status, the first one set standing, and the warnings of mapped rows.
struct Statuses {
    rows: Vec<Option<Status>>,
    warnings: Vec<PositionedWarning>,
}

impl Statuses {
    fn reject(&mut self, row: usize, reason: String) {
        self.rows[row].get_or_insert(Status::Rejected(reason));
    }

    fn accept(&mut self, row: usize) {
        self.rows[row].get_or_insert(Status::Accepted);
    }

    fn warn(&mut self, row: usize, warnings: &mut Vec<Warning>) {
        self.warnings
            .extend(warnings.drain(..).map(|warning| PositionedWarning {
                position: row as u32,
                warning,
            }));
    }

    /// The rejections, in row order, and the warnings of accepted rows. Every row is
    /// rejected or placed; a row neither would be would break the contract, so it is
    /// rejected with an internal error.
    fn finish(mut self) -> (Vec<contract::Rejection>, Vec<PositionedWarning>) {
        let rows = &self.rows;
        self.warnings
            .retain(|w| rows[w.position as usize] == Some(Status::Accepted));
        // A row's own warnings come in row order, its event's after all rows: the
        // contract promises row order (a stable sort keeps each row's in turn).
        self.warnings.sort_by_key(|w| w.position);
        let rejections = self
            .rows
            .into_iter()
            .enumerate()
            .filter_map(|(row, status)| {
                let reason = match status {
                    Some(Status::Accepted) => return None,
                    Some(Status::Rejected(reason)) => reason,
                    None => "internal error: the row was not placed".into(),
                };
                // A batch's rows are fewer than 2^32: it crosses as one string.
                Some(contract::Rejection {
                    row: row as u32,
                    reason,
                })
            })
            .collect();
        (rejections, self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Setting, SettingValue};

    const NOW_MS: u64 = 1_700_000_000_000;
    const SET: &str = "7181537436256731137";
    const ALICE: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";
    const ALICE_PHONE: &str = "9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd";
    const BOB: &str = "5ff860bf1190596c7188ab851db691f0f3169c453936e9e1eba2f9a47f7a0018";
    const CAROL: &str = "e0d47ca1bc1eb62e650fc1fd660a9bfbf7cba8dc6337d81df7ea9aa9071a24a5";
    /// SHA-256 of `+4930123456`.
    const CAROL_PHONE: &str = "a909469fabf3f43d0b7b6c42a85a6e7e8ceb36c7a2f0f1b9c15b80dc16384cb7";

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let mut all = vec![("access_token", "tok-secret-value"), ("event_set_id", SET)];
        all.extend_from_slice(extra);
        crate::settings::from_text(&all)
    }

    /// Through both ways in, which must agree: the rows as lines (0.2) and as texts (0.1).
    fn run(settings: &Settings, jsons: &[&str]) -> TransformOutput {
        let texts = transform(settings, Rows::Texts(jsons), NOW_MS);
        if jsons.iter().all(|json| !json.contains('\n')) {
            let lines: String = jsons.iter().map(|json| format!("{json}\n")).collect();
            assert_eq!(transform(settings, Rows::Lines(&lines), NOW_MS), texts);
        }
        texts
    }

    /// What became of a row, as a test reads it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Outcome {
        /// In `requests[index]`.
        Accepted(u32),
        Rejected(String),
    }

    /// Each row's outcome, in row order; every row exactly once.
    fn statuses(output: &TransformOutput) -> Vec<Outcome> {
        let mut outcomes: Vec<(u32, Outcome)> = output
            .rejections
            .iter()
            .map(|r| (r.row, Outcome::Rejected(r.reason.clone())))
            .collect();
        for (index, request) in output.requests.iter().enumerate() {
            assert_eq!(request.event_ids.len(), request.event_sizes.len());
            assert_eq!(
                request.event_sizes.iter().sum::<u32>() as usize,
                request.rows.len()
            );
            outcomes.extend(
                request
                    .rows
                    .iter()
                    .map(|&row| (row, Outcome::Accepted(index as u32))),
            );
        }
        outcomes.sort_by_key(|(row, _)| *row);
        let rows: Vec<u32> = outcomes.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, (0..rows.len() as u32).collect::<Vec<_>>());
        outcomes.into_iter().map(|(_, outcome)| outcome).collect()
    }

    /// The output's warnings as (row, field, rule).
    fn positioned(output: &TransformOutput) -> Vec<(u32, &str, &str)> {
        output
            .warnings
            .iter()
            .map(|w| {
                (
                    w.position,
                    w.warning.field.as_str(),
                    w.warning.rule.as_str(),
                )
            })
            .collect()
    }

    fn accepted(request: u32) -> Outcome {
        Outcome::Accepted(request)
    }

    fn rejected(reason: &str) -> Outcome {
        Outcome::Rejected(reason.to_string())
    }

    /// A multi-row order, a row with a derived event_id, a rejected row, and a row for
    /// another event set with already-hashed values.
    const GOLDEN: [&str; 5] = [
        r#"{"email": " ALICE_abc@gmail.com ", "phone": "+12133734253", "event": "purchase", "event_id": "ord-10023",
            "timestamp": "2023-05-20T09:19:55Z", "order_id": "ord-10023", "shop_id": "store-17", "value": 46,
            "currency": "usd", "content_id": 1077218, "content_name": "running shoes", "content_category": "Shoes",
            "brand": "acme", "price": 8, "quantity": 2, "event_channel": "in_store", "segment": "vip"}"#,
        r#"{"email": "alice_abc@gmail.com", "event": "Purchase", "event_id": "ord-10023", "timestamp": 1684574395,
            "order_id": "ord-10023", "value": 46.0, "content_id": "2000001", "content_name": "socks", "price": "30",
            "quantity": "1"}"#,
        r#"{"email": "bob@example.com", "event": "Lead", "timestamp": 1684574400000, "description": "store visit"}"#,
        r#"{"email": "bob.example.com", "event": "Lead", "timestamp": 1684574400}"#,
        r#"{"email": "E0D47CA1BC1EB62E650FC1FD660A9BFBF7CBA8DC6337D81DF7EA9AA9071A24A5", "phone": ["+4930123456"],
            "event": "Subscribe", "event_id": 555, "event_set_id": "7000000000000000001", "timestamp": "2023-05-20 11:20:00+02:00"}"#,
    ];

    #[test]
    fn golden_batch() {
        let output = run(&settings(&[]), &GOLDEN);
        let order = format!(
            concat!(
                r#"{{"event":"Purchase","event_time":1684574395,"event_id":"ord-10023","user":{{"email":["{alice}"],"phone":["{alice_phone}"]}},"#,
                r#""properties":{{"order_id":"ord-10023","shop_id":"store-17","currency":"USD","value":46.0,"content_type":"product","#,
                r#""contents":[{{"content_id":"1077218","content_name":"running shoes","content_category":"Shoes","brand":"acme","price":8.0,"quantity":2}},"#,
                r#"{{"content_id":"2000001","content_name":"socks","price":30.0,"quantity":1}}]}}}}"#
            ),
            alice = ALICE,
            alice_phone = ALICE_PHONE
        );
        let lead = format!(
            r#"{{"event":"Lead","event_time":1684574400,"event_id":"ab7980962f665d55b362cd43f086c1b3","user":{{"email":["{BOB}"]}},"properties":{{"description":"store visit"}}}}"#
        );
        let subscribe = format!(
            r#"{{"event":"Subscribe","event_time":1684574400,"event_id":"555","user":{{"email":["{CAROL}"],"phone":["{CAROL_PHONE}"]}}}}"#
        );
        assert_eq!(
            output.requests,
            [
                PreparedRequest {
                    body: format!(
                        r#"{{"event_source":"offline","event_source_id":"{SET}","data":[{order},{lead}]}}"#
                    ),
                    event_ids: vec![
                        "ord-10023".into(),
                        "ab7980962f665d55b362cd43f086c1b3".into()
                    ],
                    event_sizes: vec![2, 1],
                    rows: vec![0, 1, 2],
                },
                PreparedRequest {
                    body: format!(
                        r#"{{"event_source":"offline","event_source_id":"7000000000000000001","data":[{subscribe}]}}"#
                    ),
                    event_ids: vec!["555".into()],
                    event_sizes: vec![1],
                    rows: vec![4],
                },
            ]
        );
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                accepted(0),
                accepted(0),
                rejected("no usable email or phone (email: missing '@'; phone: missing)"),
                accepted(1),
            ]
        );
    }

    #[test]
    fn the_partner_name_goes_at_the_top_level() {
        let output = run(
            &settings(&[("partner_name", "Acme CDP"), ("test_event_code", "T1")]),
            &GOLDEN[2..3],
        );
        assert!(
            output.requests[0]
                .body
                .starts_with(r#"{"event_source":"offline","event_source_id":"7181537436256731137","partner_name":"Acme CDP","test_event_code":"T1","data":["#),
            "{}",
            output.requests[0].body
        );
    }

    #[test]
    fn the_test_event_code_goes_at_the_top_level() {
        let output = run(&settings(&[("test_event_code", "TEST42")]), &GOLDEN[2..3]);
        assert!(
            output.requests[0]
                .body
                .starts_with(r#"{"event_source":"offline","event_source_id":"7181537436256731137","test_event_code":"TEST42","data":[{"event":"Lead""#),
            "{}",
            output.requests[0].body
        );
    }

    #[test]
    fn the_access_token_is_never_in_a_body() {
        let output = run(&settings(&[("test_event_code", "T")]), &GOLDEN);
        assert!(
            output
                .requests
                .iter()
                .all(|r| !r.body.contains("tok-secret-value"))
        );
    }

    #[test]
    fn every_record_gets_one_outcome_in_order_whatever_it_holds() {
        let huge_email = format!(
            r#"{{"email": "{}@x.y", "event": "Lead", "timestamp": 1684574395}}"#,
            "a".repeat(10_000_000)
        );
        let many: Vec<&str> = vec![r#""a@b.c""#; 100_000];
        let many_emails = format!(
            r#"{{"email": [{}], "event": "Lead", "timestamp": 1684574395}}"#,
            many.join(",")
        );
        let jsons = [
            r#"{"email": "alice@example.com""#,
            r#""alice@example.com""#,
            r#"["alice@example.com"]"#,
            r#"{"email": "a@b.c", "EMAIL": "alice@example.com", "event": "Lead", "timestamp": 1684574395}"#,
            &huge_email,
            &many_emails,
            r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "value": "NaN"}"#,
            r#"{"email": "a@b.c", "event": "Lead", "timestamp": 18446744073709551615}"#,
            r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574396}"#,
        ];
        let output = run(&settings(&[]), &jsons);
        assert_eq!(
            statuses(&output),
            [
                rejected("invalid JSON: EOF while parsing an object at line 1 column 29"),
                rejected("record is not a JSON object"),
                rejected("record is not a JSON object"),
                rejected("invalid JSON: duplicate column `email` at line 1 column 26"),
                rejected(
                    "no usable email or phone (email: longer than 254 characters; phone: missing)"
                ),
                rejected("email: more than 1000 values in one row"),
                rejected("value: must be a number"),
                rejected("timestamp: more than 10 minutes in the future"),
                accepted(0),
            ]
        );
        for rejection in &output.rejections {
            let reason = &rejection.reason;
            assert!(
                !reason.contains("alice") && !reason.contains("aaaa"),
                "{reason}"
            );
        }
    }

    #[test]
    fn a_rejected_row_rejects_its_whole_order() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "price": 5}"#,
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "price": "five"}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "quantity": 0.5}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "price": 7}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                rejected("another row of this event was rejected"),
                accepted(0),
                rejected("price: must be a number"),
                rejected("quantity: must be a whole number from 1 to 2147483647"),
                rejected("another row of this event was rejected"),
            ]
        );
        assert_eq!(output.requests.len(), 1);
        assert_eq!(output.requests[0].event_ids.len(), 1);
    }

    /// `external_id` as TikTok's connector sends it: trimmed, lower-cased, hashed (the
    /// digest computed with `sha256sum` of `crm-00042`), united across an order's rows,
    /// and never a row's only identifier.
    #[test]
    fn external_ids_are_hashed_united_across_an_order_and_not_enough_alone() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "external_id": " CRM-00042 ", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395}"#,
                r#"{"email": "a@b.c", "external_id": 7, "event": "Purchase", "event_id": "o1", "timestamp": 1684574395}"#,
                r#"{"external_id": "CRM-1", "event": "Purchase", "event_id": "o2", "timestamp": 1684574395}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                accepted(0),
                rejected("no usable email or phone (email: missing; phone: missing)")
            ]
        );
        let body: serde_json::Value = serde_json::from_str(&output.requests[0].body).unwrap();
        assert_eq!(
            body["data"][0]["user"]["external_id"],
            serde_json::json!([
                "35bed454e0b6c6932c2254201e5923a3f0c21a9278e9a7f546bd748c7ffa7742",
                "7902699be42c8a8e46fbbb4501726517e86b22c56a189f7625a6da49081b2451"
            ])
        );
    }

    #[test]
    fn an_order_of_more_rows_than_an_event_holds_is_rejected_whole() {
        let row = r#"{"email": "a@b.c", "event": "Purchase", "event_id": "same", "timestamp": 1684574395, "price": 5}"#;
        let at_limit = run(&settings(&[]), &vec![row; 1_000]);
        assert_eq!(at_limit.requests.len(), 1);
        let over = run(&settings(&[]), &vec![row; 1_001]);
        let reason =
            rejected("event_id: more than 1000 rows share it; one event holds at most 1000");
        assert_eq!(statuses(&over), vec![reason; 1_001]);
        assert!(over.requests.is_empty());
    }

    #[test]
    fn an_event_level_conflict_rejects_every_row_of_it() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "price": 5, "currency": "USD"}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1684574395, "price": 5, "currency": "EUR"}"#,
            ],
        );
        let reason = rejected("currency: rows of this event have different currencies");
        assert_eq!(statuses(&output), [reason.clone(), reason]);
        assert!(output.requests.is_empty());
    }

    #[test]
    fn rows_without_a_known_event_are_rejected_alone() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "event": "Purchase", "order_id": "o1", "timestamp": 1684574395, "price": 5}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "order_id": "o1", "timestamp": "soon", "price": 6}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                rejected("timestamp: not an ISO 8601 date-time, Unix seconds or Unix milliseconds")
            ]
        );
    }

    #[test]
    fn rows_of_an_order_without_event_id_merge_by_their_derived_id() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "event": "Purchase", "order_id": "o1", "timestamp": 1684574395, "content_id": "x", "price": 5}"#,
                r#"{"email": "A@B.C", "event": "Purchase", "order_id": "o1", "timestamp": "2023-05-20T09:19:55Z", "content_id": "y", "price": 6}"#,
            ],
        );
        assert_eq!(statuses(&output), [accepted(0), accepted(0)]);
        assert_eq!(output.requests[0].event_ids.len(), 1);
        assert!(
            output.requests[0].body.contains(r#""value":11.0"#),
            "{}",
            output.requests[0].body
        );
    }

    #[test]
    fn rows_need_an_event_set() {
        let no_set = Settings::parse(&[Setting {
            key: "access_token".into(),
            value: SettingValue::Text("t".into()),
        }])
        .unwrap();
        let output = run(
            &no_set,
            &[
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395}"#,
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "event_set_id": "42"}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                rejected(
                    "event_set_id: not set (set event_set_id, or run validate to resolve event_set_name)"
                ),
                accepted(0)
            ]
        );
    }

    #[test]
    fn requests_follow_the_first_appearance_of_sets_and_batch_size() {
        let row = |id: &str, set: &str| {
            format!(
                r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "event_id": "{id}", "event_set_id": "{set}"}}"#
            )
        };
        let jsons = [
            row("1", "2"),
            row("2", "1"),
            row("3", "2"),
            row("4", "2"),
            row("5", "1"),
        ];
        let jsons: Vec<&str> = jsons.iter().map(String::as_str).collect();
        let output = run(&settings(&[("batch_size", "2")]), &jsons);
        let layout: Vec<(String, Vec<String>)> = output
            .requests
            .iter()
            .map(|r| {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                let set = body["event_source_id"].as_str().unwrap().to_string();
                (set, r.event_ids.clone())
            })
            .collect();
        let expected = [
            ("2", vec!["1", "3"]),
            ("2", vec!["4"]),
            ("1", vec!["2", "5"]),
        ]
        .map(|(set, ids)| {
            (
                set.to_string(),
                ids.into_iter().map(String::from).collect::<Vec<_>>(),
            )
        });
        assert_eq!(layout, expected);
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                accepted(2),
                accepted(0),
                accepted(1),
                accepted(2)
            ]
        );
    }

    #[test]
    fn an_event_over_the_byte_limit_is_rejected_and_the_rest_sent() {
        let long = format!(
            r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "description": "{}"}}"#,
            "d".repeat(1_000_000)
        );
        let output = run(
            &settings(&[]),
            &[
                &long,
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574396}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                rejected(
                    "event: more than 1000000 bytes of JSON on its own, over the request limit"
                ),
                accepted(0)
            ]
        );
        assert_eq!(output.requests.len(), 1);
    }

    #[test]
    fn bodies_parse_back_as_json_with_the_right_types() {
        let output = run(&settings(&[]), &GOLDEN);
        let body: serde_json::Value = serde_json::from_str(&output.requests[0].body).unwrap();
        let event = &body["data"][0];
        assert!(event["event_id"].is_string() && event["event_time"].is_i64());
        assert!(event["properties"]["order_id"].is_string());
        assert!(event["properties"]["contents"][0]["content_id"].is_string());
        assert!(event["properties"]["contents"][0]["quantity"].is_u64());
        assert!(event["properties"]["value"].is_f64());
    }

    #[test]
    fn an_empty_batch_is_empty() {
        assert_eq!(run(&settings(&[]), &[]), TransformOutput::empty());
    }

    /// Many exports write an order on one row, its items as a JSON array (`contents`, or
    /// `items`; from a CSV, the array as the cell's text): each item is read as an item
    /// row is, and a bad one rejects the row, naming it.
    #[test]
    fn an_order_s_items_may_come_as_an_array_in_one_row() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "currency": "EUR",
                    "contents": [{"content_id": 17, "price": "8.5", "quantity": 2}, {"content_id": "sku-9", "content_name": "Bag", "price": 30}]}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o2", "timestamp": 1699999000, "currency": "EUR",
                    "items": "[{\"content_id\": \"x\", \"price\": 4}]"}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o3", "timestamp": 1699999000,
                    "contents": [{"content_id": "a"}, {"content_id": "b", "price": "cheap"}]}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o4", "timestamp": 1699999000, "contents": {"content_id": "a"}}"#,
            ],
        );
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                accepted(0),
                rejected("contents[1].price: must be a number"),
                rejected("contents: must be a JSON array of items"),
            ]
        );
        let body: serde_json::Value = serde_json::from_str(&output.requests[0].body).unwrap();
        let properties = |i: usize| body["data"][i]["properties"].clone();
        assert_eq!(
            properties(0)["contents"],
            serde_json::json!([
                {"content_id": "17", "price": 8.5, "quantity": 2},
                {"content_id": "sku-9", "content_name": "Bag", "price": 30.0}
            ])
        );
        assert_eq!(properties(0)["value"], serde_json::json!(47.0));
        assert_eq!(properties(0)["content_type"], "product");
        assert_eq!(
            properties(1)["contents"],
            serde_json::json!([{"content_id": "x", "price": 4.0}])
        );
    }

    /// Shops write an order's customer on one of its rows: a line item without email or
    /// phone goes with its order, which carries the identifiers of all its rows. An
    /// order with none in any row is rejected whole, with the first row's reason.
    #[test]
    fn an_order_s_identifiers_come_from_any_of_its_rows() {
        let output = run(
            &settings(&[]),
            &[
                r#"{"event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "content_id": "a"}"#,
                r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "content_id": "b"}"#,
                r#"{"phone": "12", "event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "content_id": "c"}"#,
                r#"{"email": "x", "event": "Purchase", "event_id": "o2", "timestamp": 1699999000}"#,
                r#"{"event": "Purchase", "event_id": "o2", "timestamp": 1699999000}"#,
            ],
        );
        let none = "no usable email or phone (email: missing '@'; phone: missing)";
        assert_eq!(
            statuses(&output),
            [
                accepted(0),
                accepted(0),
                accepted(0),
                rejected(none),
                rejected(none)
            ]
        );
        let body: serde_json::Value = serde_json::from_str(&output.requests[0].body).unwrap();
        let event = &body["data"][0];
        // SHA-256 of `a@b.c`, by `printf %s a@b.c | sha256sum`.
        assert_eq!(
            event["user"]["email"],
            serde_json::json!(["d648b243a3e817eaa3309e00e183483f2867baadf522099f0c2121770536b25a"])
        );
        assert_eq!(event["properties"]["contents"].as_array().unwrap().len(), 3);
        // The row whose phone is malformed says so; the one without any says nothing.
        let warnings = positioned(&output);
        assert_eq!(
            warnings,
            [(
                2,
                "phone",
                "no country code and no default_phone_country; left out, the row was sent with its order's identifiers"
            )]
        );
    }

    /// An identifier that cannot be used beside one that can: the row goes, without it,
    /// and says so; a row that does not go has no warnings.
    #[test]
    fn an_identifier_left_out_of_an_accepted_row_is_a_warning_on_that_row() {
        let long_id = format!(
            r#"{{"email": "a.b.c", "phone": "+12133734253", "external_id": "{}", "event": "Lead", "timestamp": 1699999000}}"#,
            "x".repeat(257)
        );
        let output = run(
            &settings(&[]),
            &[
                r#"{"email": "a@b.c", "phone": "2133734253", "event": "Lead", "timestamp": 1699999000}"#,
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1699999000}"#,
                &long_id,
                r#"{"email": "a@b.c", "phone": "21", "event": "Lead", "timestamp": "soon"}"#,
            ],
        );
        assert_eq!(
            statuses(&output)[..3],
            [accepted(0), accepted(0), accepted(0)]
        );
        let warnings = positioned(&output);
        assert_eq!(
            warnings,
            [
                (
                    0,
                    "phone",
                    "no country code and no default_phone_country; left out, the row was sent with its other identifiers"
                ),
                (
                    2,
                    "email",
                    "missing '@'; left out, the row was sent with its other identifiers"
                ),
                (
                    2,
                    "external_id",
                    "longer than 256 characters; left out, the row was sent with its other identifiers"
                ),
            ]
        );
    }

    /// A value with no currency goes in USD when default_currency is not set, with a
    /// warning on every row of the event; with the setting, or a currency, no warning.
    /// An event over 28 days old goes, with a warning on its rows.
    #[test]
    fn an_assumed_currency_and_an_old_event_are_warnings_on_their_rows() {
        let rows = [
            r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "price": 5}"#,
            r#"{"email": "d@e.f", "event": "Lead", "timestamp": 1699999000}"#,
            r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o1", "timestamp": 1699999000, "price": 7}"#,
            r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o2", "timestamp": 1699999000, "value": 3, "currency": "EUR"}"#,
            r#"{"email": "a@b.c", "event": "Purchase", "event_id": "o3", "timestamp": 1697000000}"#,
        ];
        let warned = |output: &TransformOutput| -> Vec<(u32, String)> {
            output
                .warnings
                .iter()
                .map(|w| (w.position, w.warning.field.clone()))
                .collect()
        };
        let unset = run(&settings(&[]), &rows);
        assert_eq!(statuses(&unset), vec![accepted(0); 5]);
        assert_eq!(
            warned(&unset),
            [
                (0, "currency".to_string()),
                (2, "currency".to_string()),
                (4, "timestamp".to_string())
            ]
        );
        assert_eq!(unset.warnings[0].warning, currency_assumed());
        assert_eq!(unset.warnings[2].warning.rule, line::TOO_OLD_TO_ATTRIBUTE);
        assert!(
            unset.requests[0]
                .body
                .contains(r#""currency":"USD","value":12.0"#)
        );
        let chosen = run(&settings(&[("default_currency", "USD")]), &rows);
        assert_eq!(warned(&chosen), [(4, "timestamp".to_string())]);
    }

    #[test]
    fn lines_are_rows_and_a_last_line_break_ends_the_last_row() {
        let rejections = |text: &str| -> Vec<(u32, String)> {
            let output = transform(&settings(&[]), Rows::Lines(text), NOW_MS);
            assert!(output.requests.is_empty());
            output
                .rejections
                .into_iter()
                .map(|r| (r.row, r.reason))
                .collect()
        };
        let empty = "invalid JSON: EOF while parsing a value at line 1 column 0".to_string();
        let missing = "event: missing (add an event column or set event_name)".to_string();
        assert_eq!(rejections(""), []);
        assert_eq!(rejections("\n"), [(0, empty.clone())]);
        assert_eq!(rejections(r#"{"email": "a@b.c"}"#), [(0, missing.clone())]);
        assert_eq!(
            rejections("{\"email\": \"a@b.c\"} \r\n"),
            [(0, missing.clone())]
        );
        assert_eq!(
            rejections("{\"email\": \"a@b.c\"}\n\n{\"email\":\n\"a@b.c\"}"),
            [
                (0, missing),
                (1, empty),
                (
                    2,
                    "invalid JSON: EOF while parsing a value at line 1 column 9".into()
                ),
                (
                    3,
                    "invalid JSON: trailing characters at line 1 column 8".into()
                ),
            ]
        );
    }
}
