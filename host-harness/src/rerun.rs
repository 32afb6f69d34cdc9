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

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::results::{ResultsFile, RowResult, Status};

/// Why PREVIOUS cannot be used. Names the line, never its content.
#[derive(Debug, thiserror::Error)]
pub enum RerunError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("{path} line {line}: not a results.ndjson line ({reason})")]
    NotResults {
        path: String,
        line: u64,
        reason: String,
    },
}

/// One line of a results file, as read back.
#[derive(Deserialize)]
struct Line {
    row: u64,
    event_id: Option<String>,
    status: Status,
    reason: Option<String>,
}

impl Line {
    fn is_settled(&self) -> bool {
        matches!(self.status, Status::Delivered | Status::Rejected)
    }
}

/// The rows a previous run settled for good.
pub struct Previous {
    path: PathBuf,
    /// Sorted row numbers: eight bytes a row, whatever the reasons' length.
    settled: Vec<u64>,
}

impl Previous {
    pub fn read(path: &Path) -> Result<Previous, RerunError> {
        let mut settled = Vec::new();
        for_each_line(path, |line| {
            if line.is_settled() {
                settled.push(line.row);
            }
            Ok(())
        })?;
        settled.sort_unstable();
        settled.dedup();
        Ok(Previous {
            path: path.to_path_buf(),
            settled,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `row` needs no resend.
    pub fn is_settled(&self, row: u64) -> bool {
        self.settled.binary_search(&row).is_ok()
    }

    /// How many rows need no resend.
    pub fn settled_rows(&self) -> usize {
        self.settled.len()
    }

    /// Writes PREVIOUS's settled lines into `results`, as they were.
    pub fn copy_settled(&self, results: &mut ResultsFile) -> Result<(), RerunError> {
        for_each_line(&self.path, |line| {
            if !line.is_settled() {
                return Ok(());
            }
            results.write(&RowResult {
                row: line.row,
                event_id: line.event_id.as_deref(),
                status: line.status,
                reason: line.reason.as_deref(),
            })
        })
    }
}

/// Streams the file's lines (blank lines skipped), so memory stays flat.
fn for_each_line(path: &Path, mut f: impl FnMut(Line) -> io::Result<()>) -> Result<(), RerunError> {
    let read_error = |source| RerunError::Read {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    for (index, text) in BufReader::new(file).lines().enumerate() {
        let text = text.map_err(read_error)?;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(&text).map_err(|e| RerunError::NotResults {
            path: path.display().to_string(),
            line: index as u64 + 1,
            reason: reason(&e),
        })?;
        f(line).map_err(read_error)?;
    }
    Ok(())
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

    #[test]
    fn a_file_that_is_not_results_names_the_line() {
        let (_dir, error) = previous("{\"row\":1,\"status\":\"delivered\"}\nemail,phone\n");
        let error = error.err().unwrap().to_string();
        assert!(
            error.ends_with(
                "results.ndjson line 2: not a results.ndjson line (invalid JSON at column 1)"
            ),
            "{error}"
        );
        let (_dir, error) = previous("{\"row\":\"x\",\"status\":\"delivered\"}\n");
        let error = error.err().unwrap().to_string();
        assert!(
            error
                .ends_with("line 1: not a results.ndjson line (missing or mistyped row or status)"),
            "{error}"
        );
    }
}
