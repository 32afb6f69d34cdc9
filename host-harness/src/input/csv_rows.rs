//! CSV rows as JSON objects keyed by the header's column names.
//!
//! RFC 4180 as csv-core reads it (the header's separator, `"` quotes, `""` escapes a
//! quote, CR, LF or CRLF ends a row, blank lines are skipped), with csv-core's own
//! buffers owned here rather than the `csv` crate's: `csv` holds a whole record in
//! memory before returning it, so one unclosed quote would load the rest of the file.
//! This reader stops keeping a row past [`MAX_ROW_BYTES`] and skips to its end.
//!
//! The separator is read off the header row: `,`, `;` (Excel in locales whose decimal
//! mark is a comma) or tab, whichever the header uses. Header names are matched to the
//! destination's columns ignoring case ([`Columns`]) and written in its spelling.

use std::io::{self, BufRead};
use std::ops::Range;

use super::{Columns, HeaderError, InputError, MAX_ROW_BYTES, Record, RowError};

/// The separators a header may use, in the order a tie is named.
const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

pub(super) struct CsvRows<R> {
    rows: RowReader<R>,
    columns: Vec<Column>,
    event_id_column: Option<usize>,
}

/// What reading one CSV row gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum CsvRow {
    Record(Result<Record, RowError>),
    /// Every cell empty, as spreadsheets export an empty row (`,,,,`): skipped, counted.
    Blank,
}

struct Column {
    /// The destination's spelling of the name, or the header's for a column it does not read.
    name: String,
    /// As the header writes it.
    written: String,
    /// `"name":`, escaped once here rather than for every row.
    json_key: String,
}

impl<R: BufRead> CsvRows<R> {
    /// Reads the header row, which names the JSON keys of every row after it.
    pub(super) fn new(mut source: R, columns: &Columns) -> Result<Self, InputError> {
        let read_error = |source| InputError::Read {
            rows_read: 0,
            source,
        };
        let separator = separator(source.fill_buf().map_err(read_error)?)?;
        let mut rows = RowReader::new(source, separator);
        let read = rows.read().map_err(read_error)?;
        let problem = match read {
            Some(Scanned::Cells) => None,
            None => Some(HeaderError::Missing),
            Some(Scanned::TooLarge) => Some(HeaderError::TooLarge),
            Some(Scanned::UnclosedQuote) => Some(HeaderError::UnclosedQuote),
        };
        if let Some(problem) = problem {
            return Err(problem.into());
        }
        let header = header_columns(&rows.cells, columns)?;
        let event_id_column = header
            .iter()
            .position(|column| columns.is_order_key(&column.name));
        Ok(CsvRows {
            rows,
            columns: header,
            event_id_column,
        })
    }

    /// The next row, `None` at the end of the file.
    pub(super) fn next_record(&mut self) -> io::Result<Option<CsvRow>> {
        Ok(self.rows.read()?.map(|scanned| match scanned {
            Scanned::Cells if self.rows.cells.text().iter().all(u8::is_ascii_whitespace) => {
                CsvRow::Blank
            }
            Scanned::Cells => CsvRow::Record(self.record()),
            Scanned::TooLarge => CsvRow::Record(Err(RowError::TooLarge)),
            Scanned::UnclosedQuote => CsvRow::Record(Err(RowError::UnclosedQuote)),
        }))
    }

    /// The row just read as a JSON object of its non-empty cells, every value a string:
    /// the component parses numbers and dates itself.
    fn record(&self) -> Result<Record, RowError> {
        let cells = &self.rows.cells;
        if cells.len() != self.columns.len() {
            return Err(RowError::FieldCount {
                found: cells.len(),
                expected: self.columns.len(),
            });
        }
        let text =
            std::str::from_utf8(cells.text()).map_err(|e| self.utf8_error(e.valid_up_to()))?;
        let mut json = Vec::with_capacity(2 + text.len() + 16 * self.columns.len());
        json.push(b'{');
        for (index, column) in self.columns.iter().enumerate() {
            let cell = &text[cells.range(index)];
            if cell.is_empty() {
                continue;
            }
            if json.len() > 1 {
                json.push(b',');
            }
            json.extend_from_slice(column.json_key.as_bytes());
            serde_json::to_writer(&mut json, cell).expect("a str serialises into a Vec");
        }
        json.push(b'}');
        let event_id = self
            .event_id_column
            .map(|index| text[cells.range(index)].trim());
        Ok(Record {
            json: String::from_utf8(json).expect("serde_json writes UTF-8"),
            event_id: event_id.filter(|id| !id.is_empty()).map(str::to_owned),
        })
    }

