//! `send`: deliver one prepared request and settle every record in it.
//!
//! TikTok fails a whole request when one event is bad. So when a request of several
//! events is refused for its payload, it is split in halves and each half resent,
//! recursively, until only the offending events are left: k bad events in n cost about
//! 2·k·log2(n) extra calls, and every good event is delivered.
//!
//! But TikTok's parameter error (40002) also answers a problem with the request itself
//! (a top-level field, the event set), and bisecting that would reject every good row
//! for good. Its message names the field: `data[3].event_id` is one event, a top-level
//! field is the request ([`Scope`]). A message that names neither is judged by the first
//! split: when both halves fail with the very same answer, no event is to blame. A
//! request-level refusal is a configuration error for the whole run, found within at
//! most two extra calls.
//!
//! Any other failure (a throttle, a fault on TikTok's side, auth, a missing event set)
//! is not about the events, so it ends the send at once: firing the rest of the halves
//! into a throttle only earns more throttles. What happens to the unsettled events is
//! decided in [`Delivery::hand_back`].

use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::contract::{
    DeliveryStatus, DestinationError, FieldError, Host, LogLevel, PositionedWarning, SendOutput,
    Setting, Warning,
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
    partner_name: Option<String>,
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
            partner_name: self.partner_name.clone(),
            test_event_code: self.test_event_code.clone(),
            data: self.data[events].to_vec(),
        };
        serde_json::to_string(&subset).expect("serialising borrowed JSON cannot fail")
    }
}

/// The warning on events TikTok answered "partially successful" (20001) for: it says
/// neither which part nor why, so they count as delivered, unconfirmed.
pub fn partial_success() -> Warning {
    Warning::new(
        "event",
        "TikTok answered 'partially successful' (20001) for its request without naming the events it dropped: delivery is unconfirmed",
    )
}

/// Delivers the prepared request `body` of `events` events: one status per event, in
/// the body's order.
pub fn send(
    settings: &[Setting],
    body: &str,
    events: usize,
    host: &mut impl Host,
) -> Result<SendOutput, DestinationError> {
    let settings = Settings::parse(settings).map_err(DestinationError::InvalidSettings)?;
    let original = body;
    let body: Body = serde_json::from_str(body).map_err(|e| {
        DestinationError::Permanent(format!(
            "the request body is not a prepared TikTok request: {e}"
        ))
    })?;
    if body.data.len() != events {
        return Err(DestinationError::Permanent(format!(
            "the request body has {} events but lists {events}",
            body.data.len(),
        )));
    }
    let row_named_set = settings.event_set_id.as_deref() != Some(body.event_source_id);
    let mut delivery = Delivery {
        api: Api::new(host, settings.access_token.expose()),
        row_named_set,
        original,
        body: &body,
        statuses: vec![None; body.data.len()],
        partial: vec![false; body.data.len()],
        calls: 0,
        probed: false,
        request_level: false,
    };
    if let Err(failure) = delivery.settle(0..body.data.len()) {
        delivery.hand_back(failure)?;
    }
    let warnings = (0..events)
        .filter(|&event| delivery.partial[event])
        .map(|event| PositionedWarning {
            // A request holds at most 1,000 events.
            position: event as u32,
            warning: partial_success(),
        })
        .collect();
    let statuses = delivery
        .statuses
        .into_iter()
        .map(|status| status.expect("settle leaves no event unsettled"))
        .collect();
    Ok(SendOutput { statuses, warnings })
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
    /// Events delivered in an answer that was only "partially successful".
    partial: Vec<bool>,
    calls: u32,
    /// Whether the first split has been used to tell a request-level refusal apart.
    probed: bool,
    /// The refusal was about the request itself, not an event: see [`request_error`].
    request_level: bool,
}

/// What a payload refusal is about, by the field its message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// `data[i]…`: one event.
    Event,
    /// A top-level field of the request.
    Request,
    /// No field named.
    Unknown,
}

