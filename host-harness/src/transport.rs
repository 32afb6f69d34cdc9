//! How the host performs a guest's HTTP call, once the policy has allowed it.
//!
//! [`HttpTransport`] is the real client (ureq, rustls: it reaches the real TikTok) and
//! can route the component's base URL to another endpoint, such as the loopback
//! sandbox. [`Scripted`] answers from a script and records every call, for tests and
//! conformance runs that must not depend on a server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use url::Url;

use crate::bindings::http::{HttpError, Method, Response};
use crate::policy::is_public;

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
    /// The proxy the environment names (`HTTPS_PROXY`, `ALL_PROXY`, ...), shown in
    /// connection errors; never used for a loopback endpoint.
    proxy: Option<String>,
}

/// Why an `--endpoint` is refused, before any connection.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "endpoint {0}: plain http would send the access token in clear; use https (http is allowed only for loopback addresses such as 127.0.0.1)"
    )]
    Cleartext(String),
    #[error("endpoint {0}: only https (or http to a loopback address) is supported")]
    Scheme(String),
}

/// Checks that requests routed to `endpoint` cannot carry a token in clear: https, or
/// http to a loopback address (the local sandbox).
pub fn check_endpoint(endpoint: &Url) -> Result<(), EndpointError> {
    match endpoint.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(endpoint) => Ok(()),
        "http" => Err(EndpointError::Cleartext(shown(endpoint))),
        _ => Err(EndpointError::Scheme(shown(endpoint))),
    }
}

/// Whether `url` names this machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// A URL as it may be shown: scheme, host and port, no credentials, path or query.
fn shown(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => url.scheme().to_string(),
    }
}

impl HttpTransport {
    /// `endpoint` replaces the scheme, host and port of every URL (its path is
    /// prefixed), so a component addressing TikTok can be pointed at a sandbox. It must
    /// pass [`check_endpoint`]. A loopback endpoint is reached directly, never through a
    /// proxy the environment names.
    ///
    /// Names are reached only at public addresses ([`PublicOnly`]), but for the
    /// endpoint's host, the proxy's and the hosts in `operator_hosts`: the operator chose
    /// those.
    pub fn new(
        endpoint: Option<Url>,
        operator_hosts: &[String],
    ) -> Result<HttpTransport, EndpointError> {
        if let Some(endpoint) = &endpoint {
            check_endpoint(endpoint)?;
        }
        let proxy = match &endpoint {
            Some(endpoint) if is_loopback(endpoint) => None,
            _ => ureq::Proxy::try_from_env(),
        };
        let shown_proxy = proxy.as_ref().map(|proxy| {
            let shown = format!(
                "{}://{}:{}",
                proxy_scheme(proxy),
                proxy.host(),
                proxy.port()
            );
            tracing::info!(proxy = %shown, "HTTP goes through the proxy the environment names");
            shown
        });
        let mut trusted: Vec<String> = operator_hosts.to_vec();
        trusted.extend(
            endpoint
                .iter()
                .filter_map(|e| e.host_str().map(str::to_string)),
        );
        trusted.extend(proxy.iter().map(|p| p.host().to_string()));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(concat!("host-harness/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            PublicOnly::new(trusted),
        );
        Ok(HttpTransport {
            agent,
            endpoint,
            proxy: shown_proxy,
        })
    }

    fn route(&self, url: &Url) -> Url {
        match &self.endpoint {
            Some(endpoint) => route(endpoint, url),
            None => url.clone(),
        }
    }

    /// The client's error in the contract's terms. What went wrong with a connection
    /// is the operator's to read (in the host's log, naming the proxy, since an
    /// unreachable proxy otherwise looks like TikTok down); the guest learns only that
    /// it failed: "refused" against "reset" would tell a plugin which ports are open.
    fn error(&self, url: &Url, error: ureq::Error) -> HttpError {
        match http_error(error) {
            HttpError::Connection(detail) => {
                let host = url.host_str().unwrap_or_default();
                match &self.proxy {
                    Some(proxy) => {
                        tracing::warn!(target: "host_harness::http", "connection to {host} through the proxy {proxy} failed: {detail}")
                    }
                    None => {
                        tracing::warn!(target: "host_harness::http", "connection to {host} failed: {detail}")
                    }
                }
                HttpError::Connection(CONNECTION_FAILED.into())
            }
            other => other,
        }
    }
}

/// All a guest learns of a failed connection.
pub const CONNECTION_FAILED: &str = "the connection failed";

/// Resolves names as the system does, then keeps only public addresses ([`is_public`])
/// unless the operator chose the host: a name in a component's declaration cannot lead
/// it to the host's own network (a DNS answer of 127.0.0.1 or 169.254.169.254). The
/// connection goes to the addresses kept here, so a second DNS answer (rebinding)
/// cannot change where it goes.
#[derive(Debug)]
struct PublicOnly {
    trusted: Vec<String>,
}

impl PublicOnly {
    fn new(trusted: Vec<String>) -> PublicOnly {
        let trusted = trusted
            .iter()
            .map(|host| host.trim_matches(['[', ']']).to_ascii_lowercase())
            .collect();
        PublicOnly { trusted }
    }

