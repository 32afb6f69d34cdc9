//! Token and ad account checks, and offline event sets.

mod common;

use common::{Client, EVENT_SET, TOKEN, seed, start};
use serde_json::{Value, json};
use tiktok_sandbox::{DEFAULT_ADVERTISER_ID, Role};

const OTHER_ACCOUNT: &str = "7000000000000000002";

#[test]
fn user_info_is_the_cheap_token_check() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let reply = client.get("/open_api/v1.3/user/info/", Some(TOKEN), &[]);
    assert_eq!(reply.outcome().0, 0);
    let user = &reply.json()["data"];
    assert_eq!(user["display_name"], "Sandbox User");
    assert_eq!(user["email"], "sa***@example.com");
    let unknown = client.get("/open_api/v1.3/user/info/", Some("revoked"), &[]);
    assert_eq!(unknown.outcome().0, 40105);
}

#[test]
fn advertiser_info_lists_the_accounts_the_token_may_use() {
    let sandbox = start(seed().with_advertiser(OTHER_ACCOUNT, "Elsewhere", Role::Admin));
    let client = Client::new(&sandbox);
    let info = |ids: &str| {
        client
            .get(
                "/open_api/v1.3/advertiser/info/",
                Some(TOKEN),
                &[("advertiser_ids", ids)],
            )
            .outcome()
    };
    let reply = client.get(
        "/open_api/v1.3/advertiser/info/",
        Some(TOKEN),
        &[("advertiser_ids", &format!(r#"["{DEFAULT_ADVERTISER_ID}"]"#))],
    );
    assert_eq!(reply.outcome().0, 0);
    let account = &reply.json()["data"]["list"][0];
    assert_eq!(account["advertiser_id"], DEFAULT_ADVERTISER_ID);
    assert_eq!(account["name"], "Sandbox Advertiser");
    assert_eq!(account["status"], "STATUS_ENABLE");

    let not_permitted = info(&format!(r#"["{OTHER_ACCOUNT}"]"#));
    assert_eq!(
        not_permitted,
        (
            40001,
            "No permission to operate this advertiser_id. The user must be Admin or Operator of the ad account.".to_owned()
        )
    );
    assert_eq!(info(r#"["7999999999999999999"]"#), not_permitted);
    assert_eq!(
        info("7000000000000000001"),
        (
            40002,
            "Invalid value for advertiser_ids: not a JSON array of strings.".to_owned()
        )
    );
}

fn event_sets(client: &Client, query: &[(&str, &str)]) -> Vec<Value> {
    let reply = client.get("/open_api/v1.3/offline/get/", Some(TOKEN), query);
    assert_eq!(reply.outcome().0, 0, "{}", reply.body);
    reply.json()["data"]["event_set_list"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn offline_sets_are_found_by_id_or_name() {
    let sandbox = start(seed().with_event_set_name("Stores"));
    let client = Client::new(&sandbox);
    let by_id = event_sets(
        &client,
        &[
            ("advertiser_id", DEFAULT_ADVERTISER_ID),
            ("event_set_ids", &format!(r#"["{EVENT_SET}"]"#)),
        ],
    );
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0]["event_set_id"], EVENT_SET);
    assert_eq!(by_id[0]["name"], "Stores");
    assert_eq!(by_id[0]["advertiser_id"], DEFAULT_ADVERTISER_ID);
    assert_eq!(by_id[0]["auto_tracking"], false);

    let by_name = event_sets(
        &client,
        &[("advertiser_id", DEFAULT_ADVERTISER_ID), ("name", "Stores")],
    );
    assert_eq!(by_name, by_id);
    let none = event_sets(
        &client,
        &[("advertiser_id", DEFAULT_ADVERTISER_ID), ("name", "Online")],
    );
    assert!(none.is_empty());

    // advertiser_id is optional in TikTok's schema: without it, the sets of every ad
    // account the token may act for.
    let without_account = event_sets(&client, &[("event_set_ids", &format!("[\"{EVENT_SET}\"]"))]);
    assert_eq!(without_account, by_id);
}

#[test]
fn offline_sets_are_created_and_updated() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let create = |body: Value| {
        client.post(
            "/open_api/v1.3/offline/create/",
            Some(TOKEN),
            &body.to_string(),
        )
    };

    let no_description = create(json!({"advertiser_id": DEFAULT_ADVERTISER_ID, "name": "CRM"}));
    assert_eq!(
        no_description.outcome(),
        (
            40002,
            "Invalid value for description: required field is missing.".to_owned()
        )
    );

    let created = create(json!({
        "advertiser_id": DEFAULT_ADVERTISER_ID, "name": "CRM", "description": "CDP exports",
        "auto_tracking": true
    }));
    assert_eq!(created.outcome().0, 0);
    let new_id = created.json()["data"]["event_set_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(new_id.len(), 19);
    assert!(new_id.bytes().all(|b| b.is_ascii_digit()));

    let update = json!({"advertiser_id": DEFAULT_ADVERTISER_ID, "event_set_id": EVENT_SET, "name": "Stores", "auto_tracking": true});
    let updated = client.post(
        "/open_api/v1.3/offline/update/",
        Some(TOKEN),
        &update.to_string(),
    );
    assert_eq!(updated.outcome().0, 0);
    // TikTok answers with the updated set.
    let set = &updated.json()["data"];
    assert_eq!(
        (&set["event_set_id"], &set["name"], &set["auto_tracking"]),
        (&json!(EVENT_SET), &json!("Stores"), &json!(true))
    );

    let sets = event_sets(&client, &[("advertiser_id", DEFAULT_ADVERTISER_ID)]);
    let summary: Vec<(Value, Value, Value)> = sets
        .iter()
        .map(|set| {
            (
                set["event_set_id"].clone(),
                set["name"].clone(),
                set["auto_tracking"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!(EVENT_SET), json!("Stores"), json!(true)),
            (json!(new_id), json!("CRM"), json!(false)),
        ]
    );

    let unknown = json!({"advertiser_id": DEFAULT_ADVERTISER_ID, "event_set_id": "7181537436256730000", "name": "X"});
    let reply = client.post(
        "/open_api/v1.3/offline/update/",
        Some(TOKEN),
        &unknown.to_string(),
    );
    assert_eq!(reply.outcome().0, 40007);

    let elsewhere =
        create(json!({"advertiser_id": OTHER_ACCOUNT, "name": "CRM", "description": "d"}));
    assert_eq!(elsewhere.outcome().0, 40001);
}
