//! The redirect listener of the OAuth code flow: after the user consents, the browser
//! comes back to `http://127.0.0.1:PORT/callback?auth_code=…&state=…`. The listener
//! takes that one redirect, answers the browser with a page it can close, and hands
//! the code over, provided the `state` is this run's: a random 128-bit value, so a
//! page elsewhere cannot slip in a code of its own choosing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use url::Url;

/// The path the authorisation page redirects to.
const CALLBACK_PATH: &str = "/callback";
/// A browser that connects and says nothing (speculative connections do) is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Request heads longer than this are not a redirect from TikTok.
const MAX_HEAD_BYTES: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum RedirectError {
    #[error("cannot listen for the redirect on 127.0.0.1: {0}")]
    Bind(std::io::Error),
    #[error("cannot draw a random state from the system: {0}")]
    Random(getrandom::Error),
    #[error(
        "no redirect arrived within {} seconds: open the authorisation URL in a browser, consent, and run connect again",
        .0.as_secs()
    )]
    Timeout(Duration),
    #[error(
        "access was not granted in the browser (error={0}): run connect again and approve access"
    )]
    Denied(String),
    #[error(
        "refused a redirect whose state is not this run's (an old browser tab, or a page trying to connect another account): run connect again"
    )]
    StateMismatch,
    #[error("the redirect carried neither an auth_code nor an error")]
    NoCode,
}

/// A bound listener and the `state` its redirect must carry.
#[derive(Debug)]
pub struct RedirectListener {
    listener: TcpListener,
    state: String,
}

impl RedirectListener {
    /// Listens on 127.0.0.1:`port` (0: any free port).
    pub fn bind(port: u16) -> Result<RedirectListener, RedirectError> {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(RedirectError::Bind)?;
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(RedirectError::Random)?;
        let state = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(RedirectListener { listener, state })
    }

    /// Where the authorisation page must send the browser back to.
    pub fn redirect_uri(&self) -> String {
        let port = self.addr().port();
        format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
    }

    pub fn state(&self) -> &str {
        &self.state
    }

    fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Waits for the redirect and returns its auth code. Other requests (a favicon)
    /// get a 404 and the wait goes on; each connection is served on its own thread, so
    /// an idle one cannot hold up the redirect.
    pub fn wait(self, timeout: Duration) -> Result<String, RedirectError> {
        let addr = self.addr();
        let stop = Arc::new(AtomicBool::new(false));
        let (sender, receiver) = mpsc::channel();
        let acceptor = {
            let stop = Arc::clone(&stop);
            let state = self.state;
            let listener = self.listener;
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (sender, state) = (sender.clone(), state.clone());
                    thread::spawn(move || {
                        if let Some(outcome) = serve(stream, &state) {
                            let _ = sender.send(outcome);
                        }
                    });
                }
            })
        };
        let outcome = receiver.recv_timeout(timeout);
        // Wake the acceptor so it sees `stop` and the port is released.
        stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(addr);
        let _ = acceptor.join();
        outcome.unwrap_or(Err(RedirectError::Timeout(timeout)))
    }
}

/// Reads one request and answers it; `Some` when it was the redirect.
fn serve(mut stream: TcpStream, state: &str) -> Option<Result<String, RedirectError>> {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let target = read_target(&stream)?;
    let Some(query) = callback_query(&target) else {
        respond(&mut stream, "404 Not Found", "Nothing here.");
        return None;
    };
    let outcome = check(&query, state);
    let page = match &outcome {
        Ok(_) => "Authorisation received. You can close this window and return to the terminal.",
        Err(_) => {
            "Authorisation not completed. You can close this window; the terminal says what to do."
        }
    };
    respond(&mut stream, "200 OK", page);
    Some(outcome)
}

/// The request target of a `GET`, once the whole head has arrived.
fn read_target(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream).take(MAX_HEAD_BYTES as u64);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    // Read the headers too: closing with unread data would reset the connection
    // before the browser sees the page.
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    match request_line.split_whitespace().collect::<Vec<_>>()[..] {
        ["GET", target, _version] => Some(target.to_string()),
        _ => None,
    }
}

