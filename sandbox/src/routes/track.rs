//! `POST /event/track/`: report offline events.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::params::{access_token, require_json_content_type};
use crate::api_error::ApiError;
use crate::state::{SandboxState, lock};
use crate::track::{TrackRequest, check_events};

pub(super) async fn track(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = accept(&state, &headers, &body).map(|()| json!({}));
    state.respond(result)
}

/// TikTok's order: the token, then the body's top level, the event set, the events.
/// Nothing is stored unless every event passes.
fn accept(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let token = access_token(headers);
    lock(&state.directory).grants(token)?;
    require_json_content_type(headers)?;
    let request = TrackRequest::parse(body)?;
    lock(&state.directory).authorize_event_set(token, &request.event_source_id)?;
    let now = state.clock.now();
    let dedup_keys = check_events(&request.events, now)?;
    let outcome = lock(&state.store).accept(&request, dedup_keys, now);
    state.counters.record(&outcome);
    Ok(())
}
