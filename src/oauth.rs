//! Connecting an ad account: TikTok's OAuth authorisation-code flow for advertisers.
//! The host shows the user [`authorization_url`](crate::tiktok_api::authorization_url)
//! and receives the redirect (a declined consent never reaches the component: the
//! redirect carries `error=access_denied`); [`connect`] exchanges the code for the
//! long-term access token and names the ad accounts the grant covers.

use serde::{Deserialize, Serialize};

use crate::advertisers;
use crate::contract::{
    Account, Connection, DestinationError, FieldError, Host, LogLevel, Setting, SettingValue,
};
use crate::tiktok_api::{Api, Failure, Id};

/// The setting the picked advertiser's id belongs in.
const ACCOUNT_SETTING: &str = "advertiser_id";

/// The body of `/oauth2/access_token/`. Fields in alphabetical order: the body is
/// byte for byte what `json!` (a sorted map) wrote before it was dropped for size.
#[derive(Serialize)]
struct Exchange<'a> {
    app_id: &'a str,
    auth_code: &'a str,
    secret: &'a str,
}

/// `data` of `/oauth2/access_token/` (its `scope` is not needed).
#[derive(Deserialize, Default)]
struct Grant {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    advertiser_ids: Vec<Id>,
}

/// Exchanges `auth_code` for the token and the advertisers it grants, named when
/// `/advertiser/info/` answers (best effort: a name only helps the user pick).
pub fn connect(
    app_id: &str,
    app_secret: &str,
    auth_code: &str,
    host: &mut impl Host,
) -> Result<Connection, DestinationError> {
    require_arguments(app_id, app_secret, auth_code)?;
    let body = Exchange {
        app_id,
        auth_code,
        secret: app_secret,
    };
    let body = serde_json::to_string(&body).expect("strings serialise");
    let data = Api::without_token(host)
        .post("/oauth2/access_token/", body)
        .map_err(|failure| exchange_error(scrub(failure, &[app_secret, auth_code])))?;
    let grant: Grant = data.read().unwrap_or_default();
    if grant.access_token.is_empty() {
        return Err(DestinationError::Permanent(
            "TikTok accepted the authorisation code but returned no access token: connect again"
                .into(),
        ));
    }
    let ids: Vec<String> = grant
        .advertiser_ids
        .into_iter()
        .map(|id| id.0)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(DestinationError::Auth(format!(
            "the authorisation grants no ad account. {NEEDS_ROLE}"
        )));
    }
    let accounts = name_accounts(host, &grant.access_token, ids);
    Ok(Connection {
        settings: vec![Setting {
            key: "access_token".into(),
            value: SettingValue::Text(grant.access_token),
        }],
        accounts,
        account_setting: ACCOUNT_SETTING.into(),
    })
}

const NEEDS_ROLE: &str = "Only an Admin or Operator of an ad account can connect it (an Analyst cannot): ask an Admin to connect, or to give you the Operator role.";

fn require_arguments(
    app_id: &str,
    app_secret: &str,
    auth_code: &str,
) -> Result<(), DestinationError> {
    let errors: Vec<FieldError> = [
        ("app_id", app_id),
        ("app_secret", app_secret),
        ("auth_code", auth_code),
    ]
    .into_iter()
    .filter(|(_, value)| value.trim().is_empty())
    .map(|(key, _)| FieldError::new(key, "required"))
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DestinationError::InvalidSettings(errors))
    }
}

fn name_accounts(host: &mut impl Host, token: &str, ids: Vec<String>) -> Vec<Account> {
    let mut api = Api::new(host, token);
    let named = advertisers::info(&mut api, &ids).unwrap_or_else(|failure| {
        api.log(
            LogLevel::Warn,
            &format!("could not read the ad accounts' names: {failure}"),
        );
        vec![]
    });
    ids.into_iter()
        .map(|id| {
            let name = named
                .iter()
                .find(|a| a.id == id)
                .and_then(|a| a.name.clone());
            Account { id, name }
        })
        .collect()
}

