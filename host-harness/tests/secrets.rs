//! The token and the customers' PII, followed through the whole pipeline: `send -vv`
//! and `transform` through the CLI, every request captured on the wire by a recording
//! proxy in front of the sandbox. The token may appear in one place only, each
//! request's `Access-Token` header; raw PII nowhere.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::json;
use sha2::{Digest, Sha256};
use tiktok_sandbox::{Sandbox, Seed};

const TOKEN: &str = "tok-SECRET-4f2a9c1e7b3d";
const WRONG_TOKEN: &str = "tok-WRONG-9e8d7c6b5a41";
const EMAIL: &str = "Alice.Pii@Example.com";
const PHONE: &str = "+1 (212) 555-0147";
/// What must never be seen: the PII as written, and as normalised before hashing.
const RAW_PII: [&str; 6] = [
    "Alice.Pii",
    "alice.pii",
    "555-0147",
    "2125550147",
    "bob.pii",
    "555-PIIX",
];

/// A loopback HTTP proxy that records every request, byte for byte, on its way to
/// `upstream` (one request per connection: it answers `Connection: close`).
struct RecordingProxy {
    url: String,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl RecordingProxy {
    fn start(upstream: std::net::SocketAddr) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let recorded = recorded.clone();
                std::thread::spawn(move || forward(client.unwrap(), upstream, &recorded));
            }
        });
        RecordingProxy { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

fn forward(client: TcpStream, upstream: std::net::SocketAddr, recorded: &Mutex<Vec<Vec<u8>>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(length) = lower.strip_prefix("content-length:") {
            content_length = length.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
        if !lower.starts_with("connection:") {
            head.extend_from_slice(line.as_bytes());
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body).unwrap();
    let mut request = head;
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    recorded.lock().unwrap().push(request.clone());

    let mut server = TcpStream::connect(upstream).unwrap();
    server.write_all(&request).unwrap();
    let mut response = Vec::new();
    server.read_to_end(&mut response).unwrap();
    let mut client = client;
    client.write_all(&response).unwrap();
}

fn sandbox() -> Sandbox {
    let seed: Seed = serde_json::from_value(json!({
        "access_token": TOKEN,
        "advertiser_id": "7000000000000000001",
        "event_set_id": "7181537436256731137",
    }))
    .unwrap();
    Sandbox::start("127.0.0.1:0".parse().unwrap(), seed).unwrap()
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-harness"))
        .args(args)
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
        )
        .env_remove("HOST_HARNESS_LOG")
        .output()
        .unwrap()
}

fn settings_file(dir: &Path, token: &str) -> String {
    let path = dir.join(format!("settings-{token}.json"));
    let settings = json!({
        "access_token": token,
        "advertiser_id": "7000000000000000001",
        "event_set_id": "7181537436256731137",
        "default_phone_country": "US",
    });
    std::fs::write(&path, settings.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file the runs wrote, as text.
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else if path.extension().is_some_and(|e| e == "ndjson") {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            files.push((path.display().to_string(), text));
        }
    }
    files
}

#[test]
fn the_token_travels_only_in_the_access_token_header_and_raw_pii_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(
        &input,
        format!(
            "email,phone,event,event_id,timestamp\n\
             {EMAIL},{PHONE},Purchase,ord-1,2026-01-01T10:00:00Z\n\
             bob.pii@example.com,555-PIIX,Purchase,ord-2,2026-01-01T11:00:00Z\n\
             not-an-email-alice.pii,,Purchase,ord-3,2026-01-01T12:00:00Z\n"
        ),
    )
    .unwrap();
    let input = input.to_str().unwrap();
    let sandbox = sandbox();
    let proxy = RecordingProxy::start(sandbox.addr());
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    let send = harness(&[
        "-vv",
        "send",
        "--settings",
        &settings_file(dir.path(), TOKEN),
        "--input",
        input,
        "--endpoint",
        &proxy.url,
        "--out",
        &out("send"),
    ]);
    let transform = harness(&[
        "-vv",
        "transform",
        "--settings",
        &settings_file(dir.path(), TOKEN),
        "--input",
        input,
        "--out",
        &out("transform"),
    ]);
    let refused = harness(&[
        "-vv",
        "send",
        "--settings",
        &settings_file(dir.path(), WRONG_TOKEN),
        "--input",
        input,
        "--endpoint",
        &proxy.url,
        "--out",
        &out("refused"),
    ]);

    // The runs did what they should, and said a lot about it.
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(send.status.code(), Some(0), "{}", stderr(&send));
    assert_eq!(transform.status.code(), Some(0), "{}", stderr(&transform));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&send).contains("3 rows read: 2 delivered"),
        "{}",
        stderr(&send)
    );
    assert!(
        stderr(&send).lines().count() > 10,
        "-vv logs: {}",
        stderr(&send)
    );
    assert!(stderr(&refused).contains("40105"), "{}", stderr(&refused));

    // On the wire: each request carries its token once, in the Access-Token header.
    let requests = proxy.requests();
    assert!(requests.len() >= 4, "{} requests", requests.len());
    for request in &requests {
        let (head, body) = request.split_once("\r\n\r\n").unwrap();
        let token_lines: Vec<&str> = head.lines().filter(|l| l.contains("tok-")).collect();
        assert_eq!(token_lines.len(), 1, "{head}");
        let (name, value) = token_lines[0].split_once(':').unwrap();
        assert!(name.eq_ignore_ascii_case("access-token"), "{head}");
        assert!([TOKEN, WRONG_TOKEN].contains(&value.trim()), "{head}");
        assert!(!body.contains("tok-"), "a token in a body: {body}");
    }
    let bodies: Vec<&str> = requests
        .iter()
        .filter_map(|r| r.split_once("\r\n\r\n"))
        .map(|(_, body)| body)
        .collect();
    let hashed_email = sha256_hex(&EMAIL.to_lowercase());
    let hashed_phone = sha256_hex("+12125550147");
    assert!(
        bodies.iter().any(|b| b.contains(&hashed_email)),
        "the email went hashed"
    );
    assert!(
        bodies.iter().any(|b| b.contains(&hashed_phone)),
        "the phone went hashed"
    );

    // Everywhere else: no token, no raw PII.
    let mut seen: Vec<(String, String)> = vec![
        ("send stderr".into(), stderr(&send)),
        ("transform stderr".into(), stderr(&transform)),
        ("refused stderr".into(), stderr(&refused)),
    ];
    for output in [&send, &transform, &refused] {
        seen.push((
            "stdout".into(),
            String::from_utf8_lossy(&output.stdout).into(),
        ));
    }
    seen.extend(
        files_under(dir.path())
            .into_iter()
            .filter(|(p, _)| !p.ends_with(".csv")),
    );
    for (i, body) in bodies.iter().enumerate() {
        seen.push((format!("request body {i}"), body.to_string()));
    }
    for accepted in sandbox.accepted_events() {
        seen.push(("stored event".into(), accepted.event.get().to_string()));
    }
    assert!(seen.iter().any(|(p, _)| p.ends_with("results.ndjson")));
    for (place, text) in &seen {
        for secret in [TOKEN, WRONG_TOKEN].iter().chain(&RAW_PII) {
            assert!(!text.contains(secret), "{secret:?} in {place}:\n{text}");
        }
    }
}
