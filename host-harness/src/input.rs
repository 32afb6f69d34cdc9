//! The user's input file, read as a stream of rows and cut into batches for the component.
//!
//! Memory stays flat whatever the file's size: rows are read one at a time into reused
//! buffers, and no row may exceed [`MAX_ROW_BYTES`] (a longer one is skipped and reported),
//! so one runaway line or unclosed quote cannot exhaust memory. A row that cannot be read
//! becomes a [`RowError`] in its place and the run goes on; only failing to open or read
//! the file itself ([`InputError`]) stops it.

mod batches;
mod columns;
mod csv_rows;
mod ndjson_rows;
mod order_key;
mod parquet_rows;

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::ProgressBar;

pub use batches::{Batches, MAX_ORDER_ROWS};
pub use columns::{Columns, ORDER_KEY};
use csv_rows::{CsvRow, CsvRows};
use ndjson_rows::NdjsonRows;
use parquet_rows::ParquetRows;

/// The largest row accepted, in bytes as written in the file.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// Read-ahead for files: big enough that the reader rarely waits on the OS.
const FILE_BUFFER_BYTES: usize = 1 << 16;

/// One data row, numbered from 1 in file order (a CSV header and blank lines do not count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u64,
    pub record: Result<Record, RowError>,
}

impl Row {
    /// The `event_id` of a readable row.
    pub fn event_id(&self) -> Option<&str> {
        self.record.as_ref().ok()?.event_id.as_deref()
    }

    /// The length of a readable row's JSON; 0 for an unreadable one.
    pub fn json_len(&self) -> usize {
        self.record.as_ref().map_or(0, |r| r.json.len())
    }
}

/// A readable row: its columns as one JSON object without a line break (NDJSON lines
/// as read, CSV rows as serialised), so that it is one line of the batch the component
/// gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub json: String,
    /// The row's `event_id` as text, trimmed; `None` when absent or empty. Rows of one
    /// order share it and must reach the component in the same batch.
    pub event_id: Option<String>,
}

/// Why one row cannot be read. Names the rule, never the row's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("row larger than 1 MiB")]
    TooLarge,
    #[error("CSV: row has {found} fields, header has {expected}")]
    FieldCount { found: usize, expected: usize },
    #[error("CSV: quoted field not closed before the end of the file")]
    UnclosedQuote,
    /// `byte` counts from 1 within the cell.
    #[error("column `{column}`: invalid UTF-8 at byte {byte} of the cell")]
    CellUtf8 { column: String, byte: usize },
    /// `byte` counts from 1 within the line.
    #[error("invalid UTF-8 at byte {byte}")]
    LineUtf8 { byte: usize },
    #[error("invalid JSON: {reason} at column {column}")]
    InvalidJson { reason: String, column: usize },
    #[error("not a JSON object")]
    NotObject,
    /// The order has more rows than one event holds ([`batches::MAX_ORDER_ROWS`]); the
    /// same reason as the component's for an event of too many rows.
    #[error(
        "event_id: more than {max} rows share it; one event holds at most {max}",
        max = batches::MAX_ORDER_ROWS
    )]
    OrderTooLarge,
}

/// Why the input as a whole cannot be read: the run stops.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "{path}: unsupported input; expected a .csv, .tsv, .ndjson, .jsonl (each may be gzip-compressed, .gz) or .parquet file, or `-` for stdin; or say which with --format csv|ndjson|parquet"
    )]
    UnsupportedFormat { path: String },
    #[error(
        "stdin does not start with a JSON object, as NDJSON does, nor as Parquet does; for CSV, pass --format csv"
    )]
    StdinNotNdjson,
    #[error(
        "{path}: not a readable Parquet file: {reason} (Parquet keeps its index at its end: a file cut short cannot be read)"
    )]
    Parquet { path: String, reason: String },
    #[error("Parquet columns: {0}")]
    ParquetColumns(HeaderError),
    #[error("cannot keep stdin's Parquet in a temporary file: {0}")]
    Spool(io::Error),
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error("read error after {rows_read} rows: {source}")]
    Read { rows_read: u64, source: io::Error },
    #[error("CSV header: {0}")]
    Header(#[from] HeaderError),
}