    /// Locates the first invalid byte of the row (an offset into all its cells) by cell.
    fn utf8_error(&self, offset: usize) -> RowError {
        let cells = &self.rows.cells;
        let index = cells.ends[..cells.len()].partition_point(|&end| end <= offset);
        RowError::CellUtf8 {
            column: self.columns[index].name.clone(),
            byte: offset - cells.range(index).start + 1,
        }
    }
}

/// The separator of the header row at the start of `input`: the one of [`SEPARATORS`]
/// it uses outside quotes most often; `,` when it uses none (one column).
fn separator(input: &[u8]) -> Result<u8, HeaderError> {
    let mut counts = [0usize; SEPARATORS.len()];
    let mut quoted = false;
    for &byte in input {
        match byte {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(index) = SEPARATORS.iter().position(|&s| s == byte) {
                    counts[index] += 1;
                }
            }
            _ => {}
        }
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    let mut used = SEPARATORS
        .iter()
        .zip(counts)
        .filter(|&(_, n)| n == most && n > 0);
    match (used.next(), used.next()) {
        (None, _) => Ok(b','),
        (Some((&separator, _)), None) => Ok(separator),
        (Some((&a, _)), Some((&b, _))) => Err(HeaderError::AmbiguousSeparator {
            first: separator_name(a),
            second: separator_name(b),
        }),
    }
}

fn separator_name(separator: u8) -> &'static str {
    match separator {
        b',' => "`,`",
        b';' => "`;`",
        _ => "tab",
    }
}

/// The header's names in the destination's spelling; refuses a column named twice, in
/// any case (the destination would read both as one).
fn header_columns(cells: &Cells, known: &Columns) -> Result<Vec<Column>, HeaderError> {
    let mut columns: Vec<Column> = Vec::with_capacity(cells.len());
    for index in 0..cells.len() {
        let written = std::str::from_utf8(&cells.bytes[cells.range(index)])
            .map_err(|_| HeaderError::InvalidUtf8(index + 1))?
            .trim();
        if written.is_empty() {
            return Err(HeaderError::UnnamedColumn(index + 1));
        }
        if let Some(earlier) = columns
            .iter()
            .find(|c| c.written.eq_ignore_ascii_case(written))
        {
            return Err(HeaderError::DuplicateColumn {
                first: earlier.written.clone(),
                second: written.to_owned(),
            });
        }
        let name = known.canonical(written).unwrap_or(written);
        let json_key = serde_json::to_string(name).expect("a str serialises") + ":";
        columns.push(Column {
            name: name.to_owned(),
            written: written.to_owned(),
            json_key,
        });
    }
    Ok(columns)
}

/// What reading one row found; its cells are in [`RowReader::cells`].
#[derive(Debug, PartialEq, Eq)]
enum Scanned {
    Cells,
    TooLarge,
    UnclosedQuote,
}

/// Reads rows with `csv-core` into reused buffers, holding at most [`MAX_ROW_BYTES`] of
/// a row: csv-core writes into buffers its caller owns, so a runaway row or an unclosed
/// quote is skipped to its end without being kept.
struct RowReader<R> {
    source: R,
    /// Boxed: its state tables are half a kilobyte, moved with every reader.
    csv: Box<csv_core::Reader>,
    cells: Cells,
    /// Whether the end of the source was met and the closing `\n` fed (see [`RowReader::read`]).
    ended: bool,
}

/// Where the bytes of a row over the limit go.
const DISCARDED_BYTES: usize = 1 << 16;

impl<R: BufRead> RowReader<R> {
    fn new(source: R, separator: u8) -> Self {
        RowReader {
            source,
            csv: Box::new(csv_core::ReaderBuilder::new().delimiter(separator).build()),
            cells: Cells::default(),
            ended: false,
        }
    }

