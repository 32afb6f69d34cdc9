//! An event's JSON, written by hand: it is the hottest output path, and most of what it
//! holds (keys, hashes, event names, currency codes) is ASCII that needs no escaping and
//! is copied as it is, as is free text with nothing to escape. Each key is written with
//! its quotes and colon as one constant: in WebAssembly every separate short copy is a
//! call into the host. Numbers are formatted by the crates `serde_json` itself uses
//! (`zmij`, `itoa`) and text that needs escaping goes through `serde_json`, so the
//! bytes are exactly those of the derived `Serialize` (a test compares the two).

use crate::batch::{Event, Properties, User};
use crate::event::{ContentType, Item};
use crate::json_text;
use crate::normalize::Hashes;
use crate::request::EventJson;

impl EventJson for Event<'_> {
    fn write_json(&self, out: &mut String) {
        out.push_str(r#"{"event":""#);
        out.push_str(self.event.as_str());
        out.push_str(r#"","event_time":"#);
        integer(out, self.event_time);
        out.push_str(r#","event_id":"#);
        text(out, &self.event_id);
        out.push_str(r#","user":"#);
        user(out, &self.user);
        if !self.properties.is_empty() {
            out.push_str(r#","properties":"#);
            properties(out, &self.properties);
        }
        out.push('}');
    }
}

fn user(out: &mut String, user: &User) {
    let mut object = Object::start(out);
    if !user.email.is_empty() {
        hex_list(object.key(r#""email":"#), &user.email);
    }
    if !user.phone.is_empty() {
        hex_list(object.key(r#""phone":"#), &user.phone);
    }
    object.end();
}

fn properties(out: &mut String, p: &Properties<'_>) {
    let mut object = Object::start(out);
    text_field(&mut object, r#""order_id":"#, p.order_id.as_deref());
    text_field(&mut object, r#""shop_id":"#, p.shop_id.as_deref());
    if let Some(currency) = p.currency {
        plain(object.key(r#""currency":"#), currency.as_str());
    }
    if let Some(value) = p.value {
        float(object.key(r#""value":"#), value);
    }
    if let Some(content_type) = p.content_type {
        plain(
            object.key(r#""content_type":"#),
            content_type_name(content_type),
        );
    }
    if !p.contents.is_empty() {
        let out = object.key(r#""contents":"#);
        out.push('[');
        for (i, item) in p.contents.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_item(out, item);
        }
        out.push(']');
    }
    text_field(&mut object, r#""description":"#, p.description.as_deref());
    object.end();
}

fn write_item(out: &mut String, item: &Item<'_>) {
    let mut object = Object::start(out);
    text_field(&mut object, r#""content_id":"#, item.content_id.as_deref());
    text_field(
        &mut object,
        r#""content_name":"#,
        item.content_name.as_deref(),
    );
    text_field(
        &mut object,
        r#""content_category":"#,
        item.content_category.as_deref(),
    );
    text_field(&mut object, r#""brand":"#, item.brand.as_deref());
    if let Some(price) = item.price {
        float(object.key(r#""price":"#), price);
    }
    if let Some(quantity) = item.quantity {
        integer(object.key(r#""quantity":"#), quantity);
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
    out: &'o mut String,
    empty: bool,
}

impl<'o> Object<'o> {
    fn start(out: &'o mut String) -> Object<'o> {
        out.push('{');
        Object { out, empty: true }
    }

    /// Writes `key`, given with its quotes and colon (`"name":`), and returns where
    /// the value goes.
    fn key(&mut self, key: &'static str) -> &mut String {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        self.out.push_str(key);
        self.out
    }

    fn end(self) {
        self.out.push('}');
    }
}

fn text_field(object: &mut Object<'_>, key: &'static str, value: Option<&str>) {
    if let Some(value) = value {
        text(object.key(key), value);
    }
}

/// Free text as a JSON string: as it is when nothing in it needs escaping, else as
/// `serde_json` escapes it.
fn text(out: &mut String, text: &str) {
    if json_text::is_plain(text) {
        plain(out, text);
    } else {
        out.push_str(&serde_json::to_string(text).expect("a string always serialises"));
    }
}

/// `text` in quotes, for text known to need no escaping (names, codes, hex).
fn plain(out: &mut String, text: &str) {
    debug_assert!(json_text::is_plain(text));
    out.push('"');
    out.push_str(text);
    out.push('"');
}

/// Hashes as a JSON array of strings: hex digits need no escaping.
fn hex_list(out: &mut String, hashes: &Hashes) {
    out.push('[');
    for (i, hash) in hashes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        plain(out, hash.as_str());
    }
    out.push(']');
}

/// A float as `serde_json` writes it: shortest round-trip digits, `null` if not finite.
fn float(out: &mut String, x: f64) {
    if x.is_finite() {
        out.push_str(zmij::Buffer::new().format_finite(x));
    } else {
        out.push_str("null");
    }
}

fn integer(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
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
                let mut by_hand = String::new();
                event.write_json(&mut by_hand);
                (by_hand, serde_json::to_string(&event).unwrap())
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
