//! The fast path of [`Row::parse`]: one pass over a flat JSON object, no serde.
//!
//! Reading the row was a third of a batch's time through `serde_json`'s generic
//! machinery. Exports are flat objects of strings, numbers, booleans and nulls, so this
//! scanner reads exactly that and gives up (`None`) on everything else: escapes,
//! nested values, duplicate columns, huge numbers, anything invalid. The caller then
//! reads the row with `serde_json`, which gives the same result or the precise error.
//! A row it does accept is the row serde would have made (the fuzz target and the
//! tests below compare the two).

use std::borrow::Cow;

use super::{ALL, COLUMNS, Cell, Column, MAX_LIST_VALUES, Row, Scalar, text, trim};
use crate::hot::bytes::equal_to_lowercase;
use crate::hot::float;
use crate::hot::json_text::plain_len;

/// The order of the keys of the rows read so far: for each column (and the start of
/// the object), the column whose key followed it last time. An export gives every row
/// the same keys in the same order, so the next key is first compared with the one
/// expected there, which spares finding where it ends and looking it up (a fifth of
/// reading a row). Only a hint: a key that does not match is read as any other.
#[derive(Debug, Clone)]
pub struct KeyOrder {
    /// Indexed by [`KeyOrder::slot`] of the previous key; the next column's index + 1,
    /// 0 when unknown.
    next: [u8; COLUMNS.len() + 2],
}

impl Default for KeyOrder {
    fn default() -> KeyOrder {
        KeyOrder {
            next: [0; COLUMNS.len() + 2],
        }
    }
}

impl KeyOrder {
    /// The object's start is slot 0, a column its index + 1, an unknown key the last.
    fn slot(previous: Option<Option<Column>>) -> usize {
        match previous {
            None => 0,
            Some(Some(column)) => column as usize + 1,
            Some(None) => COLUMNS.len() + 1,
        }
    }

    fn expected(&self, slot: usize) -> Option<Column> {
        let next = self.next[slot];
        (next != 0).then(|| ALL[usize::from(next) - 1])
    }

    fn remember(&mut self, slot: usize, column: Option<Column>) {
        self.next[slot] = column.map_or(0, |column| column as u8 + 1);
    }
}

/// Reads `json` into `row` (empty) if it is a flat object this scanner handles; `None`
/// leaves `row` part filled.
pub(super) fn row<'a>(json: &'a str, row: &mut Row<'a>, order: &mut KeyOrder) -> Option<()> {
    let mut scanner = Scanner {
        text: json,
        bytes: json.as_bytes(),
        at: 0,
        in_line: false,
    };
    object(&mut scanner, row, order)?;
    scanner.skip_whitespace();
    (scanner.at == scanner.bytes.len()).then_some(())
}

/// [`row`] for the first line of `text`: the length of the line when it is such an
/// object (then `text` ends there or has a line break), else `None`. The scan never
/// crosses a line break: whitespace stops at one, and the strings it reads hold no
/// control character.
pub(super) fn line<'a>(text: &'a str, row: &mut Row<'a>, order: &mut KeyOrder) -> Option<usize> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        in_line: true,
    };
    object(&mut scanner, row, order)?;
    scanner.skip_whitespace();
    matches!(scanner.bytes.get(scanner.at), None | Some(b'\n')).then_some(scanner.at)
}

/// Reads the object at the scanner into `row`, up to its closing brace.
#[inline(always)]
fn object<'a>(scanner: &mut Scanner<'a>, row: &mut Row<'a>, order: &mut KeyOrder) -> Option<()> {
    let mut seen = [false; COLUMNS.len()];
    let mut slot = KeyOrder::slot(None);
    scanner.expect(b'{')?;
    if scanner.peek()? == b'}' {
        scanner.at += 1;
    } else {
        loop {
            scanner.expect(b'"')?;
            let column = match order.expected(slot) {
                Some(expected) if scanner.key_is(expected) => Some(expected),
                _ => {
                    let column = Column::find(scanner.string()?);
                    order.remember(slot, column);
                    column
                }
            };
            slot = KeyOrder::slot(Some(column));
            scanner.expect(b':')?;
            match column {
                Some(column) => {
                    // Items in one row (`contents`) are kept as JSON: serde's part.
                    if std::mem::replace(&mut seen[column as usize], true) || column.takes_json() {
                        return None;
                    }
                    // Most cells are text: trimmed in place and written straight into
                    // the row, not returned through `cell` (three copies of the cell
                    // in WebAssembly).
                    if scanner.peek()? == b'"' {
                        scanner.at += 1;
                        let text = trim(scanner.string()?);
                        if !text.is_empty() {
                            row.put(column, Some(Cell::One(Scalar::Text(Cow::Borrowed(text)))));
                        }
                    } else {
                        row.put(column, scanner.detached(|s| s.cell(column.takes_lists()))?);
                    }
                }
                None => {
                    scanner.detached(Scanner::scalar)?;
                }
            }
            match scanner.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    Some(())
}

#[derive(Clone, Copy)]
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// A line break ends the text rather than being whitespace.
    in_line: bool,
}

