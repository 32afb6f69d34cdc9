//! Rows grouped into batches for `transform-batch`, keeping each order in one batch.
//!
//! The component merges the rows of one order (one `event_id`) into one event, and TikTok
//! keeps only the first event of an id: an order split across two batches would become
//! two events and lose the items of the second. So a full batch ends only where the next
//! readable row starts a different order.

use std::num::NonZeroUsize;

use super::{InputError, Row, RowError};

/// The most rows one order may have: the component merges an order into one event and
/// rejects one of more rows (the TikTok component's `MAX_EVENT_ROWS`; a test checks
/// they agree). Past it the order's rows are rejected here, as they are read, so a
/// constant `event_id` over a whole file cannot make one batch of the whole file.
pub const MAX_ORDER_ROWS: usize = 1_000;

/// Batches of at most `max_rows` rows, in input order, except that an order is never
/// split: an order longer than `max_rows` goes whole into one larger batch.
///
/// Unreadable rows stay in place. They have no `event_id` to judge by, so ones that
/// follow a full batch wait for the next readable row: if it continues the batch's last
/// order they join the batch with it, otherwise they start the next batch. At most
/// `max_rows` of them wait, so a file of unreadable rows still batches in bounded memory.
pub struct Batches<I> {
    rows: I,
    max_rows: usize,
    /// Rows already read that start the next batch.
    carried: Vec<Row>,
    /// A read error, reported after the rows read before it (each of which needs an outcome).
    error: Option<InputError>,
    failed: bool,
    limit: OrderLimit,
}

/// Counts the rows of the current order against [`MAX_ORDER_ROWS`].
#[derive(Default)]
struct OrderLimit {
    /// The order of the last readable row and how many consecutive rows it has had.
    order: Option<(String, usize)>,
    /// The order over [`MAX_ORDER_ROWS`] whose rows are being rejected.
    oversized: Option<String>,
}

impl<I: Iterator<Item = Result<Row, InputError>>> Batches<I> {
    pub fn new(rows: I, max_rows: NonZeroUsize) -> Self {
        Batches {
            rows,
            max_rows: max_rows.get(),
            carried: Vec::new(),
            error: None,
            failed: false,
            limit: OrderLimit::default(),
        }
    }
}

impl OrderLimit {
    /// Counts `row` towards its order; a row of an order over [`MAX_ORDER_ROWS`] becomes
    /// a rejected row, and so do the rows of that order already in `held`.
    fn bound(&mut self, mut row: Row, held: &mut [&mut Vec<Row>]) -> Row {
        let Some(id) = row.event_id().map(str::to_owned) else {
            if row.record.is_ok() {
                self.order = None;
            }
            return row;
        };
        if self.oversized.as_deref() == Some(id.as_str()) {
            row.record = Err(RowError::OrderTooLarge);
            return row;
        }
        self.oversized = None;
        match &mut self.order {
            Some((order, rows)) if *order == id => *rows += 1,
            _ => self.order = Some((id.clone(), 1)),
        }
        if self
            .order
            .as_ref()
            .is_some_and(|(_, rows)| *rows > MAX_ORDER_ROWS)
        {
            for rows in held.iter_mut() {
                for earlier in rows
                    .iter_mut()
                    .filter(|r| r.event_id() == Some(id.as_str()))
                {
                    earlier.record = Err(RowError::OrderTooLarge);
                }
            }
            row.record = Err(RowError::OrderTooLarge);
            self.order = None;
            self.oversized = Some(id);
        }
        row
    }
}

impl<I: Iterator<Item = Result<Row, InputError>>> Iterator for Batches<I> {
    /// A batch, never empty; or the read error that ends the input.
    type Item = Result<Vec<Row>, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if let Some(error) = self.error.take() {
            self.failed = true;
            return Some(Err(error));
        }
        let mut batch = std::mem::take(&mut self.carried);
        // Unreadable rows read after the batch filled up, undecided.
        let mut waiting = Vec::new();
        for row in self.rows.by_ref() {
            let row = match row {
                Ok(row) => self.limit.bound(row, &mut [&mut batch, &mut waiting]),
                Err(error) => {
                    batch.append(&mut waiting);
                    if batch.is_empty() {
                        self.failed = true;
                        return Some(Err(error));
                    }
                    self.error = Some(error);
                    return Some(Ok(batch));
                }
            };
            if batch.len() < self.max_rows {
                batch.push(row);
            } else if row.record.is_err() {
                waiting.push(row);
                if waiting.len() == self.max_rows {
                    self.carried = waiting;
                    return Some(Ok(batch));
                }
            } else if continues_last_order(&batch, &row) {
                batch.append(&mut waiting);
                batch.push(row);
            } else {
                waiting.push(row);
                self.carried = waiting;
                return Some(Ok(batch));
            }
        }
        batch.append(&mut waiting);
        (!batch.is_empty()).then_some(Ok(batch))
    }
}

