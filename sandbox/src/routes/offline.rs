//! `GET /offline/get/`, `POST /offline/create/`, `POST /offline/update/`: offline
//! event sets.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::params::{
    self, access_token, id_list, json_object, optional_bool, optional_query, optional_string,
    required_string,
};
use crate::api_error::ApiError;
use crate::event_sets::{EventSetChange, NewEventSet};
use crate::state::{SandboxState, lock};

pub(super) async fn get(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Query(query): Query<params::Query>,
) -> Response {
    let result = find(&state, &headers, &query);
    state.respond(result)
}

fn find(
    state: &SandboxState,
    headers: &HeaderMap,
    query: &params::Query,
) -> Result<Value, ApiError> {
    let token = access_token(headers);
    let directory = lock(&state.directory);
    directory.grants(token)?;
    let advertiser_id = optional_query(query, "advertiser_id");
    let ids = id_list(query, "event_set_ids")?;
    let name = query.get("name").map(String::as_str);
    let sets = directory.find_event_sets(token, advertiser_id, ids.as_deref(), name)?;
    Ok(json!({ "event_set_list": sets }))
}

pub(super) async fn create(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = create_set(&state, &headers, &body).map(|id| json!({ "event_set_id": id }));
    state.respond(result)
}

/// `description` is required: TikTok's docs list it as optional, but creation fails
/// without it in practice.
fn create_set(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let token = access_token(headers);
    lock(&state.directory).grants(token)?;
    let body = json_object(headers, body)?;
    let new = NewEventSet {
        advertiser_id: required_string(&body, "advertiser_id")?,
        name: required_string(&body, "name")?,
        description: required_string(&body, "description")?,
        auto_tracking: optional_bool(&body, "auto_tracking")?.unwrap_or(false),
    };
    lock(&state.directory).create_event_set(token, new, state.clock.now())
}

pub(super) async fn update(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = update_set(&state, &headers, &body);
    state.respond(result)
}

fn update_set(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let token = access_token(headers);
    lock(&state.directory).grants(token)?;
    let body = json_object(headers, body)?;
    let change = EventSetChange {
        advertiser_id: required_string(&body, "advertiser_id")?,
        event_set_id: required_string(&body, "event_set_id")?,
        name: optional_string(&body, "name")?,
        auto_tracking: optional_bool(&body, "auto_tracking")?,
    };
    let mut directory = lock(&state.directory);
    let set = directory.update_event_set(token, change, state.clock.now())?;
    Ok(serde_json::to_value(set).expect("an event set serialises"))
}
