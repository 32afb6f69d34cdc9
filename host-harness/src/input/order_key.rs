//! The order key of an NDJSON line, found with one light pass instead of a parse.
//!
//! Batching needs each row's `event_id` (so that an order's rows share a batch), and the
//! component parses every row in full anyway, so the host need not: checking each line
//! with `serde_json` was 15 % of `host-harness transform`'s time. [`scan`] reads a line's
//! top-level keys and skips their values (strings with `memchr`, nested values by their
//! brackets), and takes the order key's value when it is plain: a string without escapes,
//! or an integer. Anything else — an escape in a key or in the order key, a float, the
//! order key twice, a line that is not an object of that shape — returns `None`, and the
//! caller parses the line with `serde_json`, whose answer is the reference. For a line
//! that is valid JSON both agree (a property test holds them to it); a line that only
//! looks like an object here is rejected by the component, with `serde_json`'s reason.

use super::Columns;

/// `Some(event_id)` (the key's value, trimmed, `None` when absent or empty) when the line
/// is an object whose order key, if any, is plain; `None` when only a parse can tell.
pub(super) fn scan(line: &str, columns: &Columns) -> Option<Option<String>> {
    let bytes = line.as_bytes();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(bytes, at + 1);
    let mut event_id = None;
    let mut seen = false;
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            let (key, after) = plain_string(bytes, at)?;
            at = skip_space(bytes, after);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_space(bytes, at + 1);
            if columns.is_order_key(&line[key]) {
                if std::mem::replace(&mut seen, true) {
                    return None;
                }
                let (value, after) = plain_value(line, at)?;
                event_id = value;
                at = after;
            } else {
                at = skip_value(bytes, at)?;
            }
            at = skip_space(bytes, at);
            match bytes.get(at) {
                Some(b',') => at = skip_space(bytes, at + 1),
                Some(b'}') => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_space(bytes, at) == bytes.len()).then_some(event_id)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// A string without escapes at `at`: its contents' range and the index after it.
fn plain_string(bytes: &[u8], at: usize) -> Option<(std::ops::Range<usize>, usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    let end = start + memchr::memchr2(b'"', b'\\', &bytes[start..])?;
    (bytes[end] == b'"').then_some((start..end, end + 1))
}

/// The order key's value at `at` when it is plain: a string without escapes (trimmed;
/// empty is no id), an integer, or `null`.
fn plain_value(line: &str, at: usize) -> Option<(Option<String>, usize)> {
    let bytes = line.as_bytes();
    match bytes.get(at)? {
        b'"' => {
            let (range, after) = plain_string(bytes, at)?;
            let id = line[range].trim();
            Some(((!id.is_empty()).then(|| id.to_owned()), after))
        }
        b'-' | b'0'..=b'9' => {
            // An integer as JSON writes it, that serde_json reads as one: no leading
            // zero, not `-0`, and short enough for an i64. A fraction or an exponent
            // after it is left to the parse by the caller's next step.
            let sign = usize::from(bytes[at] == b'-');
            let digits = bytes[at + sign..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = at + sign + digits;
            let number = &line[at..end];
            let canonical = (1..=18).contains(&digits)
                && (digits == 1 || bytes[at + sign] != b'0')
                && number != "-0";
            canonical.then(|| (Some(number.to_owned()), end))
        }
        b'n' if bytes[at..].starts_with(b"null") => Some((None, at + 4)),
        _ => None,
    }
}

/// The index after the value at `at`: a string (escapes skipped), an object or array
/// (to its matching bracket, strings inside skipped), or a number or literal (a run of
/// the characters they are made of).
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => skip_string(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = skip_string(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let run = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
                .count();
            (run > 0).then_some(at + run)
        }
    }
}

/// The index after the string at `at`, whose escapes may be anything.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        at += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn columns() -> Columns {
        Columns::new(["email", "event_id"])
    }

    #[test]
    fn plain_keys_are_found_in_any_case_and_anything_else_is_left_to_the_parse() {
        let cases: [(&str, Option<Option<&str>>); 16] = [
            (
                r#"{"email": "a@b.c", "EVENT_ID": " ord-1 "}"#,
                Some(Some("ord-1")),
            ),
            (
                r#"{"event_id": 42, "email": ["a@b.c", {"x": "}"}]}"#,
                Some(Some("42")),
            ),
            (r#"{"event_id": -7}"#, Some(Some("-7"))),
            (r#"{"event_id": 0}"#, Some(Some("0"))),
            (r#"{"event_id": null, "x": true}"#, Some(None)),
            (r#"{"event_id": "  "}"#, Some(None)),
            (
                r#"{"note": "a \"quoted\" \\ word", "event_id": "o"}"#,
                Some(Some("o")),
            ),
            ("{}", Some(None)),
            (r#"  { "x" : 1 }  "#, Some(None)),
            (r#"{"event_id": "a\u0041"}"#, None),
            (r#"{"event_id": 1.5}"#, None),
            (r#"{"event_id": 1e3}"#, None),
            (r#"{"event_id": "a", "Event_Id": "b"}"#, None),
            (r#"{"ev\u0065nt_id": "a"}"#, None),
            (r#"[{"event_id": "a"}]"#, None),
            (r#"{"event_id": "a"} x"#, None),
        ];
        for (line, expected) in cases {
            let expected = expected.map(|id| id.map(str::to_string));
            assert_eq!(scan(line, &columns()), expected, "{line}");
        }
    }

    /// What `serde_json` (the reference, `ndjson_rows::parse_with_serde`) makes of a line.
    fn reference(line: &str) -> Option<String> {
        super::super::ndjson_rows::parse_with_serde(line, &columns())
            .unwrap()
            .event_id
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (-1e6f64..1e6).prop_map(serde_json::Value::from),
            "[ -~\\\\\"\u{e9}\u{1f600}]{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z_\"]{1,6}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// On valid JSON objects the scan finds what serde_json finds, or leaves it to it.
        #[test]
        fn the_scan_agrees_with_serde_json_on_valid_objects(
            fields in prop::collection::vec(("(event_id|EVENT_ID|email|note|x)", json_value()), 0..6),
            spaced in any::<bool>(),
        ) {
            let mut object = serde_json::Map::new();
            for (key, value) in fields {
                object.insert(key, value);
            }
            let line = if spaced {
                serde_json::to_string_pretty(&object).unwrap().replace('\n', " ")
            } else {
                serde_json::to_string(&object).unwrap()
            };
            let keys = object.keys().filter(|k| k.eq_ignore_ascii_case("event_id")).count();
            prop_assume!(keys <= 1);
            if let Some(found) = scan(&line, &columns()) {
                prop_assert_eq!(found, reference(&line), "{}", line);
            }
        }
    }
}
