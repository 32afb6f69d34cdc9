//! A TikTok event as the Events API 2.0 takes it: the body of one entry of `data`, its
//! identifiers and its properties, serialised in the key order TikTok documents.

use std::borrow::Cow;

use crate::currency::Currency;
use crate::event_name::EventName;
use crate::normalize::Hashes;

/// The body of one TikTok event, in the key order TikTok documents.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event<'a> {
    pub event: EventName,
    pub event_time: i64,
    pub event_id: Cow<'a, str>,
    /// Identifiers and properties are boxed: an event moves several times on its way
    /// to its request, and each move of a value over 64 bytes is a `memory.copy`,
    /// which wasmtime runs as a call into the host.
    pub user: Box<User>,
    #[serde(skip_serializing_if = "Properties::is_empty")]
    pub properties: Box<Properties<'a>>,
}

/// Hashed identifiers; at least one of the two is not empty.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct User {
    #[serde(skip_serializing_if = "Hashes::is_empty")]
    pub email: Hashes,
    #[serde(skip_serializing_if = "Hashes::is_empty")]
    pub phone: Hashes,
    #[serde(skip_serializing_if = "Hashes::is_empty")]
    pub external_id: Hashes,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Properties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shop_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<ContentType>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'a, str>>,
}

impl Properties<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Properties::default()
    }
}

/// One entry of `properties.contents`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_category: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<Cow<'a, str>>,
    /// Finite, not negative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

impl Item<'_> {
    /// The item holding its own text.
    pub fn into_owned(self) -> Item<'static> {
        let owned = |text: Option<Cow<'_, str>>| text.map(|t| Cow::Owned(t.into_owned()));
        Item {
            content_id: owned(self.content_id),
            content_name: owned(self.content_name),
            content_category: owned(self.content_category),
            brand: owned(self.brand),
            price: self.price,
            quantity: self.quantity,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    Product,
    ProductGroup,
}
