//! One row to its line of a TikTok event: the event it belongs to ([`EventKey`]) and
//! what it adds to it ([`Line`]). Merging the lines of one event is `batch`'s job.

use std::borrow::Cow;

use crate::contract::Warning;
use crate::currency::Currency;
use crate::event_name::{self, EventName};
use crate::normalize::{
    self, Hashes, LastHashed, MAX_VALUES_PER_FIELD, PhoneCountry, PhoneProblem, Sha256Hex, TooMany,
};
use crate::number;
use crate::phone::{Country, PhoneError};
use crate::row::{Cell, Column, MAX_LIST_VALUES, Row, Scalar};
use crate::settings::Settings;
use crate::tiktok_event::{ContentType, Item, User};
use crate::timestamp::UnixMillis;

/// What TikTok deduplicates on: rows with the same key are one event.
#[derive(Debug, Clone, Eq)]
pub struct EventKey<'a> {
    /// Digits only.
    pub event_set: Cow<'a, str>,
    pub event: EventName,
    pub event_id: Cow<'a, str>,
}

/// Compared without `memcmp` (see [`crate::hot::bytes`]): every row's key is looked up.
impl PartialEq for EventKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.event == other.event
            && crate::hot::bytes::equal(self.event_id.as_bytes(), other.event_id.as_bytes())
            && crate::hot::bytes::equal(self.event_set.as_bytes(), other.event_set.as_bytes())
    }
}

/// Over the event and its id, not the set: keys that differ only in their set are
/// rare, and equality tells them apart; every row's key is hashed.
impl std::hash::Hash for EventKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.event.hash(state);
        self.event_id.hash(state);
    }
}

/// What one row adds to its event.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    /// Unix seconds.
    pub time: i64,
    /// Boxed: a row's line is moved several times on its way into its event, and the
    /// hashes (160 bytes) were each time a `memory.copy`, a call into the host. The
    /// first row of an event hands its box to the event.
    pub users: Box<User>,
    pub order_id: Option<Cow<'a, str>>,
    pub shop_id: Option<Cow<'a, str>>,
    pub description: Option<Cow<'a, str>>,
    pub currency: Option<Currency>,
    /// Finite, not negative.
    pub value: Option<f64>,
    pub content_type: Option<ContentType>,
    pub item: Option<Item<'a>>,
    /// Items the row lists in a `contents` or `items` array.
    pub items: Vec<Item<'a>>,
    /// Why the row has no usable email or phone, if it has none: its order may have
    /// them from another row ([`crate::batch`] unites them); an order with none in any
    /// row is rejected with the first row's reason.
    pub unidentified: Option<String>,
}

/// Why a row is rejected, and the event it belongs to when that was known by then: the
/// other rows of that event must not be sent without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection<'a> {
    pub key: Option<EventKey<'a>>,
    pub reason: String,
}

/// TikTok attributes a conversion up to 28 days after the ad interaction.
const ATTRIBUTION_WINDOW_SECONDS: i64 = 28 * 24 * 60 * 60;

/// The warning on a row older than that: TikTok takes it, campaigns will not show it.
pub const TOO_OLD_TO_ATTRIBUTE: &str = "more than 28 days before the send: TikTok accepts the event, but attributes conversions only up to 28 days after the ad interaction, so campaigns will not count it";

/// TikTok's `quantity` is an integer; larger ones risk failing the whole request.
const MAX_QUANTITY: u32 = i32::MAX as u32;

/// 2^53: every integer below it is exact in an f64; from it on, a number may have lost
/// digits on its way here.
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// Maps one row. The key comes first; problems found before it is known reject the
/// row alone, problems found after it reject it as part of its event. `hashed` carries
/// the last identifiers hashed from one row to the next. What the row loses without
/// being rejected (an unusable identifier beside a usable one) goes to `warnings`.
pub fn map_row<'a>(
    row: &mut Row<'a>,
    settings: &'a Settings,
    now_ms: u64,
    hashed: &mut LastHashed,
    warnings: &mut Vec<Warning>,
) -> Result<(EventKey<'a>, Line<'a>), Rejection<'a>> {
    let alone = |reason: String| Rejection { key: None, reason };
    let event_set = event_set(row, settings).map_err(alone)?;
    let event = event(row, settings).map_err(alone)?;
    let given_id = id(row, Column::EventId).map_err(alone)?;
    let time = event_time(row, now_ms);
    if let Ok(time) = time
        && time < now_ms as i64 / 1000 - ATTRIBUTION_WINDOW_SECONDS
    {
        warnings.push(Warning::new("timestamp", TOO_OLD_TO_ATTRIBUTE));
    }
    let users = users(row, settings, hashed, warnings);
    let order_id = id(row, Column::OrderId);
    let event_id = match given_id {
        Some(event_id) => event_id,
        // A derived id is made of these, so without them the event is unknown.
        // A row without identifiers cannot join an order by a derived id.
        None => match (&time, &users, &order_id) {
            (Ok(time), Ok((users, None)), Ok(order_id)) => {
                Cow::Owned(derived_event_id(event, *time, users, order_id.as_deref()))
            }
            (_, Ok((_, Some(reason))), _) => return Err(alone(reason.clone())),
            (Err(reason), _, _) | (_, Err(reason), _) | (_, _, Err(reason)) => {
                return Err(alone(reason.clone()));
            }
        },
    };
    let key = EventKey {
        event_set,
        event,
        event_id,
    };
    match line(row, time, users, order_id, warnings) {
        Ok(line) => Ok((key, line)),
        Err(reason) => Err(Rejection {
            key: Some(key),
            reason,
        }),
    }
}

