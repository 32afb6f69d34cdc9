//! Parquet rows as JSON objects keyed by the schema's column names, as warehouses export
//! them (Snowflake `COPY INTO`, BigQuery and Databricks write Parquet by default).
//!
//! Read with the `parquet` crate's record reader: row group by row group, a page at a
//! time, so memory stays flat whatever the file's size. Typed values map to the row
//! model the component reads from NDJSON:
//! - text stays text, integers of any width stay JSON integers (a 64-bit id arrives
//!   exact), decimals are written with their exact digits, floats as numbers;
//! - timestamps become ISO 8601 text at their own precision: with `Z` when the column is
//!   adjusted to UTC, without an offset (read as UTC, as in CSV) when it is local time;
//!   `INT96` (Spark, older Hive) is UTC; dates are midnight UTC;
//! - lists become arrays (`email` and `phone` take several values), structs objects (an
//!   `items` list of structs is the order's items);
//! - nulls, NaN and infinities are absent, as an empty CSV cell is.
//!
//! Column names match the destination's ignoring case, as CSV headers do. Only the
//! columns the destination reads are read (a projection): the others may hold types no
//! row needs, such as blobs, which would otherwise fail the row. A UUID becomes its
//! canonical text.

use std::fs::File;
use std::io;

use parquet::basic::{LogicalType, TimeUnit};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row as ParquetRow};
use parquet::schema::types::Type;

use super::{Columns, HeaderError, InputError, MAX_ROW_BYTES, Record, RowError};

pub(super) struct ParquetRows {
    rows: parquet::record::reader::RowIter<'static>,
    columns: Vec<Column>,
    event_id_column: Option<usize>,
}

struct Column {
    /// The destination's spelling of the name.
    name: String,
    /// `"name":`, escaped once here rather than for every row.
    json_key: String,
    kind: Kind,
}

/// How a column's values are read beyond what the record reader gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// As the record reader gives them; timestamps in this zone.
    Plain(Zone),
    /// Nanosecond timestamps, which the record reader leaves as plain integers.
    Nanos(Zone),
    /// 16 bytes, written as the canonical `8-4-4-4-12` text.
    Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Utc,
    Local,
}

impl ParquetRows {
    /// Reads the file's footer: its schema names the JSON keys of every row.
    pub(super) fn new(file: File, path: &str, columns: &Columns) -> Result<Self, InputError> {
        let unreadable = |e: ParquetError| InputError::Parquet {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let reader = SerializedFileReader::new(file).map_err(unreadable)?;
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let fields = schema.root_schema().get_fields();
        let mut read = Vec::new();
        let mut planned: Vec<Column> = Vec::new();
        for (at, field) in fields.iter().enumerate() {
            let written = field.name();
            if let Some(earlier) = fields[..at]
                .iter()
                .find(|f| f.name().eq_ignore_ascii_case(written))
            {
                return Err(InputError::ParquetColumns(HeaderError::DuplicateColumn {
                    first: earlier.name().to_owned(),
                    second: written.to_owned(),
                }));
            }
            // Only the columns the destination reads are read: the others may hold
            // types no row needs (blobs, intervals), which would fail the row.
            let Some(name) = columns.canonical(written) else {
                continue;
            };
            read.push(field.clone());
            planned.push(Column {
                name: name.to_owned(),
                json_key: serde_json::to_string(name).expect("a str serialises") + ":",
                kind: kind_of(field),
            });
        }
        let projection = Type::group_type_builder(schema.root_schema().name())
            .with_fields(read)
            .build()
            .map_err(unreadable)?;
        let rows = reader
            .into_iter()
            .project(Some(projection))
            .map_err(unreadable)?;
        let event_id_column = planned.iter().position(|c| columns.is_order_key(&c.name));
        Ok(ParquetRows {
            rows,
            columns: planned,
            event_id_column,
        })
    }

    /// The next row, `None` at the end of the file. A file that breaks mid-way (cut short,
    /// corrupt pages) is a read error where it breaks: the rows before it are read.
    pub(super) fn next_record(&mut self) -> io::Result<Option<Result<Record, RowError>>> {
        match self.rows.next() {
            None => Ok(None),
            Some(Ok(row)) => Ok(Some(self.record(&row))),
            Some(Err(e)) => Err(io::Error::other(format!("Parquet: {e}"))),
        }
    }

    fn record(&self, row: &ParquetRow) -> Result<Record, RowError> {
        let mut json = String::with_capacity(256);
        json.push('{');
        let mut event_id = None;
        for (index, (column, (_, field))) in
            self.columns.iter().zip(row.get_column_iter()).enumerate()
        {
            let field = match (column.kind, field) {
                (Kind::Nanos(zone), Field::Long(nanos)) => Value::Nanos(*nanos, zone),
                (Kind::Uuid, Field::Bytes(bytes)) if bytes.len() == 16 => Value::Uuid(bytes.data()),
                (Kind::Plain(zone) | Kind::Nanos(zone), _) => Value::Field(field, zone),
                (Kind::Uuid, _) => Value::Field(field, Zone::Utc),
            };
            if field.is_absent() {
                continue;
            }
            if json.len() > 1 {
                json.push(',');
            }
            json.push_str(&column.json_key);
            field.write(&mut json).map_err(|byte| RowError::CellUtf8 {
                column: column.name.clone(),
                byte,
            })?;
            if json.len() > MAX_ROW_BYTES {
                return Err(RowError::TooLarge);
            }
            if Some(index) == self.event_id_column {
                event_id = field.text();
            }
        }
        json.push('}');
        Ok(Record {
            json,
            event_id: event_id
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty()),
        })
    }
}

