//! An event's JSON, written by hand: it is the hottest output path, and most of what it
//! holds (hashes, event names, currency codes) is ASCII that needs no escaping and is
//! copied as it is, as is free text with nothing to escape. Numbers and text that needs
//! escaping go through `serde_json`, so the bytes are exactly those of the derived
//! `Serialize` (a test compares the two).

use serde::Serialize;

use crate::batch::{Event, Properties, User};
use crate::event::{ContentType, Item};
use crate::json_text;
use crate::normalize::Hashes;
use crate::request::EventJson;

impl EventJson for Event<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut event = Object::start(out);
        raw_string(event.key("event"), self.event.as_str());
        json(event.key("event_time"), &self.event_time);
        json(event.key("event_id"), &self.event_id);
        user(event.key("user"), &self.user);
        if !self.properties.is_empty() {
            properties(event.key("properties"), &self.properties);
        }
        event.end();
    }
}

fn user(out: &mut Vec<u8>, user: &User) {
    let mut object = Object::start(out);
    for (key, hashes) in [("email", &user.email), ("phone", &user.phone)] {
        if !hashes.is_empty() {
            hex_list(object.key(key), hashes);
        }
    }
    object.end();
}

fn properties(out: &mut Vec<u8>, p: &Properties<'_>) {
    let mut object = Object::start(out);
    text_field(&mut object, "order_id", p.order_id.as_deref());
    text_field(&mut object, "shop_id", p.shop_id.as_deref());
    if let Some(currency) = p.currency {
        raw_string(object.key("currency"), currency.as_str());
    }
    if let Some(value) = p.value {
        json(object.key("value"), &value);
    }
    if let Some(content_type) = p.content_type {
        raw_string(object.key("content_type"), content_type_name(content_type));
    }
    if !p.contents.is_empty() {
        let out = object.key("contents");
        out.push(b'[');
        for (i, item) in p.contents.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_item(out, item);
        }
        out.push(b']');
    }
    text_field(&mut object, "description", p.description.as_deref());
    object.end();
}

fn write_item(out: &mut Vec<u8>, item: &Item<'_>) {
    let mut object = Object::start(out);
    text_field(&mut object, "content_id", item.content_id.as_deref());
    text_field(&mut object, "content_name", item.content_name.as_deref());
    text_field(
        &mut object,
        "content_category",
        item.content_category.as_deref(),
    );
    text_field(&mut object, "brand", item.brand.as_deref());
    if let Some(price) = item.price {
        json(object.key("price"), &price);
    }
    if let Some(quantity) = item.quantity {
        json(object.key("quantity"), &quantity);
    }
    object.end();
}

fn content_type_name(content_type: ContentType) -> &'static str {
    match content_type {
        ContentType::Product => "product",
        ContentType::ProductGroup => "product_group",
    }
}

/// `{`, the fields written through [`Object::key`] separated by commas, then `}`.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Object<'o> {
    fn start(out: &'o mut Vec<u8>) -> Object<'o> {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes `"key":` (keys are plain ASCII) and returns where the value goes.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.empty) {
            self.out.push(b',');
        }
        raw_string(self.out, key);
        self.out.push(b':');
        self.out
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn text_field(object: &mut Object<'_>, key: &str, text: Option<&str>) {
    if let Some(text) = text {
        let out = object.key(key);
        if json_text::is_plain(text) {
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        } else {
            json(out, text);
        }
    }
}

/// Hashes as a JSON array of strings: hex digits need no escaping.
fn hex_list(out: &mut Vec<u8>, hashes: &Hashes) {
    out.push(b'[');
    for (i, hash) in hashes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(hash.as_bytes());
        out.push(b'"');
    }
    out.push(b']');
}

/// `text` in quotes, for text known to need no escaping (names, codes, hex).
fn raw_string(out: &mut Vec<u8>, text: &str) {
    debug_assert!(
        text.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    );
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Free text and numbers, as `serde_json` writes them.
fn json(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    serde_json::to_writer(out, value).expect("strings and numbers always serialise");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::contract::{Setting, SettingValue};
    use crate::event::map_row;
    use crate::normalize::LastHashed;
    use crate::row::Row;
    use crate::settings::Settings;

    /// The events these rows make, each written by hand and by serde.
    fn both(rows: &[&str]) -> Vec<(String, String)> {
        let text = |k: &str, v: &str| Setting {
            key: k.into(),
            value: SettingValue::Text(v.into()),
        };
        let settings =
            Settings::parse(&[text("access_token", "t"), text("event_set_id", "123")]).unwrap();
        let mut batch = Batch::default();
        let mut hashed = LastHashed::default();
        for (i, json) in rows.iter().enumerate() {
            let (key, line) = map_row(
                &mut Row::parse(json).unwrap(),
                &settings,
                1_700_000_000_000,
                &mut hashed,
            )
            .unwrap();
            batch.add(i, key, line);
        }
        batch
            .finish(settings.default_currency)
            .into_iter()
            .map(|merged| {
                let event = merged.outcome.unwrap();
                let mut by_hand = Vec::new();
                event.write_json(&mut by_hand);
                (
                    String::from_utf8(by_hand).unwrap(),
                    serde_json::to_string(&event).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn the_bytes_are_those_of_serde() {
        let events = both(&[
            // Every field, two items, an escaped and a non-ASCII text.
            r#"{"email": ["a@b.c", "D@E.F"], "phone": "+12133734253", "event": "purchase", "event_id": "o\"1",
                "timestamp": 1684574395, "order_id": "o\"1", "shop_id": 17, "currency": "eur", "value": 0.1,
                "content_type": "product_group", "content_id": "sku\\1", "content_name": "café \u0001",
                "content_category": "Shoes", "brand": "acme", "price": 19.99, "quantity": 3,
                "description": "line\nbreak"}"#,
            r#"{"email": "a@b.c", "event": "purchase", "event_id": "o\"1", "timestamp": 1684574395,
                "value": 0.2, "content_id": 2000001, "price": 1e21}"#,
            // No properties at all; a phone alone.
            r#"{"phone": "+4930123456", "event": "Lead", "event_id": "l1", "timestamp": 1684574395}"#,
            // Properties without items; a value without a currency gets the default.
            r#"{"email": "x@y.z", "event": "Subscribe", "event_id": "s1", "timestamp": 1684574395,
                "value": 12, "description": "„quoted“"}"#,
        ]);
        assert_eq!(events.len(), 3);
        for (by_hand, by_serde) in events {
            assert_eq!(by_hand, by_serde);
        }
    }
}
