//! One record's columns, read straight from its JSON: no `serde_json::Value` per row,
//! text borrowed from the input where it has no escapes, unknown columns skipped.
//! Reading never fails on a column's type: a value of the wrong shape is kept as
//! [`Cell::Nested`] so the mapping can name the column in its reason.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::contract::RecordField;

mod scan;

pub use scan::KeyOrder;

/// Values kept from one `email` or `phone` array; longer arrays are counted, not kept,
/// so a row with 100,000 emails costs a scan and no memory.
pub const MAX_LIST_VALUES: usize = 1_000;

/// The columns the destination reads (§6 of the reference, plus `country`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Email,
    Phone,
    Country,
    Event,
    EventId,
    EventSetId,
    Timestamp,
    OrderId,
    ShopId,
    Value,
    Currency,
    ContentId,
    ContentName,
    ContentType,
    ContentCategory,
    Brand,
    Price,
    Quantity,
    EventChannel,
    Description,
    ExternalId,
    Contents,
    Items,
}

struct ColumnSpec {
    name: &'static str,
    description: &'static str,
    required: bool,
}

/// Indexed by `Column as usize` (a test checks it, and that [`Column::find`] finds
/// every name).
const COLUMNS: [ColumnSpec; 23] = [
    ColumnSpec {
        name: "email",
        description: "Email address, or an array of them; trimmed, lowercased and SHA-256 hashed here (already-hashed values are sent as they are). Required unless phone is set.",
        required: false,
    },
    ColumnSpec {
        name: "phone",
        description: "Phone number, or an array of them; E.164 (+ and country code) recommended. Converted to E.164 and SHA-256 hashed here. Required unless email is set.",
        required: false,
    },
    ColumnSpec {
        name: "country",
        description: "ISO 3166-1 alpha-2 country of phone numbers written without a country code; overrides default_phone_country.",
        required: false,
    },
    ColumnSpec {
        name: "event",
        description: "TikTok standard event (e.g. Purchase), any case. Defaults to the event_name setting.",
        required: false,
    },
    ColumnSpec {
        name: "event_id",
        description: "Deduplication id; rows of one order share it and become one event. Derived from the event, time, customer and order_id when absent.",
        required: false,
    },
    ColumnSpec {
        name: "event_set_id",
        description: "Offline event set of this row, overriding the event_set_id setting.",
        required: false,
    },
    ColumnSpec {
        name: "timestamp",
        description: "When the event happened: ISO 8601 (no offset means UTC), Unix seconds or Unix milliseconds.",
        required: true,
    },
    ColumnSpec {
        name: "order_id",
        description: "Order id.",
        required: false,
    },
    ColumnSpec {
        name: "shop_id",
        description: "Store id.",
        required: false,
    },
    ColumnSpec {
        name: "value",
        description: "Value of the order. Rows of one order that repeat the same value count it once; different values are added up. Without it: the sum of price × quantity.",
        required: false,
    },
    ColumnSpec {
        name: "currency",
        description: "ISO 4217 currency of value and price. Defaults to the default_currency setting.",
        required: false,
    },
    ColumnSpec {
        name: "content_id",
        description: "Product id of this row's item.",
        required: false,
    },
    ColumnSpec {
        name: "content_name",
        description: "Product name of this row's item.",
        required: false,
    },
    ColumnSpec {
        name: "content_type",
        description: "product or product_group; product when the event has items.",
        required: false,
    },
    ColumnSpec {
        name: "content_category",
        description: "Product category of this row's item.",
        required: false,
    },
    ColumnSpec {
        name: "brand",
        description: "Brand of this row's item.",
        required: false,
    },
    ColumnSpec {
        name: "price",
        description: "Unit price of this row's item.",
        required: false,
    },
    ColumnSpec {
        name: "quantity",
        description: "Quantity of this row's item, a whole number (1 when absent).",
        required: false,
    },
    ColumnSpec {
        name: "event_channel",
        description: "Legacy (Events 1.0): accepted and not sent.",
        required: false,
    },
    ColumnSpec {
        name: "description",
        description: "Description of the event.",
        required: false,
    },
    ColumnSpec {
        name: "external_id",
        description: "The customer's id in your systems; trimmed, lowercased and SHA-256 hashed here (already-hashed values are sent as they are). Sent as TikTok's own connector sends it; whether it improves offline matching is TikTok's to decide. Not enough alone: an order needs an email or a phone.",
        required: false,
    },
    ColumnSpec {
        name: "contents",
        description: "The order's items in one row: a JSON array of objects with content_id, content_name, content_category, brand, price and quantity, each read as an item row is (in a CSV, the array as the cell's text).",
        required: false,
    },
    ColumnSpec {
        name: "items",
        description: "Another name for contents, as many exports call it.",
        required: false,
    },
];

