//! The ledger every row's single outcome passes through: the run's [`Summary`], the
//! results file, and the progress line.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{EventCounts, MatchKeys};
use crate::bindings::batch::Warning;
use crate::results::{ResultsFile, RowResult, Status, WriteError};

/// What a run did, row by row and event by event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_delivered: u64,
    pub events_delivered: u64,
    pub requests: u64,
    /// Reason → rows.
    pub rejected: BTreeMap<String, u64>,
    pub failed: BTreeMap<String, u64>,
    /// Warning (`field: rule`) → rows accepted or delivered with it.
    pub warnings: BTreeMap<String, u64>,
    /// Why the run stopped early (an auth or settings error), if it did.
    pub stopped: Option<String>,
    /// The run was interrupted: rows after the last one read have no outcome.
    pub interrupted: bool,
    /// Writing the results file failed: the run stopped reading at the first failure,
    /// and the file lacks the lines from then on. The message names the file.
    pub results_unwritten: Option<String>,
    /// Blank CSV rows skipped (no number, no outcome).
    pub blank_rows: u64,
    /// Pauses for a throttle before a resend.
    pub throttled_waits: u64,
    /// The rows the component accepted, by the match keys their event carries.
    pub match_keys: MatchKeys,
    /// The events the component prepared, by event set and currency.
    pub events: EventCounts,
    /// An example row (the lowest number) of each reason and warning.
    pub examples: Examples,
}

/// For each reason and warning of a [`Summary`], the lowest row number that has it: a
/// row to look at, never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Examples {
    pub rejected: BTreeMap<String, u64>,
    pub failed: BTreeMap<String, u64>,
    pub warned: BTreeMap<String, u64>,
}

fn example(rows: &mut BTreeMap<String, u64>, key: &str, row: u64) {
    match rows.get_mut(key) {
        Some(first) => *first = (*first).min(row),
        None => {
            rows.insert(key.to_string(), row);
        }
    }
}

impl Summary {
    pub fn rows_rejected(&self) -> u64 {
        self.rejected.values().sum()
    }

    pub fn rows_failed(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Rows that reached an outcome; equals `rows_read` at the end of every run.
    pub fn rows_settled(&self) -> u64 {
        self.rows_accepted + self.rows_delivered + self.rows_rejected() + self.rows_failed()
    }
}

/// Where every row's single outcome goes: the summary, the results file, the progress bar.
pub struct Ledger {
    inner: Mutex<LedgerInner>,
    progress: Option<ProgressBar>,
    /// Set at the first failed write to the results file; the jobs read no more input.
    write_failed: AtomicBool,
}

struct LedgerInner {
    summary: Summary,
    /// `None` from the first failed write on: nothing more is written to it.
    results: Option<ResultsFile>,
    settled: u64,
    last_throttle_notice: Option<Instant>,
}

/// How often a run says that it waits for a throttle.
const THROTTLE_NOTICE_EVERY: Duration = Duration::from_secs(30);

/// The progress line on stderr when it is a terminal, else `None`. Until the input's
/// size is known (see [`crate::input::open_with_progress`]) it counts settled rows;
/// with a size it is a bar of the input read, with the rows settled beside it.
pub fn progress_bar() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::no_length();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {pos} rows settled ({per_sec}), {elapsed} {msg}",
            )
            .expect("valid template"),
        );
        bar
    })
}

/// The style once the input's size is known: bytes read against it.
fn byte_bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{bar:30} {percent:>3}% of {total_bytes} read, {msg} rows settled, {elapsed} (ETA {eta})",
    )
    .expect("valid template")
}

/// Rows between two updates of a byte bar's count: a message is a formatted string.
const ROWS_PER_PROGRESS_MESSAGE: u64 = 1_000;

