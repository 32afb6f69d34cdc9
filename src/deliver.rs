//! `send`: deliver one prepared request and settle every record in it.
//!
//! TikTok fails a whole request when one event is bad and names no event. So when a
//! request of several events is refused for its payload, it is split in halves and each
//! half resent, recursively, until only the offending events are left: k bad events in n
//! cost about 2·k·log2(n) extra calls, and every good event is delivered.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::contract::{
    DeliveryOutcome, DeliveryStatus, DestinationError, FieldError, Host, LogLevel, PreparedRequest,
    Setting,
};
use crate::settings::Settings;
use crate::tiktok_api::{Api, Class, Failure};

const TRACK_PATH: &str = "/event/track/";

/// Calls one `send` may make while isolating bad events. Below the host's own cap, so
/// the component settles what it could (the rest as retryable) instead of being stopped.
pub const MAX_CALLS: u32 = 256;

/// The request body, with each event kept as raw JSON so halves are cheap to rebuild.
#[derive(Deserialize, Serialize)]
struct Body<'a> {
    event_source: &'a str,
    event_source_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_event_code: Option<String>,
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
}

impl Body<'_> {
    fn subset(&self, events: Range<usize>) -> String {
        let subset = Body {
            event_source: self.event_source,
            event_source_id: self.event_source_id,
            test_event_code: self.test_event_code.clone(),
            data: self.data[events].to_vec(),
        };
        serde_json::to_string(&subset).expect("serialising borrowed JSON cannot fail")
    }
}

pub fn send(
    settings: &[Setting],
    request: &PreparedRequest,
    host: &mut impl Host,
) -> Result<Vec<DeliveryOutcome>, DestinationError> {
    let settings = Settings::parse(settings).map_err(DestinationError::InvalidSettings)?;
    let body: Body = serde_json::from_str(&request.body).map_err(|e| {
        DestinationError::Permanent(format!(
            "the request body is not a prepared TikTok request: {e}"
        ))
    })?;
    if body.data.len() != request.events.len() {
        return Err(DestinationError::Permanent(format!(
            "the request body has {} events but lists records for {}",
            body.data.len(),
            request.events.len()
        )));
    }
    let row_named_set = settings.event_set_id.as_deref() != Some(body.event_source_id);
    let mut delivery = Delivery {
        api: Api::new(host, settings.access_token.expose()),
        row_named_set,
        original: &request.body,
        body: &body,
        statuses: vec![None; body.data.len()],
        calls: 0,
    };
    delivery.settle(0..body.data.len())?;
    let outcomes = request
        .events
        .iter()
        .zip(delivery.statuses)
        .flat_map(|(event, status)| {
            let status = status.expect("settle leaves no event unsettled");
            event.record_ids.iter().map(move |id| DeliveryOutcome {
                id: id.clone(),
                status: status.clone(),
            })
        })
        .collect();
    Ok(outcomes)
}

struct Delivery<'a, 'h, H: Host> {
    api: Api<'h, H>,
    /// The request goes to an event set its rows named, not the settings' one: if
    /// TikTok says that set does not exist or may not be used, those rows are at
    /// fault and the run goes on.
    row_named_set: bool,
    /// Sent verbatim while the whole request is sent: no re-serialising on the hot path.
    original: &'a str,
    body: &'a Body<'a>,
    statuses: Vec<Option<DeliveryStatus>>,
    calls: u32,
}

impl<H: Host> Delivery<'_, '_, H> {
    /// Settles `events`. An `Err` only when nothing of the request was settled: the
    /// whole request failed and the host retries or stops as the error says.
    fn settle(&mut self, events: Range<usize>) -> Result<(), DestinationError> {
        let whole_request = events.len() == self.statuses.len();
        if self.calls >= MAX_CALLS {
            let reason = format!("not sent: isolating bad events took more than {MAX_CALLS} calls");
            self.mark(events, DeliveryStatus::Retryable(reason));
            return Ok(());
        }
        self.calls += 1;
        let body = if whole_request {
            self.original.to_string()
        } else {
            self.body.subset(events.clone())
        };
        let status = match self.api.post(TRACK_PATH, body) {
            Ok(_) => DeliveryStatus::Delivered,
            Err(failure) => match failure.class() {
                Class::Payload if events.len() > 1 => {
                    let message = format!(
                        "{failure}; splitting {} events to isolate the bad ones",
                        events.len()
                    );
                    self.api.log(LogLevel::Info, &message);
                    let middle = events.start + events.len() / 2;
                    self.settle(events.start..middle)?;
                    return self.settle(middle..events.end);
                }
                Class::Payload => DeliveryStatus::Rejected(format!("refused by TikTok: {failure}")),
                _ if self.row_named_set && is_event_set_refusal(&failure) => {
                    let set = self.body.event_source_id;
                    DeliveryStatus::Rejected(format!("event_set_id {set} of the row: {failure}"))
                }
                _ if whole_request => return Err(request_error(failure)),
                // Part of the request is settled already: the rest waits for a retry.
                _ => DeliveryStatus::Retryable(failure.to_string()),
            },
        };
        self.mark(events, status);
        Ok(())
    }

    fn mark(&mut self, events: Range<usize>, status: DeliveryStatus) {
        for slot in &mut self.statuses[events] {
            *slot = Some(status.clone());
        }
    }
}

/// TikTok's answers for an event set that does not exist (40007) or that the token
/// may not use (40001).
fn is_event_set_refusal(failure: &Failure) -> bool {
    matches!(
        failure,
        Failure::Api {
            code: 40007 | 40001,
            ..
        }
    )
}

/// A whole request's failure as the host should see it.
fn request_error(failure: Failure) -> DestinationError {
    match failure {
        Failure::Api { code: 40007, .. } => {
            DestinationError::InvalidSettings(vec![FieldError::new(
                "event_set_id",
                format!(
                    "{failure} (no offline event set with this id; a pixel code is not an event set id)"
                ),
            )])
        }
        other => other.into_error(),
    }
}