fn line<'a>(
    row: &mut Row<'a>,
    time: Result<i64, String>,
    users: Result<(Box<User>, Option<String>), String>,
    order_id: Result<Option<Cow<'a, str>>, String>,
    warnings: &mut Vec<Warning>,
) -> Result<Line<'a>, String> {
    let (users, unidentified) = users?;
    Ok(Line {
        time: time?,
        users,
        unidentified,
        order_id: order_id?,
        shop_id: id(row, Column::ShopId)?,
        description: text(row, Column::Description)?,
        currency: currency(row)?,
        value: amount(row, Column::Value)?,
        content_type: content_type(row, warnings)?,
        item: item(row)?,
        items: items(row)?,
    })
}

/// The row's own event set, else the setting's.
fn event_set<'a>(row: &mut Row<'a>, settings: &'a Settings) -> Result<Cow<'a, str>, String> {
    match id(row, Column::EventSetId)? {
        Some(id) if id.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        Some(_) => Err("event_set_id: must be the digits of an offline event set id".into()),
        None => settings.event_set_id.as_deref().map(Cow::Borrowed).ok_or_else(|| {
            "event_set_id: not set (set event_set_id, or run validate to resolve event_set_name)".into()
        }),
    }
}

/// The row's event, else the `event_name` setting's.
fn event(row: &mut Row<'_>, settings: &Settings) -> Result<EventName, String> {
    match text(row, Column::Event)? {
        Some(name) => EventName::parse(&name)
            .ok_or_else(|| format!("event: {}", event_name::not_standard(&name))),
        None => settings
            .event_name
            .ok_or_else(|| "event: missing (add an event column or set event_name)".into()),
    }
}

fn event_time(row: &mut Row<'_>, now_ms: u64) -> Result<i64, String> {
    let time = match row.take(Column::Timestamp) {
        None => return Err("timestamp: missing".into()),
        Some(Cell::One(Scalar::Text(text))) => UnixMillis::parse(&text),
        Some(Cell::One(Scalar::Integer(n))) => Ok(UnixMillis::from_integer(n)),
        Some(Cell::One(Scalar::Float(x))) => UnixMillis::from_float(x),
        Some(_) => Err(crate::timestamp::TimestampError::Unreadable),
    };
    time.and_then(|t| t.event_time(now_ms))
        .map_err(|e| format!("timestamp: {e}"))
}

/// The row's emails and phones, hashed and de-duplicated. Values that cannot be used are
/// dropped, each field's first problem a warning. A row left with none comes with the
/// reason for each field: its order may still have identifiers from another row.
fn users(
    row: &mut Row<'_>,
    settings: &Settings,
    hashed: &mut LastHashed,
    warnings: &mut Vec<Warning>,
) -> Result<(Box<User>, Option<String>), String> {
    let country = phone_country(row, settings);
    let mut users = Box::<User>::default();
    let email = collect(row.take(Column::Email), "email", &mut users.email, |v| {
        hashed.email(v).map_err(|e| e.to_string())
    })?;
    let mut plus_assumed = false;
    let phone = collect(row.take(Column::Phone), "phone", &mut users.phone, |v| {
        match hashed.phone(v, country) {
            // Warehouses store E.164 without its `+`: digits that are no number of the
            // row's country but are one after a `+` are read so, and the row says it.
            Err(problem @ PhoneProblem::Phone(PhoneError::NotValidIn(_))) => {
                let hash = normalize::phone_with_plus(v).map_err(|_| problem.to_string())?;
                plus_assumed = true;
                Ok(hash)
            }
            other => other.map_err(|e| e.to_string()),
        }
    })?;
    if plus_assumed {
        warnings.push(Warning::new("phone", PLUS_ASSUMED));
    }
    let unidentified = (users.email.is_empty() && users.phone.is_empty()).then(|| {
        let problem = |p: &Option<String>| p.clone().unwrap_or_else(|| "missing".into());
        format!(
            "no usable email or phone (email: {}; phone: {})",
            problem(&email),
            problem(&phone)
        )
    });
    // Sent alongside, never instead: TikTok matches offline events by email or phone.
    // A malformed one is left out of an accepted row.
    let external_id = collect(
        row.take(Column::ExternalId),
        "external_id",
        &mut users.external_id,
        |v| normalize::external_id(v).map_err(|e| e.to_string()),
    )?;
    for (field, problem) in [
        ("email", email),
        ("phone", phone),
        ("external_id", external_id),
    ] {
        if let Some(problem) = problem {
            let rule = match unidentified {
                None => dropped(&problem),
                Some(_) => {
                    format!("{problem}; left out, the row was sent with its order's identifiers")
                }
            };
            warnings.push(Warning::new(field, rule));
        }
    }
    Ok((users, unidentified))
}

/// The rule of a warning on a phone read as E.164 stored without its `+`.
pub const PLUS_ASSUMED: &str = "no number of the row's country, but valid as calling code and number: read as E.164 written without its '+'";

/// The rule of a warning on an identifier left out of an accepted row.
pub fn dropped(problem: &str) -> String {
    format!("{problem}; left out, the row was sent with its other identifiers")
}

