//! The `transform` and `send` jobs: rows in, every row settled exactly once.
//!
//! `transform` transforms batches on every core (each in a fresh instance, see
//! [`pipeline`]) and settles them in input order. `send` reads batches on the calling
//! thread, transforms each there (so an interrupted run has read nothing ahead), and
//! hands the prepared requests to a few delivery workers (several requests in flight).
//! A worker retries throttles and passing faults with exponential backoff and jitter,
//! resends records the component marks retryable, and stops the whole run on an auth or
//! settings error. An [`Interrupt`] stops it too, settling what was read but not
//! delivered as failed. Every row passes through the [`Ledger`] exactly once.

use std::collections::{BTreeMap, VecDeque};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::bindings::guest::{
    DeliveryStatus, InputRecord, PreparedRequest, TransformOutput, TransformStatus, Validation,
};
use crate::bindings::types::{DestinationError, Setting};
use crate::destination::{Destination, HostError};
use crate::input::{InputError, Row};
use crate::interrupt::Interrupt;
use crate::pipeline;
use crate::results::{ResultsFile, RowResult, Status, WriteError};

/// How hard to try before a row is reported `failed`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No retry starts after this long since the request's first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The pause after attempt `attempt` (counted from 0) failed, or `None` when
    /// `max_attempts` have been made or the time budget is spent. Exponential with
    /// "equal jitter" (half fixed, half random), never shorter than what the
    /// destination asked for.
    pub fn next_delay(
        &self,
        attempt: u32,
        since: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt.saturating_add(1) >= self.max_attempts {
            return None;
        }
        let exponential = self
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay);
        let jittered = exponential / 2 + exponential.mul_f64(fastrand::f64() / 2.0);
        let delay = jittered.max(retry_after.unwrap_or_default());
        (since.elapsed() + delay <= self.max_elapsed).then_some(delay)
    }
}

#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    pub retry: RetryPolicy,
    /// Raised (by a signal handler) to stop the run early.
    pub interrupt: Interrupt,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            concurrency: 4,
            retry: RetryPolicy::default(),
            interrupt: Interrupt::new(),
        }
    }
}

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
    /// Why the run stopped early (an auth or settings error), if it did.
    pub stopped: Option<String>,
    /// The run was interrupted: rows after the last one read have no outcome.
    pub interrupted: bool,
    /// Writing the results file failed: the run stopped reading at the first failure,
    /// and the file lacks the lines from then on. The message names the file.
    pub results_unwritten: Option<String>,
    /// Blank CSV rows skipped (no number, no outcome).
    pub blank_rows: u64,
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
}

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

    fn read(&self, rows: u64) {
        self.inner.lock().unwrap().summary.rows_read += rows;
    }

    fn settle(&self, row: u64, event_id: Option<&str>, status: Status, reason: Option<&str>) {
        let mut inner = self.inner.lock().unwrap();
        let summary = &mut inner.summary;
        match status {
            Status::Accepted => summary.rows_accepted += 1,
            Status::Delivered => summary.rows_delivered += 1,
            Status::Rejected => {
                *summary
                    .rejected
                    .entry(reason.unwrap_or_default().to_string())
                    .or_default() += 1
            }
            Status::Failed => {
                *summary
                    .failed
                    .entry(reason.unwrap_or_default().to_string())
                    .or_default() += 1
            }
        }
        let result = RowResult {
            row,
            event_id,
            status,
            reason,
        };
        if let Some(Err(error)) = inner.results.as_mut().map(|file| file.write(&result)) {
            self.write_failure(&mut inner, error);
        }
        inner.settled += 1;
        if let Some(bar) = &self.progress {
            show_settled(bar, inner.settled);
        }
    }

    fn count(&self, f: impl FnOnce(&mut Summary)) {
        f(&mut self.inner.lock().unwrap().summary);
    }

    /// Makes what was written so far durable (after each request, so an interrupted run
    /// leaves a results file that says which rows were delivered).
    fn flush(&self) {
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

/// A prepared request and the records in it (kept to re-transform retryable ones).
struct Work {
    request: PreparedRequest,
    records: Vec<InputRecord>,
    first_try: Instant,
    attempt: u32,
}

/// What `transform-batch` answered for one batch.
type TransformResult = Result<Result<TransformOutput, DestinationError>, HostError>;

/// Rows of one batch, split into what goes to the component and what is settled now.
struct Batch {
    records: Vec<InputRecord>,
    /// Each record's row event_id column, for rows the component rejects.
    row_event_ids: Vec<Option<String>>,
}

/// Why `transform` stopped before the end of the input.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Settings(DestinationError),
}

