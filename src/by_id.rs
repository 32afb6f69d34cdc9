//! Contract 0.1's transform and send, from the logic's positions: records by id in,
//! one outcome per record, by id, out. The logic answers by position (contract 0.2);
//! this turns each position back into the id of the record at it.

use crate::contract::v0_1::{
    DeliveryOutcome, DeliveryStatus, InputRecord, PreparedEvent, PreparedRequest, TransformOutcome,
    TransformOutput, TransformStatus,
};
use crate::contract::{self, SendOutput};

/// The 0.2 `output` of transforming `records`, as 0.1's: each record's id moves into
/// its outcome, and each event lists its records' ids.
pub fn transform_output(
    output: contract::TransformOutput,
    records: Vec<InputRecord>,
) -> TransformOutput {
    let mut statuses: Vec<Option<TransformStatus>> = vec![None; records.len()];
    for rejection in output.rejections {
        statuses[rejection.row as usize] = Some(TransformStatus::Rejected(rejection.reason));
    }
    let requests = output
        .requests
        .into_iter()
        .enumerate()
        .map(|(index, request)| {
            let mut rows = request.rows.iter().map(|&row| row as usize);
            let events = request
                .event_ids
                .into_iter()
                .zip(request.event_sizes)
                .map(|(event_id, size)| {
                    let record_ids = rows
                        .by_ref()
                        .take(size as usize)
                        .map(|row| {
                            // A batch holds fewer than 2^32 requests: each needs a row.
                            statuses[row] = Some(TransformStatus::Accepted(index as u32));
                            records[row].id.clone()
                        })
                        .collect();
                    PreparedEvent {
                        event_id,
                        record_ids,
                    }
                })
                .collect();
            PreparedRequest {
                body: request.body,
                events,
            }
        })
        .collect();
    let outcomes = records
        .into_iter()
        .zip(statuses)
        .map(|(record, status)| TransformOutcome {
            id: record.id,
            // The logic places or rejects every row; this only guards the contract.
            status: status.unwrap_or_else(|| {
                TransformStatus::Rejected("internal error: the record was not placed".into())
            }),
        })
        .collect();
    TransformOutput { requests, outcomes }
}

/// The per-event statuses of a 0.2 send as 0.1's: one outcome per record of
/// `request`, in the order of its events. 0.1 has no place for warnings.
pub fn delivery_outcomes(output: SendOutput, request: &PreparedRequest) -> Vec<DeliveryOutcome> {
    request
        .events
        .iter()
        .zip(output.statuses)
        .flat_map(|(event, status)| {
            let status = match status {
                contract::DeliveryStatus::Delivered => DeliveryStatus::Delivered,
                contract::DeliveryStatus::Rejected(reason) => DeliveryStatus::Rejected(reason),
                contract::DeliveryStatus::Retryable(reason) => DeliveryStatus::Retryable(reason),
            };
            event.record_ids.iter().map(move |id| DeliveryOutcome {
                id: id.clone(),
                status: status.clone(),
            })
        })
        .collect()
}
