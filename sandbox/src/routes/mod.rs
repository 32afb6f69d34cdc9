//! The HTTP surface: TikTok's endpoints under `/open_api/v1.3` (every path ends with
//! `/`; without it TikTok, and so the sandbox, answers a plain 404), the OAuth
//! authorisation page, and the sandbox's own `/_sandbox/` admin endpoints.

mod accounts;
mod admin;
mod faults;
mod oauth;
mod offline;
mod params;
mod track;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::SandboxState;

pub(crate) const API_PREFIX: &str = "/open_api/v1.3";

/// Room for 1,000 rich events; TikTok's own body limit is undocumented.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

fn api(path: &str) -> String {
    format!("{API_PREFIX}{path}")
}

pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    let tiktok = Router::new()
        .route(&api("/event/track/"), post(track::track))
        .route(&api("/user/info/"), get(accounts::user_info))
        .route(&api("/advertiser/info/"), get(accounts::advertiser_info))
        .route(&api("/offline/get/"), get(offline::get))
        .route(&api("/offline/create/"), post(offline::create))
        .route(&api("/offline/update/"), post(offline::update))
        .route(&api("/oauth2/access_token/"), post(oauth::access_token))
        .route("/portal/auth", get(oauth::authorisation_page))
        // Only matched routes: a wrong path is a 404, never a fault.
        .route_layer(from_fn_with_state(Arc::clone(&state), faults::inject));
    tiktok
        .merge(admin::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 page not found",
    )
        .into_response()
}
