//! OAuth without a browser: the authorisation page redirects at once.

mod common;

use std::time::Duration;

use common::{Client, seed, start};
use serde_json::json;
use tiktok_sandbox::{DEFAULT_ADVERTISER_ID, Role, Seed};

const APP: &str = "7300000000000000001";
const SECRET: &str = "app-secret";
const CALLBACK: &str = "https://cdp.example.com/oauth/callback";

fn oauth_seed() -> Seed {
    seed().with_app(APP, SECRET)
}

/// Opens the authorisation page; returns the redirect's query string.
fn authorise(client: &Client) -> String {
    let reply = client.get(
        "/portal/auth",
        None,
        &[
            ("app_id", APP),
            ("state", "csrf 42"),
            ("redirect_uri", CALLBACK),
        ],
    );
    assert_eq!(reply.status, 302, "{}", reply.body);
    let location = reply.location.unwrap();
    let query = location.strip_prefix(&format!("{CALLBACK}?")).unwrap();
    query.to_owned()
}

fn exchange(client: &Client, secret: &str, auth_code: &str) -> common::Reply {
    let body = json!({"app_id": APP, "secret": secret, "auth_code": auth_code});
    client.post(
        "/open_api/v1.3/oauth2/access_token/",
        None,
        &body.to_string(),
    )
}

fn auth_code(query: &str) -> String {
    let code = query.strip_prefix("auth_code=").unwrap();
    code.split('&').next().unwrap().to_owned()
}

#[test]
fn consent_then_exchange_yields_a_working_token() {
    let sandbox = start(oauth_seed());
    let client = Client::new(&sandbox);
    let query = authorise(&client);
    assert!(query.ends_with("&state=csrf+42"), "{query}");
    let code = auth_code(&query);

    let reply = exchange(&client, SECRET, &code);
    assert_eq!(reply.outcome().0, 0);
    let data = &reply.json()["data"];
    assert_eq!(data["advertiser_ids"], json!([DEFAULT_ADVERTISER_ID]));
    let token = data["access_token"].as_str().unwrap();
    let info = client.get("/open_api/v1.3/user/info/", Some(token), &[]);
    assert_eq!(info.outcome().0, 0);

    let reused = exchange(&client, SECRET, &code);
    assert_eq!(
        reused.outcome(),
        (
            40110,
            "Invalid value for auth_code: already used.".to_owned()
        )
    );
}

#[test]
fn a_wrong_secret_and_an_expired_code_are_refused() {
    let sandbox = start(oauth_seed().with_auth_code(APP, "seeded-code"));
    let client = Client::new(&sandbox);
    assert_eq!(
        exchange(&client, "wrong", "seeded-code").outcome(),
        (40113, "Invalid app_id or secret.".to_owned())
    );
    sandbox.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        exchange(&client, SECRET, "seeded-code").outcome(),
        (40110, "Invalid value for auth_code: expired.".to_owned())
    );
}

#[test]
fn an_analyst_cannot_authorise() {
    let seed = oauth_seed()
        .with_advertiser(DEFAULT_ADVERTISER_ID, "Acme", Role::Analyst)
        .with_auth_code(APP, "analyst-code");
    let sandbox = start(seed);
    let reply = exchange(&Client::new(&sandbox), SECRET, "analyst-code");
    assert_eq!(reply.outcome().0, 40001);
}

#[test]
fn a_declined_consent_redirects_with_an_error() {
    let sandbox = start(oauth_seed().denying_consent());
    let query = authorise(&Client::new(&sandbox));
    assert_eq!(query, "error=access_denied&state=csrf+42");
}

#[test]
fn an_unknown_app_gets_no_redirect() {
    let sandbox = start(oauth_seed());
    let reply = Client::new(&sandbox).get(
        "/portal/auth",
        None,
        &[("app_id", "unknown"), ("redirect_uri", CALLBACK)],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.location, None);
}
