//! `send --retry-failed PREVIOUS`: resend only what a previous run did not settle for good.
//!
//! A row is settled when PREVIOUS shows it `delivered` or `rejected` (a rejected row
//! would be rejected again). Every other row of the same input is sent again: those
//! marked `failed`, and those PREVIOUS does not mention, because that run was
//! interrupted before reading them or killed before writing their line. Resending is
//! safe: event ids are deterministic and TikTok drops an event id it saw in the last
//! 48 hours.
//!
//! The new results file starts with PREVIOUS's settled lines, so it again holds one line
//! per row and can itself be fed back with `--retry-failed`.
//!
//! Rows are matched by number, so the input must be the one PREVIOUS was written for:
//! another file would have its rows skipped for what other rows did. Each line carries
//! its row's `event_id`, so a row PREVIOUS settled whose input row now has another
//! `event_id` proves the input is not the same, and nothing is sent.

use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufRead, BufReader};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bindings::batch::Warning;
use crate::input::Row;
use crate::results::{ResultsFile, RowResult, Status, WriteError};

/// Why PREVIOUS cannot be used. Names the line, never its content.
#[derive(Debug, thiserror::Error)]
pub enum RerunError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error(
        "{path} line {line}: not a results.ndjson line ({reason}); only a file's last line can be cut short by a crash or a full disk: pass the results.ndjson of a send run, with that line repaired or deleted"
    )]
    NotResults {
        path: String,
        line: u64,
        reason: String,
    },
    #[error(transparent)]
    Write(WriteError),
    #[error(
        "row {row} of the input has another event_id than {path} recorded for it: --retry-failed needs the same input as the run that wrote that file"
    )]
    DifferentInput { path: String, row: u64 },
}

/// One line of a results file, as read back.
#[derive(Deserialize)]
struct Line {
    row: u64,
    event_id: Option<String>,
    status: Status,
    reason: Option<String>,
    #[serde(default)]
    warnings: Vec<LineWarning>,
}

#[derive(Deserialize)]
struct LineWarning {
    field: String,
    rule: String,
}

impl Line {
    fn is_settled(&self) -> bool {
        matches!(self.status, Status::Delivered | Status::Rejected)
    }
}

/// The rows a previous run settled for good.
pub struct Previous {
    path: PathBuf,
    /// The number of a last line cut short, whose row is resent.
    cut_line: Option<u64>,
    /// Sorted by row: sixteen bytes a row, whatever the reasons' length.
    settled: Vec<Settled>,
}

/// A row PREVIOUS settled, and a fingerprint of the `event_id` it recorded (a hash: the
/// ids themselves could take gigabytes for a large input). Two different ids share a
/// fingerprint with a chance of 2^-64, and only let a mismatch pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settled {
    row: u64,
    event_id: Option<NonZeroU64>,
}