/// The top-level fields of a track request.
const TOP_LEVEL_FIELDS: [&str; 5] = [
    "event_source_id",
    "event_source",
    "test_event_code",
    "partner_name",
    "request body",
];

fn scope(failure: &Failure) -> Scope {
    let Failure::Api { message, .. } = failure else {
        return Scope::Unknown;
    };
    if message.contains("data[") || message.contains("data.") {
        Scope::Event
    } else if TOP_LEVEL_FIELDS.iter().any(|field| message.contains(field)) {
        Scope::Request
    } else {
        Scope::Unknown
    }
}

/// The same answer twice: the same code and message.
fn same_answer(a: &Failure, b: &Failure) -> bool {
    matches!((a, b), (
        Failure::Api { code: x, message: m },
        Failure::Api { code: y, message: n },
    ) if x == y && m == n)
}

impl<H: Host> Delivery<'_, '_, H> {
    /// Settles `events`, or stops at the first failure that is not about the events
    /// and returns it, leaving the events not yet settled as `None`.
    fn settle(&mut self, events: Range<usize>) -> Result<(), Failure> {
        match self.post(events.clone()) {
            Some(answer) => self.settle_answered(events, answer),
            None => Ok(()),
        }
    }

    /// Sends `events`; `None` (and the events handed back) past [`MAX_CALLS`].
    fn post(&mut self, events: Range<usize>) -> Option<Result<bool, Failure>> {
        if self.calls >= MAX_CALLS {
            let reason = format!("not sent: isolating bad events took more than {MAX_CALLS} calls");
            self.mark(events, DeliveryStatus::Retryable(reason));
            return None;
        }
        self.calls += 1;
        let body = if events.len() == self.statuses.len() {
            self.original.to_string()
        } else {
            self.body.subset(events)
        };
        Some(self.api.post(TRACK_PATH, body).map(|data| data.partial))
    }

    /// [`Delivery::settle`] once TikTok has answered for `events`.
    fn settle_answered(
        &mut self,
        events: Range<usize>,
        answer: Result<bool, Failure>,
    ) -> Result<(), Failure> {
        let failure = match answer {
            Ok(partial) => {
                self.partial[events.clone()].fill(partial);
                self.mark(events, DeliveryStatus::Delivered);
                return Ok(());
            }
            Err(failure) => failure,
        };
        let status = match failure.class() {
            Class::Payload if scope(&failure) == Scope::Request => {
                self.request_level = true;
                return Err(failure);
            }
            Class::Payload if events.len() > 1 => return self.split(events, failure),
            Class::Payload => DeliveryStatus::Rejected(format!("refused by TikTok: {failure}")),
            _ if self.row_named_set && is_event_set_refusal(&failure) => {
                let set = self.body.event_source_id;
                DeliveryStatus::Rejected(format!("event_set_id {set} of the row: {failure}"))
            }
            _ => return Err(failure),
        };
        self.mark(events, status);
        Ok(())
    }

    /// Bisects `events`, which TikTok refused as a whole with `failure`. The first time,
    /// when the answer names no field and the first half gets the same answer, the
    /// second half is sent before either is bisected: the same answer for both is a
    /// refusal of the request, not of an event.
    fn split(&mut self, events: Range<usize>, failure: Failure) -> Result<(), Failure> {
        let message = format!(
            "{failure}; splitting {} events to isolate the bad ones",
            events.len()
        );
        self.api.log(LogLevel::Info, &message);
        let middle = events.start + events.len() / 2;
        let (left, right) = (events.start..middle, middle..events.end);
        let probe = !self.probed && scope(&failure) == Scope::Unknown;
        self.probed = true;
        if !probe {
            self.settle(left)?;
            return self.settle(right);
        }
        let Some(left_answer) = self.post(left.clone()) else {
            return self.settle(right);
        };
        // Anything else from the first half (delivered, throttled) settles as usual: a
        // throttle stops the send before the second half meets it too.
        if !matches!(&left_answer, Err(answer) if same_answer(answer, &failure)) {
            self.settle_answered(left, left_answer)?;
            return self.settle(right);
        }
        let Some(right_answer) = self.post(right.clone()) else {
            return self.settle_answered(left, left_answer);
        };
        if matches!(&right_answer, Err(answer) if same_answer(answer, &failure)) {
            self.request_level = true;
            return Err(failure);
        }
        self.settle_answered(left, left_answer)?;
        self.settle_answered(right, right_answer)
    }