/// What a refused exchange means and what to do about it, by TikTok's published codes:
/// - 40110: the code was already used, has expired (an hour after consenting) or was
///   cancelled.
/// - 40115: the authentication timestamp expired (not a used code).
/// - 40101: the app id and secret do not match, or the code is not valid.
/// - 40113: TikTok documents it as "app blocked", and it is also what a wrong secret
///   gets, so the advice covers both rather than guess which.
/// - 40001: no permission: the user is not Admin or Operator of any ad account.
fn exchange_error(failure: Failure) -> DestinationError {
    let Failure::Api { code, .. } = &failure else {
        return failure.into_error();
    };
    let (what, advice) = match code {
        40110 => (
            "the authorisation code was already used, has expired or was cancelled",
            "A code works once, within an hour of consenting: connect again to get a new one.",
        ),
        40115 => (
            "the authentication timestamp expired",
            "Too much time passed during the authorisation: connect again and finish it without a pause.",
        ),
        40101 => (
            "the app id and secret do not match, or the authorisation code is not valid",
            "Copy the app id and secret again from TikTok for Business Developers (My Apps, the app's basic information), then connect again.",
        ),
        40113 => (
            "TikTok refused the app",
            "Either the app secret (or app id) is wrong, or TikTok has blocked the app: copy both again from TikTok for Business Developers (My Apps, the app's basic information), and if they match, check the app's status there.",
        ),
        40001 => ("the user may not authorise apps", NEEDS_ROLE),
        _ => return failure.into_error(),
    };
    DestinationError::Auth(format!("{what} ({failure}). {advice}"))
}