impl<'a> Scanner<'a> {
    /// Runs `read`, a reader kept out of line, on a copy of the scanner, then takes
    /// its position. A scanner passed by reference to a call lives in memory, and so
    /// every step of the inlined readers would load and store its position; the
    /// copy lets it stay in registers.
    #[inline(always)]
    fn detached<T>(&mut self, read: impl FnOnce(&mut Scanner<'a>) -> Option<T>) -> Option<T> {
        let mut copy = *self;
        let value = read(&mut copy);
        self.at = copy.at;
        value
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b' ' | b'\t' | b'\r' => {}
                b'\n' if !self.in_line => {}
                _ => break,
            }
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed. Exports rarely hold
    /// whitespace between tokens, so the byte at hand is tried first.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        match self.bytes.get(self.at) {
            Some(&byte) if byte > b' ' => Some(byte),
            _ => {
                self.skip_whitespace();
                self.bytes.get(self.at).copied()
            }
        }
    }

    /// The next byte that is not whitespace, consumed.
    #[inline]
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// The rest of a string whose opening quote was read; `None` for one with escapes
    /// or control characters.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        let end = start + plain_len(&self.bytes[start..])?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        debug_assert_eq!(self.bytes[start - 1], b'"');
        // SAFETY: `start` follows the opening quote and `end` is at the closing one:
        // quotes are ASCII, so both are character boundaries, and `end` is in bounds.
        // (`str::get` checking them cost 450 instructions per row in WebAssembly.)
        Some(unsafe { self.text.get_unchecked(start..end) })
    }

    /// Whether the key whose opening quote was read is `column`'s name (any case, as
    /// [`Column::find`] matches), then consumed with its closing quote.
    #[inline(always)]
    fn key_is(&mut self, column: Column) -> bool {
        let name = column.name().as_bytes();
        let end = self.at + name.len();
        let matches = self.bytes.get(end) == Some(&b'"')
            && equal_to_lowercase(&self.bytes[self.at..end], name);
        if matches {
            self.at = end + 1;
        }
        matches
    }

    /// A column's value as a cell: what `CellSeed` makes of it. (`row` handles text
    /// itself.)
    fn cell(&mut self, list: bool) -> Option<Option<Cell<'a>>> {
        if self.peek()? != b'[' {
            return self.scalar().map(|scalar| scalar.and_then(cell));
        }
        if !list {
            return None;
        }
        self.at += 1;
        let mut values = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(None);
        }
        // serde counts elements, nulls and empty texts included.
        for elements in 0.. {
            if elements == MAX_LIST_VALUES {
                return None;
            }
            match self.scalar()?.and_then(cell) {
                Some(Cell::One(scalar)) => values.push(scalar),
                Some(_) => return None,
                None => {}
            }
            match self.next()? {
                b',' => continue,
                b']' => break,
                _ => return None,
            }
        }
        Some((!values.is_empty()).then_some(Cell::Many(values)))
    }

    /// A string, number, boolean or null (`Some(None)`); `None` for anything else.
    fn scalar(&mut self) -> Option<Option<Scalar<'a>>> {
        match self.next()? {
            b'"' => self.string().map(|s| Some(Scalar::Text(Cow::Borrowed(s)))),
            b't' => self.literal(b"rue").map(|()| Some(Scalar::Bool(true))),
            b'f' => self.literal(b"alse").map(|()| Some(Scalar::Bool(false))),
            b'n' => self.literal(b"ull").map(|()| None),
            b'-' | b'0'..=b'9' => {
                self.at -= 1;
                self.number().map(Some)
            }
            _ => None,
        }
    }

    #[inline]
    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.at + rest.len();
        (self.bytes.get(self.at..end)? == rest).then(|| self.at = end)
    }

    /// A JSON number as `serde_json` reads it: integers exact, the rest `f64`. Gives up
    /// where serde's result takes more than one exact operation to reproduce: more
    /// than 18 significant digits, a power of ten beyond 22.
    fn number(&mut self) -> Option<Scalar<'a>> {
        let negative = self.bytes[self.at] == b'-';
        self.at += usize::from(negative);
        let (int, int_value) = self.digits()?;
        if int.len() > 1 && int[0] == b'0' {
            return None;
        }
        let frac = match self.bytes.get(self.at) {
            Some(b'.') => {
                self.at += 1;
                Some(self.digits()?)
            }
            _ => None,
        };
        let exponent = match self.bytes.get(self.at) {
            Some(b'e' | b'E') => {
                self.at += 1;
                Some(self.exponent()?)
            }
            _ => None,
        };
        let (frac_digits, frac_value) = frac.unwrap_or_default();
        let significand =
            float::joined_significand((int.len(), int_value), (frac_digits.len(), frac_value))?;
        // serde reads `-0` as the float -0.0.
        if frac.is_none() && exponent.is_none() && !(negative && significand == 0) {
            // At most 18 digits: within i64.
            let n = significand as i64;
            return Some(Scalar::Integer(if negative { -n } else { n }));
        }
        let exponent = exponent.unwrap_or(0) - frac_digits.len() as i32;
        float::from_parts(negative, significand, exponent).map(Scalar::Float)
    }

    /// One or more digits, and their value (wrapped beyond 19 digits, which the
    /// caller refuses): read and added up in one loop.
    #[inline]
    fn digits(&mut self) -> Option<(&'a [u8], u64)> {
        let start = self.at;
        let mut at = start;
        let mut value = 0u64;
        while let Some(&byte) = self.bytes.get(at) {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            at += 1;
        }
        self.at = at;
        (at > start).then(|| (&self.bytes[start..at], value))
    }

    /// An exponent's optional sign and digits, at most three of them.
    fn exponent(&mut self) -> Option<i32> {
        let negative = self.bytes.get(self.at) == Some(&b'-');
        if matches!(self.bytes.get(self.at), Some(b'-' | b'+')) {
            self.at += 1;
        }
        let (digits, _) = self.digits()?;
        if digits.len() > 3 {
            return None;
        }
        let n = digits
            .iter()
            .fold(0i32, |n, &d| n * 10 + i32::from(d - b'0'));
        Some(if negative { -n } else { n })
    }
}

