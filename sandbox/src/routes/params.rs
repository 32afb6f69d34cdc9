//! Reading request parameters the way TikTok reports problems with them (40002 naming
//! the field), for the endpoints other than `/event/track/`.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::api_error::ApiError;

/// The `Access-Token` header. TikTok reads no other: `Authorization: Bearer …` is
/// as good as no token.
pub(super) fn access_token(headers: &HeaderMap) -> Option<&str> {
    headers.get("access-token")?.to_str().ok()
}

/// Choice: TikTok's docs require `Content-Type: application/json` on POST bodies
/// without saying what happens otherwise; the sandbox refuses, so connectors must send it.
pub(super) fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "Content-Type",
            "expected application/json",
        ))
    }
}

/// A POST body that must be a JSON object.
pub(super) fn json_object(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    require_json_content_type(headers)?;
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::invalid("request body", "not a JSON object")),
        Err(_) => Err(ApiError::invalid("request body", "not valid JSON")),
    }
}

pub(super) fn optional_string(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Err(ApiError::invalid(key, "empty string")),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::not_a_string(key)),
    }
}

pub(super) fn required_string(body: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    optional_string(body, key)?.ok_or_else(|| ApiError::missing(key))
}

pub(super) fn optional_bool(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<bool>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(ApiError::invalid(key, "not a boolean")),
    }
}

pub(super) type Query = HashMap<String, String>;

/// An optional query parameter; empty counts as absent, as a form's empty field does.
pub(super) fn optional_query<'q>(query: &'q Query, key: &str) -> Option<&'q str> {
    query
        .get(key)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
}

/// A list of ids in a query string, written as TikTok wants it: a JSON array of
/// strings, e.g. `advertiser_ids=["7000000000000000001"]`.
pub(super) fn id_list(query: &Query, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = query.get(key) else {
        return Ok(None);
    };
    match serde_json::from_str::<Vec<String>>(text) {
        Ok(ids) if !ids.is_empty() => Ok(Some(ids)),
        Ok(_) => Err(ApiError::invalid(key, "at least one id is required")),
        Err(_) => Err(ApiError::invalid(key, "not a JSON array of strings")),
    }
}
