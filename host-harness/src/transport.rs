//! How the host performs a guest's HTTP call, once the policy has allowed it.
//!
//! [`HttpTransport`] is the real client (ureq, rustls: it reaches the real TikTok) and
//! can route the component's base URL to another endpoint, such as the loopback
//! sandbox. [`Scripted`] answers from a script and records every call, for tests and
//! conformance runs that must not depend on a server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use url::Url;

use crate::bindings::http::{HttpError, Method, Response};

/// A call the policy has allowed, with its URL already parsed.
#[derive(Debug, Clone)]
pub struct Outbound<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a str>,
    pub timeout: Duration,
    pub max_response_bytes: usize,
}

pub trait Transport: Send + Sync {
    fn fetch(&self, call: Outbound<'_>) -> Result<Response, HttpError>;
}

/// Headers the guest may not set: the host derives them from the URL and body.
const HOST_OWNED_HEADERS: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

/// The real HTTP client.
pub struct HttpTransport {
    agent: ureq::Agent,
    endpoint: Option<Url>,
}

impl HttpTransport {
    /// `endpoint` replaces the scheme, host and port of every URL (its path is
    /// prefixed), so a component addressing TikTok can be pointed at a sandbox.
    pub fn new(endpoint: Option<Url>) -> HttpTransport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("host-harness/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpTransport { agent, endpoint }
    }

    fn route(&self, url: &Url) -> Url {
        match &self.endpoint {
            Some(endpoint) => route(endpoint, url),
            None => url.clone(),
        }
    }
}

/// `url` moved to `endpoint`: its scheme, host and port replace the URL's, and its
/// path prefixes the URL's. Also points a browser at a sandbox's authorisation page.
pub fn route(endpoint: &Url, url: &Url) -> Url {
    let mut routed = endpoint.clone();
    let prefix = endpoint.path().trim_end_matches('/');
    routed.set_path(&format!("{prefix}{}", url.path()));
    routed.set_query(url.query());
    routed
}

impl Transport for HttpTransport {
    fn fetch(&self, call: Outbound<'_>) -> Result<Response, HttpError> {
        let url = self.route(call.url);
        let headers = call.headers.iter().filter(|(name, _)| {
            !HOST_OWNED_HEADERS
                .iter()
                .any(|owned| name.eq_ignore_ascii_case(owned))
        });
        let result = match call.method {
            Method::Get => {
                let mut request = self.agent.get(url.as_str());
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                request
                    .config()
                    .timeout_global(Some(call.timeout))
                    .build()
                    .call()
            }
            Method::Post => {
                let mut request = self.agent.post(url.as_str());
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                let request = request.config().timeout_global(Some(call.timeout)).build();
                request.send(call.body.unwrap_or_default())
            }
        };
        let mut response = result.map_err(http_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(call.max_response_bytes as u64)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(http_error)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Maps the client's errors to the contract's. Messages name the failure, not the URL's
/// query (which may carry ids) — and never headers.
fn http_error(error: ureq::Error) -> HttpError {
    match error {
        ureq::Error::Timeout(_) => HttpError::Timeout,
        ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => HttpError::Timeout,
        other => HttpError::Connection(other.to_string()),
    }
}

/// One scripted answer.
pub type ScriptedAnswer = Result<Response, HttpError>;

/// A call as the guest made it (after the policy check), for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Answers calls from a script keyed by method and URL (path and query), in order;
/// an unscripted call fails the test loudly with a connection error naming it.
#[derive(Default)]
pub struct Scripted {
    answers: Mutex<Vec<(String, VecDeque<ScriptedAnswer>)>>,
    calls: Mutex<Vec<RecordedCall>>,
}

impl Scripted {
    pub fn new() -> Scripted {
        Scripted::default()
    }

    /// Queues `answer` for the next call whose `METHOD url` equals `key`
    /// (e.g. `"GET https://business-api.tiktok.com/open_api/v1.3/user/info/"`).
    pub fn answer(&self, key: &str, answer: ScriptedAnswer) -> &Self {
        let mut answers = self.answers.lock().unwrap();
        match answers.iter_mut().find(|(k, _)| k == key) {
            Some((_, queue)) => queue.push_back(answer),
            None => answers.push((key.to_string(), VecDeque::from([answer]))),
        }
        self
    }

    /// Queues a TikTok-style JSON answer with HTTP 200.
    pub fn json(&self, key: &str, body: serde_json::Value) -> &Self {
        self.answer(
            key,
            Ok(Response {
                status: 200,
                headers: vec![],
                body: body.to_string(),
            }),
        )
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl Transport for Scripted {
    fn fetch(&self, call: Outbound<'_>) -> Result<Response, HttpError> {
        let method = match call.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        let key = format!("{method} {}", call.url);
        self.calls.lock().unwrap().push(RecordedCall {
            method: method.into(),
            url: call.url.to_string(),
            headers: call.headers.to_vec(),
            body: call.body.map(str::to_string),
        });
        let mut answers = self.answers.lock().unwrap();
        let queued = answers
            .iter_mut()
            .find(|(k, _)| *k == key)
            .and_then(|(_, q)| q.pop_front());
        queued.unwrap_or_else(|| {
            Err(HttpError::Connection(format!(
                "no scripted answer for {key}"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_routing_keeps_path_and_query() {
        let transport = HttpTransport::new(Some(Url::parse("http://127.0.0.1:8080").unwrap()));
        let url = Url::parse(
            "https://business-api.tiktok.com/open_api/v1.3/offline/get/?advertiser_id=1",
        )
        .unwrap();
        assert_eq!(
            transport.route(&url).as_str(),
            "http://127.0.0.1:8080/open_api/v1.3/offline/get/?advertiser_id=1"
        );

        let prefixed =
            HttpTransport::new(Some(Url::parse("http://127.0.0.1:8080/tiktok/").unwrap()));
        assert_eq!(
            prefixed.route(&url).as_str(),
            "http://127.0.0.1:8080/tiktok/open_api/v1.3/offline/get/?advertiser_id=1"
        );
    }
}
