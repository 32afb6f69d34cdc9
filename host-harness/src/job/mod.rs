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

mod budget;
mod event_counts;
mod ledger;
mod match_keys;
mod retry;

use std::collections::VecDeque;
use std::ops::{ControlFlow, Range};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use budget::HTTP_CALLS_PER_ROW;
use budget::HttpBudget;
pub use event_counts::EventCounts;
pub use ledger::{Examples, Ledger, Summary, progress_bar};
pub use match_keys::MatchKeys;
use retry::{Cause, retry_after};
pub use retry::{DEFAULT_PATIENCE, RetryPolicy};

use crate::bindings::batch::{
    DeliveryStatus, PositionedWarning, PreparedRequest, SendOutput, TransformOutput, Warning,
};
use crate::bindings::guest::Validation;
use crate::bindings::types::{DestinationError, Setting};
use crate::destination::{Destination, HostError};
use crate::errors::describe;
use crate::input::{InputError, Row};
use crate::interrupt::Interrupt;
use crate::pipeline;
use crate::results::{Status, WriteError};

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

/// A prepared request and the batch its rows are in (kept to re-transform retryable
/// ones).
struct Work {
    request: PreparedRequest,
    batch: Arc<Batch>,
    first_try: Instant,
    attempt: u32,
}

/// What `transform` answered for one batch.
type TransformResult = Result<Result<TransformOutput, DestinationError>, HostError>;

/// The readable rows of one batch, as the component gets them: one line each.
struct Batch {
    /// The rows' JSON, a line each (an input row's JSON is compact: no line break).
    lines: String,
    rows: Vec<BatchRow>,
    /// Warnings about rows, by position, in row order (from `transform`).
    warnings: Vec<PositionedWarning>,
}

struct BatchRow {
    /// The input row number.
    number: u64,
    /// The row's event_id column, for rows settled without an event.
    event_id: Option<String>,
    /// Where its line is in `lines`.
    span: Range<usize>,
}

impl Batch {
    fn new(capacity: usize) -> Batch {
        Batch {
            lines: String::new(),
            rows: Vec::with_capacity(capacity),
            warnings: Vec::new(),
        }
    }

    fn push(&mut self, number: u64, json: &str, event_id: Option<String>) {
        if !self.rows.is_empty() {
            self.lines.push('\n');
        }
        let start = self.lines.len();
        self.lines.push_str(json);
        self.rows.push(BatchRow {
            number,
            event_id,
            span: start..self.lines.len(),
        });
    }

    fn line(&self, position: usize) -> &str {
        &self.lines[self.rows[position].span.clone()]
    }