/// Hashes every value of one identifier column into `hashes`; returns the first
/// problem with a value, if any.
fn collect(
    cell: Option<Cell<'_>>,
    field: &str,
    hashes: &mut Hashes,
    mut hash: impl FnMut(&str) -> Result<Sha256Hex, String>,
) -> Result<Option<String>, String> {
    let values = match &cell {
        None => return Ok(None),
        Some(Cell::One(value)) => std::slice::from_ref(value),
        Some(Cell::Many(values)) => values.as_slice(),
        Some(Cell::TooMany) => {
            return Err(format!(
                "{field}: more than {MAX_LIST_VALUES} values in one row"
            ));
        }
        Some(Cell::Nested | Cell::Json(_)) => {
            return Ok(Some("must be text, a number or an array of them".into()));
        }
    };
    let mut problem = None;
    for value in values {
        let hashed = match as_text(value) {
            Some(text) => hash(&text),
            None => Err("must be text or a number".into()),
        };
        match hashed {
            Ok(h) => hashes.insert(h).map_err(|TooMany| too_many(field))?,
            Err(p) => {
                problem.get_or_insert(p);
            }
        }
    }
    Ok(problem)
}

pub fn too_many(field: &str) -> String {
    format!(
        "{field}: more than {MAX_VALUES_PER_FIELD} distinct values in one event (this destination's limit; TikTok's is unconfirmed)"
    )
}

/// The row's `country`, else `default_phone_country`.
fn phone_country(row: &mut Row<'_>, settings: &Settings) -> PhoneCountry {
    match row.take(Column::Country) {
        None => settings
            .default_phone_country
            .map_or(PhoneCountry::None, PhoneCountry::Known),
        Some(Cell::One(Scalar::Text(code))) => {
            Country::parse(&code).map_or(PhoneCountry::Unknown, PhoneCountry::Known)
        }
        Some(_) => PhoneCountry::Unknown,
    }
}

/// A scalar as text: numbers in their shortest form, whole floats without `.0`.
fn into_text(value: Scalar<'_>) -> Option<Cow<'_, str>> {
    match value {
        Scalar::Text(text) => Some(text),
        Scalar::Integer(n) => Some(Cow::Owned(n.to_string())),
        Scalar::Float(x) => Some(Cow::Owned(float_text(x))),
        Scalar::Bool(_) => None,
    }
}

/// [`into_text`], borrowing.
fn as_text<'s>(value: &'s Scalar<'_>) -> Option<Cow<'s, str>> {
    match value {
        Scalar::Text(text) => Some(Cow::Borrowed(text)),
        Scalar::Integer(n) => Some(Cow::Owned(n.to_string())),
        Scalar::Float(x) => Some(Cow::Owned(float_text(*x))),
        Scalar::Bool(_) => None,
    }
}

fn float_text(x: f64) -> String {
    whole(x).map_or_else(|| number::float_text(x), |n| n.to_string())
}

/// An exactly representable whole number.
fn whole(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() < MAX_EXACT_FLOAT).then_some(x as i64)
}

/// Free text; numbers become text. Most cells are text: that case is inlined, as a
/// call (with wasmtime's epoch check on entry) cost more than it does.
#[inline(always)]
fn text<'a>(row: &mut Row<'a>, column: Column) -> Result<Option<Cow<'a, str>>, String> {
    match row.take(column) {
        None => Ok(None),
        Some(Cell::One(Scalar::Text(text))) => Ok(Some(text)),
        other => other_text(other, column),
    }
}

/// [`text`] of a cell that is not text.
fn other_text(cell: Option<Cell<'_>>, column: Column) -> Result<Option<Cow<'_, str>>, String> {
    match cell {
        None => Ok(None),
        Some(Cell::One(value)) => into_text(value).map(Some).ok_or_else(|| not_text(column)),
        Some(_) => Err(not_text(column)),
    }
}

fn not_text(column: Column) -> String {
    format!("{}: must be text or a number", column.name())
}

/// An id: TikTok wants strings, and a number sent as `12.0` would be another id. Text
/// inlined, as in [`text`].
#[inline(always)]
fn id<'a>(row: &mut Row<'a>, column: Column) -> Result<Option<Cow<'a, str>>, String> {
    match row.take(column) {
        None => Ok(None),
        Some(Cell::One(Scalar::Text(text))) => Ok(Some(text)),
        other => other_id(other, column),
    }
}

/// [`id`] of a cell that is not text.
fn other_id(cell: Option<Cell<'_>>, column: Column) -> Result<Option<Cow<'_, str>>, String> {
    let rule = || {
        format!(
            "{}: must be text or a whole number (quote ids above 2^53)",
            column.name()
        )
    };
    match cell {
        None => Ok(None),
        Some(Cell::One(Scalar::Text(text))) => Ok(Some(text)),
        Some(Cell::One(Scalar::Integer(n))) => Ok(Some(Cow::Owned(n.to_string()))),
        Some(Cell::One(Scalar::Float(x))) => whole(x)
            .map(|n| Some(Cow::Owned(n.to_string())))
            .ok_or_else(rule),
        Some(_) => Err(rule()),
    }
}

/// A number, as JSON number or numeric text.
fn number(row: &mut Row<'_>, column: Column) -> Result<Option<f64>, String> {
    let rule = || format!("{}: must be a number", column.name());
    let x = match row.take(column) {
        None => return Ok(None),
        Some(Cell::One(Scalar::Integer(n))) => n as f64,
        Some(Cell::One(Scalar::Float(x))) => x,
        Some(Cell::One(Scalar::Text(text))) => number::decimal(&text).ok_or_else(rule)?,
        Some(_) => return Err(rule()),
    };
    Ok(Some(x))
}

/// A money amount (`value`, `price`): a number, not negative. A negative amount may fail
/// the whole request at TikTok (unconfirmed), so it is stopped here, with its row.
fn amount(row: &mut Row<'_>, column: Column) -> Result<Option<f64>, String> {
    match number(row, column)? {
        Some(x) if x < 0.0 => Err(format!("{}: must not be negative", column.name())),
        // -0.0 would be printed with its sign.
        amount => Ok(amount.map(|x| x + 0.0)),
    }
}

fn quantity(row: &mut Row<'_>) -> Result<Option<u32>, String> {
    let Some(x) = number(row, Column::Quantity).map_err(|_| quantity_rule())? else {
        return Ok(None);
    };
    whole(x)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_QUANTITY).contains(n))
        .map(Some)
        .ok_or_else(quantity_rule)
}