/// The query pairs of a request to the callback path.
fn callback_query(target: &str) -> Option<Vec<(String, String)>> {
    let url = Url::parse("http://127.0.0.1").ok()?.join(target).ok()?;
    (url.path() == CALLBACK_PATH).then(|| url.query_pairs().into_owned().collect())
}

/// The state is checked first, so nothing from another page is acted on.
fn check(query: &[(String, String)], state: &str) -> Result<String, RedirectError> {
    let value = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if value("state") != Some(state) {
        return Err(RedirectError::StateMismatch);
    }
    if let Some(error) = value("error") {
        return Err(RedirectError::Denied(error.to_string()));
    }
    value("auth_code")
        .map(str::to_string)
        .ok_or(RedirectError::NoCode)
}

/// A fixed page: nothing from the request is echoed into it.
fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>host-harness</title></head><body><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_state_is_128_random_bits_in_hex() {
        let (a, b) = (
            RedirectListener::bind(0).unwrap(),
            RedirectListener::bind(0).unwrap(),
        );
        assert_eq!(a.state().len(), 32);
        assert!(a.state().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.state(), b.state());
        assert!(a.redirect_uri().starts_with("http://127.0.0.1:"));
        assert!(a.redirect_uri().ends_with("/callback"));
    }

    #[test]
    fn a_code_with_this_runs_state_is_accepted() {
        let query = pairs(&[("auth_code", "c-1"), ("state", "s1")]);
        assert_eq!(check(&query, "s1").unwrap(), "c-1");
    }

    #[test]
    fn a_foreign_state_is_refused_even_with_an_error() {
        for query in [
            pairs(&[("auth_code", "c-1"), ("state", "other")]),
            pairs(&[("auth_code", "c-1")]),
            pairs(&[("error", "access_denied"), ("state", "other")]),
        ] {
            assert!(matches!(
                check(&query, "s1"),
                Err(RedirectError::StateMismatch)
            ));
        }
    }

    #[test]
    fn a_declined_consent_is_reported() {
        let query = pairs(&[("error", "access_denied"), ("state", "s1")]);
        assert_eq!(
            check(&query, "s1").unwrap_err().to_string(),
            "access was not granted in the browser (error=access_denied): run connect again and approve access"
        );
    }

    #[test]
    fn only_the_callback_path_counts() {
        assert_eq!(
            callback_query("/callback?auth_code=a%2Bb&state=s"),
            Some(pairs(&[("auth_code", "a+b"), ("state", "s")]))
        );
        assert_eq!(callback_query("/favicon.ico"), None);
    }

    #[test]
    fn the_redirect_is_answered_and_its_code_returned() {
        let listener = RedirectListener::bind(0).unwrap();
        let url = format!(
            "{}?auth_code=code-9&state={}",
            listener.redirect_uri(),
            listener.state()
        );
        let favicon = listener.redirect_uri().replace("/callback", "/favicon.ico");
        let browser = thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let favicon = agent.get(&favicon).call().unwrap().status().as_u16();
            let mut page = agent.get(&url).call().unwrap();
            (favicon, page.body_mut().read_to_string().unwrap())
        });
        let code = listener.wait(Duration::from_secs(30)).unwrap();
        let (favicon, page) = browser.join().unwrap();
        assert_eq!(code, "code-9");
        assert_eq!(favicon, 404);
        assert!(page.contains("You can close this window"), "{page}");
    }

    #[test]
    fn without_a_redirect_the_wait_ends_and_the_port_is_released() {
        let listener = RedirectListener::bind(0).unwrap();
        let port = listener.addr().port();
        let error = listener.wait(Duration::from_millis(50)).unwrap_err();
        assert!(matches!(error, RedirectError::Timeout(_)));
        RedirectListener::bind(port).expect("the port is free again");
    }
}