impl Ledger {
    /// `progress`: from [`progress_bar`], and passed to the input's reader too.
    pub fn new(results: Option<ResultsFile>, progress: Option<ProgressBar>) -> Ledger {
        // Drawn from here on, not before: until its style is set, a bar that reading the
        // header advanced by bytes would show them as rows settled.
        if let Some(bar) = &progress {
            if bar.length().is_some() {
                bar.set_style(byte_bar_style());
                bar.set_message("0");
            }
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Ledger {
            inner: Mutex::new(LedgerInner {
                summary: Summary::default(),
                results,
                settled: 0,
                last_throttle_notice: None,
            }),
            progress,
            write_failed: AtomicBool::new(false),
        }
    }

    /// Whether writing the results file has failed: a job then takes no new rows, since
    /// their outcomes could not be recorded.
    pub fn write_failed(&self) -> bool {
        self.write_failed.load(Ordering::Relaxed)
    }

    /// Records the first failed write and writes no more.
    fn write_failure(&self, inner: &mut LedgerInner, error: WriteError) {
        inner.results = None;
        inner
            .summary
            .results_unwritten
            .get_or_insert(error.to_string());
        self.write_failed.store(true, Ordering::Relaxed);
    }

    /// A job's other output failed to write (`transform`'s requests): as for the
    /// results file, the job takes no new rows.
    pub fn output_failed(&self, error: WriteError) {
        let mut inner = self.inner.lock().unwrap();
        self.write_failure(&mut inner, error);
    }

    pub(crate) fn rows_read(&self) -> u64 {
        self.inner.lock().unwrap().summary.rows_read
    }

    pub(crate) fn read(&self, rows: u64) {
        self.inner.lock().unwrap().summary.rows_read += rows;
    }

    pub(crate) fn settle(
        &self,
        row: u64,
        event_id: Option<&str>,
        status: Status,
        reason: Option<&str>,
        warnings: &[Warning],
    ) {
        let mut inner = self.inner.lock().unwrap();
        let summary = &mut inner.summary;
        for warning in warnings {
            let key = format!("{}: {}", warning.field, warning.rule);
            example(&mut summary.examples.warned, &key, row);
            *summary.warnings.entry(key).or_default() += 1;
        }
        let reason_text = reason.unwrap_or_default();
        match status {
            Status::Accepted => summary.rows_accepted += 1,
            Status::Delivered => summary.rows_delivered += 1,
            Status::Rejected => {
                example(&mut summary.examples.rejected, reason_text, row);
                *summary.rejected.entry(reason_text.to_string()).or_default() += 1
            }
            Status::Failed => {
                example(&mut summary.examples.failed, reason_text, row);
                *summary.failed.entry(reason_text.to_string()).or_default() += 1
            }
        }
        let result = RowResult {
            row,
            event_id,
            status,
            reason,
            warnings,
        };
        if let Some(Err(error)) = inner.results.as_mut().map(|file| file.write(&result)) {
            self.write_failure(&mut inner, error);
        }
        inner.settled += 1;
        if let Some(bar) = &self.progress {
            show_settled(bar, inner.settled);
        }
    }

    /// A request waits `delay` for a throttle: shown on the progress line, else said on
    /// stderr, at most every [`THROTTLE_NOTICE_EVERY`] (several requests wait at once).
    pub(crate) fn throttled(&self, delay: Duration) {
        let mut inner = self.inner.lock().unwrap();
        inner.summary.throttled_waits += 1;
        let now = Instant::now();
        if inner
            .last_throttle_notice
            .is_some_and(|last| now - last < THROTTLE_NOTICE_EVERY)
        {
            return;
        }
        inner.last_throttle_notice = Some(now);
        let notice = format!(
            "TikTok is throttling: waiting {} s before resending",
            delay.as_secs().max(1)
        );
        match &self.progress {
            Some(bar) => bar.println(notice),
            None => eprintln!("{notice}"),
        }
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut Summary)) {
        f(&mut self.inner.lock().unwrap().summary);
    }

    /// Makes what was written so far durable (after each request, so an interrupted run
    /// leaves a results file that says which rows were delivered).
    pub(crate) fn flush(&self) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(Err(error)) = inner.results.as_mut().map(ResultsFile::flush) {
            self.write_failure(&mut inner, error);
        }
    }

    /// The summary, once every row is settled; its `results_unwritten` says whether the
    /// results file holds every line.
    pub fn finish(self) -> Summary {
        self.flush();
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
        self.inner.into_inner().unwrap().summary
    }
}

/// A spinner counts rows itself; a byte bar shows them in its message, now and then.
fn show_settled(bar: &ProgressBar, settled: u64) {
    if bar.length().is_none() {
        bar.inc(1);
    } else if settled.is_multiple_of(ROWS_PER_PROGRESS_MESSAGE) {
        bar.set_message(settled.to_string());
    }
}
