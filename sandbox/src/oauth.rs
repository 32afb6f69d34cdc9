//! OAuth for advertisers: the authorisation page hands out an auth code (valid one hour,
//! single use), which `/oauth2/access_token/` exchanges for a long-term access token
//! granting the ad accounts on which the user is Admin or Operator.
//!
//! A refused exchange answers with the codes issue 7 names (TikTok's public pages do not
//! list them): a wrong secret 40113, an expired code 40110, a used code 40115.

use serde_json::{Value, json};

use crate::api_error::{ApiError, code};
use crate::directory::Directory;

const AUTH_CODE_LIFETIME_SECS: u64 = 60 * 60;

/// Permission scope ids returned with a token. TikTok returns numeric ids; these are
/// placeholders, as the sandbox does not model scopes.
const SCOPE: [u32; 3] = [1, 4, 120];

/// What the user answered on the authorisation page.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Consent {
    Granted { auth_code: String },
    Denied,
}

/// `/oauth2/access_token/`'s body, checked.
#[derive(Debug)]
pub(crate) struct CodeExchange {
    pub(crate) app_id: String,
    pub(crate) secret: String,
    pub(crate) auth_code: String,
}

/// A refused `auth_code`, in TikTok's `Invalid value for <field>: <rule>.` shape.
fn refused_auth_code(code: u32, rule: &str) -> ApiError {
    ApiError::new(code, format!("Invalid value for auth_code: {rule}."))
}

fn invalid_auth_code(rule: &str) -> ApiError {
    refused_auth_code(code::INVALID_AUTH_CODE, rule)
}

/// TikTok's 40110 covers a code used, expired or cancelled alike.
fn used_auth_code() -> ApiError {
    refused_auth_code(code::INVALID_AUTH_CODE, "already used")
}

impl Directory {
    /// The user's answer on the authorisation page; `None` for an unknown app, to which
    /// nothing may be redirected.
    pub(crate) fn authorise(&mut self, app_id: &str, now: u64) -> Option<Consent> {
        if !self.apps.contains_key(app_id) {
            return None;
        }
        if self.deny_consent {
            return Some(Consent::Denied);
        }
        let auth_code = self.ids.next_auth_code();
        self.add_auth_code(app_id, auth_code.clone(), now);
        Some(Consent::Granted { auth_code })
    }

    pub(crate) fn exchange_auth_code(
        &mut self,
        exchange: CodeExchange,
        now: u64,
    ) -> Result<Value, ApiError> {
        // An unknown app id gets the same answer as a wrong secret: nothing tells a
        // caller which apps exist.
        if self.apps.get(&exchange.app_id) != Some(&exchange.secret) {
            return Err(ApiError::new(
                code::APP_REFUSED,
                "Invalid app_id or secret.",
            ));
        }
        let pending = self
            .auth_codes
            .get_mut(&exchange.auth_code)
            .filter(|pending| pending.app_id == exchange.app_id)
            .ok_or_else(|| invalid_auth_code("not issued to this app"))?;
        if pending.used {
            return Err(used_auth_code());
        }
        if now.saturating_sub(pending.issued_at) >= AUTH_CODE_LIFETIME_SECS {
            return Err(invalid_auth_code("expired"));
        }
        pending.used = true;
        let advertiser_ids: Vec<String> = self
            .advertisers
            .iter()
            .filter(|(_, advertiser)| advertiser.role.can_authorise())
            .map(|(id, _)| id.clone())
            .collect();
        if advertiser_ids.is_empty() {
            return Err(ApiError::new(
                code::NO_PERMISSION,
                "No permission to authorise: the user must be Admin or Operator of an ad account; an Analyst cannot authorise apps.",
            ));
        }
        let access_token = self.ids.next_access_token();
        self.grant(&access_token, advertiser_ids.iter().cloned());
        Ok(json!({
            "access_token": access_token,
            "advertiser_ids": advertiser_ids,
            "scope": SCOPE,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{DEFAULT_ADVERTISER_ID, Role, Seed};

    const NOW: u64 = 1_700_000_000;

    fn exchange(auth_code: &str, secret: &str) -> CodeExchange {
        CodeExchange {
            app_id: "app".to_owned(),
            secret: secret.to_owned(),
            auth_code: auth_code.to_owned(),
        }
    }

    fn directory(seed: Seed) -> Directory {
        Directory::from_seed(
            &seed.with_app("app", "s3cret").with_auth_code("app", "code"),
            NOW,
        )
    }

    #[test]
    fn a_code_is_exchanged_once_for_a_token_of_the_admin_accounts() {
        let mut dir =
            directory(Seed::default().with_advertiser("7009", "Seen only", Role::Analyst));
        let data = dir
            .exchange_auth_code(exchange("code", "s3cret"), NOW + 10)
            .unwrap();
        assert_eq!(data["advertiser_ids"], json!([DEFAULT_ADVERTISER_ID]));
        let token = data["access_token"].as_str().unwrap();
        assert_eq!(token.len(), 40);
        assert!(
            dir.grants(Some(token))
                .unwrap()
                .contains(DEFAULT_ADVERTISER_ID)
        );

        let again = dir.exchange_auth_code(exchange("code", "s3cret"), NOW + 11);
        let again = again.unwrap_err();
        assert_eq!(again, used_auth_code());
        assert_eq!(
            again.code, 40110,
            "TikTok answers a used code as an invalid one"
        );
    }

    #[test]
    fn a_wrong_secret_is_refused_without_spending_the_code() {
        let mut dir = directory(Seed::default());
        let err = dir
            .exchange_auth_code(exchange("code", "wrong"), NOW)
            .unwrap_err();
        assert_eq!(err.code, 40113);
        assert!(
            dir.exchange_auth_code(exchange("code", "s3cret"), NOW)
                .is_ok()
        );
    }

    #[test]
    fn a_code_expires_after_one_hour() {
        let mut dir = directory(Seed::default());
        let err = dir
            .exchange_auth_code(exchange("code", "s3cret"), NOW + 3600)
            .unwrap_err();
        assert_eq!(err, invalid_auth_code("expired"));
        assert_eq!(err.code, 40110);
    }

    #[test]
    fn a_code_never_issued_to_the_app_is_invalid() {
        let err = directory(Seed::default())
            .exchange_auth_code(exchange("forged", "s3cret"), NOW)
            .unwrap_err();
        assert_eq!(err, invalid_auth_code("not issued to this app"));
        assert_eq!(err.code, 40110);
    }

    #[test]
    fn an_analyst_grants_nothing() {
        let seed = Seed::default().with_advertiser(DEFAULT_ADVERTISER_ID, "Acme", Role::Analyst);
        let err = directory(seed)
            .exchange_auth_code(exchange("code", "s3cret"), NOW)
            .unwrap_err();
        assert_eq!(err.code, 40001);
    }

    #[test]
    fn the_page_issues_codes_only_for_known_apps_and_only_with_consent() {
        let mut dir = directory(Seed::default());
        assert_eq!(dir.authorise("other-app", NOW), None);
        let Some(Consent::Granted { auth_code }) = dir.authorise("app", NOW) else {
            panic!("consent expected");
        };
        assert!(
            dir.exchange_auth_code(exchange(&auth_code, "s3cret"), NOW)
                .is_ok()
        );

        let mut declining = directory(Seed::default().denying_consent());
        assert_eq!(declining.authorise("app", NOW), Some(Consent::Denied));
    }
}
