//! NDJSON rows: one JSON object per line, passed to the component as written.
//!
//! Each line is read only for its `event_id`, with a light scan (`order_key`) that
//! leaves to `serde_json` every line it cannot read plainly, which `serde_json` then
//! checks to be one JSON object; the component parses the text itself, so
//! re-serialising it here would be wasted work.

use std::fmt;
use std::io::{self, BufRead, Read};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Columns, MAX_ROW_BYTES, ORDER_KEY, Record, RowError};

pub(super) struct NdjsonRows<R> {
    source: R,
    columns: Columns,
    /// The current line, reused from line to line.
    line: Vec<u8>,
}

/// The one field batching needs, the order key in any case; `serde_json` skips (and
/// still validates) the others.
struct OrderKeyField<'c>(&'c Columns);

/// An `event_id` as text: TikTok needs a string, but platforms often export ids as numbers.
/// Anything else (`null`, `true`, an object) is no id here; the component rejects it.
#[derive(Default)]
struct EventId(Option<String>);

impl<R: BufRead> NdjsonRows<R> {
    pub(super) fn new(source: R, columns: Columns) -> Self {
        NdjsonRows {
            source,
            columns,
            line: Vec::new(),
        }
    }

    /// The next non-blank line's row, `None` at the end of the input.
    pub(super) fn next_record(&mut self) -> io::Result<Option<Result<Record, RowError>>> {
        loop {
            match self.read_line()? {
                None => return Ok(None),
                Some(false) => return Ok(Some(Err(RowError::TooLarge))),
                Some(true) if self.line.iter().all(u8::is_ascii_whitespace) => continue,
                Some(true) => return Ok(Some(parse(&self.line, &self.columns))),
            }
        }
    }

    /// Reads the next line into `self.line` without its line end: `Some(true)` when it
    /// fits the size limit; `Some(false)` when it does not and was skipped.
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.line.clear();
        // Room for a line of exactly the limit plus its `\n`.
        let limit = MAX_ROW_BYTES as u64 + 1;
        if Read::take(&mut self.source, limit).read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        } else if self.line.len() > MAX_ROW_BYTES {
            self.line.clear();
            self.skip_rest_of_line()?;
            return Ok(Some(false));
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(Some(true))
    }

    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let input = self.source.fill_buf()?;
            if input.is_empty() {
                return Ok(());
            }
            match input.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.source.consume(end + 1);
                    return Ok(());
                }
                None => {
                    let length = input.len();
                    self.source.consume(length);
                }
            }
        }
    }
}

/// Takes `line`'s order key: by the light scan, else by `serde_json`, which also checks
/// that the line is one JSON object.
fn parse(line: &[u8], columns: &Columns) -> Result<Record, RowError> {
    let text = std::str::from_utf8(line).map_err(|e| RowError::LineUtf8 {
        byte: e.valid_up_to() + 1,
    })?;
    match super::order_key::scan(text, columns) {
        Some(event_id) => Ok(Record {
            json: text.to_owned(),
            event_id,
        }),
        None => parse_with_serde(text, columns),
    }
}

/// The reference reading of a line: one JSON object, and its order key.
pub(super) fn parse_with_serde(text: &str, columns: &Columns) -> Result<Record, RowError> {
    // A struct deserialises from a JSON array too, so check the shape first.
    if text.trim_start_matches([' ', '\t']).starts_with('{') {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let event_id = OrderKeyField(columns)
            .deserialize(&mut deserializer)
            .and_then(|id| deserializer.end().map(|()| id))
            .map_err(json_error)?;
        Ok(Record {
            json: text.to_owned(),
            event_id: event_id.0,
        })
    } else {
        match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Err(RowError::NotObject),
            Err(e) => Err(json_error(e)),
        }
    }
}

/// `serde_json`'s message without its "at line 1" (each row is one line). Its messages
/// name the syntax rule, never the text.
fn json_error(error: serde_json::Error) -> RowError {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = message.strip_suffix(&position).unwrap_or(&message);
    RowError::InvalidJson {
        reason: reason.to_owned(),
        column: error.column(),
    }
}

impl<'de> DeserializeSeed<'de> for OrderKeyField<'_> {
    type Value = EventId;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<EventId, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OrderKeyField<'_> {
    type Value = EventId;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    /// The order key twice, in any case, is an error: which one would the component read?
    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<EventId, A::Error> {
        let mut event_id = None;
        while let Some(is_order_key) = entries.next_key_seed(IsOrderKey(self.0))? {
            if is_order_key {
                if event_id.is_some() {
                    return Err(de::Error::duplicate_field(ORDER_KEY));
                }
                event_id = Some(entries.next_value::<EventId>()?);
            } else {
                entries.next_value::<IgnoredAny>()?;
            }
        }
        Ok(event_id.unwrap_or_default())
    }
}

/// Whether a key is the order key, read without copying it.
struct IsOrderKey<'c>(&'c Columns);

impl<'de> DeserializeSeed<'de> for IsOrderKey<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsOrderKey<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(self.0.is_order_key(key))
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EventIdVisitor)
    }
}

struct EventIdVisitor;

