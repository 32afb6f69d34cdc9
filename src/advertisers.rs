//! `GET /advertiser/info/`: the ad accounts a token may act for, with their names.
//! Validation checks the configured account with it; connecting names the granted ones.

use serde::Deserialize;

use crate::contract::Host;
use crate::tiktok_api::{Api, Failure, Id};

/// Ids per call: the limit integrations report for `/advertiser/info/` (*unconfirmed*
/// in TikTok's reference); an agency's grant can cover more accounts than that.
const MAX_IDS_PER_CALL: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertiser {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Deserialize, Default)]
struct List {
    #[serde(default)]
    list: Vec<Wire>,
}

#[derive(Deserialize)]
struct Wire {
    advertiser_id: Id,
    #[serde(default)]
    name: Option<String>,
}

/// The accounts among `ids` that TikTok describes, in its order. An id TikTok leaves
/// out is simply absent: the caller decides whether that is an error.
pub fn info(api: &mut Api<'_, impl Host>, ids: &[String]) -> Result<Vec<Advertiser>, Failure> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_IDS_PER_CALL) {
        let ids = serde_json::to_string(chunk).expect("a list of strings serialises");
        let data = api.get("/advertiser/info/", &[("advertiser_ids", &ids)])?;
        let list: List = data.read().unwrap_or_default();
        found.extend(list.list.into_iter().map(|a| Advertiser {
            id: a.advertiser_id.0,
            name: a.name.filter(|name| !name.is_empty()),
        }));
    }
    Ok(found)
}