    fn trusts(&self, uri: &Uri) -> bool {
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
        self.trusted.iter().any(|t| t.eq_ignore_ascii_case(host))
    }
}

impl Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        if self.trusts(uri) {
            return Ok(resolved);
        }
        let mut public = self.empty();
        for address in resolved.iter().filter(|a| is_public(a.ip())) {
            public.push(*address);
        }
        match public.is_empty() {
            false => Ok(public),
            true => Err(ureq::Error::Io(std::io::Error::other(NotPublic))),
        }
    }
}

/// Why a name the operator did not choose is refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "the host resolves only to addresses outside the public internet (loopback, private, link-local); the operator must allow it by name (--allow-host)"
)]
struct NotPublic;

fn proxy_scheme(proxy: &ureq::Proxy) -> &str {
    proxy.uri().scheme_str().unwrap_or("http")
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
        // `new` checked the endpoint; this holds for URLs the guest gives without one.
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(HttpError::Denied(
                "plain http is allowed only to loopback".into(),
            ));
        }
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
        let mut response = result.map_err(|e| self.error(&url, e))?;
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
            .map_err(|e| self.error(&url, e))?;
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
        ureq::Error::Io(e) if e.get_ref().is_some_and(|inner| inner.is::<NotPublic>()) => {
            HttpError::Denied(NotPublic.to_string())
        }
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
        let transport =
            HttpTransport::new(Some(Url::parse("http://127.0.0.1:8080").unwrap()), &[]).unwrap();
        let url = Url::parse(
            "https://business-api.tiktok.com/open_api/v1.3/offline/get/?advertiser_id=1",
        )
        .unwrap();
        assert_eq!(
            transport.route(&url).as_str(),
            "http://127.0.0.1:8080/open_api/v1.3/offline/get/?advertiser_id=1"
        );

        let prefixed = HttpTransport::new(
            Some(Url::parse("http://127.0.0.1:8080/tiktok/").unwrap()),
            &[],
        )
        .unwrap();
        assert_eq!(
            prefixed.route(&url).as_str(),
            "http://127.0.0.1:8080/tiktok/open_api/v1.3/offline/get/?advertiser_id=1"
        );
    }

    fn get(transport: &HttpTransport, url: &str) -> Result<Response, HttpError> {
        let url = Url::parse(url).unwrap();
        transport.fetch(Outbound {
            method: Method::Get,
            url: &url,
            headers: &[],
            body: None,
            timeout: Duration::from_secs(5),
            max_response_bytes: 1024,
        })
    }

    /// A name that resolves to this machine is refused before any connection, unless
    /// the operator named it or routed the component to it.
    #[test]
    fn names_reach_only_public_addresses_unless_the_operator_chose_them() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://localhost:{port}/");
        let refused = get(&HttpTransport::new(None, &[]).unwrap(), &url);
        assert_eq!(
            refused.unwrap_err(),
            HttpError::Denied(NotPublic.to_string())
        );
        let literal = get(
            &HttpTransport::new(None, &[]).unwrap(),
            &format!("http://127.0.0.1:{port}/"),
        );
        assert_eq!(
            literal.unwrap_err(),
            HttpError::Denied(NotPublic.to_string())
        );

        // Named by the operator: the connection is made (and answered by the listener).
        let allowed = HttpTransport::new(None, &["localhost".to_string()]).unwrap();
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).unwrap();
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        });
        assert_eq!(get(&allowed, &url).unwrap().status, 204);
        server.join().unwrap();
    }

    /// "Refused" and "reset" look the same to the guest: no port-scan oracle.
    #[test]
    fn every_failed_connection_reads_the_same_to_the_guest() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed);
        let hangs_up = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let hangs_up_port = hangs_up.local_addr().unwrap().port();
        let server = std::thread::spawn(move || drop(hangs_up.accept().unwrap()));
        let to = |port: u16| {
            let endpoint = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
            let transport = HttpTransport::new(Some(endpoint), &[]).unwrap();
            get(
                &transport,
                "https://business-api.tiktok.com/open_api/v1.3/user/info/",
            )
        };
        let failed = HttpError::Connection(CONNECTION_FAILED.into());
        assert_eq!(to(closed_port).unwrap_err(), failed);
        assert_eq!(to(hangs_up_port).unwrap_err(), failed);
        server.join().unwrap();
    }

    #[test]
    fn plain_http_is_refused_off_loopback_before_any_connection() {
        let check = |url: &str| check_endpoint(&Url::parse(url).unwrap());
        assert_eq!(check("https://business-api.tiktok.com"), Ok(()));
        for loopback in [
            "http://127.0.0.1:9",
            "http://127.8.9.10",
            "http://[::1]:80",
            "http://LOCALHOST:1",
        ] {
            assert_eq!(check(loopback), Ok(()), "{loopback}");
        }
        assert_eq!(
            check("http://business-api.tiktok.com")
                .unwrap_err()
                .to_string(),
            "endpoint http://business-api.tiktok.com: plain http would send the access token in clear; use https (http is allowed only for loopback addresses such as 127.0.0.1)"
        );
        for remote in [
            "http://10.0.0.1",
            "http://[::ffff:127.0.0.1]",
            "http://localhost.example.com",
        ] {
            assert!(
                matches!(check(remote), Err(EndpointError::Cleartext(_))),
                "{remote}"
            );
        }
        assert!(matches!(
            check("ftp://127.0.0.1"),
            Err(EndpointError::Scheme(_))
        ));
        assert!(
            HttpTransport::new(Some(Url::parse("http://user:pw@example.com").unwrap()), &[])
                .is_err()
        );
    }
}