    /// After `failure` stopped the send: the whole request's error when nothing of it
    /// was settled, else the unsettled events as `retryable`.
    ///
    /// The contract's `rate-limited` error carries the retry-after, but it fails the
    /// whole request: the host resends every record. That is only right while nothing
    /// is settled, which covers the usual throttle: the first call of a send, or any
    /// call of a split before one event was delivered or rejected. TikTok's pause
    /// (1 s for its throttles, 60 s for 60001/61000, a gateway's `Retry-After`) then
    /// reaches the host intact.
    ///
    /// Once some events are settled, an error would make the host resend what was
    /// delivered, bisect the rejected ones again, and report delivered rows `failed`
    /// if its retries ran out. The per-record `retryable(reason)` has no retry-after,
    /// the WIT must not change, and a wait hidden in the reason text would be a second,
    /// untyped contract. So settled events keep their outcomes and the rest come back
    /// `retryable`, and the host resends them after its usual backoff. If TikTok still
    /// throttles, the resend's first call fails with nothing settled and the exact
    /// pause follows: one call is spent finding out, no more. (A floor of TikTok's 1 s
    /// on every retryable record would make each passing fault cost a second: the
    /// 100,000-row fault matrix took 67 s instead of 5 with resets mid-response.)
    fn hand_back(&mut self, failure: Failure) -> Result<(), DestinationError> {
        if self.statuses.iter().all(Option::is_none) {
            return Err(request_error(failure, self.request_level));
        }
        let status = DeliveryStatus::Retryable(failure.to_string());
        for slot in self.statuses.iter_mut().filter(|slot| slot.is_none()) {
            *slot = Some(status.clone());
        }
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

/// A whole request's failure as the host should see it. A refusal of the request
/// itself (`request_level`) is a settings error, which stops the run: every request of
/// it would be refused the same way, and no row is to blame.
fn request_error(failure: Failure, request_level: bool) -> DestinationError {
    if request_level {
        let key = if failure.to_string().contains("test_event_code") {
            "test_event_code"
        } else {
            "event_set_id"
        };
        return DestinationError::InvalidSettings(vec![FieldError::new(
            key,
            format!(
                "TikTok refused the request itself, not one of its events ({failure}); no row is at fault: check this setting (an offline event set id, not a pixel code) and the other settings, then resend the failed rows"
            ),
        )]);
    }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};

    use super::*;
    use crate::contract::{HttpError, HttpRequest, HttpResponse, SettingValue};
    use crate::test_host::{ScriptedHost, envelope};

    const EVENT_SET: &str = "7181537436256731137";
    const TRACK: &str = "POST /event/track/";
    /// TikTok names the field, an event's by its index in the request.
    const INVALID: &str = "Invalid value for data[0].event_time: not a valid Unix timestamp.";

    fn settings() -> Vec<Setting> {
        [("access_token", "tok"), ("event_set_id", EVENT_SET)]
            .into_iter()
            .map(|(key, value)| Setting {
                key: key.into(),
                value: SettingValue::Text(value.into()),
            })
            .collect()
    }

    /// The body of a request of `n` events `e0`, `e1`….
    fn request(n: usize) -> String {
        let data: Vec<Value> = (0..n)
            .map(|i| json!({"event_id": format!("e{i}")}))
            .collect();
        json!({"event_source": "offline", "event_source_id": EVENT_SET, "data": data}).to_string()
    }

    /// The event indices in a request's body.
    fn events_of(request: &HttpRequest) -> Vec<usize> {
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["event_id"].as_str().unwrap()[1..].parse().unwrap())
            .collect()
    }

