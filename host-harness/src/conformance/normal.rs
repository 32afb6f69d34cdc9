//! The normalised form of results: plain JSON that every host's driver prints byte for
//! byte the same, whatever its bindings look like.
//!
//! Rules, chosen once: record fields in snake_case; `result` as `{"ok": …}` or
//! `{"err": …}`; a variant case with a payload as `{"case": payload}` and without one
//! as `"case"`, case names in snake_case; `option` as the value or `null`; setting
//! values as JSON scalars; the spec exactly as `host-harness describe` prints it.

use serde_json::{Value, json};

use crate::bindings::batch::{self, PositionedWarning, SendOutput};
use crate::bindings::event_sets::EventSet;
use crate::bindings::guest::{DeliveryOutcome, DeliveryStatus, TransformOutput, TransformStatus};
use crate::bindings::oauth::Connection;
use crate::bindings::types::DestinationError;
use crate::json::setting_value;
use crate::transport::RecordedCall;

pub use crate::json::{spec, validation};

pub fn result<T>(result: &Result<T, DestinationError>, ok: impl Fn(&T) -> Value) -> Value {
    match result {
        Ok(value) => json!({ "ok": ok(value) }),
        Err(error) => json!({ "err": destination_error(error) }),
    }
}

pub fn destination_error(error: &DestinationError) -> Value {
    match error {
        DestinationError::InvalidSettings(fields) => json!({
            "invalid_settings": fields
                .iter()
                .map(|f| json!({"key": f.key, "message": f.message}))
                .collect::<Vec<_>>()
        }),
        DestinationError::Auth(message) => json!({ "auth": message }),
        DestinationError::RateLimited(limit) => json!({
            "rate_limited": {"retry_after_ms": limit.retry_after_ms, "message": limit.message}
        }),
        DestinationError::Transient(message) => json!({ "transient": message }),
        DestinationError::Permanent(message) => json!({ "permanent": message }),
    }
}

pub fn transform_output(output: &TransformOutput) -> Value {
    let requests: Vec<Value> = output
        .requests
        .iter()
        .map(|r| {
            json!({
                "body": r.body,
                "events": r.events.iter().map(|e| json!({
                    "event_id": e.event_id,
                    "record_ids": e.record_ids,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let outcomes: Vec<Value> = output
        .outcomes
        .iter()
        .map(|o| {
            let status = match &o.status {
                TransformStatus::Accepted(index) => json!({ "accepted": index }),
                TransformStatus::Rejected(reason) => json!({ "rejected": reason }),
            };
            json!({"id": o.id, "status": status})
        })
        .collect();
    json!({"requests": requests, "outcomes": outcomes})
}

pub fn delivery_outcomes(outcomes: &[DeliveryOutcome]) -> Value {
    outcomes
        .iter()
        .map(|o| {
            let status = match &o.status {
                DeliveryStatus::Delivered => json!("delivered"),
                DeliveryStatus::Rejected(reason) => json!({ "rejected": reason }),
                DeliveryStatus::Retryable(reason) => json!({ "retryable": reason }),
            };
            json!({"id": o.id, "status": status})
        })
        .collect()
}

/// Contract 0.2's transform output.
pub fn positions(output: &batch::TransformOutput) -> Value {
    json!({
        "requests": output.requests.iter().map(|r| json!({
            "body": r.body,
            "event_ids": r.event_ids,
            "event_sizes": r.event_sizes,
            "rows": r.rows,
        })).collect::<Vec<_>>(),
        "rejections": output.rejections.iter().map(|r| json!({
            "row": r.row,
            "reason": r.reason,
        })).collect::<Vec<_>>(),
        "warnings": warnings(&output.warnings),
    })
}

/// Contract 0.2's send output.
pub fn send_output(output: &SendOutput) -> Value {
    json!({
        "statuses": output.statuses.iter().map(|status| match status {
            batch::DeliveryStatus::Delivered => json!("delivered"),
            batch::DeliveryStatus::Rejected(reason) => json!({ "rejected": reason }),
            batch::DeliveryStatus::Retryable(reason) => json!({ "retryable": reason }),
        }).collect::<Vec<_>>(),
        "warnings": warnings(&output.warnings),
    })
}

fn warnings(warnings: &[PositionedWarning]) -> Value {
    warnings
        .iter()
        .map(|w| json!({"position": w.position, "field": w.warning.field, "rule": w.warning.rule}))
        .collect()
}

pub fn connection(connection: &Connection) -> Value {
    json!({
        "settings": connection.settings.iter().map(|s| json!({
            "key": s.key,
            "value": setting_value(&s.value),
        })).collect::<Vec<_>>(),
        "accounts": connection.accounts.iter().map(|a| json!({
            "id": a.id,
            "name": a.name,
        })).collect::<Vec<_>>(),
        "account_setting": connection.account_setting,
    })
}

pub fn event_set(set: &EventSet) -> Value {
    json!({
        "id": set.id,
        "name": set.name,
        "description": set.description,
        "auto_tracking": set.auto_tracking,
    })
}

pub fn event_sets(sets: &[EventSet]) -> Value {
    sets.iter().map(event_set).collect()
}

/// A call as the guest made it: headers as `[name, value]` pairs in the guest's order.
pub fn http_call(call: &RecordedCall) -> Value {
    json!({
        "method": call.method,
        "url": call.url,
        "headers": call.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": call.body,
    })
}