impl<'de> Visitor<'de> for EventIdVisitor {
    type Value = EventId;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event id")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<EventId, E> {
        let id = id.trim();
        Ok(EventId((!id.is_empty()).then(|| id.to_owned())))
    }

    fn visit_u64<E: de::Error>(self, id: u64) -> Result<EventId, E> {
        Ok(EventId(Some(id.to_string())))
    }

    fn visit_i64<E: de::Error>(self, id: i64) -> Result<EventId, E> {
        Ok(EventId(Some(id.to_string())))
    }

    fn visit_f64<E: de::Error>(self, id: f64) -> Result<EventId, E> {
        Ok(EventId(Some(id.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EventId, E> {
        Ok(EventId(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<EventId, E> {
        Ok(EventId(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<EventId, A::Error> {
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(EventId(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<EventId, A::Error> {
        while entries.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(EventId(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> Vec<Result<Record, RowError>> {
        let mut rows = NdjsonRows::new(input, Columns::new(["email", "event_id"]));
        std::iter::from_fn(|| rows.next_record().unwrap()).collect()
    }

    fn record(json: &str, event_id: Option<&str>) -> Result<Record, RowError> {
        Ok(Record {
            json: json.into(),
            event_id: event_id.map(Into::into),
        })
    }

    fn invalid_json(reason: &str, column: usize) -> Result<Record, RowError> {
        Err(RowError::InvalidJson {
            reason: reason.into(),
            column,
        })
    }

    #[test]
    fn objects_pass_through_as_written() {
        let input = b"{\"email\": [\"A@example.com\", \"b@example.com\"], \"value\": 1.50, \"x\": {\"y\": [1]}}\r\n";
        assert_eq!(
            read(input),
            vec![record(
                r#"{"email": ["A@example.com", "b@example.com"], "value": 1.50, "x": {"y": [1]}}"#,
                None
            )]
        );
    }

    #[test]
    fn event_id_is_taken_from_a_string_or_a_number() {
        let input = br#"{"event_id":" ord-1 "}
{"event_id":10023}
{"event_id":-7}
{"event_id":"a\"b\u00e9"}
{"event_id":""}
{"event_id":null}
{"event_id":true}
{"event_id":{"id":"x"}}
{"event_id":["x"]}
{"nested":{"event_id":"inner"}}
"#;
        let ids: Vec<Option<String>> = read(input)
            .into_iter()
            .map(|r| r.unwrap().event_id)
            .collect();
        let expected = [
            Some("ord-1"),
            Some("10023"),
            Some("-7"),
            Some("a\"bé"),
            None,
            None,
            None,
            None,
            None,
            None,
        ];
        assert_eq!(ids, expected.map(|id| id.map(String::from)));
    }

    #[test]
    fn blank_lines_are_skipped() {
        let input = b"\n{\"a\":1}\n   \n\r\n\t\n{\"a\":2}";
        assert_eq!(
            read(input),
            vec![record(r#"{"a":1}"#, None), record(r#"{"a":2}"#, None)]
        );
    }

    #[test]
    fn invalid_json_reports_the_rule_and_column_without_the_text() {
        let input = b"{\"email\": }\n{\"email\": \"ann@example.com\"\n{\"a\":1} x\n{\"event_id\":1,\"event_id\":2}\n";
        assert_eq!(
            read(input),
            vec![
                invalid_json("expected value", 11),
                invalid_json("EOF while parsing an object", 27),
                invalid_json("trailing characters", 9),
                invalid_json("duplicate field `event_id`", 24),
            ]
        );
        assert_eq!(
            read(b"{\"a\": }").pop().unwrap().unwrap_err().to_string(),
            "invalid JSON: expected value at column 7"
        );
    }

    #[test]
    fn json_that_is_not_an_object_is_rejected() {
        let input = b"[{\"event_id\":\"a\"}]\n\"ann@example.com\"\n42\nnull\n[1,\n";
        assert_eq!(
            read(input),
            vec![
                Err(RowError::NotObject),
                Err(RowError::NotObject),
                Err(RowError::NotObject),
                Err(RowError::NotObject),
                invalid_json("EOF while parsing a value", 3),
            ]
        );
    }

    #[test]
    fn invalid_utf8_reports_the_byte_counted_from_one() {
        let input = b"{\"name\":\"Zo\xEB\"}\n{\"a\":1}\n";
        assert_eq!(
            read(input),
            vec![
                Err(RowError::LineUtf8 { byte: 12 }),
                record(r#"{"a":1}"#, None)
            ]
        );
        assert_eq!(
            RowError::LineUtf8 { byte: 12 }.to_string(),
            "invalid UTF-8 at byte 12"
        );
    }

    #[test]
    fn an_oversized_line_is_reported_and_the_next_line_still_read() {
        let mut input = b"{\"a\":\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10 * MAX_ROW_BYTES));
        input.extend(b"\"}\n{\"event_id\":\"next\"}\n");
        let mut rows = NdjsonRows::new(&input[..], Columns::new(["event_id"]));
        assert_eq!(rows.next_record().unwrap(), Some(Err(RowError::TooLarge)));
        assert!(
            rows.line.capacity() <= 2 * (MAX_ROW_BYTES + 1),
            "memory stays bounded"
        );
        assert_eq!(
            rows.next_record().unwrap(),
            Some(record(r#"{"event_id":"next"}"#, Some("next")))
        );
        assert_eq!(rows.next_record().unwrap(), None);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_accepted_and_one_more_byte_is_not() {
        let fits = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_ROW_BYTES - 8));
        let too_long = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_ROW_BYTES - 7));
        assert_eq!(fits.len(), MAX_ROW_BYTES);
        let input = format!("{fits}\n{too_long}\n{fits}");
        assert_eq!(
            read(input.as_bytes()),
            vec![
                record(&fits, None),
                Err(RowError::TooLarge),
                record(&fits, None)
            ]
        );
    }

    #[test]
    fn the_order_key_is_found_in_any_case() {
        assert_eq!(
            read(b"{\"EMAIL\":\"a@b.c\",\"EVENT_ID\":\" ord-1 \"}\n{\"event_id\":1,\"Event_Id\":2}\n"),
            vec![
                record(r#"{"EMAIL":"a@b.c","EVENT_ID":" ord-1 "}"#, Some("ord-1")),
                invalid_json("duplicate field `event_id`", 24)
            ]
        );
    }
}