    /// TikTok as the scripted host: refuses with 40002 any request holding a poison event.
    fn refusing(host: &mut ScriptedHost, poison: &BTreeSet<usize>) {
        let poison = poison.clone();
        host.respond_with(move |request| {
            let refused = events_of(request).iter().any(|i| poison.contains(i));
            Ok(if refused {
                envelope(40002, INVALID, json!({}))
            } else {
                envelope(0, "OK", json!({}))
            })
        });
    }

    /// How many accepted requests held each event: what TikTok stored.
    fn stored(host: &ScriptedHost, poison: &BTreeSet<usize>, n: usize) -> Vec<u32> {
        let mut stored = vec![0; n];
        for request in &host.requests {
            let events = events_of(request);
            if !events.iter().any(|i| poison.contains(i)) {
                events.iter().for_each(|&i| stored[i] += 1);
            }
        }
        stored
    }

    fn statuses(output: &SendOutput) -> Vec<DeliveryStatus> {
        output.statuses.clone()
    }

    fn rejected() -> DeliveryStatus {
        DeliveryStatus::Rejected(format!("refused by TikTok: TikTok code 40002: {INVALID}"))
    }

    fn ceil_log2(n: usize) -> u32 {
        n.next_power_of_two().trailing_zeros()
    }

    #[test]
    fn bisection_rejects_exactly_the_poison_events_within_the_documented_bound() {
        let n = 1000;
        let cases: &[&[usize]] = &[
            &[0],
            &[499],
            &[500],
            &[999],
            &[0, 1, 2],
            &[0, 500, 999],
            &[123, 456, 789],
            &[997, 998, 999],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            &[7, 107, 207, 307, 407, 507, 607, 707, 807, 907],
            &[3, 4, 250, 251, 500, 749, 750, 995, 998, 999],
        ];
        for &positions in cases {
            let poison: BTreeSet<usize> = positions.iter().copied().collect();
            let mut host = ScriptedHost::default();
            refusing(&mut host, &poison);
            let outcomes = send(&settings(), &request(n), n, &mut host).unwrap();

            let expected: Vec<DeliveryStatus> = (0..n)
                .map(|i| match poison.contains(&i) {
                    true => rejected(),
                    false => DeliveryStatus::Delivered,
                })
                .collect();
            assert_eq!(statuses(&outcomes), expected, "poison at {positions:?}");
            let stored = stored(&host, &poison, n);
            for (i, &times) in stored.iter().enumerate() {
                let once = u32::from(!poison.contains(&i));
                assert_eq!(times, once, "event {i}, poison at {positions:?}");
            }
            let k = poison.len() as u32;
            let bound = 1 + 2 * k * ceil_log2(n);
            let calls = host.requests.len() as u32;
            assert!(
                calls <= bound,
                "poison at {positions:?}: {calls} calls, bound {bound}"
            );
            assert!(calls <= MAX_CALLS);
        }
    }

    #[test]
    fn past_the_call_cap_the_rest_comes_back_retryable_never_lost() {
        let n = 1000;
        // 100 poison events, one in every ten: isolating them all would take ~1,000 calls.
        let poison: BTreeSet<usize> = (0..n).filter(|i| i % 10 == 3).collect();
        let mut host = ScriptedHost::default();
        refusing(&mut host, &poison);
        let outcomes = send(&settings(), &request(n), n, &mut host).unwrap();

        assert_eq!(
            host.requests.len() as u32,
            MAX_CALLS,
            "the cap, not one call more"
        );
        assert_eq!(outcomes.statuses.len(), n, "one status per event");
        let stored = stored(&host, &poison, n);
        let cap = format!("not sent: isolating bad events took more than {MAX_CALLS} calls");
        let mut retryable = 0;
        for (i, status) in outcomes.statuses.iter().enumerate() {
            match status {
                DeliveryStatus::Delivered => {
                    assert!(!poison.contains(&i), "poison event {i} delivered");
                    assert_eq!(stored[i], 1, "delivered event {i} stored once");
                }
                DeliveryStatus::Rejected(_) => {
                    assert_eq!(status, &rejected());
                    assert!(poison.contains(&i), "good event {i} rejected");
                }
                DeliveryStatus::Retryable(reason) => {
                    assert_eq!(reason, &cap);
                    assert_eq!(stored[i], 0, "retryable event {i} was stored");
                    retryable += 1;
                }
            }
        }
        assert!(retryable > 0, "the cap was reached, so some events wait");
        assert!(
            outcomes.statuses.contains(&DeliveryStatus::Delivered),
            "the calls made before the cap delivered what they isolated"
        );
    }