pub struct Job<'a> {
    pub destination: &'a Destination,
    pub settings: &'a [Setting],
    pub options: JobOptions,
}

impl Job<'_> {
    /// `transform`: settle every row as accepted or rejected and hand each prepared
    /// request to `emit`. No network: the host refuses HTTP during transform. A failed
    /// write (of `emit` or the results) stops the reading, as in [`Job::send`].
    pub fn transform(
        &self,
        batches: impl Iterator<Item = Result<Vec<Row>, InputError>>,
        ledger: &Ledger,
        mut emit: impl FnMut(&PreparedRequest) -> Result<(), WriteError>,
    ) -> Result<(), JobError> {
        let mut input_error = None;
        let admitted = batches
            .map_while(|rows| rows.map_err(|e| input_error = Some(e)).ok())
            .filter_map(|rows| self.admit(rows, ledger));
        let stop = OnceLock::new();
        pipeline::ordered(
            admitted,
            pipeline::workers(),
            |batch| self.call_transform(batch),
            |batch, output| {
                if let Some(stopped) = stop.get() {
                    fail_batch(&batch, ledger, &not_sent(stopped));
                    return ControlFlow::Break(());
                }
                for work in self.settle_transform(batch, output, ledger, &stop) {
                    if let Err(error) = emit(&work.request) {
                        ledger.output_failed(error);
                    }
                    ledger.count(|s| s.requests += 1);
                    settle_all(&work, ledger, Status::Accepted, None);
                }
                ledger.flush();
                if stop.get().is_some() || ledger.write_failed() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        match (stop.into_inner(), input_error) {
            (Some(stopped), _) => Err(JobError::Settings(stopped)),
            (None, Some(error)) => Err(JobError::Input(error)),
            (None, None) => Ok(()),
        }
    }

    /// `send`: transform, deliver, retry; returns when every row read is settled. A read
    /// error ends the input early (rows read before it are still delivered); so does
    /// the interrupt (rows read before it are delivered if already sent, else failed).
    pub fn send(
        &self,
        mut batches: impl Iterator<Item = Result<Vec<Row>, InputError>>,
        ledger: &Ledger,
    ) -> Result<(), InputError> {
        let stop: OnceLock<DestinationError> = OnceLock::new();
        let mut input_error = None;
        let (queue, receiver) = sync_channel::<Work>(self.options.concurrency * 2);
        let receiver = Mutex::new(receiver);
        std::thread::scope(|scope| {
            for _ in 0..self.options.concurrency.max(1) {
                scope.spawn(|| self.deliver_from(&receiver, ledger, &stop));
            }
            // Checked before reading: an interrupted run reads no further, nor one whose
            // outcomes can no longer be recorded.
            while !self.options.interrupt.is_raised() && !ledger.write_failed() {
                let Some(rows) = batches.next() else { break };
                let rows = match rows {
                    Ok(rows) => rows,
                    Err(error) => {
                        input_error = Some(error);
                        break;
                    }
                };
                let Some(batch) = self.admit(rows, ledger) else {
                    continue;
                };
                if let Some(stopped) = stop.get() {
                    fail_batch(&batch, ledger, &not_sent(stopped));
                    continue;
                }
                for work in self.transform_batch(batch, ledger, &stop) {
                    queue
                        .send(work)
                        .expect("delivery workers outlive the queue");
                }
            }
            drop(queue);
        });
        if let Some(stopped) = stop.into_inner() {
            ledger.count(|s| s.stopped = Some(describe(&stopped)));
        }
        if self.options.interrupt.is_raised() {
            ledger.count(|s| s.interrupted = true);
        }
        input_error.map_or(Ok(()), Err)
    }

    /// Settles rows the input could not read; returns the rest as records.
    fn admit(&self, rows: Vec<Row>, ledger: &Ledger) -> Option<Batch> {
        ledger.read(rows.len() as u64);
        let mut batch = Batch {
            records: Vec::with_capacity(rows.len()),
            row_event_ids: Vec::with_capacity(rows.len()),
        };
        for row in rows {
            match row.record {
                Ok(record) => {
                    batch.records.push(InputRecord {
                        id: row.number.to_string(),
                        json: record.json,
                    });
                    batch.row_event_ids.push(record.event_id);
                }
                Err(error) => {
                    ledger.settle(row.number, None, Status::Rejected, Some(&error.to_string()))
                }
            }
        }
        (!batch.records.is_empty()).then_some(batch)
    }

    /// Runs `transform-batch`; settles rejected rows and returns the requests. A settings
    /// error stops the run (recorded in `stop`); a failed instance fails the batch alone.
    fn transform_batch(
        &self,
        batch: Batch,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
    ) -> Vec<Work> {
        let output = self.call_transform(&batch);
        self.settle_transform(batch, output, ledger, stop)
    }

    /// The component's part of [`Job::transform_batch`]: safe to run on any thread.
    fn call_transform(&self, batch: &Batch) -> TransformResult {
        self.destination.transform(self.settings, &batch.records)
    }

    /// The rest of [`Job::transform_batch`], in input order.
    fn settle_transform(
        &self,
        batch: Batch,
        output: TransformResult,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
    ) -> Vec<Work> {
        let output = match output {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => {
                let reason = not_sent(&error);
                let _ = stop.set(error);
                fail_batch(&batch, ledger, &reason);
                return vec![];
            }
            Err(host_error) => {
                fail_batch(&batch, ledger, &host_error.to_string());
                return vec![];
            }
        };
        let mut records_of: Vec<Vec<InputRecord>> = vec![vec![]; output.requests.len()];
        for ((record, outcome), event_id) in batch
            .records
            .into_iter()
            .zip(output.outcomes)
            .zip(batch.row_event_ids)
        {
            match outcome.status {
                TransformStatus::Accepted(index) => records_of[index as usize].push(record),
                TransformStatus::Rejected(reason) => ledger.settle(
                    row_number(&record.id),
                    event_id.as_deref(),
                    Status::Rejected,
                    Some(&reason),
                ),
            }
        }
        let now = Instant::now();
        output
            .requests
            .into_iter()
            .zip(records_of)
            .map(|(request, records)| Work {
                request,
                records,
                first_try: now,
                attempt: 0,
            })
            .collect()
    }

    fn deliver_from(
        &self,
        receiver: &Mutex<Receiver<Work>>,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
    ) {
        loop {
            let next = receiver.lock().unwrap().recv();
            let Ok(work) = next else { return };
            let mut pending = VecDeque::from([work]);
            while let Some(work) = pending.pop_front() {
                pending.extend(self.deliver(work, ledger, stop));
                ledger.flush();
            }
        }
    }

    /// One attempt at one request (with its backoff pause first); returns the work
    /// still to do: the same request again, or re-transformed retryable records.
    fn deliver(&self, work: Work, ledger: &Ledger, stop: &OnceLock<DestinationError>) -> Vec<Work> {
        if let Some(stopped) = stop.get() {
            settle_all(&work, ledger, Status::Failed, Some(&not_sent(stopped)));
            return vec![];
        }
        if self.options.interrupt.is_raised() {
            settle_all(&work, ledger, Status::Failed, Some(INTERRUPTED));
            return vec![];
        }
        if ledger.write_failed() {
            settle_all(&work, ledger, Status::Failed, Some(UNRECORDED));
            return vec![];
        }
        ledger.count(|s| s.requests += 1);
        let error = match self.destination.send(self.settings, &work.request) {
            Ok(Ok(outcomes)) => return self.settle_delivery(work, outcomes, ledger, stop),
            Ok(Err(error)) => error,
            Err(host_error) => {
                settle_all(&work, ledger, Status::Failed, Some(&host_error.to_string()));
                return vec![];
            }
        };
        let Some(wait) = retry_after(&error) else {
            let reason = describe(&error);
            if matches!(
                error,
                DestinationError::Auth(_) | DestinationError::InvalidSettings(_)
            ) {
                let _ = stop.set(error);
            }
            settle_all(&work, ledger, Status::Failed, Some(&reason));
            return vec![];
        };
        match self
            .options
            .retry
            .next_delay(work.attempt, work.first_try, Some(wait))
        {
            Some(delay) => {
                self.options.interrupt.sleep(delay);
                vec![Work {
                    attempt: work.attempt + 1,
                    ..work
                }]
            }
            None => {
                let reason = format!(
                    "gave up after {} attempts: {}",
                    work.attempt + 1,
                    describe(&error)
                );
                settle_all(&work, ledger, Status::Failed, Some(&reason));
                vec![]
            }
        }
    }

    /// Settles delivered and rejected records; retryable ones are transformed again
    /// (deterministic event ids make the resend safe) and come back as new work.
    fn settle_delivery(
        &self,
        work: Work,
        outcomes: Vec<crate::bindings::guest::DeliveryOutcome>,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
    ) -> Vec<Work> {
        let mut outcomes = outcomes.into_iter();
        let mut retry = vec![];
        let mut delivered_events = 0;
        for event in &work.request.events {
            let mut all_delivered = true;
            for _ in &event.record_ids {
                let outcome = outcomes
                    .next()
                    .expect("the host checked one outcome per record");
                let row = row_number(&outcome.id);
                match outcome.status {
                    DeliveryStatus::Delivered => {
                        ledger.settle(row, Some(&event.event_id), Status::Delivered, None)
                    }
                    DeliveryStatus::Rejected(reason) => {
                        all_delivered = false;
                        ledger.settle(row, Some(&event.event_id), Status::Rejected, Some(&reason))
                    }
                    DeliveryStatus::Retryable(_) => {
                        all_delivered = false;
                        retry.push(outcome.id);
                    }
                }
            }
            delivered_events += u64::from(all_delivered);
        }
        ledger.count(|s| s.events_delivered += delivered_events);
        if retry.is_empty() {
            return vec![];
        }
        let records: Vec<InputRecord> = work
            .records
            .into_iter()
            .filter(|r| retry.contains(&r.id))
            .collect();
        let row_event_ids = vec![None; records.len()];
        let attempt = work.attempt + 1;
        let resend = self.transform_batch(
            Batch {
                records,
                row_event_ids,
            },
            ledger,
            stop,
        );
        // Records handed back `retryable` carry no pause (the contract has none there),
        // and most are a passing fault, so the usual backoff. A throttle that outlasts
        // it fails the resend's first call whole, and that error brings TikTok's pause.
        let policy = &self.options.retry;
        let waiting = policy.next_delay(work.attempt, work.first_try, None);
        match waiting {
            Some(delay) => {
                self.options.interrupt.sleep(delay);
                resend
                    .into_iter()
                    .map(|w| Work {
                        attempt,
                        first_try: work.first_try,
                        ..w
                    })
                    .collect()
            }
            None => {
                for w in &resend {
                    settle_all(
                        w,
                        ledger,
                        Status::Failed,
                        Some("gave up: retry budget spent"),
                    );
                }
                vec![]
            }
        }
    }
}

/// `validate-credentials`, retried as a delivery is: TikTok throttles with HTTP 200
/// answers at any time, so a throttle or a passing fault at the start of a job must not
/// abort it. Retries follow `options.retry` (backoff, retry-after as a floor, bounded
/// attempts and time) and stop early when `options.interrupt` is raised; `on_retry`
/// hears each failure retried and the pause before the next attempt. The last error
/// comes back when retrying cannot help (auth, settings, permanent) or the budget is
/// spent.
pub fn validate(
    destination: &Destination,
    settings: &[Setting],
    options: &JobOptions,
    mut on_retry: impl FnMut(&DestinationError, Duration),
) -> Result<Result<Validation, DestinationError>, HostError> {
    let first_try = Instant::now();
    let mut attempt = 0;
    loop {
        let error = match destination.validate(settings)? {
            Ok(validation) => return Ok(Ok(validation)),
            Err(error) => error,
        };
        let delay = retry_after(&error)
            .and_then(|wait| options.retry.next_delay(attempt, first_try, Some(wait)));
        let Some(delay) = delay.filter(|_| !options.interrupt.is_raised()) else {
            return Ok(Err(error));
        };
        on_retry(&error, delay);
        options.interrupt.sleep(delay);
        if options.interrupt.is_raised() {
            return Ok(Err(error));
        }
        attempt += 1;
    }
}

/// The pause `error` asks for before another attempt (zero: the backoff decides), or
/// `None` when another attempt cannot help: an auth or settings error needs the user,
/// and a permanent failure fails the same way again.
fn retry_after(error: &DestinationError) -> Option<Duration> {
    match error {
        DestinationError::RateLimited(limit) => Some(Duration::from_millis(
            limit.retry_after_ms.map_or(0, u64::from),
        )),
        DestinationError::Transient(_) => Some(Duration::ZERO),
        _ => None,
    }
}

fn settle_all(work: &Work, ledger: &Ledger, status: Status, reason: Option<&str>) {
    for event in &work.request.events {
        for id in &event.record_ids {
            ledger.settle(row_number(id), Some(&event.event_id), status, reason);
        }
    }
}

fn fail_batch(batch: &Batch, ledger: &Ledger, reason: &str) {
    for (record, event_id) in batch.records.iter().zip(&batch.row_event_ids) {
        ledger.settle(
            row_number(&record.id),
            event_id.as_deref(),
            Status::Failed,
            Some(reason),
        );
    }
}

/// Why rows read before an interrupt were not delivered. Some may have reached TikTok
/// (an answer cut short): resending them is safe, deduplication absorbs them.
const INTERRUPTED: &str = "the run was interrupted before delivery was confirmed";

/// Why requests waiting to be sent are not, once the results file cannot be written:
/// their outcomes could not be recorded.
const UNRECORDED: &str = "not sent: the results file could not be written";

fn not_sent(stopped: &DestinationError) -> String {
    format!("not sent: the run stopped: {}", describe(stopped))
}

/// A destination error as a reason a user reads (the generated `Display` is `Debug`).
pub fn describe(error: &DestinationError) -> String {
    match error {
        DestinationError::InvalidSettings(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.key, f.message))
                .collect();
            format!("invalid settings: {}", fields.join("; "))
        }
        DestinationError::Auth(message)
        | DestinationError::Transient(message)
        | DestinationError::Permanent(message) => message.clone(),
        DestinationError::RateLimited(limit) => limit.message.clone(),
    }
}

/// Record ids are the row numbers the harness gave them.
fn row_number(id: &str) -> u64 {
    id.parse().expect("record ids are row numbers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_bounded() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_elapsed: Duration::from_secs(60),
        };
        let now = Instant::now();
        for (attempt, full) in [(0u32, 100u64), (1, 200), (2, 350), (3, 350)] {
            let delay = policy.next_delay(attempt, now, None).unwrap();
            let full = Duration::from_millis(full);
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.next_delay(4, now, None),
            None,
            "the fifth attempt is the last"
        );
    }

    #[test]
    fn retry_after_is_a_floor_and_total_time_is_bounded() {
        let policy = RetryPolicy {
            max_elapsed: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let now = Instant::now();
        assert_eq!(
            policy.next_delay(0, now, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.next_delay(0, now, Some(Duration::from_secs(3))),
            None
        );
    }
}