fn quantity_rule() -> String {
    format!("quantity: must be a whole number from 1 to {MAX_QUANTITY}")
}

fn currency(row: &mut Row<'_>) -> Result<Option<Currency>, String> {
    match text(row, Column::Currency)? {
        None => Ok(None),
        Some(code) => Currency::parse(&code)
            .map(Some)
            .ok_or_else(|| "currency: not an ISO 4217 code that TikTok accepts".into()),
    }
}

/// TikTok's two content types. Another (a shop's own category, `sku`) is left out with
/// a warning: the event is worth sending without it.
fn content_type(
    row: &mut Row<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<ContentType>, String> {
    match text(row, Column::ContentType)? {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("product") => Ok(Some(ContentType::Product)),
        Some(t) if t.eq_ignore_ascii_case("product_group") => Ok(Some(ContentType::ProductGroup)),
        Some(_) => {
            warnings.push(Warning::new("content_type", CONTENT_TYPE_LEFT_OUT));
            Ok(None)
        }
    }
}

/// The rule of the warning on a content type TikTok does not know.
pub const CONTENT_TYPE_LEFT_OUT: &str =
    "not product or product_group; left out, the event was sent without it";

/// The row's item; a row is an item when it names a product or has a price.
fn item<'a>(row: &mut Row<'a>) -> Result<Option<Item<'a>>, String> {
    let item = Item {
        content_id: id(row, Column::ContentId)?,
        content_name: text(row, Column::ContentName)?,
        content_category: text(row, Column::ContentCategory)?,
        brand: text(row, Column::Brand)?,
        price: amount(row, Column::Price)?,
        quantity: quantity(row)?,
    };
    let is_item = item.content_id.is_some() || item.content_name.is_some() || item.price.is_some();
    Ok(is_item.then_some(item))
}

/// The most items one row may list (as many as an event may merge rows).
const MAX_ITEMS_PER_ROW: usize = crate::batch::MAX_EVENT_ROWS;

