//! `results.ndjson`: one line per input row with its outcome, written as outcomes are
//! known and flushed per request, so an interrupted run still says what was delivered.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bindings::batch::Warning;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `transform`: will be sent.
    Accepted,
    /// Will never be sent as is: the component or TikTok refused it.
    Rejected,
    /// `send`: TikTok accepted it.
    Delivered,
    /// `send`: not delivered (retries exhausted, run stopped); safe to resend.
    Failed,
}

/// One line of `results.ndjson`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowResult<'a> {
    pub row: u64,
    pub event_id: Option<&'a str>,
    pub status: Status,
    pub reason: Option<&'a str>,
    /// What the row lost or what is unconfirmed about it, though it went on: each the
    /// field and the rule, never the value. Left out when there is none.
    #[serde(skip_serializing_if = "<[_]>::is_empty", serialize_with = "warnings")]
    pub warnings: &'a [Warning],
}

fn warnings<S: serde::Serializer>(warnings: &&[Warning], out: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = out.serialize_seq(Some(warnings.len()))?;
    for warning in warnings.iter() {
        seq.serialize_element(&serde_json::json!({"field": warning.field, "rule": warning.rule}))?;
    }
    seq.end()
}

pub struct ResultsFile {
    path: PathBuf,
    out: BufWriter<File>,
    /// Long reasons written in full so far, and the row that has each: a batch-wide
    /// error (a trap with the component's stderr, a kilobyte or two) is stored once,
    /// not in each of the batch's thousand rows.
    written_in_full: HashMap<String, u64>,
}

/// A reason longer than this is written in full once; later rows with the same reason
/// get its start and the row that has it all.
const LONG_REASON_BYTES: usize = 240;

/// Distinct long reasons remembered; past it, long reasons are written in full (each is
/// bounded anyway, [`crate::guest_text`]).
const MAX_REMEMBERED_REASONS: usize = 4096;

/// The start of a long reason kept in its later rows.
const REASON_START_BYTES: usize = 160;

/// Writing the results file failed (a full disk, a removed directory): the file no
/// longer says what happened to every row.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl ResultsFile {
    pub fn create(path: &Path) -> Result<ResultsFile, WriteError> {
        let file = File::create(path).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(ResultsFile {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            written_in_full: HashMap::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, result: &RowResult<'_>) -> Result<(), WriteError> {
        let shortened = result
            .reason
            .and_then(|reason| self.shortened(result.row, reason));
        let result = &RowResult {
            reason: shortened.as_deref().or(result.reason),
            ..result.clone()
        };
        serde_json::to_writer(&mut self.out, result)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|source| self.error(source))
    }

    /// What `row` says instead of a long reason an earlier row has in full.
    fn shortened(&mut self, row: u64, reason: &str) -> Option<String> {
        if reason.len() <= LONG_REASON_BYTES {
            return None;
        }
        if let Some(first) = self.written_in_full.get(reason) {
            let mut end = REASON_START_BYTES;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            return Some(format!("{}… (in full at row {first})", &reason[..end]));
        }
        if self.written_in_full.len() < MAX_REMEMBERED_REASONS {
            self.written_in_full.insert(reason.to_string(), row);
        }
        None
    }

    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| self.error(source))
    }

    fn error(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_documented_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.ndjson");
        let mut file = ResultsFile::create(&path).unwrap();
        let delivered = RowResult {
            row: 1,
            event_id: Some("ord-1"),
            status: Status::Delivered,
            reason: None,
            warnings: &[Warning {
                field: "phone".into(),
                rule: "missing '+'".into(),
            }],
        };
        let rejected = RowResult {
            row: 2,
            event_id: None,
            status: Status::Rejected,
            reason: Some("timestamp: missing"),
            warnings: &[],
        };
        file.write(&delivered).unwrap();
        file.write(&rejected).unwrap();
        file.flush().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"row\":1,\"event_id\":\"ord-1\",\"status\":\"delivered\",\"reason\":null,\"warnings\":[{\"field\":\"phone\",\"rule\":\"missing '+'\"}]}\n\
             {\"row\":2,\"event_id\":null,\"status\":\"rejected\",\"reason\":\"timestamp: missing\"}\n"
        );
    }

    /// A batch-wide error of a kilobyte is stored once, not in each of its rows.
    #[test]
    fn a_long_reason_is_written_in_full_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.ndjson");
        let mut file = ResultsFile::create(&path).unwrap();
        let long = format!("the component failed in send:{}", "é".repeat(500));
        for row in 1..=3 {
            let failed = RowResult {
                row,
                event_id: None,
                status: Status::Failed,
                reason: Some(&long),
                warnings: &[],
            };
            file.write(&failed).unwrap();
        }
        file.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let reasons: Vec<String> = text
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["reason"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(reasons[0], long);
        // 29 bytes of ASCII, then two-byte characters: byte 160 is inside the 66th.
        let start = format!("the component failed in send:{}", "é".repeat(65));
        for reason in &reasons[1..] {
            assert_eq!(*reason, format!("{start}… (in full at row 1)"));
        }
    }
}
