//! The rows of one order become one TikTok event. TikTok deduplicates on event set + event +
//! event_id, so line items sent as separate events would all but one be dropped.
//!
//! An event is sent whole or not at all: once sent, TikTok would drop a later resend
//! under the same event_id, so an order sent without its rejected rows could never be
//! completed.

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use crate::event_name::EventName;
use crate::line::{self, EventKey, Line};
use crate::settings::{DefaultCurrency, Settings, ValueIs};
use crate::tiktok_event::{ContentType, Event, Item, Properties, User};

/// The most rows one event (an order) may merge. TikTok documents no limit on an
/// event's items, only 1 MB per request; an order of more rows is an export mistake
/// (a constant `event_id`), and rejecting it says so where a memory limit would not.
/// Hosts that batch by order bound their batches by the same number.
pub const MAX_EVENT_ROWS: usize = 1_000;

/// The reason of every row of an event over [`MAX_EVENT_ROWS`].
pub fn too_many_rows() -> String {
    format!(
        "event_id: more than {MAX_EVENT_ROWS} rows share it; one event holds at most {MAX_EVENT_ROWS}"
    )
}

/// One event of the batch and the rows (input positions) that make it.
#[derive(Debug)]
pub struct Merged<'a> {
    pub event_set: Cow<'a, str>,
    pub rows: Vec<usize>,
    pub outcome: Result<Event<'a>, Failure>,
    /// What was assumed for the event, each a warning on its rows.
    pub assumed: Assumed,
}

/// What an event's rows left open and was assumed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Assumed {
    /// The value went in USD: no row named a currency and the `default_currency`
    /// setting is not set.
    pub currency: bool,
    /// The rows all carried one value, taken for the order's total, with neither the
    /// `value_is` setting nor the items' prices to confirm it.
    pub total: bool,
}

/// Why an event is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// This row of the event was rejected: the other rows are held back with it.
    Row(usize),
    /// The rows conflict, or their sum breaks a rule: every row gets this reason.
    Event(String),
}

/// Rows grouped by event, in order of each event's first row.
///
/// Keyed with FxHash, not SipHash: hashing every row's key was 4 % of a batch, and
/// collisions crafted into event ids could cost at most one batch's 1,000 rows
/// compared pairwise, within the call's CPU limit.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    index: FxHashMap<EventKey<'a>, usize>,
    events: Vec<Pending<'a>>,
}

#[derive(Debug)]
struct Pending<'a> {
    key: EventKey<'a>,
    rows: Vec<usize>,
    /// Its rows merged as they come, not kept as a list; the first problem stops it.
    merged: Result<Merging<'a>, String>,
    rejected: Option<usize>,
}

impl<'a> Batch<'a> {
    /// Room for `rows` events (at most one per row): the list never grows, which in a
    /// batch of 1,000 rows was ten copies of it.
    pub fn with_capacity(rows: usize) -> Batch<'a> {
        Batch {
            index: FxHashMap::with_capacity_and_hasher(rows, Default::default()),
            events: Vec::with_capacity(rows),
        }
    }

    pub fn add(&mut self, row: usize, key: EventKey<'a>, line: Line<'a>) {
        let pending = self.pending(key);
        pending.rows.push(row);
        if pending.rows.len() > MAX_EVENT_ROWS {
            pending.merged = Err(too_many_rows());
        }
        if let Ok(merging) = &mut pending.merged
            && let Err(reason) = merging.add(line)
        {
            pending.merged = Err(reason);
        }
    }

    /// A row rejected after its event was known: the event is not sent.
    pub fn reject(&mut self, row: usize, key: EventKey<'a>) {
        let pending = self.pending(key);
        pending.rows.push(row);
        pending.rejected.get_or_insert(row);
    }

    fn pending(&mut self, key: EventKey<'a>) -> &mut Pending<'a> {
        let at = match self.index.entry(key) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let key = entry.key().clone();
                self.events.push(Pending {
                    key,
                    rows: Vec::new(),
                    merged: Ok(Merging::default()),
                    rejected: None,
                });
                *entry.insert(self.events.len() - 1)
            }
        };
        &mut self.events[at]
    }

    /// The events, in order of their first row, valued and in a currency as `settings`
    /// say (`default_currency`, `value_is`).
    pub fn finish(self, settings: &Settings) -> Vec<Merged<'a>> {
        self.events
            .into_iter()
            .map(|pending| {
                let mut assumed = Assumed::default();
                let outcome = match pending.rejected {
                    Some(row) => Err(Failure::Row(row)),
                    None => pending
                        .merged
                        .and_then(|merging| {
                            let (event, merged_assumed) = merging.finish(
                                pending.key.event,
                                pending.key.event_id,
                                settings,
                            )?;
                            assumed = merged_assumed;
                            Ok(event)
                        })
                        .map_err(Failure::Event),
                };
                Merged {
                    event_set: pending.key.event_set,
                    rows: pending.rows,
                    outcome,
                    assumed,
                }
            })
            .collect()
    }
}