    fn throttle() -> Result<HttpResponse, HttpError> {
        Ok(envelope(40100, "Too many requests.", json!({})))
    }

    fn refused() -> Result<HttpResponse, HttpError> {
        Ok(envelope(40002, INVALID, json!({})))
    }

    fn accepted() -> Result<HttpResponse, HttpError> {
        Ok(envelope(0, "OK", json!({})))
    }

    fn rate_limited(retry_after_ms: u32, message: &str) -> DestinationError {
        DestinationError::rate_limited(Some(retry_after_ms), message)
    }

    #[test]
    fn a_throttle_before_anything_is_settled_keeps_its_retry_after() {
        // On the first call.
        let mut host = ScriptedHost::default();
        host.answer(TRACK, throttle());
        let error = send(&settings(), &request(4), 4, &mut host).unwrap_err();
        assert_eq!(
            error,
            rate_limited(1000, "TikTok code 40100: Too many requests.")
        );

        // On the first half of a split: nothing delivered or rejected yet, so the whole
        // request waits TikTok's pause, and the second half is not sent into the throttle.
        let mut host = ScriptedHost::default();
        host.answer(TRACK, refused());
        host.expect(TRACK, 61000, "Blocked for too many requests.", json!({}));
        let error = send(&settings(), &request(4), 4, &mut host).unwrap_err();
        assert_eq!(
            error,
            rate_limited(60_000, "TikTok code 61000: Blocked for too many requests.")
        );
        assert_eq!(host.requests.len(), 2);
    }

    #[test]
    fn a_failure_after_events_were_settled_stops_the_send_and_hands_the_rest_back() {
        let failures = [
            (throttle(), "TikTok code 40100: Too many requests."),
            (
                Ok(envelope(60001, "System maintenance.", json!({}))),
                "TikTok code 60001: System maintenance.",
            ),
            (
                Ok(envelope(50002, "Internal service timeout.", json!({}))),
                "TikTok code 50002: Internal service timeout.",
            ),
            (
                Ok(HttpResponse {
                    status: 503,
                    headers: vec![("Retry-After".into(), "30".into())],
                    body: "<html></html>".into(),
                }),
                "TikTok answered HTTP 503",
            ),
            (Err(HttpError::Timeout), "HTTP call failed: timed out"),
            (
                Ok(envelope(40105, "Access token revoked.", json!({}))),
                "TikTok code 40105: Access token revoked.",
            ),
        ];
        for (failure, reason) in failures {
            // 8 events: refused, then [0, 4) refused, [0, 2) delivered, [2, 4) fails.
            let mut host = ScriptedHost::default();
            host.answer(TRACK, refused())
                .answer(TRACK, refused())
                .answer(TRACK, accepted())
                .answer(TRACK, failure);
            let outcomes = send(&settings(), &request(8), 8, &mut host).unwrap();
            let retryable = DeliveryStatus::Retryable(reason.into());
            let mut expected = vec![DeliveryStatus::Delivered; 2];
            expected.extend(vec![retryable; 6]);
            assert_eq!(statuses(&outcomes), expected, "{reason}");
            assert_eq!(
                host.requests.len(),
                4,
                "{reason}: no call after the failure"
            );
            assert_eq!(events_of(&host.requests[3]), [2, 3]);
        }
    }

