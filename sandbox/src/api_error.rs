//! TikTok's application errors: a numeric `code` and a `message`, sent on HTTP 200.
//!
//! Messages follow TikTok's `Invalid value for <field>: <rule>.` shape. They name the
//! field (with the event's index, e.g. `data[3].event_id`) and the rule, and never echo
//! the offending value: it may be PII or a secret.

use std::fmt::Display;

/// The codes this sandbox answers with by itself (faults can inject any other).
pub(crate) mod code {
    pub(crate) const NO_PERMISSION: u32 = 40001;
    pub(crate) const INVALID_PARAMETER: u32 = 40002;
    pub(crate) const NOT_FOUND: u32 = 40007;
    pub(crate) const INVALID_BATCH_SIZE: u32 = 40061;
    pub(crate) const PII_NOT_HASHED: u32 = 40062;
    pub(crate) const ACCESS_TOKEN_MISSING: u32 = 40104;
    pub(crate) const ACCESS_TOKEN_INVALID: u32 = 40105;
    /// An auth code that is expired or was never issued to the app.
    pub(crate) const INVALID_AUTH_CODE: u32 = 40110;
    /// TikTok's "app blocked", which issue 7 names for a wrong app secret too.
    pub(crate) const APP_REFUSED: u32 = 40113;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub(crate) struct ApiError {
    pub(crate) code: u32,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(code: u32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// 40002, TikTok's "invalid parameter", in TikTok's wording.
    pub(crate) fn invalid(field: impl Display, rule: &str) -> Self {
        Self::new(
            code::INVALID_PARAMETER,
            format!("Invalid value for {field}: {rule}."),
        )
    }

    /// 40062: a PII field that is not a SHA-256 digest.
    pub(crate) fn not_hashed(field: impl Display) -> Self {
        Self::new(
            code::PII_NOT_HASHED,
            format!(
                "Invalid value for {field}: PII must be SHA-256 hashed (64 lowercase hex characters)."
            ),
        )
    }

    pub(crate) fn missing(field: impl Display) -> Self {
        Self::invalid(field, "required field is missing")
    }

    pub(crate) fn not_a_string(field: impl Display) -> Self {
        Self::invalid(field, "not a valid string")
    }

    pub(crate) fn no_permission(what: impl Display) -> Self {
        Self::new(
            code::NO_PERMISSION,
            format!(
                "No permission to operate {what}. The user must be Admin or Operator of the ad account."
            ),
        )
    }
}

/// TikTok's message for a code a fault injects, so injected answers read like real ones.
pub(crate) fn message_for(code: u32) -> &'static str {
    match code {
        0 => "OK",
        20001 => "Partially successful.",
        40000 | 40002 => "Invalid parameters.",
        40001 => "No permission to operate this resource.",
        40006 | 40051 => "The API version is not supported.",
        40007 => "The object does not exist.",
        40016 => "Flow control: requests are too frequent.",
        40050 => "Duplicated request.",
        40061 => "Invalid batch size.",
        40062 => "PII must be SHA-256 hashed.",
        40063 => "Invalid partner name.",
        40100 => "Too many requests. Please retry in some time.",
        40102 => "Access token has expired.",
        40104 => "Access token is empty.",
        40105 => "Access token is incorrect or has been revoked.",
        40106 => "The user of this access token is invalid.",
        40101 => "The app id and the app secret do not match.",
        40110 => "The auth_code has been used, has expired or was cancelled.",
        40113 => "The app is blocked.",
        40115 => "Authentication timestamp has expired.",
        40118 => "Not on the allowlist for this feature.",
        40125 => "The developer has no permission for this feature.",
        40119 => "The developer and the advertiser do not match.",
        40130 => "The scope is not authorized.",
        40132 | 40133 => "Too many requests for this object. Please retry in some time.",
        40202 => "Write conflict. Please retry.",
        40300 | 40301 => "The advertiser does not exist.",
        50000 => "System error.",
        50002 => "The request timed out on the server.",
        60001 => "The system is under maintenance.",
        61000 => "Blocked for too many requests. Please retry later.",
        _ => "Sandbox-injected error.",
    }
}
