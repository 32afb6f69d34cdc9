//! `GET /user/info/` (the cheap token check) and `GET /advertiser/info/`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use super::params::{self, access_token, id_list};
use crate::api_error::ApiError;
use crate::state::{SandboxState, lock};

pub(super) async fn user_info(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
) -> Response {
    let result = {
        let directory = lock(&state.directory);
        directory
            .grants(access_token(&headers))
            .map(|_| directory.user_info())
    };
    state.respond(result)
}

pub(super) async fn advertiser_info(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Query(query): Query<params::Query>,
) -> Response {
    let result = advertisers(&state, &headers, &query);
    state.respond(result)
}

/// Choice: an ad account that does not exist and one the token may not use both give
/// 40001 (no permission), so a token cannot probe which accounts exist.
fn advertisers(
    state: &SandboxState,
    headers: &HeaderMap,
    query: &params::Query,
) -> Result<Value, ApiError> {
    let directory = lock(&state.directory);
    let grants = directory.grants(access_token(headers))?;
    let ids =
        id_list(query, "advertiser_ids")?.ok_or_else(|| ApiError::missing("advertiser_ids"))?;
    directory.advertiser_info(grants, &ids)
}