/// Why a CSV header row is unusable. Without it no row can be read, so it is fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("the file is empty; expected a header row")]
    Missing,
    #[error("{}", duplicate_column(first, second))]
    DuplicateColumn { first: String, second: String },
    #[error("cannot tell the separator: the header uses {first} and {second} equally often")]
    AmbiguousSeparator {
        first: &'static str,
        second: &'static str,
    },
    /// Counted from 1.
    #[error("column {0} has no name")]
    UnnamedColumn(usize),
    /// Counted from 1.
    #[error("column {0} is not valid UTF-8")]
    InvalidUtf8(usize),
    #[error("larger than 1 MiB")]
    TooLarge,
    #[error("quoted name not closed before the end of the file")]
    UnclosedQuote,
}

fn duplicate_column(first: &str, second: &str) -> String {
    if first == second {
        format!("column `{first}` appears twice")
    } else {
        format!("columns `{first}` and `{second}` name the same column (names match ignoring case)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A header row naming the columns, then one row per record; `,`, `;` or tab
    /// between cells.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet, as warehouses export it (snappy, gzip, zstd or lz4 compressed).
    Parquet,
}

impl Format {
    /// `given`, else the format `path`'s name says (`.csv`, `.tsv`, `.ndjson`, `.jsonl`,
    /// each also with `.gz`, and `.parquet`); `-` (stdin) is NDJSON unless `given` says
    /// otherwise.
    pub fn of_path(path: &Path, given: Option<Format>) -> Result<Format, InputError> {
        if let Some(format) = given {
            return Ok(format);
        }
        if path == Path::new("-") {
            return Ok(Format::Ndjson);
        }
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("csv" | "tsv") => Ok(Format::Csv),
            Some("ndjson" | "jsonl") => Ok(Format::Ndjson),
            Some("parquet") => Ok(Format::Parquet),
            _ => Err(InputError::UnsupportedFormat {
                path: path.display().to_string(),
            }),
        }
    }
}

/// The input source of [`open`]: a file or stdin. `Send` so a reader thread can own it.
pub type Source = Box<dyn BufRead + Send>;

/// Opens `path` (or stdin for `-`) in `format`, else the format its name says, reading
/// the columns of a destination that reads `columns`. Gzip-compressed input is
/// recognised by its first bytes, whatever its name, and read as a stream.
pub fn open(
    path: &Path,
    format: Option<Format>,
    columns: &Columns,
) -> Result<Rows<Source>, InputError> {
    open_with_progress(path, format, columns, None)
}

/// [`open`], and for a file, `progress` becomes a bar of its bytes, advanced as they
/// are read (compressed bytes, for a gzip file): rows vary in size, bytes give an
/// honest percentage and ETA. Stdin's size is unknown, so its progress stays a count
/// of rows.
pub fn open_with_progress(
    path: &Path,
    format: Option<Format>,
    columns: &Columns,
    progress: Option<&ProgressBar>,
) -> Result<Rows<Source>, InputError> {
    let given = format;
    let source: Source = if path == Path::new("-") {
        Box::new(BufReader::with_capacity(FILE_BUFFER_BYTES, io::stdin()))
    } else {
        let open = |source| InputError::Open {
            path: path.display().to_string(),
            source,
        };
        let mut file = File::open(path).map_err(open)?;
        let parquet = match given {
            Some(format) => format == Format::Parquet,
            None => starts_as_parquet(&mut file).map_err(open)?,
        };
        if parquet {
            // Its progress stays a count of rows: the reader seeks about the file.
            return Rows::parquet(file, &path.display().to_string(), columns);
        }
        match progress {
            Some(bar) => {
                bar.set_length(file.metadata().map_err(open)?.len());
                let reader = bar.wrap_read(file);
                Box::new(BufReader::with_capacity(FILE_BUFFER_BYTES, reader))
            }
            None => Box::new(BufReader::with_capacity(FILE_BUFFER_BYTES, file)),
        }
    };
    let mut source = gunzipped(source)?;
    let format = match given {
        Some(format) => format,
        None if path != Path::new("-") => Format::of_path(path, None)?,
        None if starts_with(&mut source, PARQUET_MAGIC)? => Format::Parquet,
        None if starts_like_ndjson(&mut source)? => Format::Ndjson,
        None => return Err(InputError::StdinNotNdjson),
    };
    Rows::new(source, format, columns)
}

/// The first bytes of every Parquet file (and its last).
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Whether `file` is Parquet by its first bytes, whatever its name; the file is left at
/// its start.
fn starts_as_parquet(file: &mut File) -> io::Result<bool> {
    use std::io::{Read, Seek};
    let mut start = [0; PARQUET_MAGIC.len()];
    let read = file.read(&mut start)?;
    file.rewind()?;
    Ok(start[..read] == *PARQUET_MAGIC)
}

fn starts_with(source: &mut Source, magic: &[u8]) -> Result<bool, InputError> {
    let start = source.fill_buf().map_err(|source| InputError::Read {
        rows_read: 0,
        source,
    })?;
    Ok(start.starts_with(magic))
}

/// Whether the input starts as NDJSON does, with `{` (or is empty): stdin read without
/// `--format` is taken for NDJSON, and CSV piped in would otherwise become one
/// rejected row per line.
fn starts_like_ndjson(source: &mut Source) -> Result<bool, InputError> {
    let start = source.fill_buf().map_err(|source| InputError::Read {
        rows_read: 0,
        source,
    })?;
    let start = start
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(start);
    Ok(match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(first) => *first == b'{',
        None => true,
    })
}