/// One event's rows merged: identifiers united, items listed, event-level fields from
/// the first row that has them.
#[derive(Debug, Default)]
struct Merging<'a> {
    event_time: Option<i64>,
    /// The first row's identifiers, moved in (no allocation or copy per event), then
    /// those of the other rows added; `None` until the first row.
    user: Option<Box<User>>,
    /// The first row's reason for having no email or phone, if a row had none.
    unidentified: Option<String>,
    properties: Box<Properties<'a>>,
    values: Values,
}

impl<'a> Merging<'a> {
    fn add(&mut self, line: Line<'a>) -> Result<(), String> {
        let properties = &mut self.properties;
        self.event_time.get_or_insert(line.time);
        if self.unidentified.is_none() {
            self.unidentified = line.unidentified;
        }
        match &mut self.user {
            None => self.user = Some(line.users),
            Some(user) => {
                for &hash in line.users.email.iter() {
                    user.email
                        .insert(hash)
                        .map_err(|_| line::too_many("email"))?;
                }
                for &hash in line.users.phone.iter() {
                    user.phone
                        .insert(hash)
                        .map_err(|_| line::too_many("phone"))?;
                }
                for &hash in line.users.external_id.iter() {
                    user.external_id
                        .insert(hash)
                        .map_err(|_| line::too_many("external_id"))?;
                }
            }
        }
        if let (Some(first), Some(this)) = (properties.currency, line.currency)
            && first != this
        {
            return Err("currency: rows of this event have different currencies".into());
        }
        first(&mut properties.currency, line.currency);
        first(&mut properties.order_id, line.order_id);
        first(&mut properties.shop_id, line.shop_id);
        first(&mut properties.description, line.description);
        first(&mut properties.content_type, line.content_type);
        if let Some(v) = line.value {
            self.values.add(v);
        }
        properties.contents.extend(line.item);
        properties.contents.extend(line.items);
        if properties.contents.len() > MAX_EVENT_ROWS {
            return Err(format!(
                "contents: more than {MAX_EVENT_ROWS} items in one event"
            ));
        }
        Ok(())
    }

    /// The event, once every row is in, and what was assumed for it.
    fn finish(
        self,
        event: EventName,
        event_id: Cow<'a, str>,
        settings: &Settings,
    ) -> Result<(Event<'a>, Assumed), String> {
        // Every event has a row. Identifiers are the order's: one row's are enough.
        let user = self.user.unwrap_or_default();
        if user.email.is_empty() && user.phone.is_empty() {
            return Err(self.unidentified.unwrap_or_default());
        }
        let mut properties = self.properties;
        let (value, total_assumed) = value(self.values, &properties.contents, settings.value_is)?;
        properties.value = value;
        if properties.value.is_some_and(|v| !v.is_finite()) {
            return Err("value: the total of this event is too large".into());
        }
        let defaulted = properties.value.is_some() && properties.currency.is_none();
        if defaulted {
            properties.currency = Some(settings.default_currency.currency());
        }
        if !properties.contents.is_empty() {
            first(&mut properties.content_type, Some(ContentType::Product));
        }
        let event = Event {
            event,
            // Every event has a row, and every row a time.
            event_time: self.event_time.unwrap_or_default(),
            event_id,
            user,
            properties,
        };
        let assumed = Assumed {
            currency: defaulted && settings.default_currency == DefaultCurrency::Unset,
            total: total_assumed,
        };
        Ok((event, assumed))
    }
}