/// How a top-level column's values are read, from its logical type.
fn kind_of(field: &Type) -> Kind {
    match field.get_basic_info().logical_type_ref() {
        Some(LogicalType::Timestamp(timestamp)) => {
            let zone = if timestamp.is_adjusted_to_u_t_c {
                Zone::Utc
            } else {
                Zone::Local
            };
            match timestamp.unit {
                TimeUnit::NANOS => Kind::Nanos(zone),
                _ => Kind::Plain(zone),
            }
        }
        Some(LogicalType::Uuid) => Kind::Uuid,
        _ => Kind::Plain(Zone::Utc),
    }
}

/// A value as the row model reads it.
enum Value<'a> {
    Field(&'a Field, Zone),
    Nanos(i64, Zone),
    Uuid(&'a [u8]),
}

impl Value<'_> {
    fn is_absent(&self) -> bool {
        match self {
            Value::Field(field, _) => is_absent(field),
            Value::Nanos(..) | Value::Uuid(_) => false,
        }
    }

    /// The value as text, for the order key: text as it is, anything else as written.
    fn text(&self) -> Option<String> {
        match self {
            Value::Field(Field::Str(text), _) => Some(text.clone()),
            _ => {
                let mut json = String::new();
                self.write(&mut json).ok()?;
                Some(json.trim_matches('"').to_owned())
            }
        }
    }

    /// Appends the value's JSON; `Err(byte)` for binary that is not UTF-8, at `byte`
    /// (counted from 1).
    fn write(&self, out: &mut String) -> Result<(), usize> {
        match self {
            Value::Field(field, zone) => write_field(out, field, *zone),
            Value::Nanos(nanos, zone) => {
                let seconds = nanos.div_euclid(1_000_000_000);
                let nanos = nanos.rem_euclid(1_000_000_000) as u32;
                write_time(out, chrono::DateTime::from_timestamp(seconds, nanos), *zone);
                Ok(())
            }
            Value::Uuid(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let text = [
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..],
                ];
                write_json(out, &text.join("-"));
                Ok(())
            }
        }
    }
}

/// Null, and floats JSON cannot hold: absent, as an empty cell is.
fn is_absent(field: &Field) -> bool {
    match field {
        Field::Null => true,
        Field::Float(x) => !x.is_finite(),
        Field::Double(x) => !x.is_finite(),
        Field::Float16(x) => !x.is_finite(),
        _ => false,
    }
}

fn write_field(out: &mut String, field: &Field, zone: Zone) -> Result<(), usize> {
    use std::fmt::Write;
    match field {
        Field::Null => out.push_str("null"),
        Field::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Field::Byte(_)
        | Field::Short(_)
        | Field::Int(_)
        | Field::Long(_)
        | Field::UByte(_)
        | Field::UShort(_)
        | Field::UInt(_)
        | Field::ULong(_)
        | Field::Decimal(_) => write!(out, "{field}").expect("a String takes any text"),
        Field::Float16(x) if x.is_finite() => write_json(out, &f64::from(*x)),
        Field::Float(x) if x.is_finite() => write_json(out, x),
        Field::Double(x) if x.is_finite() => write_json(out, x),
        Field::Float16(_) | Field::Float(_) | Field::Double(_) => out.push_str("null"),
        Field::Str(text) => write_json(out, text),
        Field::Bytes(bytes) => match std::str::from_utf8(bytes.data()) {
            Ok(text) => write_json(out, text),
            Err(e) => return Err(e.valid_up_to() + 1),
        },
        Field::Date(days) => {
            let date = chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0);
            match date {
                Some(date) => write_json(out, &date.format("%Y-%m-%d").to_string()),
                None => out.push_str("null"),
            }
        }
        Field::TimeMillis(ms) => write_json(out, &time_of_day(i64::from(*ms) * 1_000)),
        Field::TimeMicros(us) => write_json(out, &time_of_day(*us)),
        Field::TimestampMillis(ms) => {
            write_time(out, chrono::DateTime::from_timestamp_millis(*ms), zone)
        }
        Field::TimestampMicros(us) => {
            write_time(out, chrono::DateTime::from_timestamp_micros(*us), zone)
        }
        Field::Group(row) => {
            out.push('{');
            for (at, (name, value)) in row.get_column_iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_json(out, name);
                out.push(':');
                write_field(out, value, Zone::Utc)?;
            }
            out.push('}');
        }
        Field::ListInternal(list) => {
            out.push('[');
            for (at, value) in list.elements().iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_field(out, value, Zone::Utc)?;
            }
            out.push(']');
        }
        Field::MapInternal(map) => {
            out.push('{');
            for (at, (key, value)) in map.entries().iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                match key {
                    Field::Str(key) => write_json(out, key),
                    key => write_json(out, &key.to_string()),
                }
                out.push(':');
                write_field(out, value, Zone::Utc)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// ISO 8601 at the value's own precision; `Z` for UTC, no offset for local time (read
/// as UTC by the component, as a CSV cell without an offset is). Out of chrono's range
/// (beyond ±262,000 years): null, which no valid event time is.
fn write_time(out: &mut String, time: Option<chrono::DateTime<chrono::Utc>>, zone: Zone) {
    let Some(time) = time else {
        out.push_str("null");
        return;
    };
    let text = time.format("%Y-%m-%dT%H:%M:%S%.f").to_string();
    match zone {
        Zone::Utc => write_json(out, &(text + "Z")),
        Zone::Local => write_json(out, &text),
    }
}

fn time_of_day(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        micros.rem_euclid(1_000_000)
    )
}

