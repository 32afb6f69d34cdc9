//! The benchmark's input: rows like a point-of-sale export, generated from a seed so
//! every run (and every machine) sees the same data, and streamed so that ten million
//! rows cost no memory.
//!
//! Each block of [`BLOCK_ROWS`] rows holds [`ORDERS_PER_BLOCK`] orders of two items
//! (two rows sharing `event_id`, customer and time), one single-row `Lead` without an
//! `event_id` (the component derives one), and one invalid row. Customers have an email
//! (mixed case, stray spaces, sometimes already hashed) and a phone written the way
//! people of eight countries write them, with and without the country code.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Rows per block: one of them is invalid.
pub const BLOCK_ROWS: usize = 100;
/// Two-row orders per block.
pub const ORDERS_PER_BLOCK: usize = 49;
/// Events a valid block becomes: its orders and its single-row lead.
pub const EVENTS_PER_BLOCK: usize = ORDERS_PER_BLOCK + 1;

/// 2026-09-01T00:00:00Z: events are spread over the week after it, a weekly export.
const FIRST_EVENT_SECS: u64 = 1_788_220_800;
const EVENT_SPREAD_SECS: u64 = 7 * 24 * 3600;

/// The clock the sample is sent at, a day after its last event (Unix ms): every figure
/// runs at it, so that rows neither age past TikTok's 28-day attribution window nor
/// land in the future whatever day the bench runs.
pub const NOW_MS: u64 = (FIRST_EVENT_SECS + EVENT_SPREAD_SECS + 24 * 3600) * 1000;

/// A phone template per way of writing: `#` any digit, `N` a digit 2–9 (a NANP exchange
/// code), `A` one of [`US_AREA_CODES`], everything else as is. The leading digits are
/// ones libphonenumber counts as numbers (real exports carry mostly valid numbers):
/// random area codes and mobile prefixes were one number in eleven no one can hold.
struct Market {
    country: &'static str,
    currency: &'static str,
    phones: &'static [&'static str],
}

const MARKETS: [Market; 8] = [
    Market {
        country: "US",
        currency: "USD",
        phones: &[
            "(A) N##-####",
            "+1 A-N##-####",
            "A.N##.####",
            "1-A-N##-####",
        ],
    },
    Market {
        country: "GB",
        currency: "GBP",
        phones: &["079## ######", "+44 79## ######", "020 79## ####"],
    },
    Market {
        country: "DE",
        currency: "EUR",
        phones: &["0151 ########", "+49 151 ########", "0171 #######"],
    },
    Market {
        country: "FR",
        currency: "EUR",
        phones: &["06 1# ## ## ##", "+33 6 1# ## ## ##", "06.1#.##.##.##"],
    },
    Market {
        country: "JP",
        currency: "JPY",
        phones: &["090-1###-####", "+81 90-1###-####"],
    },
    Market {
        country: "IN",
        currency: "INR",
        phones: &["98### #####", "+91 98### #####"],
    },
    Market {
        country: "BR",
        currency: "BRL",
        phones: &["(11) 98###-####", "+55 11 98###-####"],
    },
    Market {
        country: "AU",
        currency: "AUD",
        phones: &["041# ### ###", "+61 41# ### ###"],
    },
];

/// Area codes in service in the US (none toll-free), for the sample's phones.
const US_AREA_CODES: [&str; 12] = [
    "212", "213", "305", "312", "404", "415", "512", "617", "646", "702", "718", "917",
];

const FIRST_NAMES: [&str; 12] = [
    "Olivia", "Yui", "Felix", "Amelia", "Lucas", "Chloé", "Arjun", "Sofia", "Noah", "Mia",
    "Hiroshi", "Isabela",
];
const LAST_NAMES: [&str; 12] = [
    "Martin", "Tanaka", "Wagner", "Smith", "Dubois", "Sharma", "Silva", "Brown", "Müller",
    "Garcia", "Suzuki", "Wilson",
];
const DOMAINS: [&str; 6] = [
    "example.com",
    "Example.org",
    "mail.example.net",
    "EXAMPLE.CO.UK",
    "example.de",
    "example.jp",
];
const PRODUCTS: [(&str, &str, &str); 6] = [
    ("Head torch, 400 lm", "Accessories", "Contoso Sport"),
    ("Compression tights", "Apparel", "Contoso Sport"),
    ("Insulated water bottle 750 ml", "Accessories", "Fabrikam"),
    ("Trail running shoes", "Shoes", "Northwind"),
    ("Merino base layer", "Apparel", "Fabrikam"),
    ("Hydration vest 5 l", "Accessories", "Northwind"),
];

