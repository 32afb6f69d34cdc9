//! Work on every core, results in input order: how the jobs transform their batches.
//!
//! The component is pure and each call gets its own instance, so batches can be
//! transformed at once on several threads; what follows a transform (settling rows,
//! writing requests) stays on the calling thread, in input order, so a run's outputs
//! do not depend on the number of cores.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel, sync_channel};

/// The name of the worker threads (profilers and `bench` tell them apart by it).
pub const WORKER_NAME: &str = "transform-worker";

/// One worker per core.
pub fn workers() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Runs `work` on each item of `items` on `workers` threads and hands every item with
/// its result to `each`, on this thread, in input order. At most two items per worker
/// are in flight, so memory stays bounded whatever the input's length. After `each`
/// returns `Break`, no further item is read; the items already in flight still come to
/// `each`, so that none goes unaccounted.
pub fn ordered<T: Send, R: Send>(
    items: impl Iterator<Item = T>,
    workers: NonZeroUsize,
    work: impl Fn(&T) -> R + Sync,
    mut each: impl FnMut(T, R) -> ControlFlow<()>,
) {
    let workers = workers.get();
    let (jobs, queue) = sync_channel::<(u64, T)>(workers);
    let queue = Mutex::new(queue);
    let (done, results) = channel::<(u64, T, R)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done = done.clone();
            let (queue, work) = (&queue, &work);
            std::thread::Builder::new()
                .name(WORKER_NAME.into())
                .spawn_scoped(scope, move || {
                    while let Ok((seq, item)) = next_job(queue) {
                        let result = work(&item);
                        if done.send((seq, item, result)).is_err() {
                            return;
                        }
                    }
                })
                .expect("spawning a transform worker");
        }
        drop(done);
        let mut order = InOrder::default();
        let mut flow = ControlFlow::Continue(());
        for (seq, item) in (0u64..).zip(items) {
            jobs.send((seq, item))
                .expect("workers run until the queue closes");
            order.sent += 1;
            while order.in_flight() >= 2 * workers as u64 {
                let (seq, item, result) = results.recv().expect("a worker holds each job");
                if order.arrive(seq, item, result, &mut each).is_break() {
                    flow = ControlFlow::Break(());
                }
            }
            if flow.is_break() {
                break;
            }
        }
        drop(jobs);
        // Already stopped or at the end of the input: what is in flight still counts.
        while order.in_flight() > 0 {
            let (seq, item, result) = results.recv().expect("a worker holds each job");
            let _ = order.arrive(seq, item, result, &mut each);
        }
    });
}

fn next_job<T>(queue: &Mutex<Receiver<(u64, T)>>) -> Result<(u64, T), ()> {
    let queue = queue.lock().map_err(drop)?;
    queue.recv().map_err(drop)
}

/// Results that arrived before the ones ahead of them.
struct InOrder<T, R> {
    sent: u64,
    handed: u64,
    early: BTreeMap<u64, (T, R)>,
}

impl<T, R> Default for InOrder<T, R> {
    fn default() -> Self {
        InOrder {
            sent: 0,
            handed: 0,
            early: BTreeMap::new(),
        }
    }
}

impl<T, R> InOrder<T, R> {
    fn in_flight(&self) -> u64 {
        self.sent - self.handed
    }

    /// Hands over every result that is now next in line; `Break` if `each` said so.
    fn arrive(
        &mut self,
        seq: u64,
        item: T,
        result: R,
        each: &mut impl FnMut(T, R) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.early.insert(seq, (item, result));
        let mut flow = ControlFlow::Continue(());
        while let Some((item, result)) = self.early.remove(&self.handed) {
            self.handed += 1;
            if each(item, result).is_break() {
                flow = ControlFlow::Break(());
            }
        }
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn n(workers: usize) -> NonZeroUsize {
        NonZeroUsize::new(workers).unwrap()
    }

    #[test]
    fn results_come_in_input_order_whatever_finishes_first() {
        let mut seen = vec![];
        ordered(
            0..50u64,
            n(4),
            |&i| {
                // Early items finish last.
                std::thread::sleep(Duration::from_micros(50 * (50 - i)));
                i * 10
            },
            |i, r| {
                seen.push((i, r));
                ControlFlow::Continue(())
            },
        );
        let expected: Vec<(u64, u64)> = (0..50).map(|i| (i, i * 10)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn after_a_break_nothing_more_is_read_and_nothing_in_flight_is_lost() {
        let mut read = 0;
        let items = std::iter::from_fn(|| {
            read += 1;
            (read <= 1000).then_some(read)
        });
        let mut seen = vec![];
        ordered(
            items,
            n(2),
            |&i| i,
            |i, _| {
                seen.push(i);
                if i == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        // Items 1 to 3, and those read before the break was seen (at most 2 per worker
        // in flight), all handed over in order.
        assert!(seen.len() >= 3 && seen.len() <= 3 + 4, "{seen:?}");
        assert_eq!(seen, (1..=seen.len()).collect::<Vec<_>>());
        assert_eq!(read, seen.len(), "every item read was handed over");
    }
}
