//! Contract 0.1 for a host that works by position: a 0.1 component's transform and
//! send take records by id and answer by id, so each row's id is its position in the
//! batch, and the answers are turned back into positions. The checks of the 0.1 answers
//! (`destination::check_transform`, `check_send`) have run before these conversions.

use crate::bindings::batch::{
    DeliveryStatus, PreparedRequest, Rejection, SendOutput, TransformOutput,
};
use crate::bindings::guest as v0_1;

/// The rows of `lines` (the WIT's rule: a JSON object a line, a last `\n` ending the
/// last row) as records whose ids are their positions.
pub fn records(lines: &str) -> Vec<v0_1::InputRecord> {
    if lines.is_empty() {
        return Vec::new();
    }
    let lines = lines.strip_suffix('\n').unwrap_or(lines);
    lines
        .split('\n')
        .enumerate()
        .map(|(row, json)| v0_1::InputRecord {
            id: row.to_string(),
            json: json.to_string(),
        })
        .collect()
}

/// A checked 0.1 transform output of [`records`] as 0.2's. A 0.1 component has no
/// warnings.
pub fn transform_output(output: v0_1::TransformOutput) -> TransformOutput {
    let rejections = output
        .outcomes
        .into_iter()
        .enumerate()
        .filter_map(|(row, outcome)| match outcome.status {
            v0_1::TransformStatus::Accepted(_) => None,
            v0_1::TransformStatus::Rejected(reason) => Some(Rejection {
                row: row as u32,
                reason,
            }),
        })
        .collect();
    let requests = output
        .requests
        .into_iter()
        .map(|request| PreparedRequest {
            body: request.body,
            event_ids: request.events.iter().map(|e| e.event_id.clone()).collect(),
            event_sizes: request
                .events
                .iter()
                .map(|e| e.record_ids.len() as u32)
                .collect(),
            rows: request
                .events
                .iter()
                .flat_map(|e| &e.record_ids)
                .map(|id| position(id))
                .collect(),
        })
        .collect();
    TransformOutput {
        requests,
        rejections,
        warnings: Vec::new(),
    }
}

/// A 0.2 request as 0.1's: each row's id is its position.
pub fn request(request: &PreparedRequest) -> v0_1::PreparedRequest {
    let mut rows = request.rows.iter();
    let events = request
        .event_ids
        .iter()
        .zip(&request.event_sizes)
        .map(|(event_id, &size)| v0_1::PreparedEvent {
            event_id: event_id.clone(),
            record_ids: rows
                .by_ref()
                .take(size as usize)
                .map(u32::to_string)
                .collect(),
        })
        .collect();
    v0_1::PreparedRequest {
        body: request.body.clone(),
        events,
    }
}

/// Checked 0.1 outcomes of `request` as one status per event: an event is delivered,
/// refused or not settled as a whole, so its records' outcomes must agree.
pub fn send_output(
    request: &v0_1::PreparedRequest,
    outcomes: Vec<v0_1::DeliveryOutcome>,
) -> Result<SendOutput, String> {
    let mut outcomes = outcomes.into_iter();
    let mut statuses = Vec::with_capacity(request.events.len());
    for (index, event) in request.events.iter().enumerate() {
        let mut event_statuses = outcomes
            .by_ref()
            .take(event.record_ids.len())
            .map(|o| o.status);
        let Some(first) = event_statuses.next() else {
            return Err(format!("event {index} has no records"));
        };
        if event_statuses.any(|other| other != first) {
            return Err(format!(
                "the records of event {index} were settled differently"
            ));
        }
        statuses.push(match first {
            v0_1::DeliveryStatus::Delivered => DeliveryStatus::Delivered,
            v0_1::DeliveryStatus::Rejected(reason) => DeliveryStatus::Rejected(reason),
            v0_1::DeliveryStatus::Retryable(reason) => DeliveryStatus::Retryable(reason),
        });
    }
    Ok(SendOutput {
        statuses,
        warnings: Vec::new(),
    })
}

/// The ids [`records`] gave, which `check_transform` matched against them.
fn position(id: &str) -> u32 {
    id.parse().expect("record ids are positions")
}