/// One row, in the column order of a typical export; absent columns are left out.
#[derive(Serialize)]
struct SampleRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    country: &'a str,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<&'a str>,
    timestamp: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a str>,
    shop_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    currency: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
    event_channel: &'a str,
}

/// An endless stream of sample rows (each one JSON object, as NDJSON lines hold them).
pub struct Sample {
    rng: fastrand::Rng,
    block: u64,
    ready: VecDeque<String>,
}

impl Sample {
    pub fn new(seed: u64) -> Sample {
        Sample {
            rng: fastrand::Rng::with_seed(seed),
            block: 0,
            ready: VecDeque::new(),
        }
    }

    fn fill_block(&mut self) {
        let invalid_at = self.rng.usize(..=ORDERS_PER_BLOCK);
        for order in 0..ORDERS_PER_BLOCK {
            if order == invalid_at {
                let row = self.invalid_row();
                self.ready.push_back(row);
            }
            let [first, second] = self.order(order);
            self.ready.push_back(first);
            self.ready.push_back(second);
        }
        if invalid_at == ORDERS_PER_BLOCK {
            let row = self.invalid_row();
            self.ready.push_back(row);
        }
        let lead = self.lead();
        self.ready.push_back(lead);
        self.block += 1;
    }

    /// Two rows of one order: the same customer, time, order id and total.
    fn order(&mut self, order: usize) -> [String; 2] {
        let market = &MARKETS[self.rng.usize(..MARKETS.len())];
        let email = self.email();
        let phone = self.phone(market);
        let timestamp = self.timestamp();
        let order_id = format!("POS-{}-{}-{order:02}", market.country, self.block);
        let items = [self.item(), self.item()];
        let total: u32 = items.iter().map(|item| item.cents * item.quantity).sum();
        let value = self.amount(total);
        items.map(|item| {
            let (name, category, brand) = PRODUCTS[item.product];
            let row = SampleRow {
                email: Some(email.clone()),
                phone: Some(phone.clone()),
                country: market.country,
                event: "Purchase",
                event_id: Some(&order_id),
                timestamp: timestamp.clone(),
                order_id: Some(&order_id),
                shop_id: "store-17",
                value: Some(value.clone()),
                currency: market.currency,
                content_id: Some(format!("{}", 3_050_000 + item.product)),
                content_name: Some(name),
                content_category: Some(category),
                brand: Some(brand),
                price: Some(self.amount(item.cents)),
                quantity: Some(item.quantity),
                event_channel: "in_store",
            };
            serde_json::to_string(&row).expect("sample rows serialise")
        })
    }

    /// A sign-up at the till: no order, no items, no event_id.
    fn lead(&mut self) -> String {
        let market = &MARKETS[self.rng.usize(..MARKETS.len())];
        let row = SampleRow {
            email: Some(self.email()),
            phone: Some(self.phone(market)),
            country: market.country,
            event: "Lead",
            event_id: None,
            timestamp: self.timestamp(),
            order_id: None,
            shop_id: "store-17",
            value: None,
            currency: market.currency,
            content_id: None,
            content_name: None,
            content_category: None,
            brand: None,
            price: None,
            quantity: None,
            event_channel: "in_store",
        };
        serde_json::to_string(&row).expect("sample rows serialise")
    }

    /// A one-item order with one of the mistakes real exports have.
    fn invalid_row(&mut self) -> String {
        let market = &MARKETS[self.rng.usize(..MARKETS.len())];
        let event_id = format!("POS-{}-{}-bad", market.country, self.block);
        let mut row = SampleRow {
            email: Some(self.email()),
            phone: Some(self.phone(market)),
            country: market.country,
            event: "Purchase",
            event_id: Some(&event_id),
            timestamp: self.timestamp(),
            order_id: Some(&event_id),
            shop_id: "store-17",
            value: Some(Value::from(19.9)),
            currency: market.currency,
            content_id: Some("3050001".into()),
            content_name: Some(PRODUCTS[1].0),
            content_category: Some(PRODUCTS[1].1),
            brand: Some(PRODUCTS[1].2),
            price: Some(Value::from(19.9)),
            quantity: Some(1),
            event_channel: "in_store",
        };
        match self.rng.u8(..3) {
            0 => {
                row.email = Some("no email given".into());
                row.phone = None;
            }
            1 => row.timestamp = Value::from("last Tuesday"),
            _ => row.price = Some(Value::from("free")),
        }
        serde_json::to_string(&row).expect("sample rows serialise")
    }

