//! Request bodies for `POST /event/track/`: events of one event set, in requests TikTok
//! takes (at most [`MAX_EVENTS_PER_REQUEST`] events and [`MAX_REQUEST_BYTES`] of JSON).

use crate::contract::PreparedRequest;
use crate::hot::append::append;

/// TikTok rejects a whole request of more events than this.
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
/// Request bodies are kept under 1 MB of JSON.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;

const END: &str = "]}";

/// An event as one JSON value of a body's `data` (see `event_json`).
pub trait EventJson {
    /// Appends the event's JSON to `out`.
    fn write_json(&self, out: &mut String);
}

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

/// Room for a typical event's JSON (the bench's orders of two items are 700 bytes).
pub const TYPICAL_EVENT: usize = 1024;

/// Fills the requests of one event set, one event at a time, in the order given.
pub struct RequestBuilder {
    /// Everything of a body before its first event.
    start: String,
    batch_size: usize,
    done: Vec<PreparedRequest>,
    open: Option<Open>,
    /// Events the caller still expects to push: each body is sized for its share once,
    /// instead of doubling (and copying) its way to 300 KB.
    expected: usize,
}

/// The request being filled: its body so far (without [`END`]). It may hold no event
/// yet (one that was too large was taken back out of it).
struct Open {
    body: String,
    event_ids: Vec<String>,
    event_sizes: Vec<u32>,
    rows: Vec<u32>,
}