/// `source`, decompressed as it is read when it starts as gzip does (`1f 8b`): exports
/// are compressed whatever their name says. Every member is read, as `cat a.gz b.gz`
/// and some writers make several. A cut or corrupt stream is a read error where it
/// breaks: the rows before it are read.
fn gunzipped(mut source: Source) -> Result<Source, InputError> {
    let start = source.fill_buf().map_err(|source| InputError::Read {
        rows_read: 0,
        source,
    })?;
    if !start.starts_with(&[0x1f, 0x8b]) {
        return Ok(source);
    }
    let decoder = flate2::bufread::MultiGzDecoder::new(source);
    Ok(Box::new(BufReader::with_capacity(
        FILE_BUFFER_BYTES,
        decoder,
    )))
}

/// The rows of an input, in order. Yields `Err` once, on a read error, then ends.
pub struct Rows<R> {
    reader: Reader<R>,
    rows_read: u64,
    blank_rows: BlankRows,
    failed: bool,
}

/// How many blank CSV rows (every cell empty, as spreadsheets export an empty row) were
/// skipped: they are not numbered and get no outcome. Shared, so it can be read after
/// the rows have been handed to a job.
#[derive(Debug, Clone, Default)]
pub struct BlankRows(Arc<AtomicU64>);

impl BlankRows {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

enum Reader<R> {
    Csv(CsvRows<R>),
    Ndjson(NdjsonRows<R>),
    /// Reads its own file: Parquet's index is at the end, so it is not a stream.
    Parquet(ParquetRows),
}

impl<R: BufRead> Rows<R> {
    /// Reads `source` as `format`; for CSV this reads and checks the header row.
    pub fn new(mut source: R, format: Format, columns: &Columns) -> Result<Self, InputError> {
        skip_byte_order_mark(&mut source).map_err(|source| InputError::Read {
            rows_read: 0,
            source,
        })?;
        let reader = match format {
            Format::Csv => Reader::Csv(CsvRows::new(source, columns)?),
            Format::Ndjson => Reader::Ndjson(NdjsonRows::new(source, columns.clone())),
            Format::Parquet => {
                let file = spooled(source).map_err(InputError::Spool)?;
                Reader::Parquet(ParquetRows::new(file, "the input", columns)?)
            }
        };
        Ok(Rows::of(reader))
    }

    /// Reads the Parquet file `file`, named `path` in errors.
    pub fn parquet(file: File, path: &str, columns: &Columns) -> Result<Self, InputError> {
        Ok(Rows::of(Reader::Parquet(ParquetRows::new(
            file, path, columns,
        )?)))
    }

    fn of(reader: Reader<R>) -> Self {
        Rows {
            reader,
            rows_read: 0,
            blank_rows: BlankRows::default(),
            failed: false,
        }
    }

    /// The count of blank rows skipped, as it grows.
    pub fn blank_rows(&self) -> BlankRows {
        self.blank_rows.clone()
    }