/// Items written as a JSON array in one row (`contents` or `items`; in a CSV, the array
/// as the cell's text): each object is read as an item row is, with the same rules.
fn items(row: &mut Row<'_>) -> Result<Vec<Item<'static>>, String> {
    let mut items = Vec::new();
    // Nearly every row has neither: no work for them.
    if !row.has(Column::Contents) && !row.has(Column::Items) {
        return Ok(items);
    }
    for column in [Column::Contents, Column::Items] {
        let name = column.name();
        let not_an_array = || format!("{name}: must be a JSON array of items");
        let json = match row.take(column) {
            None => continue,
            // The array written as a string: a CSV cell's text, in JSON.
            Some(Cell::Json(json)) if json.starts_with('"') => {
                Cow::Owned(serde_json::from_str::<String>(json).map_err(|_| not_an_array())?)
            }
            Some(Cell::Json(json)) => Cow::Borrowed(json),
            Some(Cell::One(Scalar::Text(json))) => json,
            Some(_) => return Err(not_an_array()),
        };
        let elements: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(&json).map_err(|_| not_an_array())?;
        if items.len() + elements.len() > MAX_ITEMS_PER_ROW {
            return Err(format!(
                "{name}: more than {MAX_ITEMS_PER_ROW} items in one row"
            ));
        }
        for (at, element) in elements.iter().enumerate() {
            let mut fields = Row::parse(element.get())
                .map_err(|_| format!("{name}[{at}]: must be an object"))?;
            let item = item(&mut fields)
                .map_err(|problem| format!("{name}[{at}].{problem}"))?
                .ok_or_else(|| {
                    format!("{name}[{at}]: names no content_id, content_name or price")
                })?;
            items.push(item.into_owned());
        }
    }
    Ok(items)
}

/// The event_id of a row that has none: the same row always gets the same id, so a
/// retried row is deduplicated by TikTok; rows of one order (same event, time, customer
/// and order id) get the same id and merge. SHA-256 over length-prefixed parts, so no
/// two different inputs concatenate alike; "v1" names this recipe, which must never
/// change for ids already sent.
fn derived_event_id(event: EventName, time: i64, users: &User, order_id: Option<&str>) -> String {
    let mut input = Vec::with_capacity(256);
    let mut part = |bytes: &[u8]| {
        input.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        input.extend_from_slice(bytes);
    };
    part(b"tiktok-offline-events event_id v1");
    part(event.as_str().as_bytes());
    part(time.to_string().as_bytes());
    for (field, hashes) in [("email", &users.email), ("phone", &users.phone)] {
        let sorted = sorted(hashes);
        part(field.as_bytes());
        part(&(sorted.len() as u64).to_be_bytes());
        for hash in &sorted {
            part(hash.as_str().as_bytes());
        }
    }
    match order_id {
        Some(order_id) => {
            part(b"order_id");
            part(order_id.as_bytes());
        }
        None => part(b"no order_id"),
    }
    Sha256Hex::of(&input).as_str()[..32].to_string()
}

/// In order, each inserted where it belongs: there are at most [`MAX_VALUES_PER_FIELD`],
/// and `sort_unstable` would add 3.5 KB to a component with a size budget.
fn sorted(hashes: &Hashes) -> Vec<Sha256Hex> {
    let mut sorted: Vec<Sha256Hex> = Vec::new();
    for hash in hashes.iter() {
        sorted.insert(sorted.partition_point(|h| h < hash), *hash);
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Setting, SettingValue};

    const NOW_MS: u64 = 1_700_000_000_000;
    const ALICE: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";
    /// SHA-256 of `+12133734253`.
    const PHONE: &str = "9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd";
    const SET: &str = "7181537436256731137";

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let mut all = vec![("access_token", "tok"), ("event_set_id", SET)];
        all.extend_from_slice(extra);
        crate::settings::from_text(&all)
    }

    fn map<'a>(
        json: &'a str,
        settings: &'a Settings,
    ) -> Result<(EventKey<'a>, Line<'a>), Rejection<'a>> {
        map_row(
            &mut Row::parse(json).unwrap(),
            settings,
            NOW_MS,
            &mut LastHashed::default(),
            &mut Vec::new(),
        )
    }

    /// A row that maps, and the warnings it comes with.
    fn mapped_with_warnings<'a>(json: &'a str, settings: &'a Settings) -> (Line<'a>, Vec<Warning>) {
        let mut warnings = Vec::new();
        let (_, line) = map_row(
            &mut Row::parse(json).unwrap(),
            settings,
            NOW_MS,
            &mut LastHashed::default(),
            &mut warnings,
        )
        .unwrap();
        (line, warnings)
    }

    fn line(json: &str) -> Line<'static> {
        let s = Box::leak(Box::new(settings(&[])));
        let json: &'static str = Box::leak(json.to_string().into_boxed_str());
        map(json, s).unwrap().1
    }

    fn reason(json: &str, settings: &Settings) -> (bool, String) {
        let rejection = map(json, settings).unwrap_err();
        (rejection.key.is_some(), rejection.reason)
    }

    fn rejected_alone(json: &str) -> String {
        let (in_event, reason) = reason(json, &settings(&[]));
        assert!(
            !in_event,
            "{json} was rejected as part of its event: {reason}"
        );
        reason
    }

    fn rejected_in_event(json: &str) -> String {
        let (in_event, reason) = reason(json, &settings(&[]));
        assert!(in_event, "{json} was rejected alone: {reason}");
        reason
    }

    fn hex(hashes: &Hashes) -> Vec<&str> {
        hashes.iter().map(Sha256Hex::as_str).collect()
    }

    const ROW: &str = r#"{"email": " ALICE_abc@gmail.com ", "phone": "+12133734253", "event": "purchase",
        "event_id": "ord-1", "timestamp": "2023-05-20T09:19:55Z", "order_id": 10023, "shop_id": "store-17",
        "value": 46, "currency": "usd", "content_id": 1077218, "content_name": "running shoes",
        "content_category": "Shoes", "brand": "acme", "price": "8.0", "quantity": 2, "event_channel": "in_store",
        "description": "POS", "unknown": [1, 2]}"#;

    /// `447911123456` in a US file is no US number; as E.164 stored without its `+` it is
    /// a UK mobile. Read so, with a warning that says it (never the number).
    #[test]
    fn e164_stored_without_its_plus_is_read_with_a_warning() {
        let s = settings(&[("default_phone_country", "US")]);
        let json = r#"{"email": "a@example.com", "phone": "447911123456", "event": "Purchase",
            "event_id": "o-1", "timestamp": "2023-11-14T09:19:55Z"}"#;
        let (line, warnings) = mapped_with_warnings(json, &s);
        // SHA-256 of `+447911123456`, by `printf %s +447911123456 | sha256sum`.
        assert_eq!(
            hex(&line.users.phone),
            ["20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa"]
        );
        assert_eq!(warnings, [Warning::new("phone", PLUS_ASSUMED)]);
        // Digits that are a US number stay one, with no warning.
        let us = r#"{"phone": "213 373 4253", "event": "Purchase", "event_id": "o-2",
            "timestamp": "2023-11-14T09:19:55Z"}"#;
        let (line, warnings) = mapped_with_warnings(us, &s);
        assert_eq!(hex(&line.users.phone), [PHONE]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn a_full_row_maps_every_column() {
        let s = settings(&[]);
        let (key, line) = map(ROW, &s).unwrap();
        assert_eq!(
            (
                key.event_set.as_ref(),
                key.event.as_str(),
                key.event_id.as_ref()
            ),
            (SET, "Purchase", "ord-1")
        );
        assert_eq!(line.time, 1_684_574_395);
        assert_eq!(hex(&line.users.email), [ALICE]);
        assert_eq!(hex(&line.users.phone), [PHONE]);
        assert_eq!(line.order_id.as_deref(), Some("10023"));
        assert_eq!(line.shop_id.as_deref(), Some("store-17"));
        assert_eq!(line.description.as_deref(), Some("POS"));
        assert_eq!(line.currency.map(|c| c.as_str()), Some("USD"));
        assert_eq!(line.value, Some(46.0));
        assert_eq!(line.content_type, None);
        assert_eq!(
            line.item,
            Some(Item {
                content_id: Some("1077218".into()),
                content_name: Some("running shoes".into()),
                content_category: Some("Shoes".into()),
                brand: Some("acme".into()),
                price: Some(8.0),
                quantity: Some(2),
            })
        );
    }

    #[test]
    fn the_event_comes_from_the_row_else_the_setting() {
        let with_default = settings(&[("event_name", "CompletePayment")]);
        let json = r#"{"email": "a@b.c", "timestamp": 1684574395, "event_id": "e"}"#;
        assert_eq!(
            map(json, &with_default).unwrap().0.event.as_str(),
            "CompletePayment"
        );
        let json =
            r#"{"email": "a@b.c", "timestamp": 1684574395, "event_id": "e", "event": "LEAD"}"#;
        assert_eq!(map(json, &with_default).unwrap().0.event.as_str(), "Lead");
        assert_eq!(
            rejected_alone(r#"{"email": "a@b.c", "timestamp": 1684574395, "event_id": "e"}"#),
            "event: missing (add an event column or set event_name)"
        );
        assert_eq!(
            rejected_alone(
                r#"{"email": "a@b.c", "timestamp": 1684574395, "event_id": "e", "event": "Refund"}"#
            ),
            "event: 'Refund' is not a TikTok standard event"
        );
    }

    #[test]
    fn the_event_set_comes_from_the_row_else_the_setting() {
        let json = r#"{"email": "a@b.c", "timestamp": 1684574395, "event": "Lead", "event_set_id": 7000000000000000001}"#;
        assert_eq!(
            map(json, &settings(&[])).unwrap().0.event_set,
            "7000000000000000001"
        );
        assert_eq!(
            rejected_alone(
                r#"{"email": "a@b.c", "timestamp": 1684574395, "event": "Lead", "event_set_id": "C4AB12"}"#
            ),
            "event_set_id: must be the digits of an offline event set id"
        );
        let no_set = Settings::parse(&[Setting {
            key: "access_token".into(),
            value: SettingValue::Text("t".into()),
        }])
        .unwrap();
        assert_eq!(
            reason(r#"{"email": "a@b.c", "timestamp": 1684574395, "event": "Lead"}"#, &no_set),
            (false, "event_set_id: not set (set event_set_id, or run validate to resolve event_set_name)".into())
        );
    }

    #[test]
    fn event_ids_are_always_strings() {
        let id = |v: &str| {
            let json = format!(
                r#"{{"email": "a@b.c", "timestamp": 1684574395, "event": "Lead", "event_id": {v}}}"#
            );
            let s = settings(&[]);
            map(&json, &s)
                .map(|(key, _)| key.event_id.into_owned())
                .map_err(|r| r.reason)
        };
        assert_eq!(id(r#""ord-1""#), Ok("ord-1".into()));
        assert_eq!(id("10023"), Ok("10023".into()));
        assert_eq!(id("10023.0"), Ok("10023".into()));
        assert_eq!(id("7181537436256731137"), Ok("7181537436256731137".into()));
        let rule =
            Err("event_id: must be text or a whole number (quote ids above 2^53)".to_string());
        assert_eq!(id("123456789012.0"), Ok("123456789012".into()));
        assert_eq!(id("9007199254740992.0"), rule);
        assert_eq!(id("12.5"), rule);
        assert_eq!(id("1e300"), rule);
        assert_eq!(id("true"), rule);
        assert_eq!(id("[1]"), rule);
    }

    #[test]
    fn a_missing_event_id_is_derived_from_event_time_customer_and_order() {
        let id = |json: &str| {
            let s = settings(&[]);
            map(json, &s).unwrap().0.event_id.into_owned()
        };
        let base = id(
            r#"{"email": ["b@x.y", "a@x.y"], "phone": "+12133734253", "timestamp": 1684574395,
            "event": "Purchase", "order_id": "o-1", "content_id": "sku-1"}"#,
        );
        // The recipe is pinned (checked against an independent Python implementation):
        // ids already sent must never change.
        assert_eq!(base, "ece357528ea6ef33aa608414b29a8695");
        // Same order, another line item, identifiers in another order or form: same id.
        assert_eq!(
            id(
                r#"{"email": [" A@X.Y", "b@x.y"], "phone": ["+1 213 373 4253"], "timestamp": "2023-05-20T09:19:55Z",
            "event": "purchase", "order_id": "o-1", "content_id": "sku-2", "price": 3}"#
            ),
            base
        );
        for other in [
            r#"{"email": ["b@x.y", "a@x.y"], "phone": "+12133734253", "timestamp": 1684574396, "event": "Purchase", "order_id": "o-1"}"#,
            r#"{"email": ["b@x.y", "a@x.y"], "phone": "+12133734253", "timestamp": 1684574395, "event": "Lead", "order_id": "o-1"}"#,
            r#"{"email": ["b@x.y", "a@x.y"], "phone": "+12133734253", "timestamp": 1684574395, "event": "Purchase", "order_id": "o-2"}"#,
            r#"{"email": ["b@x.y", "a@x.y"], "phone": "+12133734253", "timestamp": 1684574395, "event": "Purchase"}"#,
            r#"{"email": ["b@x.y"], "phone": "+12133734253", "timestamp": 1684574395, "event": "Purchase", "order_id": "o-1"}"#,
            r#"{"email": ["b@x.y", "a@x.y"], "timestamp": 1684574395, "event": "Purchase", "order_id": "o-1"}"#,
        ] {
            assert_ne!(id(other), base, "{other}");
        }
    }

    #[test]
    fn emails_and_phones_are_hashed_deduplicated_and_unusable_ones_dropped() {
        let line = line(
            r#"{"email": ["alice_abc@gmail.com", " ALICE_abc@gmail.com", "not-an-email", 42, null, ""],
            "phone": ["+12133734253", "9F7EC22D72092CD3C0B58726ED9C2D91B92E51A3F29837508FB2948BB22DD2FD", "2133734253"],
            "timestamp": 1684574395, "event": "Lead"}"#,
        );
        assert_eq!(hex(&line.users.email), [ALICE]);
        assert_eq!(hex(&line.users.phone), [PHONE]);
    }

    #[test]
    fn a_row_without_a_usable_identifier_says_why_for_each() {
        assert_eq!(
            rejected_alone(
                r#"{"email": "alice.gmail.com", "phone": "2133734253", "timestamp": 1684574395, "event": "Lead"}"#
            ),
            "no usable email or phone (email: missing '@'; phone: no country code and no default_phone_country)"
        );
        assert_eq!(
            rejected_alone(r#"{"timestamp": 1684574395, "event": "Lead"}"#),
            "no usable email or phone (email: missing; phone: missing)"
        );
        assert_eq!(
            rejected_alone(
                r#"{"email": {"a": 1}, "phone": true, "timestamp": 1684574395, "event": "Lead"}"#
            ),
            "no usable email or phone (email: must be text, a number or an array of them; phone: must be text or a number)"
        );
        // With an event_id the row joins its order, which may have identifiers from
        // another row; it carries why it has none.
        let unidentified =
            line(r#"{"email": "x", "timestamp": 1684574395, "event": "Lead", "event_id": "e"}"#)
                .unidentified;
        assert_eq!(
            unidentified.as_deref(),
            Some("no usable email or phone (email: missing '@'; phone: missing)")
        );
    }

    #[test]
    fn phones_without_country_code_use_the_rows_country_else_the_default() {
        let s = settings(&[("default_phone_country", "US")]);
        let unknown_row_country = r#"{"phone": "2133734253", "country": "Atlantis", "timestamp": 1684574395, "event": "Lead"}"#;
        assert_eq!(
            reason(unknown_row_country, &s).1,
            "no usable email or phone (email: missing; phone: no country code, and the row's country is not an ISO 3166-1 alpha-2 code this destination knows)"
        );
        let with_plus = r#"{"phone": "+12133734253", "country": "Atlantis", "timestamp": 1684574395, "event": "Lead"}"#;
        assert_eq!(hex(&map(with_plus, &s).unwrap().1.users.phone), [PHONE]);
    }

    #[test]
    fn identifier_caps() {
        let emails: Vec<String> = (0..21).map(|i| format!("\"u{i}@x.y\"")).collect();
        let json = format!(
            r#"{{"email": [{}], "timestamp": 1684574395, "event": "Lead"}}"#,
            emails.join(",")
        );
        assert_eq!(
            rejected_alone(&json),
            "email: more than 20 distinct values in one event (this destination's limit; TikTok's is unconfirmed)"
        );
        let twenty = format!(
            r#"{{"email": [{}, "U0@X.Y"], "timestamp": 1684574395, "event": "Lead"}}"#,
            emails[..20].join(",")
        );
        assert_eq!(line(&twenty).users.email.len(), 20);
        let many: Vec<&str> = vec!["\"a@b.c\""; 100_000];
        let json = format!(
            r#"{{"phone": [{}], "timestamp": 1684574395, "event": "Lead"}}"#,
            many.join(",")
        );
        assert_eq!(
            rejected_alone(&json),
            "phone: more than 1000 values in one row"
        );
    }

    #[test]
    fn timestamps_are_required_and_checked() {
        let row = |ts: &str| format!(r#"{{"email": "a@b.c", "event": "Lead"{ts}}}"#);
        assert_eq!(rejected_alone(&row("")), "timestamp: missing");
        assert_eq!(
            rejected_alone(&row(r#", "timestamp": "yesterday""#)),
            "timestamp: not an ISO 8601 date-time, Unix seconds or Unix milliseconds"
        );
        assert_eq!(
            rejected_alone(&row(r#", "timestamp": 1800000000"#)),
            "timestamp: more than 10 minutes in the future"
        );
        assert_eq!(
            rejected_alone(&row(r#", "timestamp": "2023-02-30""#)),
            "timestamp: not a valid date or time of day"
        );
        assert_eq!(
            rejected_alone(&row(r#", "timestamp": true"#)),
            "timestamp: not an ISO 8601 date-time, Unix seconds or Unix milliseconds"
        );
        assert_eq!(
            line(&row(r#", "timestamp": 1684574395123"#)).time,
            1_684_574_395
        );
        assert_eq!(
            line(&row(r#", "timestamp": "1684574395""#)).time,
            1_684_574_395
        );
        assert_eq!(
            rejected_in_event(
                r#"{"email": "a@b.c", "event": "Lead", "event_id": "e", "timestamp": -5}"#
            ),
            "timestamp: before 1970"
        );
    }

    #[test]
    fn amounts_are_numbers_not_negative() {
        let row = |props: &str| {
            format!(r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, {props}}}"#)
        };
        assert_eq!(line(&row(r#""value": "19.99""#)).value, Some(19.99));
        assert_eq!(line(&row(r#""value": 0"#)).value, Some(0.0));
        assert_eq!(
            line(&row(r#""value": -0.0"#)).value.map(f64::to_bits),
            Some(0.0f64.to_bits())
        );
        assert_eq!(
            rejected_in_event(&row(r#""value": "$10""#)),
            "value: must be a number"
        );
        assert_eq!(
            rejected_in_event(&row(r#""value": "NaN""#)),
            "value: must be a number"
        );
        assert_eq!(
            rejected_in_event(&row(r#""value": "inf""#)),
            "value: must be a number"
        );
        assert_eq!(
            rejected_in_event(&row(r#""value": -3"#)),
            "value: must not be negative"
        );
        assert_eq!(
            rejected_in_event(&row(r#""price": "1,5""#)),
            "price: must be a number"
        );
        assert_eq!(
            rejected_in_event(&row(r#""price": -1"#)),
            "price: must not be negative"
        );
        assert_eq!(
            rejected_in_event(&row(r#""price": [1]"#)),
            "price: must be a number"
        );
    }

    #[test]
    fn quantities_are_whole_numbers() {
        let quantity = |q: &str| {
            let json = format!(
                r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "price": 1, "quantity": {q}}}"#
            );
            let s = settings(&[]);
            map(&json, &s)
                .map(|(_, line)| line.item.unwrap().quantity)
                .map_err(|r| r.reason)
        };
        assert_eq!(quantity("3"), Ok(Some(3)));
        assert_eq!(quantity("\"3\""), Ok(Some(3)));
        assert_eq!(quantity("3.0"), Ok(Some(3)));
        assert_eq!(quantity("2147483647"), Ok(Some(2_147_483_647)));
        let rule = Err("quantity: must be a whole number from 1 to 2147483647".to_string());
        for bad in ["2.5", "0", "-1", "2147483648", "\"two\"", "true", "1e300"] {
            assert_eq!(quantity(bad), rule, "{bad}");
        }
    }

    #[test]
    fn currencies_and_content_types_are_checked() {
        let row = |props: &str| {
            format!(r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, {props}}}"#)
        };
        assert_eq!(
            line(&row(r#""currency": " eur ""#))
                .currency
                .map(|c| c.as_str()),
            Some("EUR")
        );
        assert_eq!(
            rejected_in_event(&row(r#""currency": "BTC""#)),
            "currency: not an ISO 4217 code that TikTok accepts"
        );
        assert_eq!(
            line(&row(r#""content_type": "Product_Group""#)).content_type,
            Some(ContentType::ProductGroup)
        );
        // Another content type is left out of the row, with a warning; the row goes.
        let s = settings(&[]);
        let sku = row(r#""content_type": "sku""#);
        let (line, warnings) = mapped_with_warnings(&sku, &s);
        assert_eq!(line.content_type, None);
        assert!(
            warnings.contains(&Warning::new("content_type", CONTENT_TYPE_LEFT_OUT)),
            "{warnings:?}"
        );
    }

    #[test]
    fn ids_and_texts_from_numbers_have_no_trailing_zero() {
        let line = line(
            r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "order_id": 10023.0,
            "shop_id": 17, "content_id": 1077218, "content_name": 12.5, "brand": 3.0}"#,
        );
        assert_eq!(line.order_id.as_deref(), Some("10023"));
        assert_eq!(line.shop_id.as_deref(), Some("17"));
        let item = line.item.unwrap();
        assert_eq!(item.content_id.as_deref(), Some("1077218"));
        assert_eq!(item.content_name.as_deref(), Some("12.5"));
        assert_eq!(item.brand.as_deref(), Some("3"));
        assert_eq!(
            rejected_in_event(
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "shop_id": 1.5}"#
            ),
            "shop_id: must be text or a whole number (quote ids above 2^53)"
        );
        assert_eq!(
            rejected_in_event(
                r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "brand": false}"#
            ),
            "brand: must be text or a number"
        );
    }

    #[test]
    fn a_row_is_an_item_when_it_names_a_product_or_has_a_price() {
        let item = |props: &str| {
            line(&format!(
                r#"{{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395{props}}}"#
            ))
            .item
        };
        assert!(item(r#", "content_id": "sku""#).is_some());
        assert!(item(r#", "content_name": "shoe""#).is_some());
        assert!(item(r#", "price": 0"#).is_some());
        assert_eq!(
            item(r#", "brand": "acme", "content_category": "Shoes", "quantity": 2"#),
            None
        );
        assert_eq!(item(""), None);
    }

    #[test]
    fn event_channel_is_accepted_whatever_it_holds() {
        let json = r#"{"email": "a@b.c", "event": "Lead", "timestamp": 1684574395, "event_channel": {"x": 1}}"#;
        assert!(map(json, &settings(&[])).is_ok());
    }

    #[test]
    fn reasons_never_contain_the_identifiers() {
        let json = r#"{"email": "secret.person.example.com", "phone": "5550100", "timestamp": 1684574395, "event": "Lead"}"#;
        let reason = rejected_alone(json);
        assert!(
            !reason.contains("secret") && !reason.contains("5550100"),
            "{reason}"
        );
    }
}