impl Open {
    fn new(start: &str, capacity: usize) -> Open {
        let mut body = String::with_capacity(capacity.max(start.len()));
        body.push_str(start);
        Open {
            body,
            event_ids: Vec::new(),
            event_sizes: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn events(&self) -> usize {
        self.event_ids.len()
    }
}

impl RequestBuilder {
    /// `batch_size`: events per request, 1 to [`MAX_EVENTS_PER_REQUEST`]. The access
    /// token is never in a body: it travels in a header that `send` adds.
    pub fn new(
        event_set: &str,
        partner_name: Option<&str>,
        test_event_code: Option<&str>,
        batch_size: usize,
    ) -> RequestBuilder {
        let mut start = String::from(r#"{"event_source":"offline","event_source_id":"#);
        start.push_str(&json_string(event_set));
        if let Some(name) = partner_name {
            start.push_str(r#","partner_name":"#);
            start.push_str(&json_string(name));
        }
        if let Some(code) = test_event_code {
            start.push_str(r#","test_event_code":"#);
            start.push_str(&json_string(code));
        }
        start.push_str(r#","data":["#);
        RequestBuilder {
            start,
            batch_size: batch_size.clamp(1, MAX_EVENTS_PER_REQUEST),
            done: Vec::new(),
            open: None,
            expected: 0,
        }
    }

    /// `events` will be pushed: bodies are allocated for them at once.
    pub fn expecting(mut self, events: usize) -> RequestBuilder {
        self.expected = events;
        self
    }

    /// A new body's capacity: the start and room for its share of the expected events.
    fn body_capacity(&self) -> usize {
        let events = self.expected.clamp(1, self.batch_size);
        (self.start.len() + events * TYPICAL_EVENT).min(MAX_REQUEST_BYTES)
    }

    /// Adds one event, with its id and the batch rows merged into it, to the open
    /// request, or to a new one when it is full; returns the index of its request. The
    /// event is written straight into the open body, and taken back out in the rare
    /// case that it does not fit: most events then cost no copy.
    pub fn push(
        &mut self,
        event: &impl EventJson,
        event_id: &str,
        rows: &[usize],
    ) -> Result<usize, TooLarge> {
        if self
            .open
            .as_ref()
            .is_some_and(|open| open.events() >= self.batch_size)
        {
            self.close();
        }
        let capacity = self.body_capacity();
        self.expected = self.expected.saturating_sub(1);
        let open = self
            .open
            .get_or_insert_with(|| Open::new(&self.start, capacity));
        let before = open.body.len();
        if open.events() > 0 {
            append(&mut open.body, ",");
        }
        let at = open.body.len();
        event.write_json(&mut open.body);
        let len = open.body.len() - at;
        if self.start.len() + len + END.len() > MAX_REQUEST_BYTES {
            open.body.truncate(before);
            return Err(TooLarge);
        }
        let open = if open.body.len() + END.len() <= MAX_REQUEST_BYTES {
            open
        } else {
            // Over the limit only with the events before it: it starts the next request.
            let mut next = Open::new(&self.start, capacity);
            next.body.push_str(&open.body[at..]);
            open.body.truncate(before);
            self.close();
            self.open.insert(next)
        };
        // A batch's rows and an event's rows are far fewer than 2^32: a batch crosses
        // the boundary as one string, whose length is a u32.
        open.event_ids.push(event_id.to_string());
        open.event_sizes.push(rows.len() as u32);
        open.rows.extend(rows.iter().map(|&row| row as u32));
        Ok(self.done.len())
    }

    pub fn finish(mut self) -> Vec<PreparedRequest> {
        self.close();
        self.done
    }

    fn close(&mut self) {
        if let Some(Open {
            mut body,
            event_ids,
            event_sizes,
            rows,
        }) = self.open.take()
            && !event_ids.is_empty()
        {
            body.push_str(END);
            self.done.push(PreparedRequest {
                body,
                event_ids,
                event_sizes,
                rows,
            });
        }
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Fake<'a> {
        id: &'a str,
        pad: String,
    }

    impl EventJson for Fake<'_> {
        fn write_json(&self, out: &mut String) {
            out.push_str(&serde_json::to_string(self).unwrap());
        }
    }

    fn fake(id: &str, pad: usize) -> Fake<'_> {
        Fake {
            id,
            pad: "x".repeat(pad),
        }
    }

    #[test]
    fn one_set_one_request() {
        let mut builder = RequestBuilder::new("123", None, None, 1000);
        assert_eq!(builder.push(&fake("a", 0), "a", &[0]), Ok(0));
        assert_eq!(builder.push(&fake("b", 1), "b", &[0]), Ok(0));
        let requests = builder.finish();
        assert_eq!(
            requests,
            [PreparedRequest {
                body: r#"{"event_source":"offline","event_source_id":"123","data":[{"id":"a","pad":""},{"id":"b","pad":"x"}]}"#
                    .into(),
                event_ids: vec!["a".into(), "b".into()],
                event_sizes: vec![1, 1],
                rows: vec![0, 0],
            }]
        );
    }

    #[test]
    fn the_test_event_code_is_at_the_top_level_escaped() {
        let mut builder = RequestBuilder::new("123", None, Some("TEST\"1"), 1000);
        builder.push(&fake("a", 0), "a", &[0]).unwrap();
        assert_eq!(
            builder.finish()[0].body,
            r#"{"event_source":"offline","event_source_id":"123","test_event_code":"TEST\"1","data":[{"id":"a","pad":""}]}"#
        );
    }

    #[test]
    fn requests_hold_at_most_batch_size_events() {
        let mut builder = RequestBuilder::new("123", None, None, 2);
        let placed: Vec<usize> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| builder.push(&fake(id, 0), id, &[0]).unwrap())
            .collect();
        assert_eq!(placed, [0, 0, 1, 1, 2]);
        let counts: Vec<usize> = builder.finish().iter().map(|r| r.event_ids.len()).collect();
        assert_eq!(counts, [2, 2, 1]);
    }

    #[test]
    fn an_event_too_large_after_a_full_request_leaves_no_empty_one() {
        let mut builder = RequestBuilder::new("123", None, None, 1);
        assert_eq!(builder.push(&fake("a", 0), "a", &[0]), Ok(0));
        let too_large = fake("b", MAX_REQUEST_BYTES);
        assert_eq!(builder.push(&too_large, "b", &[0]), Err(TooLarge));
        let counts: Vec<usize> = builder.finish().iter().map(|r| r.event_ids.len()).collect();
        assert_eq!(counts, [1]);
    }

    #[test]
    fn requests_stay_within_the_byte_limit() {
        let start = r#"{"event_source":"offline","event_source_id":"123","data":["#.len();
        let event_overhead = r#"{"id":"a","pad":""}"#.len();
        // Two events that fill a request to the byte, then one more.
        let half = (MAX_REQUEST_BYTES - start - END.len() - 1) / 2 - event_overhead;
        let mut builder = RequestBuilder::new("123", None, None, 1000);
        assert_eq!(builder.push(&fake("a", half), "a", &[0]), Ok(0));
        let rest =
            MAX_REQUEST_BYTES - start - END.len() - 1 - event_overhead - (half + event_overhead);
        assert_eq!(builder.push(&fake("b", rest), "b", &[0]), Ok(0));
        assert_eq!(builder.push(&fake("c", 0), "c", &[0]), Ok(1));
        let requests = builder.finish();
        assert_eq!(requests[0].body.len(), MAX_REQUEST_BYTES);
        assert!(serde_json::from_str::<serde_json::Value>(&requests[0].body).is_ok());
    }

    #[test]
    fn an_event_too_large_alone_is_refused_and_the_rest_go_on() {
        let start = r#"{"event_source":"offline","event_source_id":"123","data":["#.len();
        let largest = MAX_REQUEST_BYTES - start - END.len() - r#"{"id":"a","pad":""}"#.len();
        let mut builder = RequestBuilder::new("123", None, None, 1000);
        assert_eq!(builder.push(&fake("a", 3), "a", &[0]), Ok(0));
        assert_eq!(
            builder.push(&fake("b", largest + 1), "b", &[0]),
            Err(TooLarge)
        );
        assert_eq!(builder.push(&fake("c", 0), "c", &[0]), Ok(0));
        assert_eq!(builder.push(&fake("d", largest), "d", &[0]), Ok(1));
        let requests = builder.finish();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].body.len(), MAX_REQUEST_BYTES);
        assert_eq!(
            TooLarge::reason(),
            "event: more than 1000000 bytes of JSON on its own, over the request limit"
        );
    }
}
