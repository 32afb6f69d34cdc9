//! A scripted [`Host`] for native unit tests: answers calls in the order scripted,
//! checks each is the call expected, and records every request for assertions. Calls
//! past the script go to a responder, when a test sets one.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::contract::{Host, HttpError, HttpRequest, HttpResponse, LogLevel};
use crate::tiktok_api::BASE_URL;

/// Answers a call from its request: for tests where the answer depends on the body.
type Responder = Box<dyn FnMut(&HttpRequest) -> Result<HttpResponse, HttpError>>;

#[derive(Default)]
pub struct ScriptedHost {
    script: VecDeque<(String, Result<HttpResponse, HttpError>)>,
    responder: Option<Responder>,
    pub requests: Vec<HttpRequest>,
    pub logs: Vec<(LogLevel, String)>,
}

/// TikTok's envelope around `code` and `data`, on HTTP 200.
pub fn envelope(code: i64, message: &str, data: Value) -> HttpResponse {
    let body = json!({"code": code, "message": message, "request_id": "r1", "data": data});
    HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_string(),
    }
}

impl ScriptedHost {
    /// Expects `METHOD path` (path relative to the API's base URL, query included)
    /// next, and answers it with TikTok's envelope around `code` and `data`.
    pub fn expect(&mut self, call: &str, code: i64, message: &str, data: Value) -> &mut Self {
        self.answer(call, Ok(envelope(code, message, data)))
    }

    pub fn ok(&mut self, call: &str, data: Value) -> &mut Self {
        self.expect(call, 0, "OK", data)
    }

    pub fn answer(&mut self, call: &str, answer: Result<HttpResponse, HttpError>) -> &mut Self {
        let (method, path) = call.split_once(' ').expect("METHOD path");
        self.script
            .push_back((format!("{method} {BASE_URL}{path}"), answer));
        self
    }

    /// Answers every call once the script is used up, instead of failing the test.
    pub fn respond_with(
        &mut self,
        responder: impl FnMut(&HttpRequest) -> Result<HttpResponse, HttpError> + 'static,
    ) -> &mut Self {
        self.responder = Some(Box::new(responder));
        self
    }

    /// The body of the `index`th request, as sent: tests compare bytes, as TikTok and
    /// the conformance cases see them.
    pub fn body(&self, index: usize) -> &str {
        self.requests[index].body.as_deref().expect("a body")
    }

    /// The value of header `name` in the `index`th request.
    pub fn header(&self, index: usize, name: &str) -> Option<&str> {
        self.requests[index]
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Host for ScriptedHost {
    fn fetch(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let call = format!("{} {}", request.method, request.url);
        let answer = match (self.script.pop_front(), &mut self.responder) {
            (Some((expected, answer)), _) => {
                assert_eq!(call, expected, "calls out of script");
                answer
            }
            (None, Some(responder)) => responder(&request),
            (None, None) => panic!("unscripted call: {call}"),
        };
        self.requests.push(request);
        answer
    }

    fn now_ms(&self) -> u64 {
        1_700_000_000_000
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        self.logs.push((level, message.to_string()));
    }
}

impl Drop for ScriptedHost {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let left: Vec<&str> = self.script.iter().map(|(c, _)| c.as_str()).collect();
            assert!(left.is_empty(), "scripted calls never made: {left:?}");
        }
    }
}