/// Whether `row` has the `event_id` of the last readable row of `batch`.
fn continues_last_order(batch: &[Row], row: &Row) -> bool {
    let last_order = batch
        .iter()
        .rev()
        .find(|row| row.record.is_ok())
        .and_then(Row::event_id);
    last_order.is_some() && last_order == row.event_id()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Record, RowError};

    /// Rows from a compact spec: `"a"` is a readable row of order a, `"-"` a readable
    /// row without an `event_id`, `"!"` an unreadable row. Rows are numbered from 1.
    fn rows(spec: &[&str]) -> Vec<Result<Row, InputError>> {
        let row = |(index, kind): (usize, &&str)| {
            let record = match *kind {
                "!" => Err(RowError::NotObject),
                "-" => Ok(Record {
                    json: "{}".into(),
                    event_id: None,
                }),
                id => Ok(Record {
                    json: "{}".into(),
                    event_id: Some(id.to_string()),
                }),
            };
            Ok(Row {
                number: index as u64 + 1,
                record,
            })
        };
        spec.iter().enumerate().map(row).collect()
    }

    /// The row numbers of each batch.
    fn batch_numbers(spec: &[&str], max_rows: usize) -> Vec<Vec<u64>> {
        let batches = Batches::new(rows(spec).into_iter(), NonZeroUsize::new(max_rows).unwrap());
        batches
            .map(|batch| batch.unwrap().iter().map(|row| row.number).collect())
            .collect()
    }

    #[test]
    fn rows_without_orders_fill_batches_of_the_maximum() {
        assert_eq!(
            batch_numbers(&["-", "-", "-", "-", "-"], 2),
            vec![vec![1, 2], vec![3, 4], vec![5]]
        );
        assert_eq!(batch_numbers(&["-", "-"], 2), vec![vec![1, 2]]);
        assert_eq!(batch_numbers(&[], 2), Vec::<Vec<u64>>::new());
    }

    #[test]
    fn an_order_crossing_the_boundary_stays_whole_in_the_batch_it_started() {
        let spec = ["a", "b", "b", "c", "d", "d", "d", "e"];
        assert_eq!(
            batch_numbers(&spec, 2),
            vec![vec![1, 2, 3], vec![4, 5, 6, 7], vec![8]]
        );
    }

    #[test]
    fn an_order_longer_than_the_maximum_makes_one_oversized_batch() {
        let spec = ["a", "a", "a", "a", "a", "b"];
        assert_eq!(batch_numbers(&spec, 2), vec![vec![1, 2, 3, 4, 5], vec![6]]);
    }

    #[test]
    fn only_consecutive_rows_are_an_order() {
        let spec = ["a", "b", "a", "-", "-"];
        assert_eq!(
            batch_numbers(&spec, 2),
            vec![vec![1, 2], vec![3, 4], vec![5]]
        );
    }

    #[test]
    fn rows_without_event_id_never_extend_a_full_batch() {
        assert_eq!(
            batch_numbers(&["-", "-", "-"], 1),
            vec![vec![1], vec![2], vec![3]]
        );
    }

    #[test]
    fn unreadable_rows_inside_an_order_at_the_boundary_stay_with_the_order() {
        let spec = ["a", "a", "a", "!", "!", "a", "b"];
        assert_eq!(
            batch_numbers(&spec, 3),
            vec![vec![1, 2, 3, 4, 5, 6], vec![7]]
        );
    }

    #[test]
    fn unreadable_rows_after_a_finished_order_start_the_next_batch() {
        let spec = ["a", "a", "!", "b", "b"];
        assert_eq!(batch_numbers(&spec, 2), vec![vec![1, 2], vec![3, 4, 5]]);
    }

    #[test]
    fn unreadable_rows_before_a_full_batch_count_towards_it() {
        let spec = ["!", "a", "a", "b"];
        assert_eq!(batch_numbers(&spec, 2), vec![vec![1, 2, 3], vec![4]]);
    }

    #[test]
    fn a_run_of_unreadable_rows_is_batched_like_any_rows() {
        let spec = ["a", "!", "!", "!", "!", "!", "a"];
        assert_eq!(
            batch_numbers(&spec, 2),
            vec![vec![1, 2], vec![3, 4], vec![5, 6], vec![7]]
        );
    }

    #[test]
    fn unreadable_rows_at_the_end_join_the_last_batch() {
        assert_eq!(batch_numbers(&["a", "b", "!"], 2), vec![vec![1, 2, 3]]);
    }

    #[test]
    fn rows_read_before_a_read_error_still_form_a_batch() {
        let mut input = rows(&["a", "b", "c"]);
        input.insert(
            2,
            Err(InputError::Read {
                rows_read: 2,
                source: std::io::Error::other("gone"),
            }),
        );
        let mut batches = Batches::new(input.into_iter(), NonZeroUsize::new(5).unwrap());
        let numbers: Vec<u64> = batches
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(|r| r.number)
            .collect();
        assert_eq!(numbers, [1, 2]);
        assert!(batches.next().unwrap().is_err());
        assert!(batches.next().is_none());
    }

    #[test]
    fn a_read_error_ends_the_batches_after_reporting_it() {
        let mut input = rows(&["a", "b", "c"]);
        input.insert(
            2,
            Err(InputError::Read {
                rows_read: 2,
                source: std::io::Error::other("gone"),
            }),
        );
        let mut batches = Batches::new(input.into_iter(), NonZeroUsize::new(1).unwrap());
        assert_eq!(batches.next().unwrap().unwrap()[0].number, 1);
        assert_eq!(batches.next().unwrap().unwrap()[0].number, 2);
        assert_eq!(
            batches.next().unwrap().unwrap_err().to_string(),
            "read error after 2 rows: gone"
        );
        assert!(batches.next().is_none());
    }

    /// Each batch as (row number, readable) pairs.
    fn batch_kinds(spec: &[&str], max_rows: usize) -> Vec<Vec<(u64, bool)>> {
        let batches = Batches::new(rows(spec).into_iter(), NonZeroUsize::new(max_rows).unwrap());
        batches
            .map(|batch| {
                let batch = batch.unwrap();
                batch
                    .iter()
                    .map(|row| (row.number, row.record.is_ok()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn an_order_over_the_limit_is_rejected_whole_and_batches_stay_bounded() {
        let mut spec = vec!["a"];
        spec.extend(std::iter::repeat_n("big", 3 * MAX_ORDER_ROWS));
        spec.push("b");
        let batches = batch_kinds(&spec, 10);
        assert!(
            batches
                .iter()
                .all(|batch| batch.len() <= 10 + MAX_ORDER_ROWS),
            "no batch holds the whole order"
        );
        let all: Vec<(u64, bool)> = batches.concat();
        assert_eq!(all.len(), spec.len(), "every row once, in order");
        assert!(all.windows(2).all(|w| w[0].0 + 1 == w[1].0));
        let readable: Vec<u64> = all.iter().filter(|r| r.1).map(|r| r.0).collect();
        assert_eq!(
            readable,
            [1, spec.len() as u64],
            "every row of the big order is rejected"
        );
        let Err(error) = &Batches::new(rows(&spec).into_iter(), NonZeroUsize::new(10).unwrap())
            .flat_map(|b| b.unwrap())
            .nth(1)
            .unwrap()
            .record
        else {
            panic!("rejected")
        };
        assert_eq!(
            error.to_string(),
            "event_id: more than 1000 rows share it; one event holds at most 1000"
        );
    }

    #[test]
    fn an_order_at_the_limit_and_a_new_order_of_the_same_id_later_are_kept() {
        let mut spec = vec!["big"; MAX_ORDER_ROWS];
        spec.push("other");
        spec.extend(std::iter::repeat_n("big", 2));
        let rows: Vec<(u64, bool)> = batch_kinds(&spec, 10).concat();
        assert!(rows.iter().all(|&(_, readable)| readable));
    }
}