fn first<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// The event's value, and whether equal values were taken for the order's total with
/// nothing to confirm it. `value_is` says what the rows' values are. Unset: rows that
/// all carry the same value repeat the order's total; rows with different values carry
/// line values, which add up; equal values on several rows are line values too when
/// the items' price × quantity add up to their sum and not to one of them (two items of
/// 10: 20, not 10). Without values, the items' price × quantity (quantity 1 when absent)
/// add up. Neither: no value. Sums are rounded to 6 decimals, so that 0.1 + 0.2 is sent
/// as 0.3.
fn value(
    values: Values,
    items: &[Item<'_>],
    value_is: Option<ValueIs>,
) -> Result<(Option<f64>, bool), String> {
    let Some(first) = values.first else {
        let mut priced = items
            .iter()
            .filter_map(|item| Some(item.price? * f64::from(item.quantity.unwrap_or(1))))
            .peekable();
        return Ok((priced.peek().is_some().then(|| round6(priced.sum())), false));
    };
    let sum = round6(values.sum);
    match value_is {
        Some(ValueIs::LineTotal) => Ok((Some(sum), false)),
        Some(ValueIs::OrderTotal) if values.all_equal => Ok((Some(first), false)),
        Some(ValueIs::OrderTotal) => Err(
            "value: the rows of this order carry different values, but value_is is order_total (each row repeats the order's total)".into(),
        ),
        None if !values.all_equal => Ok((Some(sum), false)),
        None => {
            let priced = priced_total(items);
            if values.count > 1 && priced == Some(sum) && sum != first {
                return Ok((Some(sum), false));
            }
            Ok((Some(first), values.count > 1 && priced != Some(first)))
        }
    }
}

/// Σ price × quantity of the items, when every item has a price.
fn priced_total(items: &[Item<'_>]) -> Option<f64> {
    if items.is_empty() {
        return None;
    }
    let lines: Option<f64> = items
        .iter()
        .map(|item| Some(item.price? * f64::from(item.quantity.unwrap_or(1))))
        .sum();
    lines.map(round6)
}

/// The `value`s of an event's rows, summed as they come: what [`value`] needs of them,
/// without a list per event.
#[derive(Debug, Default)]
struct Values {
    first: Option<f64>,
    count: u32,
    all_equal: bool,
    /// In row order, from the first value: the sum `Iterator::sum` gives.
    sum: f64,
}

impl Values {
    fn add(&mut self, v: f64) {
        self.count += 1;
        match self.first {
            None => {
                self.first = Some(v);
                self.all_equal = true;
                self.sum = v;
            }
            Some(first) => {
                self.all_equal &= v == first;
                self.sum += v;
            }
        }
    }
}

fn round6(x: f64) -> f64 {
    let rounded = (x * 1e6).round() / 1e6;
    if rounded.is_finite() { rounded } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Setting, SettingValue};
    use crate::currency::Currency;
    use crate::line::map_row;
    use crate::normalize::LastHashed;
    use crate::row::Row;
    use crate::settings::Settings;

    const NOW_MS: u64 = 1_700_000_000_000;

    fn settings() -> Settings {
        let text = |k: &str, v: &str| Setting {
            key: k.into(),
            value: SettingValue::Text(v.into()),
        };
        Settings::parse(&[text("access_token", "t"), text("event_set_id", "123")]).unwrap()
    }

    fn merged<'a>(rows: &'a [String], settings: &'a Settings) -> Vec<Merged<'a>> {
        let mut batch = Batch::default();
        let mut hashed = LastHashed::default();
        for (i, json) in rows.iter().enumerate() {
            match map_row(
                &mut Row::parse(json).unwrap(),
                settings,
                NOW_MS,
                &mut hashed,
                &mut Vec::new(),
            ) {
                Ok((key, line)) => batch.add(i, key, line),
                Err(rejection) => batch.reject(
                    i,
                    rejection.key.expect("rows of these tests have an event_id"),
                ),
            }
        }
        batch.finish(settings)
    }

    /// Rows of order `o1` by a@b.c, each with these columns too.
    fn rows(props: &[&str]) -> Vec<String> {
        props
            .iter()
            .map(|p| {
                let email = if p.contains(r#""email""#) { "" } else { r#""email": "a@b.c", "# };
                format!(r#"{{{email}"event": "Purchase", "timestamp": 1684574395, "event_id": "o1", {p}}}"#)
            })
            .collect()
    }

    fn one_event(props: &[&str]) -> Result<Event<'static>, Failure> {
        let rows: &'static [String] = Box::leak(rows(props).into_boxed_slice());
        let settings: &'static Settings = Box::leak(Box::new(settings()));
        let mut events = merged(rows, settings);
        assert_eq!(events.len(), 1);
        events.remove(0).outcome
    }

    fn value_of(props: &[&str]) -> Option<f64> {
        one_event(props).unwrap().properties.value
    }

    #[test]
    fn rows_that_agree_on_the_value_repeat_the_orders_total() {
        assert_eq!(
            value_of(&[
                r#""value": 46, "price": 8, "quantity": 2"#,
                r#""value": 46.0, "price": 30"#
            ]),
            Some(46.0)
        );
    }

    /// `value_is` says what the rows' values are; without it, equal values taken for the
    /// total with nothing to confirm it are flagged, for a warning on the rows.
    #[test]
    fn value_is_decides_and_an_unconfirmed_total_is_flagged() {
        let equal: &'static [String] =
            Box::leak(rows(&[r#""value": 10"#, r#""value": 10"#]).into_boxed_slice());
        let with = |value_is: Option<ValueIs>| {
            let mut settings = settings();
            settings.value_is = value_is;
            let settings: &'static Settings = Box::leak(Box::new(settings));
            let merged = merged(equal, settings).remove(0);
            (
                merged.outcome.unwrap().properties.value,
                merged.assumed.total,
            )
        };
        assert_eq!(with(None), (Some(10.0), true));
        assert_eq!(with(Some(ValueIs::OrderTotal)), (Some(10.0), false));
        assert_eq!(with(Some(ValueIs::LineTotal)), (Some(20.0), false));
        // Prices that confirm the total: no flag.
        let priced: &'static [String] = Box::leak(
            rows(&[r#""value": 20, "price": 10"#, r#""value": 20, "price": 10"#])
                .into_boxed_slice(),
        );
        let settings: &'static Settings = Box::leak(Box::new(settings()));
        assert!(!merged(priced, settings).remove(0).assumed.total);
        // Values that differ cannot repeat a total.
        let mut strict = settings.clone();
        strict.value_is = Some(ValueIs::OrderTotal);
        let strict: &'static Settings = Box::leak(Box::new(strict));
        let differ: &'static [String] =
            Box::leak(rows(&[r#""value": 10"#, r#""value": 12"#]).into_boxed_slice());
        assert_eq!(
            merged(differ, strict).remove(0).outcome.unwrap_err(),
            Failure::Event("value: the rows of this order carry different values, but value_is is order_total (each row repeats the order's total)".into())
        );
    }

    /// Two items of 10 each, each row saying 10: the order is 20, as its prices show.
    #[test]
    fn equal_line_values_that_the_prices_add_up_to_are_not_a_total() {
        assert_eq!(
            value_of(&[
                r#""value": 10, "price": 10"#,
                r#""value": 10, "price": 5, "quantity": 2"#
            ]),
            Some(20.0)
        );
        // The same rows saying 20 each repeat the total.
        assert_eq!(
            value_of(&[
                r#""value": 20, "price": 10"#,
                r#""value": 20, "price": 5, "quantity": 2"#
            ]),
            Some(20.0)
        );
        // Without prices, nothing tells them apart: a repeated total.
        assert_eq!(value_of(&[r#""value": 10"#, r#""value": 10"#]), Some(10.0));
    }

    #[test]
    fn rows_with_different_values_are_line_values_and_add_up() {
        assert_eq!(value_of(&[r#""value": 0.1"#, r#""value": 0.2"#]), Some(0.3));
        assert_eq!(
            value_of(&[r#""value": 16"#, r#""value": 30"#, r#""value": 16"#]),
            Some(62.0)
        );
    }

    #[test]
    fn without_values_prices_times_quantities_add_up() {
        assert_eq!(
            value_of(&[r#""price": 8, "quantity": 2"#, r#""price": 30"#]),
            Some(46.0)
        );
        assert_eq!(value_of(&[r#""price": 19.99, "quantity": 3"#]), Some(59.97));
        // A row without a price adds nothing.
        assert_eq!(
            value_of(&[r#""price": 5"#, r#""content_id": "free-gift""#]),
            Some(5.0)
        );
    }

    #[test]
    fn a_value_of_zero_is_a_value() {
        assert_eq!(value_of(&[r#""value": 0"#]), Some(0.0));
        assert_eq!(value_of(&[r#""price": 0, "quantity": 3"#]), Some(0.0));
        let event = one_event(&[r#""value": 0"#]).unwrap();
        assert_eq!(event.properties.currency, Some(Currency::USD));
    }

    #[test]
    fn no_value_and_no_price_is_no_value_and_no_currency() {
        let event = one_event(&[r#""content_id": "sku-1""#, r#""order_id": "o1""#]).unwrap();
        assert_eq!(
            (event.properties.value, event.properties.currency),
            (None, None)
        );
        // A currency given by a row is still sent.
        let event = one_event(&[r#""currency": "EUR""#]).unwrap();
        assert_eq!(
            (event.properties.value, event.properties.currency),
            (None, Some(Currency::parse("EUR").unwrap()))
        );
    }

    #[test]
    fn totals_too_large_for_a_number_reject_the_event() {
        assert_eq!(
            one_event(&[r#""value": 1e308"#, r#""value": 1.5e308"#]),
            Err(Failure::Event(
                "value: the total of this event is too large".into()
            ))
        );
        assert_eq!(
            one_event(&[r#""price": 1e308, "quantity": 10"#]),
            Err(Failure::Event(
                "value: the total of this event is too large".into()
            ))
        );
    }

    #[test]
    fn event_fields_come_from_the_first_row_that_has_them() {
        let event = one_event(&[
            r#""content_id": "a""#,
            r#""order_id": "o1", "shop_id": 17, "description": "first", "currency": "eur", "content_id": "b""#,
            r#""order_id": "o2", "shop_id": 18, "description": "second", "content_type": "product_group""#,
        ])
        .unwrap();
        let p = &event.properties;
        assert_eq!(
            (p.order_id.as_deref(), p.shop_id.as_deref()),
            (Some("o1"), Some("17"))
        );
        assert_eq!(p.description.as_deref(), Some("first"));
        assert_eq!(p.currency.map(|c| c.as_str()), Some("EUR"));
        assert_eq!(p.content_type, Some(ContentType::ProductGroup));
        let ids: Vec<_> = p.contents.iter().map(|i| i.content_id.as_deref()).collect();
        assert_eq!(ids, [Some("a"), Some("b")]);
    }

    #[test]
    fn content_type_is_product_when_there_are_items() {
        assert_eq!(
            one_event(&[r#""price": 1"#])
                .unwrap()
                .properties
                .content_type,
            Some(ContentType::Product)
        );
        assert_eq!(
            one_event(&[r#""value": 1"#])
                .unwrap()
                .properties
                .content_type,
            None
        );
    }

    #[test]
    fn different_currencies_reject_the_event() {
        assert_eq!(
            one_event(&[
                r#""currency": "USD", "price": 1"#,
                r#""price": 2"#,
                r#""currency": "EUR", "price": 3"#
            ]),
            Err(Failure::Event(
                "currency: rows of this event have different currencies".into()
            ))
        );
        // A row without a currency takes the event's.
        let event = one_event(&[r#""currency": "EUR", "price": 1"#, r#""price": 2"#]).unwrap();
        assert_eq!(event.properties.currency.map(|c| c.as_str()), Some("EUR"));
    }

    #[test]
    fn identifiers_are_united_in_order_of_first_appearance() {
        let event = one_event(&[
            r#""email": ["x@y.z", "a@b.c"]"#,
            r#""email": "A@B.C", "phone": "+12133734253""#,
        ])
        .unwrap();
        let emails: Vec<&str> = event.user.email.iter().map(|h| h.as_str()).collect();
        assert_eq!(
            emails,
            [
                crate::normalize::email("x@y.z").unwrap().as_str(),
                crate::normalize::email("a@b.c").unwrap().as_str()
            ]
        );
        assert_eq!(event.user.phone.len(), 1);
    }

    #[test]
    fn more_than_twenty_emails_across_the_rows_reject_the_event() {
        let emails = |from: usize| {
            let list: Vec<String> = (from..from + 15).map(|i| format!("\"u{i}@x.y\"")).collect();
            format!(r#""email": [{}]"#, list.join(","))
        };
        assert_eq!(
            one_event(&[&emails(0), &emails(10)]),
            Err(Failure::Event(
                "email: more than 20 distinct values in one event (this destination's limit; TikTok's is unconfirmed)"
                    .into()
            ))
        );
    }

    #[test]
    fn a_rejected_row_holds_back_its_event() {
        let rows = rows(&[
            r#""price": 1"#,
            r#""price": "free""#,
            r#""price": -1"#,
            r#""price": 2"#,
        ]);
        let settings = settings();
        let events = merged(&rows, &settings);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].rows, [0, 1, 2, 3]);
        assert_eq!(events[0].outcome, Err(Failure::Row(1)));
    }

    #[test]
    fn events_are_keyed_by_set_event_and_id_in_order_of_first_row() {
        let settings = settings();
        let rows: Vec<String> = [
            r#""event_id": "b", "event": "Purchase""#,
            r#""event_id": "a", "event": "Purchase""#,
            r#""event_id": "b", "event": "Lead""#,
            r#""event_id": "b", "event": "Purchase", "event_set_id": "999""#,
            r#""event_id": "a", "event": "purchase""#,
            r#""event_id": "b", "event": "Purchase""#,
        ]
        .iter()
        .map(|p| format!(r#"{{"email": "a@b.c", "timestamp": 1684574395, {p}}}"#))
        .collect();
        let events = merged(&rows, &settings);
        let shape: Vec<(&str, &str, &str, Vec<usize>)> = events
            .iter()
            .map(|m| {
                let e = m.outcome.as_ref().unwrap();
                (
                    m.event_set.as_ref(),
                    e.event.as_str(),
                    e.event_id.as_ref(),
                    m.rows.clone(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("123", "Purchase", "b", vec![0, 5]),
                ("123", "Purchase", "a", vec![1, 4]),
                ("123", "Lead", "b", vec![2]),
                ("999", "Purchase", "b", vec![3]),
            ]
        );
    }
}
