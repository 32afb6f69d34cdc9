//! OAuth: the authorisation page (`GET /portal/auth`, outside `/open_api`) and
//! `POST /oauth2/access_token/`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::params::{self, json_object, required_string};
use crate::api_error::ApiError;
use crate::oauth::{CodeExchange, Consent};
use crate::state::{SandboxState, lock};

/// Answers as if the user had consented (or, when seeded so, declined) at once:
/// a 302 to `redirect_uri?auth_code=…&state=…`, or `?error=access_denied&state=…`.
/// Choice: TikTok's wording for a declined consent is undocumented.
pub(super) async fn authorisation_page(
    State(state): State<Arc<SandboxState>>,
    Query(query): Query<params::Query>,
) -> Response {
    let (Some(app_id), Some(redirect_uri)) = (query.get("app_id"), query.get("redirect_uri"))
    else {
        return page(
            StatusCode::BAD_REQUEST,
            "app_id and redirect_uri are required.",
        );
    };
    let consent = lock(&state.directory).authorise(app_id, state.clock.now());
    let answer = match consent {
        None => return page(StatusCode::BAD_REQUEST, "This app does not exist."),
        Some(Consent::Granted { auth_code }) => ("auth_code", auth_code),
        Some(Consent::Denied) => ("error", "access_denied".to_owned()),
    };
    let mut pairs = vec![answer];
    if let Some(client_state) = query.get("state") {
        pairs.push(("state", client_state.clone()));
    }
    let Ok(encoded) = serde_urlencoded::to_string(&pairs) else {
        return page(StatusCode::BAD_REQUEST, "The parameters cannot be encoded.");
    };
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{encoded}");
    (StatusCode::FOUND, [(LOCATION, location)]).into_response()
}

fn page(status: StatusCode, text: &str) -> Response {
    let html = format!("<html><body><h1>TikTok for Business</h1><p>{text}</p></body></html>");
    (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

pub(super) async fn access_token(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = exchange(&state, &headers, &body);
    state.respond(result)
}

fn exchange(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let body = json_object(headers, body)?;
    let exchange = CodeExchange {
        app_id: required_string(&body, "app_id")?,
        secret: required_string(&body, "secret")?,
        auth_code: required_string(&body, "auth_code")?,
    };
    lock(&state.directory).exchange_auth_code(exchange, state.clock.now())
}
