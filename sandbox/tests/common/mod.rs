//! A real HTTP client (ureq) against a sandbox on a free loopback port.
#![allow(dead_code)] // Each test file uses its own part of these helpers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tiktok_sandbox::{Sandbox, Seed};

pub const TOKEN: &str = "test-access-token";
pub const EVENT_SET: &str = "7181537436256731137";
/// SHA-256 of `alice_abc@gmail.com`.
pub const HASH: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";

/// The settings a user would have: a token and an offline event set of the default
/// ad account.
pub fn seed() -> Seed {
    Seed::default()
        .with_access_token(TOKEN)
        .with_event_set_id(EVENT_SET)
}

pub fn start(seed: Seed) -> Sandbox {
    Sandbox::start("127.0.0.1:0".parse().unwrap(), seed).unwrap()
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn purchase(event_id: &str) -> Value {
    json!({
        "event": "Purchase",
        "event_time": unix_now() - 3600,
        "event_id": event_id,
        "user": {"email": [HASH]},
        "properties": {"currency": "USD", "value": 46.0, "order_id": event_id}
    })
}

pub fn track_body(events: &[Value]) -> String {
    json!({"event_source": "offline", "event_source_id": EVENT_SET, "data": events}).to_string()
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// TikTok's (code, message), after checking the envelope's shape.
    pub fn outcome(&self) -> (u64, String) {
        assert_eq!(self.status, 200, "{}", self.body);
        let json = self.json();
        assert!(json["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(json["data"].is_object());
        (
            json["code"].as_u64().unwrap(),
            json["message"].as_str().unwrap().to_owned(),
        )
    }
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    pub fn new(sandbox: &Sandbox) -> Self {
        Self::with_timeout(sandbox, Duration::from_secs(10))
    }

    /// Sees statuses and redirects as they are, and gives up after `timeout`.
    pub fn with_timeout(sandbox: &Sandbox, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .new_agent();
        Self {
            agent,
            base: sandbox.base_url(),
        }
    }

    pub fn try_post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> Result<Reply, ureq::Error> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.header("Access-Token", token);
        }
        read(request.send(body)?)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> Reply {
        self.try_post(path, token, body).unwrap()
    }

    /// `/event/track/` with the seeded token.
    pub fn track(&self, events: &[Value]) -> Reply {
        self.post(
            "/open_api/v1.3/event/track/",
            Some(TOKEN),
            &track_body(events),
        )
    }

    pub fn get(&self, path: &str, token: Option<&str>, query: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Access-Token", token);
        }
        for (key, value) in query {
            request = request.query(*key, *value);
        }
        read(request.call().unwrap()).unwrap()
    }

    pub fn delete(&self, path: &str) -> Reply {
        read(
            self.agent
                .delete(format!("{}{path}", self.base))
                .call()
                .unwrap(),
        )
        .unwrap()
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let body = response.body_mut().read_to_string()?;
    Ok(Reply {
        status,
        content_type,
        location,
        body,
    })
}