fn write_json(out: &mut String, value: &(impl serde::Serialize + ?Sized)) {
    out.push_str(&serde_json::to_string(value).expect("text and finite numbers serialise"));
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Columns, Rows};

    fn rows(name: &str) -> Vec<Result<super::Record, super::RowError>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/inputs")
            .join(name);
        let columns = Columns::new([
            "email",
            "phone",
            "event",
            "event_id",
            "timestamp",
            "value",
            "currency",
            "contents",
            "content_name",
            "external_id",
        ]);
        let file = std::fs::File::open(&path).unwrap();
        Rows::<&[u8]>::parquet(file, name, &columns)
            .unwrap()
            .map(|row| row.unwrap().record)
            .collect()
    }

    /// pyarrow's defaults (`scripts/input_fixtures.py`): the row model NDJSON of the
    /// same values would give, with pandas' nanosecond timestamps as ISO 8601 in UTC.
    #[test]
    fn typed_columns_become_the_json_an_ndjson_export_would_hold() {
        let rows = rows("pyarrow.parquet");
        let json: Vec<&str> = rows
            .iter()
            .map(|row| row.as_ref().unwrap().json.as_str())
            .collect();
        assert_eq!(
            json,
            [
                r#"{"email":"ada@example.com","phone":["+33 1 99 00 12 34"],"event":"Purchase","event_id":9007199254740993,"timestamp":"2026-11-11T10:00:00Z","value":12.50,"currency":"EUR","contents":[{"content_id":"crème","price":6.25,"quantity":2}]}"#,
                r#"{"phone":["+44 20 7946 0456",null],"event":"Purchase","event_id":9007199254740995,"timestamp":"2026-11-11T11:00:00.250Z"}"#,
                r#"{"email":"bob@example.com","event":"Purchase","event_id":3,"timestamp":"2099-01-01T00:00:00Z","value":3.00,"currency":"EUR","content_name":"Tea"}"#,
                r#"{"email":"zoë@example.com","phone":[],"event":"Lead","event_id":4,"timestamp":"2026-11-12T08:30:00Z","content_name":"日本茶"}"#,
            ]
        );
        let ids: Vec<Option<&str>> = rows
            .iter()
            .map(|row| row.as_ref().unwrap().event_id.as_deref())
            .collect();
        assert_eq!(
            ids,
            [
                Some("9007199254740993"),
                Some("9007199254740995"),
                Some("3"),
                Some("4")
            ]
        );
    }

    /// As Spark writes it: INT96 timestamps, zstd, upper-case names, row groups of two,
    /// binary that is not UTF-8 rejected by its column's name, a UUID as its text, and a
    /// blob the destination does not read left unread.
    #[test]
    fn spark_s_int96_times_are_utc_and_bad_binary_is_its_row_s_error() {
        let rows = rows("spark.parquet");
        assert_eq!(
            rows[1].as_ref().unwrap().json,
            r#"{"phone":"+44 20 7946 0456","event":"Purchase","event_id":"9007199254740995","timestamp":"2026-11-11T11:00:00.250Z","external_id":"00000000-0000-0000-0000-000000002222"}"#
        );
        assert_eq!(
            rows[2].as_ref().unwrap_err().to_string(),
            "column `content_name`: invalid UTF-8 at byte 2 of the cell"
        );
        assert_eq!(rows[3].as_ref().unwrap().event_id.as_deref(), Some("o-4"));
        assert_eq!(rows.len(), 4);
    }
}