/// The columns as `describe-settings` lists them.
pub fn record_fields() -> Vec<RecordField> {
    COLUMNS
        .iter()
        .map(|c| RecordField {
            name: c.name.into(),
            description: c.description.into(),
            required: c.required,
        })
        .collect()
}

/// The columns in [`COLUMNS`] order.
const ALL: [Column; COLUMNS.len()] = [
    Column::Email,
    Column::Phone,
    Column::Country,
    Column::Event,
    Column::EventId,
    Column::EventSetId,
    Column::Timestamp,
    Column::OrderId,
    Column::ShopId,
    Column::Value,
    Column::Currency,
    Column::ContentId,
    Column::ContentName,
    Column::ContentType,
    Column::ContentCategory,
    Column::Brand,
    Column::Price,
    Column::Quantity,
    Column::EventChannel,
    Column::Description,
    Column::ExternalId,
    Column::Contents,
    Column::Items,
];

/// A name's slot in [`BY_SLOT`], ignoring ASCII case. The multipliers were picked so
/// that no two columns share a slot, which building the table checks.
const fn slot(len: usize, first: u8, penultimate: u8) -> usize {
    len.wrapping_add((first | 0x20) as usize * 4)
        .wrapping_add((penultimate | 0x20) as usize * 10)
        & 63
}

/// The column a name may be, by [`slot`].
const BY_SLOT: [Option<Column>; 64] = {
    let mut table = [None; 64];
    let mut i = 0;
    while i < ALL.len() {
        let name = COLUMNS[i].name.as_bytes();
        let at = slot(name.len(), name[0], name[name.len() - 2]);
        assert!(table[at].is_none(), "two columns share a slot");
        table[at] = Some(ALL[i]);
        i += 1;
    }
    table
};

impl Column {
    pub fn name(self) -> &'static str {
        COLUMNS[self as usize].name
    }

    /// Column names are matched ignoring ASCII case: warehouses such as Snowflake
    /// upper-case unquoted column names.
    /// Every key of every row comes through here: one table slot from its length, first
    /// and second-to-last letter, then one comparison; no scan, copy or allocation.
    #[inline]
    fn find(name: &str) -> Option<Column> {
        let bytes = name.as_bytes();
        let (&first, &penultimate) = (bytes.first()?, bytes.get(bytes.len().checked_sub(2)?)?);
        let column = BY_SLOT[slot(bytes.len(), first, penultimate)]?;
        crate::hot::bytes::equal_to_lowercase(bytes, column.name().as_bytes()).then_some(column)
    }

    /// Only identifiers may hold several values.
    fn takes_lists(self) -> bool {
        matches!(self, Column::Email | Column::Phone)
    }

    /// Items in one row are kept as their JSON, read by the item rules.
    pub(super) fn takes_json(self) -> bool {
        matches!(self, Column::Contents | Column::Items)
    }
}