    /// Mostly as typed at a till (any case, stray spaces); one in 20 already hashed.
    fn email(&mut self) -> String {
        let first = FIRST_NAMES[self.rng.usize(..FIRST_NAMES.len())];
        let last = LAST_NAMES[self.rng.usize(..LAST_NAMES.len())];
        let domain = DOMAINS[self.rng.usize(..DOMAINS.len())];
        let number = self.rng.u32(..10_000);
        let email = format!("{first}.{last}{number}@{domain}");
        match self.rng.u8(..20) {
            0 => {
                let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
                digest.iter().map(|b| format!("{b:02X}")).collect()
            }
            1..=4 => format!(" {email} "),
            5..=8 => email.to_uppercase(),
            _ => email,
        }
    }

    fn phone(&mut self, market: &Market) -> String {
        let template = market.phones[self.rng.usize(..market.phones.len())];
        let mut phone = String::with_capacity(template.len() + 2);
        for c in template.chars() {
            match c {
                '#' => phone.push(char::from(b'0' + self.rng.u8(..10))),
                'N' => phone.push(char::from(b'2' + self.rng.u8(..8))),
                'A' => phone.push_str(US_AREA_CODES[self.rng.usize(..US_AREA_CODES.len())]),
                other => phone.push(other),
            }
        }
        phone
    }

    /// In one of the forms exports use: ISO 8601 with `Z`, an offset or no zone, Unix
    /// seconds (number or text), Unix milliseconds.
    fn timestamp(&mut self) -> Value {
        let secs = FIRST_EVENT_SECS + self.rng.u64(..EVENT_SPREAD_SECS);
        match self.rng.u8(..5) {
            0 => Value::from(iso8601(secs, "T", "Z")),
            1 => Value::from(iso8601(secs, " ", "")),
            2 => Value::from(iso8601(secs + 7200, "T", "+02:00")),
            3 => Value::from(secs),
            _ => Value::from(secs * 1000 + self.rng.u64(..1000)),
        }
    }

    fn item(&mut self) -> Item {
        Item {
            product: self.rng.usize(..PRODUCTS.len()),
            cents: 500 + self.rng.u32(..20_000),
            quantity: 1 + self.rng.u32(..3),
        }
    }

    /// Money as a JSON number or as text, the way spreadsheets export it.
    fn amount(&mut self, cents: u32) -> Value {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        if self.rng.bool() {
            Value::from(text)
        } else {
            Value::from(f64::from(cents) / 100.0)
        }
    }
}

impl Iterator for Sample {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        if self.ready.is_empty() {
            self.fill_block();
        }
        self.ready.pop_front()
    }
}

struct Item {
    product: usize,
    cents: u32,
    quantity: u32,
}

/// `secs` (Unix, UTC) as `YYYY-MM-DD{sep}hh:mm:ss{zone}`.
fn iso8601(secs: u64, sep: &str, zone: &str) -> String {
    let (year, month, day) = civil_from_days(secs / 86_400);
    let time = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}{sep}{:02}:{:02}:{:02}{zone}",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let a: Vec<String> = Sample::new(7).take(300).collect();
        let b: Vec<String> = Sample::new(7).take(300).collect();
        assert_eq!(a, b);
        assert_ne!(a, Sample::new(8).take(300).collect::<Vec<_>>());
    }

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(iso8601(FIRST_EVENT_SECS, "T", "Z"), "2026-09-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400, " ", ""), "2000-02-29 00:00:00");
        assert_eq!(iso8601(1_700_000_000, "T", "Z"), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn a_block_is_orders_of_two_a_lead_and_one_invalid_row() {
        let rows: Vec<Value> = Sample::new(1)
            .take(BLOCK_ROWS)
            .map(|row| serde_json::from_str(&row).unwrap())
            .collect();
        let with_id: Vec<&str> = rows.iter().filter_map(|r| r["event_id"].as_str()).collect();
        let orders = with_id.iter().filter(|id| !id.ends_with("-bad")).count();
        assert_eq!(orders, 2 * ORDERS_PER_BLOCK);
        assert_eq!(with_id.iter().filter(|id| id.ends_with("-bad")).count(), 1);
        assert_eq!(rows.iter().filter(|r| r["event"] == "Lead").count(), 1);
        for pair in with_id
            .iter()
            .filter(|id| !id.ends_with("-bad"))
            .collect::<Vec<_>>()
            .chunks(2)
        {
            assert_eq!(pair[0], pair[1], "the two rows of an order are adjacent");
        }
    }
}