/// TikTok's message is echoed to the user: never with the secret or the code in it.
fn scrub(failure: Failure, secrets: &[&str]) -> Failure {
    match failure {
        Failure::Api { code, message } => Failure::Api {
            code,
            message: secrets
                .iter()
                .filter(|secret| !secret.is_empty())
                .fold(message, |message, secret| {
                    message.replace(secret, "[redacted]")
                }),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::RateLimit;
    use crate::test_host::ScriptedHost;

    const EXCHANGE: &str = "POST /oauth2/access_token/";
    const TWO_ACCOUNTS_INFO: &str =
        "GET /advertiser/info/?advertiser_ids=%5B%227001%22%2C%227002%22%5D";

    fn grant(host: &mut ScriptedHost) {
        host.ok(
            EXCHANGE,
            json!({"access_token": "tok-granted", "advertiser_ids": ["7001", 7002], "scope": [4]}),
        );
    }

    fn refused(code: i64, message: &str) -> DestinationError {
        let mut host = ScriptedHost::default();
        host.expect(EXCHANGE, code, message, json!({}));
        connect("app-1", "app-secret-1", "code-1", &mut host).unwrap_err()
    }

    #[test]
    fn the_code_is_exchanged_without_a_token_and_the_accounts_are_named_with_the_new_one() {
        let mut host = ScriptedHost::default();
        grant(&mut host);
        host.ok(
            TWO_ACCOUNTS_INFO,
            json!({"list": [{"advertiser_id": "7002", "name": "Acme EU"}, {"advertiser_id": "7001", "name": ""}]}),
        );
        let connection = connect("app-1", "app-secret-1", "code-1", &mut host).unwrap();
        assert_eq!(
            connection,
            Connection {
                settings: vec![Setting {
                    key: "access_token".into(),
                    value: SettingValue::Text("tok-granted".into()),
                }],
                accounts: vec![
                    Account {
                        id: "7001".into(),
                        name: None
                    },
                    Account {
                        id: "7002".into(),
                        name: Some("Acme EU".into())
                    },
                ],
                account_setting: "advertiser_id".into(),
            }
        );
        // Byte for byte what `json!` wrote before the body became a struct.
        assert_eq!(
            host.body(0),
            json!({"app_id": "app-1", "secret": "app-secret-1", "auth_code": "code-1"}).to_string()
        );
        assert_eq!(host.header(0, "Access-Token"), None);
        assert_eq!(host.header(0, "Content-Type"), Some("application/json"));
        assert_eq!(host.header(1, "Access-Token"), Some("tok-granted"));
    }

    #[test]
    fn names_are_best_effort() {
        let mut host = ScriptedHost::default();
        grant(&mut host);
        host.expect(TWO_ACCOUNTS_INFO, 50000, "System error", json!({}));
        let connection = connect("app-1", "app-secret-1", "code-1", &mut host).unwrap();
        let names: Vec<_> = connection.accounts.iter().map(|a| a.name.clone()).collect();
        assert_eq!(names, [None, None]);
        assert_eq!(
            host.logs,
            [(
                LogLevel::Warn,
                "could not read the ad accounts' names: TikTok code 50000: System error".into()
            )]
        );
    }

    /// TikTok's published codes for the exchange (its return-code page): 40110 for a
    /// code used, expired or cancelled; 40115 for an expired authentication timestamp;
    /// 40101 for an app id and secret that do not match.
    #[test]
    fn a_used_or_expired_code_says_to_get_a_new_one() {
        assert_eq!(
            refused(40110, "Invalid value for auth_code: expired."),
            DestinationError::Auth(
                "the authorisation code was already used, has expired or was cancelled (TikTok code 40110: Invalid value for auth_code: expired.). A code works once, within an hour of consenting: connect again to get a new one.".into()
            )
        );
    }

    #[test]
    fn an_expired_timestamp_is_not_called_a_used_code() {
        assert_eq!(
            refused(40115, "Authentication timestamp has expired."),
            DestinationError::Auth(
                "the authentication timestamp expired (TikTok code 40115: Authentication timestamp has expired.). Too much time passed during the authorisation: connect again and finish it without a pause.".into()
            )
        );
    }

    #[test]
    fn a_mismatched_app_secret_says_to_copy_both_again() {
        assert_eq!(
            refused(40101, "The app id and the app secret do not match."),
            DestinationError::Auth(
                "the app id and secret do not match, or the authorisation code is not valid (TikTok code 40101: The app id and the app secret do not match.). Copy the app id and secret again from TikTok for Business Developers (My Apps, the app's basic information), then connect again.".into()
            )
        );
    }

    #[test]
    fn a_refused_app_names_both_causes_and_where_to_check() {
        assert_eq!(
            refused(40113, "Invalid app_id or secret."),
            DestinationError::Auth(
                "TikTok refused the app (TikTok code 40113: Invalid app_id or secret.). Either the app secret (or app id) is wrong, or TikTok has blocked the app: copy both again from TikTok for Business Developers (My Apps, the app's basic information), and if they match, check the app's status there.".into()
            )
        );
    }

    #[test]
    fn an_analyst_is_told_who_can_connect() {
        assert_eq!(
            refused(40001, "No permission to authorise."),
            DestinationError::Auth(format!(
                "the user may not authorise apps (TikTok code 40001: No permission to authorise.). {NEEDS_ROLE}"
            ))
        );
    }

    #[test]
    fn a_grant_without_ad_accounts_is_refused() {
        let mut host = ScriptedHost::default();
        host.ok(
            EXCHANGE,
            json!({"access_token": "tok-granted", "advertiser_ids": []}),
        );
        assert_eq!(
            connect("app-1", "app-secret-1", "code-1", &mut host).unwrap_err(),
            DestinationError::Auth(format!(
                "the authorisation grants no ad account. {NEEDS_ROLE}"
            ))
        );
    }

    #[test]
    fn tiktoks_message_never_carries_the_secret_or_the_code_back() {
        let error = refused(40113, "secret app-secret-1 and code code-1 are bad");
        let DestinationError::Auth(message) = error else {
            panic!("auth error expected");
        };
        assert!(
            message.contains("secret [redacted] and code [redacted] are bad"),
            "{message}"
        );
    }

    #[test]
    fn missing_arguments_are_named_before_any_call() {
        let mut host = ScriptedHost::default();
        assert_eq!(
            connect("app-1", " ", "", &mut host).unwrap_err(),
            DestinationError::InvalidSettings(vec![
                FieldError::new("app_secret", "required"),
                FieldError::new("auth_code", "required"),
            ])
        );
        assert!(host.requests.is_empty());
    }

    #[test]
    fn throttles_and_outages_keep_their_generic_meaning() {
        assert!(matches!(
            refused(40100, "Too many requests"),
            DestinationError::RateLimited(RateLimit {
                retry_after_ms: Some(1000),
                ..
            })
        ));
        assert!(matches!(
            refused(50002, "Timeout"),
            DestinationError::Transient(_)
        ));
    }
}