/// One JSON value of a column. Integers are exact (one above `i64::MAX`, which only an
/// id can be, is kept as its digits); floats are finite (serde_json rejects the rest).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    /// Trimmed, never empty.
    Text(Cow<'a, str>),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

/// A column's value. `null`, empty text and empty arrays are absent: no cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    One(Scalar<'a>),
    /// An array (only in `email` and `phone`), without its nulls and empty texts.
    Many(Vec<Scalar<'a>>),
    /// An array of more than [`MAX_LIST_VALUES`] values, not kept.
    TooMany,
    /// An object, an array where one value is expected, or an array holding one.
    Nested,
    /// The JSON text of an array or object, as written (only in `contents` and `items`).
    Json(&'a str),
}

/// Why a record cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// serde_json's message: it names the problem and its line and column, never the
    /// input text.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("record is not a JSON object")]
    NotObject,
}

/// One record: a cell per column.
#[derive(Debug, Default, PartialEq)]
pub struct Row<'a> {
    cells: [Option<Cell<'a>>; COLUMNS.len()],
    /// Bit `i` is set exactly when `cells[i]` holds a cell, so that clearing the row
    /// visits only those; once `map_row` has taken its cells there are none. (Dropping
    /// all 20 cells of every row was a loop whose iterations each paid wasmtime's
    /// epoch check.)
    filled: u32,
}

const _: () = assert!(COLUMNS.len() <= u32::BITS as usize);

impl<'a> Row<'a> {
    /// A flat row of plain values is scanned in one pass; anything else (escapes,
    /// nested values, errors) is read by [`Row::parse_with_serde`], with the same
    /// result.
    pub fn parse(json: &'a str) -> Result<Row<'a>, RowError> {
        let mut row = Row::default();
        row.read(json, &mut KeyOrder::default())?;
        Ok(row)
    }

    /// [`Row::parse`] into this row, replacing what it held; empty after an error.
    /// A batch reads its rows one after another into one `Row`: a row returned by value
    /// is 20 cells moved, a `memory.copy` in WebAssembly. `order` carries the key order
    /// of the rows before, which speeds up reading a row with the same; it never
    /// changes the result.
    pub fn read(&mut self, json: &'a str, order: &mut KeyOrder) -> Result<(), RowError> {
        self.clear();
        if scan::row(json, self, order).is_some() {
            return Ok(());
        }
        match Row::parse_with_serde(json) {
            Ok(row) => *self = row,
            Err(e) => {
                *self = Row::default();
                return Err(e);
            }
        }
        Ok(())
    }

    /// [`Row::read`] of the first line of `text` (up to a line break or its end), and
    /// the length of that line. The usual row is scanned once, without a separate
    /// search for its line's end.
    pub fn read_line(
        &mut self,
        text: &'a str,
        order: &mut KeyOrder,
    ) -> (Result<(), RowError>, usize) {
        self.clear();
        if let Some(end) = scan::line(text, self, order) {
            return (Ok(()), end);
        }
        let end = text.find('\n').unwrap_or(text.len());
        (self.read(&text[..end], order), end)
    }

    /// The reference reader: every JSON, with `serde_json`'s error messages.
    pub fn parse_with_serde(json: &'a str) -> Result<Row<'a>, RowError> {
        let invalid = |e: serde_json::Error| RowError::InvalidJson(e.to_string());
        // Checked first because serde's type errors quote the value they got, and a
        // record that is a bare string may well be an email address.
        if !json
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('{')
        {
            return match serde_json::from_str::<IgnoredAny>(json) {
                Ok(_) => Err(RowError::NotObject),
                Err(e) => Err(invalid(e)),
            };
        }
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let row = deserializer.deserialize_map(RowVisitor).map_err(invalid)?;
        deserializer.end().map_err(invalid)?;
        Ok(row)
    }

    /// Whether the row has a cell for `column`.
    pub fn has(&self, column: Column) -> bool {
        self.filled & bit(column) != 0
    }

    /// Moves a column's cell out of the row.
    pub fn take(&mut self, column: Column) -> Option<Cell<'a>> {
        self.filled &= !bit(column);
        self.cells[column as usize].take()
    }

    /// Sets a column's cell.
    fn put(&mut self, column: Column, cell: Option<Cell<'a>>) {
        if cell.is_some() {
            self.filled |= bit(column);
        } else {
            self.filled &= !bit(column);
        }
        self.cells[column as usize] = cell;
    }

    /// Empties the row, visiting only the cells it holds.
    fn clear(&mut self) {
        let mut filled = std::mem::take(&mut self.filled);
        while filled != 0 {
            self.cells[filled.trailing_zeros() as usize] = None;
            filled &= filled - 1;
        }
    }
}

/// A column's bit in [`Row::filled`].
fn bit(column: Column) -> u32 {
    1 << column as u32
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Row<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row<'de>, A::Error> {
        let mut row = Row::default();
        let mut seen = [false; COLUMNS.len()];
        while let Some(column) = map.next_key_seed(ColumnName)? {
            let Some(column) = column else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[column as usize], true) {
                return Err(de::Error::custom(format_args!(
                    "duplicate column `{}`",
                    column.name()
                )));
            }
            if column.takes_json() {
                let json: &'de serde_json::value::RawValue = map.next_value()?;
                let json = json.get();
                row.put(column, (json != "null").then_some(Cell::Json(json)));
                continue;
            }
            let cell = map.next_value_seed(CellSeed {
                list: column.takes_lists(),
            })?;
            row.put(column, cell);
        }
        Ok(row)
    }
}