/// A scalar as the cell it makes: text trimmed, empty text absent.
fn cell(scalar: Scalar<'_>) -> Option<Cell<'_>> {
    match scalar {
        Scalar::Text(s) => text(s),
        other => Some(Cell::One(other)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The scanner's row, checked against serde's; read twice, the second time with
    /// the key order the first taught (the keys predicted), with the same result.
    fn scanned(json: &str) -> Option<Row<'_>> {
        let mut order = KeyOrder::default();
        row(json, &mut Row::default(), &mut order)?;
        let mut scanned = Row::default();
        row(json, &mut scanned, &mut order).expect("scanned once, scanned again");
        let row = scanned;
        // Debug tells -0.0 from 0.0, which `==` does not.
        let serde = format!("{:?}", Row::parse_with_serde(json));
        assert_eq!(
            format!("{:?}", Ok::<_, super::super::RowError>(&row)),
            serde,
            "{json}"
        );
        Some(row)
    }

    #[test]
    fn flat_rows_are_scanned_as_serde_reads_them() {
        for json in [
            r#"{"email": " ALICE_abc@gmail.com ", "phone": "+12133734253", "event": "purchase", "event_id": "ord-1",
                "timestamp": "2023-05-20T09:19:55Z", "order_id": 10023, "value": 46, "currency": "usd",
                "content_id": 1077218, "content_name": "running shoes", "price": "8.0", "quantity": 2,
                "event_channel": "in_store", "unknown": null, "score": -1.5e3, "vip": true}"#,
            r#"{}"#,
            " {\"EMAIL\":\"a@b.c\"\t,\r\n\"Order_Id\" : 7 } \n",
            r#"{"value": 19.9, "price": 0.1, "quantity": -0, "order_id": -12, "shop_id": 0.0}"#,
            r#"{"value": 1e22, "price": 123456789012345678, "timestamp": 1.5E-3, "order_id": -0.0}"#,
            r#"{"email": ["a@b.c", null, " ", 42, "B@C.D"], "phone": [], "country": ""}"#,
            r#"{"email": [null], "phone": ["  "], "description": "café ☕"}"#,
            r#"{"event_id": true, "shop_id": false, "brand": null}"#,
        ] {
            assert!(scanned(json).is_some(), "not scanned: {json}");
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for json in [
            r#"{"email": "a\"b@c.d"}"#,
            r#"{"em\u0061il": "a@b.c"}"#,
            "{\"email\": \"a\tb@c.d\"}",
            r#"{"email": "a@b.c", "Email": "b@c.d"}"#,
            r#"{"order_id": ["a"]}"#,
            r#"{"email": [["a@b.c"]]}"#,
            r#"{"segment": {"a": 1}}"#,
            r#"{"x": [1]}"#,
            r#"{"value": 01}"#,
            r#"{"value": 1.}"#,
            r#"{"value": .5}"#,
            r#"{"value": 1e400}"#,
            r#"{"value": 1e23}"#,
            r#"{"value": 1234567890123456789}"#,
            r#"{"value": 9007199254740993.5}"#,
            r#"{"value": NaN}"#,
            r#"{"value": tru}"#,
            r#"{"email": "a@b.c",}"#,
            r#"{"email": "a@b.c"} x"#,
            r#"{"email": "a@b.c""#,
            r#"["a@b.c"]"#,
            "",
            "\u{feff}{}",
        ] {
            assert!(
                row(json, &mut Row::default(), &mut KeyOrder::default()).is_none(),
                "scanned: {json}"
            );
        }
    }

    #[test]
    fn lists_count_their_elements_as_serde_does() {
        let at_limit = format!(
            r#"{{"email": [{}]}}"#,
            vec!["null"; MAX_LIST_VALUES].join(",")
        );
        assert_eq!(scanned(&at_limit), Some(Row::default()));
        let over = format!(
            r#"{{"email": [{}]}}"#,
            vec!["1"; MAX_LIST_VALUES + 1].join(",")
        );
        assert!(row(&over, &mut Row::default(), &mut KeyOrder::default()).is_none());
    }

    /// Rows read in turn with one key order: whatever the keys before taught, each row
    /// is read as serde reads it alone, whether its keys come as predicted or not.
    #[test]
    fn a_taught_key_order_never_changes_a_row() {
        let rows = [
            r#"{"email": "a@b.c", "phone": "+12133734253", "value": 5}"#,
            r#"{"email": "a@b.c", "phone": "+12133734253", "value": 5}"#,
            r#"{"EMAIL": "a@b.c", "Phone": "+12133734253", "value": 5}"#,
            r#"{"phone": "+12133734253", "email": "a@b.c", "x": 1, "value": 5}"#,
            r#"{"emails": "a@b.c", "phone_": 1, "valu": 5}"#,
            r#"{"email": "a@b.c", "phone": "1", "value": 5, "email": "d@e.f"}"#,
            r#"{"email": "a@b.c"#,
            r#"{"email"#,
            r#"{"email\u0022": 1}"#,
            r#"{"phone": "1", "x": 2, "value": 3}"#,
            r#"{"phone": "1", "y": 2, "value": 3}"#,
        ];
        let mut order = KeyOrder::default();
        let mut read = Row::default();
        for json in rows {
            let fast = row(json, &mut read, &mut order)
                .map(|()| format!("{:?}", Ok::<_, super::super::RowError>(&read)));
            if let Some(fast) = fast {
                assert_eq!(fast, format!("{:?}", Row::parse_with_serde(json)), "{json}");
            }
            read = Row::default();
        }
        assert_eq!(
            order.expected(KeyOrder::slot(Some(None))),
            Some(Column::Value),
            "the key after an unknown one is remembered"
        );
    }

    /// Pieces that make rows flat and not, valid and not.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\"",
            "\\",
            "\"email\"",
            "\"EMAIL\"",
            "\"phone\"",
            "\"value\"",
            "\"x\"",
            "\"a@b.c\"",
            "\" \"",
            "\"\"",
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1",
            "-12",
            "1.5",
            "1e3",
            "2E-2",
            "0.1",
            "9007199254740993",
            "1e22",
            "1e23",
            "123456789012345678",
            "1234567890123456789",
            ".",
            "e",
            "-",
            "\"é\"",
            "\u{1}",
        ])
    }

    proptest! {
        #[test]
        fn a_scanned_row_is_the_row_serde_reads(pieces in prop::collection::vec(piece(), 0..24)) {
            let json = pieces.concat();
            let _ = scanned(&json);
        }

        /// The second row is read with the key order the first taught.
        #[test]
        fn a_row_after_another_is_the_row_serde_reads(
            first in prop::collection::vec(piece(), 0..24),
            second in prop::collection::vec(piece(), 0..24),
        ) {
            let (first, second) = (first.concat(), second.concat());
            let mut order = KeyOrder::default();
            let _ = row(&first, &mut Row::default(), &mut order);
            let mut read = Row::default();
            if row(&second, &mut read, &mut order).is_some() {
                prop_assert_eq!(
                    format!("{:?}", Ok::<_, super::super::RowError>(&read)),
                    format!("{:?}", Row::parse_with_serde(&second))
                );
            }
        }

        #[test]
        fn numbers_read_as_serde_reads_them(int in 0u64..1_000_000_000, frac in 0u32..100_000, exp in -25i32..25) {
            for json in [
                format!(r#"{{"value": {int}.{frac:05}}}"#),
                format!(r#"{{"value": -{int}e{exp}}}"#),
                format!(r#"{{"value": {int}.{frac}E{exp}}}"#),
            ] {
                let _ = scanned(&json);
            }
        }
    }
}
