//! `/_sandbox/`: what tests and other-language hosts use to look inside and steer the
//! sandbox. These requests are never faulted nor counted.
//!
//! - `GET /_sandbox/events`: accepted events, a JSON array of
//!   `{event_source_id, test_event_code?, event}` (`event` exactly as received).
//! - `DELETE /_sandbox/events`: forget accepted events and deduplication keys.
//! - `POST /_sandbox/faults`: `{"path"?: "/event/track/", "queue"?: [fault…],
//!   "random"?: {"probability", "kinds": [fault…], "seed"}}`; see [`crate::Fault`].
//! - `DELETE /_sandbox/faults`: drop every queued fault and random mode.
//! - `GET /_sandbox/stats`: [`crate::Stats`] as JSON.
//! - `POST /_sandbox/clock`: `{"advance_secs": N}` moves the sandbox clock forward.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::faults::{Fault, RandomFaults, TRACK_PATH};
use crate::state::SandboxState;

pub(super) fn router() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/_sandbox/events", get(events).delete(reset_events))
        .route("/_sandbox/faults", post(add_faults).delete(clear_faults))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/clock", post(advance_clock))
}

async fn events(State(state): State<Arc<SandboxState>>) -> Response {
    Json(state.accepted_events()).into_response()
}

async fn reset_events(State(state): State<Arc<SandboxState>>) -> StatusCode {
    state.reset_events();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultOrder {
    #[serde(default = "track_path")]
    path: String,
    #[serde(default)]
    queue: Vec<Fault>,
    random: Option<RandomFaults>,
}

fn track_path() -> String {
    TRACK_PATH.to_owned()
}

async fn add_faults(
    State(state): State<Arc<SandboxState>>,
    order: Result<Json<FaultOrder>, JsonRejection>,
) -> Response {
    let Json(order) = match order {
        Ok(order) => order,
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    for fault in order.queue {
        state.inject(&order.path, fault);
    }
    if let Some(random) = order.random {
        state.randomise_faults(&order.path, random);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(state): State<Arc<SandboxState>>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<Arc<SandboxState>>) -> Json<crate::Stats> {
    Json(state.stats())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockAdvance {
    advance_secs: u64,
}

async fn advance_clock(
    State(state): State<Arc<SandboxState>>,
    advance: Result<Json<ClockAdvance>, JsonRejection>,
) -> Response {
    match advance {
        Ok(Json(advance)) => {
            state.advance_clock(Duration::from_secs(advance.advance_secs));
            Json(json!({ "now": state.clock.now() })).into_response()
        }
        Err(rejection) => (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    }
}