/// A key: the column it names, if any. Reads the key in place, allocating nothing.
struct ColumnName;

impl<'de> DeserializeSeed<'de> for ColumnName {
    type Value = Option<Column>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for ColumnName {
    type Value = Option<Column>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a column name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Column::find(name))
    }
}

/// A column's value; `list` when an array of values is allowed.
#[derive(Clone, Copy)]
struct CellSeed {
    list: bool,
}

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Option<Cell<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn one<'a>(scalar: Scalar<'a>) -> Option<Cell<'a>> {
    Some(Cell::One(scalar))
}

/// [`str::trim`], quicker for the usual value that has no surrounding whitespace: a
/// check of its two end bytes instead of decoding characters from both ends.
#[inline]
pub fn trim(text: &str) -> &str {
    let plain = |b: &u8| b.is_ascii_graphic();
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if plain(first) && plain(last) => text,
        _ => text.trim(),
    }
}

/// Text without its surrounding whitespace; `None` when nothing is left.
#[inline]
fn text(text: Cow<'_, str>) -> Option<Cell<'_>> {
    let text = match text {
        Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
        Cow::Owned(s) if s.len() == trim(&s).len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(trim(&s).to_string()),
    };
    if text.is_empty() {
        return None;
    }
    one(Scalar::Text(text))
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Option<Cell<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(one(Scalar::Bool(b)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(one(Scalar::Integer(n)))
    }

    /// Above `i64::MAX` only an id can be meant: kept exact, as its digits.
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(match i64::try_from(n) {
            Ok(n) => one(Scalar::Integer(n)),
            Err(_) => text(Cow::Owned(n.to_string())),
        })
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Self::Value, E> {
        Ok(one(Scalar::Float(x)))
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(text(Cow::Borrowed(s)))
    }

    /// Text with escapes, which serde_json unescapes into a buffer of its own.
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(text(Cow::Owned(s.to_string())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(text(Cow::Owned(s)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Some(Cell::Nested))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !self.list {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Some(Cell::Nested));
        }
        let mut values = Vec::new();
        let mut nested = false;
        let mut len = 0usize;
        while len < MAX_LIST_VALUES {
            match seq.next_element_seed(CellSeed { list: false })? {
                None => break,
                Some(None) => {}
                Some(Some(Cell::One(scalar))) => values.push(scalar),
                Some(Some(_)) => nested = true,
            }
            len += 1;
        }
        let too_many = len == MAX_LIST_VALUES && seq.next_element::<IgnoredAny>()?.is_some();
        if too_many {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(match () {
            _ if too_many => Some(Cell::TooMany),
            _ if nested => Some(Cell::Nested),
            _ if values.is_empty() => None,
            _ => Some(Cell::Many(values)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(json: &str, column: Column) -> Option<Cell<'_>> {
        Row::parse(json).unwrap().take(column)
    }

    fn txt(s: &str) -> Scalar<'_> {
        Scalar::Text(Cow::Borrowed(s))
    }

    /// One `Row` reads a batch's rows in turn: what a row held and nobody took, scanned
    /// or read by serde, is gone when the next one is read.
    #[test]
    fn a_reused_row_keeps_nothing_of_the_last_one() {
        let first = [
            r#"{"brand": "Acme", "email": ["a@b.c", "d@e.f"], "value": 3, "phone": "1"}"#,
            r#"{"brand": "Ac\u006de", "email": "a@b.c", "value": 3}"#,
        ];
        let second = [r#"{"email": "x@y.z"}"#, r#"{"email": "x\u0040y.z"}"#];
        for (first, second) in first.iter().zip(second.iter().cycle().skip(1)) {
            let (mut row, mut order) = (Row::default(), KeyOrder::default());
            row.read(first, &mut order).unwrap();
            row.take(Column::Phone);
            row.read(second, &mut order).unwrap();
            assert_eq!(row, Row::parse(second).unwrap(), "{first} then {second}");
            assert_eq!(row.take(Column::Brand), None);
            assert!(row.take(Column::Email).is_some());
            assert_eq!(row, Row::default());
        }
        let (mut row, mut order) = (Row::default(), KeyOrder::default());
        row.read(first[0], &mut order).unwrap();
        assert!(row.read("[1]", &mut order).is_err());
        assert_eq!(row, Row::default());
    }

    /// Items in one row are kept as their JSON, whatever the value, by both readers.
    #[test]
    fn contents_are_kept_as_json() {
        for json in [
            r#"{"contents": [{"content_id": "a", "price": 2}], "email": "a@b.c"}"#,
            r#"{"items": "[{\"content_id\": \"a\"}]"}"#,
            r#"{"contents": "plain", "items": {"a": 1}}"#,
            r#"{"contents": null}"#,
        ] {
            assert_eq!(
                Row::parse(json).unwrap(),
                Row::parse_with_serde(json).unwrap(),
                "{json}"
            );
        }
        let mut row = Row::parse(r#"{"contents": [{"content_id": "a"}], "items": "x"}"#).unwrap();
        assert_eq!(
            row.take(Column::Contents),
            Some(Cell::Json(r#"[{"content_id": "a"}]"#))
        );
        assert_eq!(row.take(Column::Items), Some(Cell::Json(r#""x""#)));
        assert_eq!(Row::parse(r#"{"contents": null}"#).unwrap(), Row::default());
    }

    #[test]
    fn the_table_is_indexed_by_column() {
        for (i, spec) in COLUMNS.iter().enumerate() {
            let column = Column::find(spec.name).expect(spec.name);
            assert_eq!(column as usize, i, "{}", spec.name);
            assert_eq!(column.name(), spec.name);
        }
    }

    #[test]
    fn record_fields_list_every_column() {
        let fields = record_fields();
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "email",
                "phone",
                "country",
                "event",
                "event_id",
                "event_set_id",
                "timestamp",
                "order_id",
                "shop_id",
                "value",
                "currency",
                "content_id",
                "content_name",
                "content_type",
                "content_category",
                "brand",
                "price",
                "quantity",
                "event_channel",
                "description",
                "external_id",
                "contents",
                "items"
            ]
        );
        let fields = record_fields();
        let required: Vec<&str> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(required, ["timestamp"]);
    }

    #[test]
    fn values_keep_their_json_type_and_text_borrows_the_input() {
        let json = r#"{"order_id": "  ord-1 ", "value": 46, "price": 8.5, "quantity": -2, "event_id": true}"#;
        let mut row = Row::parse(json).unwrap();
        let Some(Cell::One(Scalar::Text(order))) = row.take(Column::OrderId) else {
            panic!("text expected")
        };
        assert_eq!(order, "ord-1");
        assert!(matches!(order, Cow::Borrowed(_)));
        assert_eq!(
            row.take(Column::Value),
            Some(Cell::One(Scalar::Integer(46)))
        );
        assert_eq!(row.take(Column::Price), Some(Cell::One(Scalar::Float(8.5))));
        assert_eq!(
            row.take(Column::Quantity),
            Some(Cell::One(Scalar::Integer(-2)))
        );
        assert_eq!(
            row.take(Column::EventId),
            Some(Cell::One(Scalar::Bool(true)))
        );
        assert_eq!(row.take(Column::Email), None);
    }

    #[test]
    fn big_integers_stay_exact() {
        assert_eq!(
            cell(
                r#"{"event_set_id": 7181537436256731137}"#,
                Column::EventSetId
            ),
            Some(Cell::One(Scalar::Integer(7_181_537_436_256_731_137)))
        );
        assert_eq!(
            cell(r#"{"order_id": -9223372036854775808}"#, Column::OrderId),
            Some(Cell::One(Scalar::Integer(i64::MIN)))
        );
        assert_eq!(
            cell(r#"{"order_id": 18446744073709551615}"#, Column::OrderId),
            Some(Cell::One(txt("18446744073709551615")))
        );
    }

    #[test]
    fn escaped_text_is_unescaped() {
        assert_eq!(
            cell(
                r#"{"content_name": "caf\u00e9 \"noir\""}"#,
                Column::ContentName
            ),
            Some(Cell::One(Scalar::Text(Cow::Owned("café \"noir\"".into()))))
        );
    }

    #[test]
    fn null_empty_text_and_empty_arrays_are_absent() {
        for json in [
            r#"{"email": null}"#,
            r#"{"email": ""}"#,
            r#"{"email": "   "}"#,
            r#"{"email": []}"#,
            r#"{"email": [null, " "]}"#,
            r#"{}"#,
        ] {
            assert_eq!(cell(json, Column::Email), None, "{json}");
        }
    }

    #[test]
    fn identifiers_may_be_arrays_of_strings_and_numbers() {
        assert_eq!(
            cell(
                r#"{"phone": ["+12133734253", 4930123456, null, ""]}"#,
                Column::Phone
            ),
            Some(Cell::Many(vec![
                txt("+12133734253"),
                Scalar::Integer(4_930_123_456)
            ]))
        );
        assert_eq!(
            cell(r#"{"email": [["a@b.c"]]}"#, Column::Email),
            Some(Cell::Nested)
        );
        assert_eq!(
            cell(r#"{"email": {"work": "a@b.c"}}"#, Column::Email),
            Some(Cell::Nested)
        );
    }

    #[test]
    fn other_columns_do_not_take_arrays_or_objects() {
        assert_eq!(
            cell(r#"{"order_id": ["a", "b"]}"#, Column::OrderId),
            Some(Cell::Nested)
        );
        assert_eq!(
            cell(r#"{"value": {"amount": 3}}"#, Column::Value),
            Some(Cell::Nested)
        );
    }

    #[test]
    fn huge_arrays_are_counted_not_kept() {
        let emails: Vec<String> = (0..100_000)
            .map(|i| format!("\"u{i}@example.com\""))
            .collect();
        let json = format!(r#"{{"email": [{}], "order_id": "o"}}"#, emails.join(","));
        let mut row = Row::parse(&json).unwrap();
        assert_eq!(row.take(Column::Email), Some(Cell::TooMany));
        assert_eq!(row.take(Column::OrderId), Some(Cell::One(txt("o"))));
        let exactly: Vec<String> = (0..MAX_LIST_VALUES).map(|i| i.to_string()).collect();
        let json = format!(r#"{{"phone": [{}]}}"#, exactly.join(","));
        let Some(Cell::Many(values)) = cell(&json, Column::Phone) else {
            panic!("list expected")
        };
        assert_eq!(values.len(), MAX_LIST_VALUES);
    }

    #[test]
    fn unknown_columns_are_skipped_whatever_they_hold() {
        let json = r#"{"segment": {"a": [1, {"b": null}]}, "score": 1e300, "email": "a@b.c", "extra": "x"}"#;
        assert_eq!(cell(json, Column::Email), Some(Cell::One(txt("a@b.c"))));
    }

    proptest::proptest! {
        #[test]
        fn names_match_as_eq_ignore_ascii_case_says(index in 0..COLUMNS.len() + 3, edits in proptest::collection::vec((0usize..16, proptest::num::u8::ANY), 0..3)) {
            let others = ["a", "a_b", "abcdefghijklmnopq_r"];
            let expected = COLUMNS.get(index).map_or_else(|| others[index - COLUMNS.len()], |c| c.name);
            assert!(expected.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            let mut name = expected.as_bytes().to_vec();
            for (at, byte) in edits {
                let at = at % name.len();
                name[at] = if byte % 2 == 0 { name[at].to_ascii_uppercase() } else { byte };
            }
            proptest::prop_assert_eq!(
                crate::hot::bytes::equal_to_lowercase(&name, expected.as_bytes()),
                name.eq_ignore_ascii_case(expected.as_bytes())
            );
        }
    }

    #[test]
    fn column_names_ignore_ascii_case() {
        let mut row = Row::parse(r#"{"EMAIL": "a@b.c", "Order_Id": 7}"#).unwrap();
        assert_eq!(row.take(Column::Email), Some(Cell::One(txt("a@b.c"))));
        assert_eq!(
            row.take(Column::OrderId),
            Some(Cell::One(Scalar::Integer(7)))
        );
    }

    #[test]
    fn duplicate_columns_are_invalid() {
        let error = Row::parse(r#"{"email": "a@b.c", "Email": "secret@x.y"}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid JSON: duplicate column `email` at line 1 column 26"
        );
        // Duplicates of columns nobody reads do not matter.
        assert!(Row::parse(r#"{"x": 1, "x": 2}"#).is_ok());
    }

    #[test]
    fn broken_json_is_reported_without_its_text() {
        let cases = [
            (
                r#"{"email": "alice@example.com""#,
                "invalid JSON: EOF while parsing an object at line 1 column 29",
            ),
            (
                r#"{"email": alice@example.com}"#,
                "invalid JSON: expected value at line 1 column 11",
            ),
            (
                r#"{"email": "alice@example.com"} x"#,
                "invalid JSON: trailing characters at line 1 column 32",
            ),
            (
                r#"{"value": NaN}"#,
                "invalid JSON: expected value at line 1 column 11",
            ),
            (
                r#"{"value": 1e999}"#,
                "invalid JSON: number out of range at line 1 column 15",
            ),
            (
                "alice@example.com",
                "invalid JSON: expected value at line 1 column 1",
            ),
            (
                "",
                "invalid JSON: EOF while parsing a value at line 1 column 0",
            ),
        ];
        for (json, reason) in cases {
            assert_eq!(Row::parse(json).unwrap_err().to_string(), reason, "{json}");
        }
    }

    #[test]
    fn json_that_is_not_an_object_is_named_so() {
        for json in [r#""alice@example.com""#, "[1, 2]", "42", "null", " true "] {
            assert_eq!(Row::parse(json).unwrap_err(), RowError::NotObject, "{json}");
        }
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let json = format!(r#"{{"x": {deep}, "email": [{deep}], "order_id": {deep}}}"#);
        let mut row = Row::parse(&json).unwrap();
        assert_eq!(row.take(Column::Email), Some(Cell::Nested));
        assert_eq!(row.take(Column::OrderId), Some(Cell::Nested));
    }
}