    /// Reads the next row into `self.cells`; `None` at the end of the file. Blank lines
    /// make no row (csv-core skips them).
    ///
    /// At the end of the source one `\n` is fed before the end itself: it ends a last
    /// row written without a line end exactly as the end would, but inside a quoted
    /// cell it is only more of the cell, so csv-core asking for more input then means
    /// the quote was never closed (csv-core would otherwise end the cell silently and
    /// swallow the rest of the file into it).
    fn read(&mut self) -> io::Result<Option<Scanned>> {
        self.cells.clear();
        let mut size = 0;
        // Whether the row has begun: csv-core skips line ends before it.
        let mut started = false;
        loop {
            let (input, fed_end) = match self.source.fill_buf()? {
                [] if self.ended => (&b""[..], false),
                [] => (&b"\n"[..], true),
                input => (input, false),
            };
            let (result, read) = self.cells.read_record(&mut self.csv, input);
            started |= input[..read].iter().any(|&b| b != b'\r' && b != b'\n');
            if fed_end {
                self.ended = true;
            } else {
                self.source.consume(read);
            }
            size += read;
            if size > MAX_ROW_BYTES {
                self.cells.discard();
            }
            match result {
                csv_core::ReadRecordResult::InputEmpty if fed_end && started => {
                    return Ok(Some(Scanned::UnclosedQuote));
                }
                csv_core::ReadRecordResult::InputEmpty
                | csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
                csv_core::ReadRecordResult::Record if self.cells.discarding => {
                    return Ok(Some(Scanned::TooLarge));
                }
                csv_core::ReadRecordResult::Record => return Ok(Some(Scanned::Cells)),
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

/// The cells of one row, concatenated, with the end offset of each.
#[derive(Debug, Default)]
struct Cells {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// Bytes and ends written so far; the vectors are room for csv-core to write in.
    written: usize,
    ends_written: usize,
    /// The row is over the size limit: keep nothing more of it.
    discarding: bool,
}

impl Cells {
    fn len(&self) -> usize {
        self.ends_written
    }

    fn range(&self, index: usize) -> Range<usize> {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        start..self.ends[index]
    }

    /// The bytes of every cell.
    fn text(&self) -> &[u8] {
        &self.bytes[..self.written]
    }

    /// One step of csv-core over `input`; returns its result and the input bytes used.
    /// Room grows as csv-core asks for it, up to the size limit; past it, output goes
    /// to a scratch buffer and is dropped.
    fn read_record(
        &mut self,
        csv: &mut csv_core::Reader,
        input: &[u8],
    ) -> (csv_core::ReadRecordResult, usize) {
        if self.discarding {
            let mut scratch = [0u8; DISCARDED_BYTES];
            let mut ends = [0usize; 64];
            let (result, read, _, _) = csv.read_record(input, &mut scratch, &mut ends);
            return (result, read);
        }
        if self.written == self.bytes.len() {
            self.bytes.resize((self.bytes.len() * 2).max(1 << 12), 0);
        }
        if self.ends_written == self.ends.len() {
            self.ends.resize((self.ends.len() * 2).max(64), 0);
        }
        let (result, read, written, ended) = csv.read_record(
            input,
            &mut self.bytes[self.written..],
            &mut self.ends[self.ends_written..],
        );
        // csv-core counts a record's ends from the record's start, across calls.
        self.written += written;
        self.ends_written += ended;
        (result, read)
    }

    fn discard(&mut self) {
        self.clear();
        self.bytes = Vec::new();
        self.ends = Vec::new();
        self.discarding = true;
    }

    fn clear(&mut self) {
        self.written = 0;
        self.ends_written = 0;
        self.discarding = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns {
        Columns::new(["email", "phone", "event_id", "value"])
    }

    fn rows(input: &[u8]) -> CsvRows<&[u8]> {
        CsvRows::new(input, &columns()).unwrap()
    }

    /// Each record of `input` as its JSON text or its error message, blank rows skipped.
    fn read(input: &[u8]) -> Vec<Result<String, String>> {
        let mut rows = rows(input);
        std::iter::from_fn(|| rows.next_record().unwrap())
            .filter_map(|row| match row {
                CsvRow::Record(record) => Some(record),
                CsvRow::Blank => None,
            })
            .map(|record| record.map(|r| r.json).map_err(|e| e.to_string()))
            .collect()
    }

    fn event_ids(input: &str) -> Vec<Option<String>> {
        let mut rows = rows(input.as_bytes());
        std::iter::from_fn(|| rows.next_record().unwrap())
            .map(|row| match row {
                CsvRow::Record(record) => record.unwrap().event_id,
                CsvRow::Blank => panic!("no blank rows here"),
            })
            .collect()
    }

    fn header_error(input: &[u8]) -> String {
        CsvRows::new(input, &columns()).err().unwrap().to_string()
    }

    #[test]
    fn cells_become_string_values_keyed_by_trimmed_header_names() {
        let input = b" email , value,quantity\nann@example.com,12.50,2\n";
        assert_eq!(
            read(input),
            vec![Ok(
                r#"{"email":"ann@example.com","value":"12.50","quantity":"2"}"#.into()
            )]
        );
    }

    #[test]
    fn quotes_newlines_and_unicode_are_escaped_as_json() {
        let input =
            "name,description\n\"Zoë \"\"Z\"\" Müller\",\"line one\r\nline two, with comma\"\n\
                     日本,tab\there\\back\n"
                .as_bytes();
        assert_eq!(
            read(input),
            vec![
                Ok(r#"{"name":"Zoë \"Z\" Müller","description":"line one\r\nline two, with comma"}"#.into()),
                Ok(r#"{"name":"日本","description":"tab\there\\back"}"#.into()),
            ]
        );
    }

    #[test]
    fn empty_cells_are_omitted_but_whitespace_is_kept_for_the_component_to_judge() {
        let input = b"email,phone,value\n,+12133734253,\n\"\", ,0\n";
        assert_eq!(
            read(input),
            vec![
                Ok(r#"{"phone":"+12133734253"}"#.into()),
                Ok(r#"{"phone":" ","value":"0"}"#.into())
            ]
        );
    }

    #[test]
    fn a_row_with_too_few_or_too_many_fields_is_reported_and_the_next_row_read() {
        let input = b"a,b,c\n1,2\n1,2,3,4\n1,2,3\n";
        assert_eq!(
            read(input),
            vec![
                Err("CSV: row has 2 fields, header has 3".into()),
                Err("CSV: row has 4 fields, header has 3".into()),
                Ok(r#"{"a":"1","b":"2","c":"3"}"#.into()),
            ]
        );
    }

    #[test]
    fn invalid_utf8_names_the_column_and_the_byte_within_the_cell() {
        let input = b"email,name\nann@example.com,Zo\xEB\nbob@example.com,Bob\n";
        assert_eq!(
            read(input),
            vec![
                Err("column `name`: invalid UTF-8 at byte 3 of the cell".into()),
                Ok(r#"{"email":"bob@example.com","name":"Bob"}"#.into()),
            ]
        );
    }

    #[test]
    fn blank_lines_and_crlf_line_ends_make_no_rows() {
        let input = b"\r\na,b\r\n\r\n1,2\r\n\n\n3,4";
        assert_eq!(
            read(input),
            vec![
                Ok(r#"{"a":"1","b":"2"}"#.into()),
                Ok(r#"{"a":"3","b":"4"}"#.into())
            ]
        );
    }

    #[test]
    fn a_trailing_comma_ends_with_an_empty_cell() {
        assert_eq!(read(b"a,b\n1,"), vec![Ok(r#"{"a":"1"}"#.into())]);
    }

    #[test]
    fn a_stray_quote_inside_unquoted_text_is_kept() {
        assert_eq!(
            read(b"a,b\n5\" pipe,x\"y\"z\n"),
            vec![Ok(r#"{"a":"5\" pipe","b":"x\"y\"z"}"#.into())]
        );
    }

    #[test]
    fn an_unclosed_quote_is_reported_instead_of_swallowing_the_file_silently() {
        let input = b"a,b\n1,\"open\n2,3\n";
        assert_eq!(
            read(input),
            vec![Err(
                "CSV: quoted field not closed before the end of the file".into()
            )]
        );
    }

    #[test]
    fn an_oversized_row_is_reported_and_the_next_row_keeps_its_place() {
        let mut input = b"a,b\n1,".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10 * MAX_ROW_BYTES));
        input.extend(b"\n2,3\n");
        let mut rows = rows(&input[..]);
        assert_eq!(
            rows.next_record().unwrap(),
            Some(CsvRow::Record(Err(RowError::TooLarge)))
        );
        assert!(
            rows.rows.cells.bytes.capacity() <= 2 * (MAX_ROW_BYTES + 1),
            "memory stays bounded"
        );
        let Some(CsvRow::Record(Ok(next))) = rows.next_record().unwrap() else {
            panic!("the next row is read")
        };
        assert_eq!(next.json, r#"{"a":"2","b":"3"}"#);
        assert_eq!(rows.next_record().unwrap(), None);
    }

    #[test]
    fn an_oversized_quoted_cell_with_line_breaks_is_skipped_to_its_real_end() {
        let mut input = b"a,b\n1,\"".to_vec();
        input.extend(b"x\n,".repeat(MAX_ROW_BYTES));
        input.extend(b"\"\n2,3\n");
        assert_eq!(
            read(&input),
            vec![
                Err("row larger than 1 MiB".into()),
                Ok(r#"{"a":"2","b":"3"}"#.into())
            ]
        );
    }

    #[test]
    fn a_row_of_exactly_the_limit_is_accepted() {
        let cell = "x".repeat(MAX_ROW_BYTES - 3);
        let input = format!("a,b\n1,{cell}\n");
        assert_eq!(
            read(input.as_bytes()),
            vec![Ok(format!(r#"{{"a":"1","b":"{cell}"}}"#))]
        );
    }

    #[test]
    fn event_id_is_the_trimmed_cell_of_the_event_id_column() {
        let input = "event_id,sku\n ord-1 ,a\n,b\nord-2,c\n";
        assert_eq!(
            event_ids(input),
            vec![Some("ord-1".into()), None, Some("ord-2".into())]
        );
        assert_eq!(event_ids("order_id\nord-1\n"), vec![None]);
    }

    #[test]
    fn header_problems_are_fatal_and_name_the_column() {
        assert_eq!(
            header_error(b"email, phone ,email\n"),
            "CSV header: column `email` appears twice"
        );
        assert_eq!(
            header_error(b"email,phone,EMAIL\n"),
            "CSV header: columns `email` and `EMAIL` name the same column (names match ignoring case)"
        );
        assert_eq!(
            header_error(b"email,,phone\n"),
            "CSV header: column 2 has no name"
        );
        assert_eq!(
            header_error(b"email,\xFFphone\n"),
            "CSV header: column 2 is not valid UTF-8"
        );
        assert_eq!(
            header_error(b""),
            "CSV header: the file is empty; expected a header row"
        );
        assert_eq!(
            header_error(b"\r\n\n"),
            "CSV header: the file is empty; expected a header row"
        );
        assert_eq!(
            header_error(b"\"email\n"),
            "CSV header: quoted name not closed before the end of the file"
        );
    }

    #[test]
    fn a_header_without_rows_has_no_rows() {
        assert_eq!(read(b"email,phone\n"), vec![]);
    }

    #[test]
    fn header_names_take_the_destination_spelling_in_any_case() {
        let input = b"EMAIL,Event_ID,SKU\nann@example.com, ord-1 ,a\n";
        assert_eq!(
            read(input),
            vec![Ok(
                r#"{"email":"ann@example.com","event_id":" ord-1 ","SKU":"a"}"#.into()
            )]
        );
        assert_eq!(
            event_ids("EVENT_ID,sku\nord-1,a\n"),
            vec![Some("ord-1".into())]
        );
    }

    #[test]
    fn the_separator_is_the_one_the_header_uses() {
        // European Excel: `;` between cells, `,` as the decimal mark.
        let semicolons = "email;value;event_id\nann@example.com;12,50;\"a;b\"\n";
        assert_eq!(
            read(semicolons.as_bytes()),
            vec![Ok(
                r#"{"email":"ann@example.com","value":"12,50","event_id":"a;b"}"#.into()
            )]
        );
        let tabs = "email\tvalue\nann@example.com\t1,000.50\n";
        assert_eq!(
            read(tabs.as_bytes()),
            vec![Ok(
                r#"{"email":"ann@example.com","value":"1,000.50"}"#.into()
            )]
        );
        // Separators inside a quoted name do not count.
        let quoted = "\"value; in EUR\",email\n1,ann@example.com\n";
        assert_eq!(
            read(quoted.as_bytes()),
            vec![Ok(
                r#"{"value; in EUR":"1","email":"ann@example.com"}"#.into()
            )]
        );
        assert_eq!(
            read(b"email\nann@example.com\n"),
            vec![Ok(r#"{"email":"ann@example.com"}"#.into())]
        );
    }

    #[test]
    fn a_header_using_two_separators_equally_is_refused_naming_them() {
        assert_eq!(
            header_error(b"email;phone,value\n"),
            "CSV header: cannot tell the separator: the header uses `,` and `;` equally often"
        );
    }

    #[test]
    fn a_row_of_empty_cells_is_blank_not_a_record() {
        let mut rows = rows(b"email,phone,value\n,,\n, ,\n,\nann@example.com,,\n");
        let read: Vec<CsvRow> = std::iter::from_fn(|| rows.next_record().unwrap()).collect();
        assert_eq!(
            read,
            vec![
                CsvRow::Blank,
                CsvRow::Blank,
                CsvRow::Blank,
                CsvRow::Record(Ok(Record {
                    json: r#"{"email":"ann@example.com"}"#.into(),
                    event_id: None
                }))
            ]
        );
    }
}