    /// Groups the rows into batches of at most `max_rows` (see [`Batches`]).
    pub fn batches(self, max_rows: NonZeroUsize) -> Batches<Self> {
        Batches::new(self, max_rows)
    }
}

impl<R: BufRead> Iterator for Rows<R> {
    type Item = Result<Row, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = match &mut self.reader {
            Reader::Csv(csv) => loop {
                match csv.next_record() {
                    Ok(Some(CsvRow::Blank)) => self.blank_rows.add_one(),
                    Ok(Some(CsvRow::Record(record))) => break Ok(Some(record)),
                    Ok(None) => break Ok(None),
                    Err(e) => break Err(e),
                }
            },
            Reader::Ndjson(ndjson) => ndjson.next_record(),
            Reader::Parquet(parquet) => parquet.next_record(),
        };
        match next {
            Ok(Some(record)) => {
                self.rows_read += 1;
                Some(Ok(Row {
                    number: self.rows_read,
                    record,
                }))
            }
            Ok(None) => None,
            Err(source) => {
                self.failed = true;
                Some(Err(InputError::Read {
                    rows_read: self.rows_read,
                    source,
                }))
            }
        }
    }
}

/// A stream of Parquet (stdin) in an unnamed temporary file, deleted when closed:
/// Parquet's index is at its end, so it is read only once the stream has ended.
fn spooled(mut source: impl BufRead) -> io::Result<File> {
    use std::io::Seek;
    let mut file = tempfile::tempfile()?;
    io::copy(&mut source, &mut file)?;
    file.rewind()?;
    Ok(file)
}

/// Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of the data.
fn skip_byte_order_mark(source: &mut impl BufRead) -> io::Result<()> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if source.fill_buf()?.starts_with(BOM) {
        source.consume(BOM.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns {
        Columns::new(["email", "event_id"])
    }

    fn rows(format: Format, input: &str) -> Vec<Row> {
        Rows::new(input.as_bytes(), format, &columns())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn format_follows_the_name_or_the_format_given() {
        let by_name = |name: &str| Format::of_path(Path::new(name), None).unwrap();
        assert_eq!(by_name("a/b.CSV"), Format::Csv);
        assert_eq!(by_name("b.tsv"), Format::Csv);
        assert_eq!(by_name("b.csv.gz"), Format::Csv);
        assert_eq!(by_name("b.ndjson"), Format::Ndjson);
        assert_eq!(by_name("b.jsonl.GZ"), Format::Ndjson);
        assert_eq!(by_name("data_0_0_0.snappy.parquet"), Format::Parquet);
        assert_eq!(by_name("-"), Format::Ndjson);
        let given = |name: &str, format| Format::of_path(Path::new(name), Some(format)).unwrap();
        assert_eq!(given("-", Format::Csv), Format::Csv);
        assert_eq!(given("export.txt", Format::Ndjson), Format::Ndjson);
        let error = Format::of_path(Path::new("data/events.xlsx"), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "data/events.xlsx: unsupported input; expected a .csv, .tsv, .ndjson, .jsonl (each may be gzip-compressed, .gz) or .parquet file, or `-` for stdin; or say which with --format csv|ndjson|parquet"
        );
        for name in ["events", "events.gz"] {
            assert!(matches!(
                Format::of_path(Path::new(name), None),
                Err(InputError::UnsupportedFormat { .. })
            ));
        }
    }

    #[test]
    fn open_reports_a_missing_file_with_its_path() {
        let error = open(Path::new("/nonexistent/events.csv"), None, &columns())
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .starts_with("cannot open /nonexistent/events.csv: "),
            "{error}"
        );
    }

    #[test]
    fn open_reads_a_file_by_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, "{\"event_id\":\"a\"}\n").unwrap();
        let rows: Vec<Row> = open(&path, None, &columns())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let record = Record {
            json: r#"{"event_id":"a"}"#.into(),
            event_id: Some("a".into()),
        };
        assert_eq!(
            rows,
            vec![Row {
                number: 1,
                record: Ok(record)
            }]
        );
    }

    #[test]
    fn a_progress_bar_measures_a_file_in_bytes_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        let csv = "email,event_id\na@b.c,1\nd@e.f,2\n";
        std::fs::write(&path, csv).unwrap();
        let bar = ProgressBar::hidden();
        let rows = open_with_progress(&path, None, &columns(), Some(&bar)).unwrap();
        assert_eq!(bar.length(), Some(csv.len() as u64));
        assert_eq!(rows.count(), 2);
        assert_eq!(bar.position(), csv.len() as u64);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_column_name() {
        let rows = rows(Format::Csv, "\u{FEFF}email\nx@example.com\n");
        assert_eq!(
            rows[0].record.as_ref().unwrap().json,
            r#"{"email":"x@example.com"}"#
        );
    }

    #[test]
    fn rows_are_numbered_in_file_order_counting_unreadable_rows_but_not_blank_lines() {
        let oversized = "x".repeat(MAX_ROW_BYTES);
        let input = format!("{{\"a\":1}}\n\n{{\"a\":\"{oversized}\"}}\n\n{{\"a\":2}}\n");
        let numbered: Vec<(u64, Result<String, RowError>)> = rows(Format::Ndjson, &input)
            .into_iter()
            .map(|row| (row.number, row.record.map(|r| r.json)))
            .collect();
        assert_eq!(
            numbered,
            vec![
                (1, Ok(r#"{"a":1}"#.into())),
                (2, Err(RowError::TooLarge)),
                (3, Ok(r#"{"a":2}"#.into()))
            ]
        );
    }

    #[test]
    fn a_csv_file_batches_by_order() {
        let input = "event_id,sku\nA,1\nA,2\nB,3\nB,4\nB,5\nC,6\nD,7\n";
        let rows = Rows::new(input.as_bytes(), Format::Csv, &columns()).unwrap();
        let batches: Vec<Vec<(u64, String)>> = rows
            .batches(NonZeroUsize::new(3).unwrap())
            .map(|batch| {
                let batch = batch.unwrap();
                batch
                    .into_iter()
                    .map(|row| (row.number, row.record.unwrap().json))
                    .collect()
            })
            .collect();
        let row = |number: u64, order: &str, sku: u8| {
            (number, format!(r#"{{"event_id":"{order}","sku":"{sku}"}}"#))
        };
        assert_eq!(
            batches,
            vec![
                vec![
                    row(1, "A", 1),
                    row(2, "A", 2),
                    row(3, "B", 3),
                    row(4, "B", 4),
                    row(5, "B", 5)
                ],
                vec![row(6, "C", 6), row(7, "D", 7)],
            ]
        );
    }

    /// A source that fails after its first line, like a disk error mid-file.
    struct FailingAfterFirstLine(Option<&'static [u8]>);

    impl io::Read for FailingAfterFirstLine {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            unreachable!("read through BufRead only")
        }
    }

    impl BufRead for FailingAfterFirstLine {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            match self.0 {
                Some(line) => Ok(line),
                None => Err(io::Error::other("disk on fire")),
            }
        }
        fn consume(&mut self, amount: usize) {
            let line = self.0.unwrap();
            self.0 = if amount < line.len() {
                Some(&line[amount..])
            } else {
                None
            };
        }
    }

    #[test]
    fn a_read_error_is_reported_once_with_the_rows_read_so_far_then_the_rows_end() {
        let mut rows = Rows::new(
            FailingAfterFirstLine(Some(b"{}\n")),
            Format::Ndjson,
            &columns(),
        )
        .unwrap();
        assert_eq!(rows.next().unwrap().unwrap().number, 1);
        let error = rows.next().unwrap().unwrap_err();
        assert_eq!(error.to_string(), "read error after 1 rows: disk on fire");
        assert!(rows.next().is_none());
    }

    #[test]
    fn blank_csv_rows_are_counted_not_numbered() {
        let rows = Rows::new(
            "email,event_id\n,\na@b.c,1\n,,\n\nd@e.f,2\n".as_bytes(),
            Format::Csv,
            &columns(),
        )
        .unwrap();
        let blank = rows.blank_rows();
        let numbers: Vec<u64> = rows.map(|row| row.unwrap().number).collect();
        assert_eq!(numbers, [1, 2]);
        assert_eq!(blank.count(), 2);
    }
}