    /// TikTok refusing every request of this send the same way.
    fn refusing_all(host: &mut ScriptedHost, message: &'static str) {
        host.respond_with(move |_| Ok(envelope(40002, message, json!({}))));
    }

    /// TikTok's 20001 names no event: every event it answered for is delivered, with
    /// the warning that delivery is unconfirmed; events of a fully accepted half are not.
    #[test]
    fn a_partial_success_delivers_with_a_warning_on_the_events_it_answered_for() {
        let mut host = ScriptedHost::default();
        host.answer(TRACK, refused())
            .answer(
                TRACK,
                Ok(envelope(20001, "Partially successful.", json!({}))),
            )
            .answer(TRACK, accepted());
        let output = send(&settings(), &request(4), 4, &mut host).unwrap();
        assert_eq!(output.statuses, vec![DeliveryStatus::Delivered; 4]);
        let warned: Vec<(u32, Warning)> = output
            .warnings
            .into_iter()
            .map(|w| (w.position, w.warning))
            .collect();
        assert_eq!(warned, [(0, partial_success()), (1, partial_success())]);
        assert_eq!(partial_success().field, "event");
    }

    #[test]
    fn a_refusal_naming_a_top_level_field_fails_the_request_without_bisecting() {
        let mut host = ScriptedHost::default();
        refusing_all(
            &mut host,
            "Invalid value for test_event_code: not a valid string.",
        );
        let error = send(&settings(), &request(1000), 1000, &mut host).unwrap_err();
        let DestinationError::InvalidSettings(fields) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(fields[0].key, "test_event_code");
        assert!(
            fields[0].message.starts_with("TikTok refused the request itself, not one of its events (TikTok code 40002: Invalid value for test_event_code: not a valid string.); no row is at fault"),
            "{}",
            fields[0].message
        );
        assert_eq!(host.requests.len(), 1, "no bisection");
    }

    #[test]
    fn a_refusal_naming_nothing_that_both_halves_repeat_is_the_requests_within_two_calls() {
        let mut host = ScriptedHost::default();
        refusing_all(&mut host, "Invalid parameters.");
        let error = send(&settings(), &request(1000), 1000, &mut host).unwrap_err();
        let DestinationError::InvalidSettings(fields) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(fields[0].key, "event_set_id");
        assert_eq!(host.requests.len(), 3, "the request and its two halves");
        let halves: Vec<Vec<usize>> = host.requests[1..].iter().map(events_of).collect();
        assert_eq!(
            halves,
            [(0..500).collect::<Vec<_>>(), (500..1000).collect()]
        );
    }

    #[test]
    fn a_refusal_naming_nothing_that_one_half_escapes_is_bisected_as_an_events() {
        // One bad event, and TikTok's message names no field: the first split tells.
        let poison = 700;
        let mut host = ScriptedHost::default();
        host.respond_with(move |request| {
            Ok(if events_of(request).contains(&poison) {
                envelope(40002, "Invalid parameters.", json!({}))
            } else {
                envelope(0, "OK", json!({}))
            })
        });
        let outcomes = send(&settings(), &request(1000), 1000, &mut host).unwrap();
        let rejected: Vec<usize> = statuses(&outcomes)
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, DeliveryStatus::Rejected(_)))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(rejected, [poison]);
        assert!(host.requests.len() as u32 <= 1 + 2 * ceil_log2(1000));
    }

    #[test]
    fn the_halves_of_a_split_keep_the_top_level_fields() {
        let original = r#"{"event_source":"offline","event_source_id":"1","partner_name":"Acme CDP","test_event_code":"T1","data":[{"a":1},{"b":2}]}"#;
        let body: Body = serde_json::from_str(original).unwrap();
        assert_eq!(
            body.subset(1..2),
            r#"{"event_source":"offline","event_source_id":"1","partner_name":"Acme CDP","test_event_code":"T1","data":[{"b":2}]}"#
        );
    }
}