impl Previous {
    pub fn read(path: &Path) -> Result<Previous, RerunError> {
        let mut settled = Vec::new();
        let cut_line = for_each_line(path, |line| {
            if line.is_settled() {
                settled.push(Settled {
                    row: line.row,
                    event_id: line.event_id.as_deref().map(fingerprint),
                });
            }
            Ok(())
        })?;
        settled.sort_by_key(|s| s.row);
        settled.dedup_by_key(|s| s.row);
        Ok(Previous {
            path: path.to_path_buf(),
            cut_line,
            settled,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last line's number when it was cut short (its row is sent again).
    pub fn cut_line(&self) -> Option<u64> {
        self.cut_line
    }

    fn find(&self, row: u64) -> Option<&Settled> {
        let index = self.settled.binary_search_by_key(&row, |s| s.row).ok()?;
        Some(&self.settled[index])
    }

    /// Whether `row` needs no resend.
    pub fn is_settled(&self, row: u64) -> bool {
        self.find(row).is_some()
    }

    /// How many rows need no resend.
    pub fn settled_rows(&self) -> usize {
        self.settled.len()
    }

    /// An error when `row` proves the input is not the one PREVIOUS was written for: it
    /// has an `event_id`, PREVIOUS settled its row number, recorded an `event_id` for
    /// it, and that is another one. Rows without an id on either side prove nothing.
    pub fn check(&self, row: &Row) -> Result<(), RerunError> {
        let recorded = self.find(row.number).and_then(|s| s.event_id);
        match (recorded, row.event_id()) {
            (Some(recorded), Some(id)) if fingerprint(id) != recorded => {
                Err(RerunError::DifferentInput {
                    path: self.path.display().to_string(),
                    row: row.number,
                })
            }
            _ => Ok(()),
        }
    }

    /// [`Previous::check`] for every row of an input up to the last row PREVIOUS
    /// settled (no row after it can contradict it; one more is read to see that):
    /// run before sending anything.
    pub fn check_input(&self, rows: impl IntoIterator<Item = Row>) -> Result<(), RerunError> {
        let last = self.settled.last().map_or(0, |s| s.row);
        rows.into_iter()
            .take_while(|row| row.number <= last)
            .try_for_each(|row| self.check(&row))
    }

    /// The rows of `rows` PREVIOUS did not settle, after checking each.
    pub fn unsettled(&self, rows: Vec<Row>) -> Result<Vec<Row>, RerunError> {
        let mut unsettled = Vec::with_capacity(rows.len());
        for row in rows {
            self.check(&row)?;
            if !self.is_settled(row.number) {
                unsettled.push(row);
            }
        }
        Ok(unsettled)
    }

    /// Writes PREVIOUS's settled lines into `results`, as they were.
    pub fn copy_settled(&self, results: &mut ResultsFile) -> Result<(), RerunError> {
        for_each_line(&self.path, |line| {
            if !line.is_settled() {
                return Ok(());
            }
            let warnings: Vec<Warning> = line
                .warnings
                .iter()
                .map(|w| Warning {
                    field: w.field.clone(),
                    rule: w.rule.clone(),
                })
                .collect();
            results.write(&RowResult {
                row: line.row,
                event_id: line.event_id.as_deref(),
                status: line.status,
                reason: line.reason.as_deref(),
                warnings: &warnings,
            })
        })
        .map(drop)
    }
}

/// A stable-within-this-process fingerprint of an event id, never zero.
fn fingerprint(event_id: &str) -> NonZeroU64 {
    let mut hasher = DefaultHasher::new();
    event_id.hash(&mut hasher);
    NonZeroU64::new(hasher.finish()).unwrap_or(NonZeroU64::MIN)
}

/// Streams the file's lines (blank lines skipped), so memory stays flat. A last line
/// that is not a results line is what a run killed mid-write (or a full disk) leaves:
/// it is skipped and its number returned, and its row counts as not settled. A damaged
/// line before the last is an error.
fn for_each_line(
    path: &Path,
    mut f: impl FnMut(Line) -> Result<(), WriteError>,
) -> Result<Option<u64>, RerunError> {
    let read_error = |source| RerunError::Read {
        path: path.display().to_string(),
        source,
    };
    let mut file = BufReader::new(File::open(path).map_err(read_error)?);
    let mut text = Vec::new();
    let mut damaged = None;
    for number in 1.. {
        text.clear();
        if file.read_until(b'\n', &mut text).map_err(read_error)? == 0 {
            break;
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some((line, reason)) = damaged.take() {
            return Err(RerunError::NotResults {
                path: path.display().to_string(),
                line,
                reason,
            });
        }
        match serde_json::from_slice::<Line>(&text) {
            Ok(line) => f(line).map_err(RerunError::Write)?,
            Err(error) => damaged = Some((number, self::reason(&error))),
        }
    }
    Ok(damaged.map(|(line, _)| line))
}

/// serde_json's error without the excerpt of the input it may quote.
fn reason(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data => "missing or mistyped row or status".into(),
        _ => format!("invalid JSON at column {}", error.column()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previous(text: &str) -> (tempfile::TempDir, Result<Previous, RerunError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.ndjson");
        std::fs::write(&path, text).unwrap();
        let previous = Previous::read(&path);
        (dir, previous)
    }

    const RUN: &str = concat!(
        r#"{"row":1,"event_id":"a","status":"delivered","reason":null}"#,
        "\n",
        r#"{"row":2,"event_id":null,"status":"rejected","reason":"timestamp: missing"}"#,
        "\n",
        r#"{"row":3,"event_id":"c","status":"failed","reason":"gave up after 8 attempts"}"#,
        "\n\n",
        r#"{"row":5,"event_id":"e","status":"accepted","reason":null}"#,
        "\n",
    );

    #[test]
    fn delivered_and_rejected_rows_are_settled_failed_and_missing_ones_are_not() {
        let (_dir, previous) = previous(RUN);
        let previous = previous.unwrap();
        let settled: Vec<u64> = (1..=6).filter(|&r| previous.is_settled(r)).collect();
        assert_eq!(settled, [1, 2]);
        assert_eq!(previous.settled_rows(), 2);
    }

    #[test]
    fn settled_lines_are_copied_as_they_were() {
        let (dir, previous) = previous(RUN);
        let copy = dir.path().join("copy.ndjson");
        let mut results = ResultsFile::create(&copy).unwrap();
        previous.unwrap().copy_settled(&mut results).unwrap();
        results.flush().unwrap();
        let lines: Vec<&str> = RUN.lines().take(2).collect();
        assert_eq!(
            std::fs::read_to_string(copy).unwrap(),
            format!("{}\n", lines.join("\n"))
        );
    }

    fn row(number: u64, event_id: Option<&str>) -> Row {
        Row {
            number,
            record: Ok(crate::input::Record {
                json: "{}".into(),
                event_id: event_id.map(str::to_string),
            }),
        }
    }

    #[test]
    fn an_input_is_the_same_unless_a_settled_row_has_another_event_id() {
        let (_dir, previous) = previous(RUN);
        let previous = previous.unwrap();
        let same = [
            row(1, Some("a")),
            // Row 2 was rejected without an id, row 4 never settled: nothing to compare.
            row(2, Some("anything")),
            // Row 3 failed: it is resent whatever its id, so it proves nothing.
            row(3, Some("not c")),
            row(4, Some("d")),
        ];
        assert!(previous.check_input(same.clone()).is_ok());
        assert_eq!(
            previous.unsettled(same.to_vec()).unwrap(),
            [row(3, Some("not c")), row(4, Some("d"))]
        );
        // A row without an id, or one that could not be read, proves nothing either.
        let unreadable = Row {
            number: 1,
            record: Err(crate::input::RowError::NotObject),
        };
        assert!(previous.check(&row(1, None)).is_ok());
        assert!(previous.check(&unreadable).is_ok());

        let other = [row(1, Some("b")), row(2, None)];
        let error = previous.check_input(other.clone()).unwrap_err();
        assert!(matches!(error, RerunError::DifferentInput { row: 1, .. }));
        assert!(
            error.to_string().starts_with(
                "row 1 of the input has another event_id than "
            ) && error.to_string().ends_with(
                "results.ndjson recorded for it: --retry-failed needs the same input as the run that wrote that file"
            ),
            "{error}"
        );
        assert!(matches!(
            previous.unsettled(other.to_vec()),
            Err(RerunError::DifferentInput { row: 1, .. })
        ));
    }

    #[test]
    fn the_check_reads_no_further_than_the_last_settled_row() {
        let (_dir, previous) = previous(RUN);
        let previous = previous.unwrap();
        // The last row settled is 2; row 3 is read to see the end, row 4 never.
        let rows = (1..).map(|number| match number {
            1 => row(1, Some("a")),
            4.. => panic!("row {number} was read"),
            _ => row(number, None),
        });
        assert!(previous.check_input(rows).is_ok());
    }

    #[test]
    fn a_damaged_line_before_the_last_names_the_line_and_what_to_do() {
        let (_dir, error) = previous(
            "{\"row\":1,\"status\":\"delivered\"}\nemail,phone\n{\"row\":3,\"status\":\"delivered\"}\n",
        );
        let error = error.err().unwrap().to_string();
        assert!(
            error.ends_with(
                "results.ndjson line 2: not a results.ndjson line (invalid JSON at column 1); only a file's last line can be cut short by a crash or a full disk: pass the results.ndjson of a send run, with that line repaired or deleted"
            ),
            "{error}"
        );
        let (_dir, error) = previous(
            "{\"row\":\"x\",\"status\":\"delivered\"}\n\n{\"row\":3,\"status\":\"delivered\"}",
        );
        let error = error.err().unwrap().to_string();
        assert!(
            error.contains("line 1: not a results.ndjson line (missing or mistyped row or status)"),
            "{error}"
        );
    }

    #[test]
    fn a_last_line_cut_short_is_not_settled_and_the_rest_is_read() {
        // What kill -9 or a full disk leaves: the last line stops mid-way, here in the
        // middle of a multi-byte character of its reason.
        let whole = format!(
            "{RUN}{}",
            r#"{"row":6,"event_id":"f","status":"rejected","reason":"currency: not ISO 4217 (€)"}"#
        );
        let cut = &whole.as_bytes()[..whole.len() - 5];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.ndjson");
        std::fs::write(&path, cut).unwrap();
        let previous = Previous::read(&path).unwrap();
        assert_eq!(previous.cut_line(), Some(6));
        let settled: Vec<u64> = (1..=6).filter(|&r| previous.is_settled(r)).collect();
        assert_eq!(settled, [1, 2]);
        let copy = dir.path().join("copy.ndjson");
        let mut results = ResultsFile::create(&copy).unwrap();
        previous.copy_settled(&mut results).unwrap();
        results.flush().unwrap();
        assert_eq!(std::fs::read_to_string(copy).unwrap().lines().count(), 2);
        let (_dir, whole) = self::previous(RUN);
        assert_eq!(whole.unwrap().cut_line(), None);
    }
}