    /// The warnings about the row at `position`.
    fn warnings_of(&self, position: u32) -> impl Iterator<Item = &Warning> {
        let start = self.warnings.partition_point(|w| w.position < position);
        self.warnings[start..]
            .iter()
            .take_while(move |w| w.position == position)
            .map(|w| &w.warning)
    }
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
        let budget = HttpBudget::start(self.destination);
        let mut input_error = None;
        let (queue, receiver) = sync_channel::<Work>(self.options.concurrency * 2);
        let receiver = Mutex::new(receiver);
        std::thread::scope(|scope| {
            for _ in 0..self.options.concurrency.max(1) {
                scope.spawn(|| self.deliver_from(&receiver, ledger, &stop, &budget));
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

    /// Settles rows the input could not read; returns the rest as a batch.
    fn admit(&self, rows: Vec<Row>, ledger: &Ledger) -> Option<Batch> {
        ledger.read(rows.len() as u64);
        let mut batch = Batch::new(rows.len());
        batch
            .lines
            .reserve(rows.iter().map(Row::json_len).sum::<usize>() + rows.len());
        for row in rows {
            match row.record {
                Ok(record) => batch.push(row.number, &record.json, record.event_id),
                Err(error) => ledger.settle(
                    row.number,
                    None,
                    Status::Rejected,
                    Some(&error.to_string()),
                    &[],
                ),
            }
        }
        (!batch.rows.is_empty()).then_some(batch)
    }

    /// Runs `transform`; settles rejected rows and returns the requests. A settings
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
        self.destination
            .transform(self.settings, &batch.lines, batch.rows.len())
    }

    /// The rest of [`Job::transform_batch`], in input order.
    fn settle_transform(
        &self,
        mut batch: Batch,
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
        for rejection in output.rejections {
            let row = &batch.rows[rejection.row as usize];
            ledger.settle(
                row.number,
                row.event_id.as_deref(),
                Status::Rejected,
                Some(&rejection.reason),
                &[],
            );
        }
        batch.warnings = output.warnings;
        ledger.count(|s| {
            for request in &output.requests {
                s.match_keys.count(&request.body, &request.event_sizes);
                s.events.count(&request.body);
            }
        });
        let batch = Arc::new(batch);
        let now = Instant::now();
        output
            .requests
            .into_iter()
            .map(|request| Work {
                request,
                batch: batch.clone(),
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
        budget: &HttpBudget,
    ) {
        loop {
            let next = receiver.lock().unwrap().recv();
            let Ok(work) = next else { return };
            let mut pending = VecDeque::from([work]);
            while let Some(work) = pending.pop_front() {
                pending.extend(self.deliver(work, ledger, stop, budget));
                ledger.flush();
            }
        }
    }

    /// One attempt at one request (with its backoff pause first); returns the work
    /// still to do: the same request again, or re-transformed retryable records.
    fn deliver(
        &self,
        work: Work,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
        budget: &HttpBudget,
    ) -> Vec<Work> {
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
        if let Some(reason) = budget.spent(self.destination, ledger.rows_read()) {
            settle_all(&work, ledger, Status::Failed, Some(&reason));
            return vec![];
        }
        ledger.count(|s| s.requests += 1);
        let error = match self.destination.send(self.settings, &work.request) {
            Ok(Ok(output)) => return self.settle_delivery(work, output, ledger, stop),
            Ok(Err(error)) => error,
            Err(host_error) => {
                settle_all(&work, ledger, Status::Failed, Some(&host_error.to_string()));
                return vec![];
            }
        };
        let Some((wait, cause)) = retry_after(&error) else {
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
            .next_delay(work.attempt, work.first_try, Some(wait), cause)
        {
            Some(delay) => {
                if cause == Cause::Throttle {
                    ledger.throttled(delay);
                }
                self.options.interrupt.sleep(delay);
                vec![Work {
                    attempt: work.attempt + 1,
                    ..work
                }]
            }
            None => {
                let mut reason = format!(
                    "gave up after {} attempts: {}",
                    work.attempt + 1,
                    describe(&error)
                );
                if cause == Cause::Throttle {
                    reason.push_str(THROTTLED_TOO_LONG);
                }
                settle_all(&work, ledger, Status::Failed, Some(&reason));
                vec![]
            }
        }
    }

    /// Settles delivered and rejected events' rows; retryable ones are transformed again
    /// (deterministic event ids make the resend safe) and come back as new work.
    fn settle_delivery(
        &self,
        work: Work,
        output: SendOutput,
        ledger: &Ledger,
        stop: &OnceLock<DestinationError>,
    ) -> Vec<Work> {
        let mut retry = Batch::new(0);
        let mut delivered_events = 0;
        for (event, status) in events(&work.request).zip(output.statuses) {
            let sent_warnings: Vec<Warning> = output
                .warnings
                .iter()
                .filter(|w| w.position as usize == event.index)
                .map(|w| w.warning.clone())
                .collect();
            for &position in event.rows {
                let row = &work.batch.rows[position as usize];
                let mut warnings: Vec<Warning> =
                    work.batch.warnings_of(position).cloned().collect();
                warnings.extend(sent_warnings.iter().cloned());
                match &status {
                    DeliveryStatus::Delivered => ledger.settle(
                        row.number,
                        Some(event.id),
                        Status::Delivered,
                        None,
                        &warnings,
                    ),
                    DeliveryStatus::Rejected(reason) => ledger.settle(
                        row.number,
                        Some(event.id),
                        Status::Rejected,
                        Some(reason),
                        &warnings,
                    ),
                    DeliveryStatus::Retryable(_) => {
                        retry.push(row.number, work.batch.line(position as usize), None)
                    }
                }
            }
            delivered_events += u64::from(status == DeliveryStatus::Delivered);
        }
        ledger.count(|s| s.events_delivered += delivered_events);
        if retry.rows.is_empty() {
            return vec![];
        }
        let attempt = work.attempt + 1;
        let resend = self.transform_batch(retry, ledger, stop);
        // Records handed back `retryable` carry no pause (the contract has none there),
        // and most are a passing fault, so the usual backoff. A throttle that outlasts
        // it fails the resend's first call whole, and that error brings TikTok's pause.
        let policy = &self.options.retry;
        let waiting = policy.next_delay(work.attempt, work.first_try, None, Cause::Fault);
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
        let delay = retry_after(&error).and_then(|(wait, cause)| {
            options
                .retry
                .next_delay(attempt, first_try, Some(wait), cause)
        });
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

/// One event of a prepared request: its index, id and rows (positions in the batch).
struct Event<'a> {
    index: usize,
    id: &'a str,
    rows: &'a [u32],
}

/// The events of `request`, in order; `Destination` checked their sizes add up.
fn events(request: &PreparedRequest) -> impl Iterator<Item = Event<'_>> {
    let mut start = 0;
    request
        .event_ids
        .iter()
        .zip(&request.event_sizes)
        .enumerate()
        .map(move |(index, (id, &size))| {
            let rows = &request.rows[start..start + size as usize];
            start += size as usize;
            Event { index, id, rows }
        })
}

/// Settles every row of `work` alike; an accepted row keeps its warnings.
fn settle_all(work: &Work, ledger: &Ledger, status: Status, reason: Option<&str>) {
    for event in events(&work.request) {
        for &position in event.rows {
            let row = &work.batch.rows[position as usize];
            let warnings: Vec<Warning> = match status {
                Status::Accepted => work.batch.warnings_of(position).cloned().collect(),
                _ => Vec::new(),
            };
            ledger.settle(row.number, Some(event.id), status, reason, &warnings);
        }
    }
}

fn fail_batch(batch: &Batch, ledger: &Ledger, reason: &str) {
    for row in &batch.rows {
        ledger.settle(
            row.number,
            row.event_id.as_deref(),
            Status::Failed,
            Some(reason),
            &[],
        );
    }
}

/// Why rows read before an interrupt were not delivered. Some may have reached TikTok
/// (an answer cut short): resending them is safe, deduplication absorbs them.
const INTERRUPTED: &str = "the run was interrupted before delivery was confirmed";

/// What a row failed for a throttle that outlasted the patience is told to do.
const THROTTLED_TOO_LONG: &str = "; TikTok kept throttling past the patience (--patience): it suspends an app for 5 minutes after its per-minute limit and until 00:00 UTC after its daily one, so resend these rows after that with send --retry-failed";

/// Why requests waiting to be sent are not, once the results file cannot be written:
/// their outcomes could not be recorded.
const UNRECORDED: &str = "not sent: the results file could not be written";

fn not_sent(stopped: &DestinationError) -> String {
    format!("not sent: the run stopped: {}", describe(stopped))
}
