//! `results.ndjson`: one line per input row with its outcome, written as outcomes are
//! known and flushed per request, so an interrupted run still says what was delivered.

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
}

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
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, result: &RowResult<'_>) -> Result<(), WriteError> {
        serde_json::to_writer(&mut self.out, result)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|source| self.error(source))
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
}
