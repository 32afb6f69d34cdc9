//! An event's JSON, written by hand: it is the hottest output path, and most of what it
//! holds (hashes, event names, currency codes) is ASCII that needs no escaping and is
//! copied as it is, as is free text with nothing to escape. Numbers and text that needs
//! escaping are written as `serde_json` writes them, so the bytes are exactly those of
//! the derived `Serialize` (a test compares the two).
//!
//! It writes to a `String`, so that a request body is never validated as UTF-8 again,
//! and in as few pieces as it can, through [`append`]: its capacity check is inlined
//! and its copies are word moves (see there). Floats and the event name still go
//! through `push_str`: inlining those copies too cost more bytes than it saved.

use crate::hot::append::append;
use crate::hot::float;
use crate::hot::json_text;
use crate::normalize::Hashes;
use crate::request::{EventJson, TYPICAL_EVENT};
use crate::tiktok_event::{ContentType, Event, Item, Properties, User};

/// A key with its punctuation and the start of its value: `{"name":` as an object's
/// first field and `,"name":` after another, then `open` (`"` for text, `[` for a
/// list). One constant is one copy, where quotes, key and colon were four.
struct Key {
    first: &'static str,
    next: &'static str,
}

macro_rules! key {
    ($name:literal) => {
        key!($name, "")
    };
    ($name:literal, $open:literal) => {
        Key {
            first: concat!("{\"", $name, "\":", $open),
            next: concat!(",\"", $name, "\":", $open),
        }
    };
}

impl EventJson for Event<'_> {
    fn write_json(&self, out: &mut String) {
        out.reserve(TYPICAL_EVENT);
        append(out, r#"{"event":""#);
        out.push_str(self.event.as_str());
        append(out, r#"","event_time":"#);
        integer(out, self.event_time);
        append(out, r#","event_id":""#);
        text_after_quote(out, &self.event_id);
        append(out, r#","user":"#);
        user(out, &self.user);
        if !self.properties.is_empty() {
            append(out, r#","properties":"#);
            properties(out, &self.properties);
        }
        append(out, "}");
    }
}

fn user(out: &mut String, user: &User) {
    let mut object = Object::start(out);
    hex_list(&mut object, key!("email", "[\""), &user.email);
    hex_list(&mut object, key!("phone", "[\""), &user.phone);
    hex_list(&mut object, key!("external_id", "[\""), &user.external_id);
    object.end();
}

fn properties(out: &mut String, p: &Properties<'_>) {
    let mut object = Object::start(out);
    text_field(&mut object, key!("order_id", "\""), p.order_id.as_deref());
    text_field(&mut object, key!("shop_id", "\""), p.shop_id.as_deref());
    if let Some(currency) = p.currency {
        let out = object.key(key!("currency", "\""));
        raw_text_after_quote(out, currency.as_str());
    }
    if let Some(value) = p.value {
        float(object.key(key!("value")), value);
    }
    if let Some(content_type) = p.content_type {
        let out = object.key(key!("content_type", "\""));
        raw_text_after_quote(out, content_type_name(content_type));
    }
    if !p.contents.is_empty() {
        let out = object.key(key!("contents", "["));
        for (i, item) in p.contents.iter().enumerate() {
            if i > 0 {
                append(out, ",");
            }
            write_item(out, item);
        }
        append(out, "]");
    }
    let description = p.description.as_deref();
    text_field(&mut object, key!("description", "\""), description);
    object.end();
}

fn write_item(out: &mut String, item: &Item<'_>) {
    let mut object = Object::start(out);
    let id = item.content_id.as_deref();
    text_field(&mut object, key!("content_id", "\""), id);
    let name = item.content_name.as_deref();
    text_field(&mut object, key!("content_name", "\""), name);
    let category = item.content_category.as_deref();
    text_field(&mut object, key!("content_category", "\""), category);
    text_field(&mut object, key!("brand", "\""), item.brand.as_deref());
    if let Some(price) = item.price {
        float(object.key(key!("price")), price);
    }
    if let Some(quantity) = item.quantity {
        integer(object.key(key!("quantity")), quantity);
    }
    object.end();
}

fn content_type_name(content_type: ContentType) -> &'static str {
    match content_type {
        ContentType::Product => "product",
        ContentType::ProductGroup => "product_group",
    }
}

/// An object of optional fields: `{` comes with its first key, so that it is one copy.
struct Object<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Object<'o> {
    fn start(out: &'o mut String) -> Object<'o> {
        Object { out, empty: true }
    }

    /// Writes the key and returns where the rest of the value goes. Inlined, and one
    /// copy per branch, so that each copy has a length known at compile time.
    #[inline(always)]
    fn key(&mut self, key: Key) -> &mut String {
        if std::mem::take(&mut self.empty) {
            append(self.out, key.first);
        } else {
            append(self.out, key.next);
        }
        self.out
    }

    fn end(self) {
        append(self.out, if self.empty { "{}" } else { "}" });
    }
}

/// `key` is a text key (it opens the quote). Inlined, as [`Object::key`] is.
#[inline(always)]
fn text_field(object: &mut Object<'_>, key: Key, value: Option<&str>) {
    if let Some(value) = value {
        text_after_quote(object.key(key), value);
    }
}

/// Free text as `serde_json` writes it, after its opening quote. Text that needs
/// escaping is rare, so it alone goes through `serde_json`.
fn text_after_quote(out: &mut String, text: &str) {
    if json_text::is_plain(text) {
        raw_text_after_quote(out, text);
    } else {
        let quoted = serde_json::to_string(text).expect("a string always serialises");
        out.push_str(&quoted[1..]);
    }
}

/// Text known to need no escaping (names, codes), after its opening quote.
#[inline(always)]
fn raw_text_after_quote(out: &mut String, text: &str) {
    debug_assert!(json_text::is_plain(text));
    append(out, text);
    append(out, "\"");
}

/// Hashes as a JSON array of strings, if any; `key` opens the array and its first
/// string. Hex digits need no escaping. Inlined, as [`Object::key`] is.
#[inline(always)]
fn hex_list(object: &mut Object<'_>, key: Key, hashes: &Hashes) {
    let mut hashes = hashes.iter();
    let Some(first) = hashes.next() else {
        return;
    };
    let out = object.key(key);
    append(out, first.as_str());
    for hash in hashes {
        append(out, "\",\"");
        append(out, hash.as_str());
    }
    append(out, "\"]");
}

/// As `serde_json` writes an `f64`: `zmij`'s shortest form, `null` if not finite.
fn float(out: &mut String, x: f64) {
    if let Some(text) = float::short_decimal(x) {
        append(out, text.as_str());
    } else if x.is_finite() {
        out.push_str(zmij::Buffer::new().format_finite(x));
    } else {
        append(out, "null");
    }
}

/// As `serde_json` writes an integer: `itoa`'s digits.
fn integer(out: &mut String, n: impl itoa::Integer) {
    append(out, itoa::Buffer::new().format(n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::contract::{Setting, SettingValue};
    use crate::line::map_row;
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
                &mut Vec::new(),
            )
            .unwrap();
            batch.add(i, key, line);
        }
        batch
            .finish(&settings)
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
