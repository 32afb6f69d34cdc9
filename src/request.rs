//! Request bodies for `POST /event/track/`: events of one event set, in requests TikTok
//! takes (at most [`MAX_EVENTS_PER_REQUEST`] events and [`MAX_REQUEST_BYTES`] of JSON).

use serde::Serialize;

use crate::contract::{PreparedEvent, PreparedRequest};

/// TikTok rejects a whole request of more events than this.
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
/// Request bodies are kept under 1 MB of JSON.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;

const END: &str = "]}";

/// An event whose JSON alone makes a request larger than [`MAX_REQUEST_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl TooLarge {
    pub fn reason() -> String {
        format!(
            "event: more than {MAX_REQUEST_BYTES} bytes of JSON on its own, over the request limit"
        )
    }
}

/// Fills requests one event at a time, in the order given; events of one event set must
/// come one after the other, or their set gets more requests than it needs.
pub struct RequestBuilder<'a> {
    test_event_code: Option<&'a str>,
    batch_size: usize,
    done: Vec<PreparedRequest>,
    open: Option<Open>,
}

/// The request being filled: its body so far (without [`END`]).
struct Open {
    event_set: String,
    body: String,
    events: Vec<PreparedEvent>,
}

impl<'a> RequestBuilder<'a> {
    /// `batch_size`: events per request, 1 to [`MAX_EVENTS_PER_REQUEST`].
    pub fn new(test_event_code: Option<&'a str>, batch_size: usize) -> RequestBuilder<'a> {
        RequestBuilder {
            test_event_code,
            batch_size: batch_size.clamp(1, MAX_EVENTS_PER_REQUEST),
            done: Vec::new(),
            open: None,
        }
    }

    /// Adds one event to the open request of `event_set`, or to a new one when that is
    /// full; returns the index of its request.
    pub fn push(
        &mut self,
        event_set: &str,
        event: &impl Serialize,
        prepared: PreparedEvent,
    ) -> Result<usize, TooLarge> {
        let json =
            serde_json::to_string(event).expect("events hold only strings, numbers and arrays");
        let start = self.start(event_set);
        if start.len() + json.len() + END.len() > MAX_REQUEST_BYTES {
            return Err(TooLarge);
        }
        let fits = self.open.as_ref().is_some_and(|open| {
            open.event_set == event_set
                && open.events.len() < self.batch_size
                && open.body.len() + 1 + json.len() + END.len() <= MAX_REQUEST_BYTES
        });
        if !fits {
            self.close();
        }
        let open = self.open.get_or_insert_with(|| Open {
            event_set: event_set.to_string(),
            body: start,
            events: Vec::new(),
        });
        if !open.events.is_empty() {
            open.body.push(',');
        }
        open.body.push_str(&json);
        open.events.push(prepared);
        Ok(self.done.len())
    }

    pub fn finish(mut self) -> Vec<PreparedRequest> {
        self.close();
        self.done
    }

    fn close(&mut self) {
        if let Some(Open {
            mut body, events, ..
        }) = self.open.take()
        {
            body.push_str(END);
            self.done.push(PreparedRequest { body, events });
        }
    }

    /// Everything of a body before its first event. Never the access token: it travels
    /// in a header that `send` adds.
    fn start(&self, event_set: &str) -> String {
        let mut start = String::from(r#"{"event_source":"offline","event_source_id":"#);
        start.push_str(&json_string(event_set));
        if let Some(code) = self.test_event_code {
            start.push_str(r#","test_event_code":"#);
            start.push_str(&json_string(code));
        }
        start.push_str(r#","data":["#);
        start
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(id: &str) -> PreparedEvent {
        PreparedEvent {
            event_id: id.into(),
            record_ids: vec![format!("r-{id}")],
        }
    }

    #[derive(Serialize)]
    struct Fake<'a> {
        id: &'a str,
        pad: String,
    }

    fn fake(id: &str, pad: usize) -> Fake<'_> {
        Fake {
            id,
            pad: "x".repeat(pad),
        }
    }

    #[test]
    fn one_set_one_request() {
        let mut builder = RequestBuilder::new(None, 1000);
        assert_eq!(builder.push("123", &fake("a", 0), prepared("a")), Ok(0));
        assert_eq!(builder.push("123", &fake("b", 1), prepared("b")), Ok(0));
        let requests = builder.finish();
        assert_eq!(
            requests,
            [PreparedRequest {
                body: r#"{"event_source":"offline","event_source_id":"123","data":[{"id":"a","pad":""},{"id":"b","pad":"x"}]}"#
                    .into(),
                events: vec![prepared("a"), prepared("b")],
            }]
        );
    }

    #[test]
    fn the_test_event_code_is_at_the_top_level_escaped() {
        let mut builder = RequestBuilder::new(Some("TEST\"1"), 1000);
        builder.push("123", &fake("a", 0), prepared("a")).unwrap();
        assert_eq!(
            builder.finish()[0].body,
            r#"{"event_source":"offline","event_source_id":"123","test_event_code":"TEST\"1","data":[{"id":"a","pad":""}]}"#
        );
    }

    #[test]
    fn requests_hold_at_most_batch_size_events() {
        let mut builder = RequestBuilder::new(None, 2);
        let placed: Vec<usize> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| builder.push("123", &fake(id, 0), prepared(id)).unwrap())
            .collect();
        assert_eq!(placed, [0, 0, 1, 1, 2]);
        let counts: Vec<usize> = builder.finish().iter().map(|r| r.events.len()).collect();
        assert_eq!(counts, [2, 2, 1]);
    }

    #[test]
    fn another_event_set_starts_another_request() {
        let mut builder = RequestBuilder::new(None, 1000);
        assert_eq!(builder.push("1", &fake("a", 0), prepared("a")), Ok(0));
        assert_eq!(builder.push("2", &fake("b", 0), prepared("b")), Ok(1));
        let requests = builder.finish();
        assert!(
            requests[1].body.starts_with(
                r#"{"event_source":"offline","event_source_id":"2","data":[{"id":"b""#
            )
        );
    }

    #[test]
    fn requests_stay_within_the_byte_limit() {
        let start = r#"{"event_source":"offline","event_source_id":"123","data":["#.len();
        let event_overhead = r#"{"id":"a","pad":""}"#.len();
        // Two events that fill a request to the byte, then one more.
        let half = (MAX_REQUEST_BYTES - start - END.len() - 1) / 2 - event_overhead;
        let mut builder = RequestBuilder::new(None, 1000);
        assert_eq!(builder.push("123", &fake("a", half), prepared("a")), Ok(0));
        let rest =
            MAX_REQUEST_BYTES - start - END.len() - 1 - event_overhead - (half + event_overhead);
        assert_eq!(builder.push("123", &fake("b", rest), prepared("b")), Ok(0));
        assert_eq!(builder.push("123", &fake("c", 0), prepared("c")), Ok(1));
        let requests = builder.finish();
        assert_eq!(requests[0].body.len(), MAX_REQUEST_BYTES);
        assert!(serde_json::from_str::<serde_json::Value>(&requests[0].body).is_ok());
    }

    #[test]
    fn an_event_too_large_alone_is_refused_and_the_rest_go_on() {
        let start = r#"{"event_source":"offline","event_source_id":"123","data":["#.len();
        let largest = MAX_REQUEST_BYTES - start - END.len() - r#"{"id":"a","pad":""}"#.len();
        let mut builder = RequestBuilder::new(None, 1000);
        assert_eq!(builder.push("123", &fake("a", 3), prepared("a")), Ok(0));
        assert_eq!(
            builder.push("123", &fake("b", largest + 1), prepared("b")),
            Err(TooLarge)
        );
        assert_eq!(builder.push("123", &fake("c", 0), prepared("c")), Ok(0));
        assert_eq!(
            builder.push("123", &fake("d", largest), prepared("d")),
            Ok(1)
        );
        let requests = builder.finish();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].body.len(), MAX_REQUEST_BYTES);
        assert_eq!(
            TooLarge::reason(),
            "event: more than 1000000 bytes of JSON on its own, over the request limit"
        );
    }
}
