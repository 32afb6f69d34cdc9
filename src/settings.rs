//! The destination's settings: one table ([`FIELDS`]) that both `describe-settings`
//! ([`fields`]) and the parser ([`Settings::parse`]) read, so the two cannot disagree.

use std::fmt;

use crate::contract::{FieldError, FieldType, Setting, SettingField, SettingValue};
use crate::currency::{self, Currency};
use crate::event_name::{self, EventName};
use crate::phone::Country;
use crate::request::MAX_EVENTS_PER_REQUEST;

/// Events per request unless `batch_size` says fewer: TikTok's maximum.
pub const DEFAULT_BATCH_SIZE: usize = MAX_EVENTS_PER_REQUEST;

/// The settings, typed and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub access_token: AccessToken,
    /// Digits only (checked).
    pub advertiser_id: Option<String>,
    /// Digits only (checked). Rows may carry their own `event_set_id`.
    pub event_set_id: Option<String>,
    pub event_set_name: Option<String>,
    pub auto_tracking: bool,
    pub allow_business_users: bool,
    pub allow_limited_pii_access: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The event of rows that have no `event` column.
    pub event_name: Option<EventName>,
    /// The country of phone numbers written without a country code.
    pub default_phone_country: Option<Country>,
    /// The currency of rows that have none.
    pub default_currency: DefaultCurrency,
    pub test_event_code: Option<String>,
    /// Sent at the top level of every request, as TikTok's partners' connectors do.
    pub partner_name: Option<String>,
    /// Events per request, 1 to [`MAX_EVENTS_PER_REQUEST`] (checked).
    pub batch_size: usize,
    /// What the `value` of an order's rows is; `None`: told by the rows.
    pub value_is: Option<ValueIs>,
}

/// What the `value` column of an order's rows holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueIs {
    /// The order's total, repeated on each row: sent once.
    OrderTotal,
    /// Each row's own line value: summed.
    LineTotal,
}

/// The `value_is` options, in [`ValueIs`]'s order.
const VALUE_IS: [&str; 2] = ["order_total", "line_total"];

/// The currency of a value whose rows name none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultCurrency {
    /// The `default_currency` setting.
    Chosen(Currency),
    /// Not set: USD, which may not be the retailer's, so each row sent in it says so.
    Unset,
}

impl DefaultCurrency {
    pub fn currency(self) -> Currency {
        match self {
            DefaultCurrency::Chosen(currency) => currency,
            DefaultCurrency::Unset => Currency::USD,
        }
    }
}

/// The access token: its `Debug` and `Display` never show it, so it cannot leak into a
/// log line or an error by accident; [`AccessToken::expose`] is the one way to read it.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The keys, in the order of [`FIELDS`] (a test checks it): `Key as usize` indexes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    AccessToken,
    AdvertiserId,
    EventSetId,
    EventSetName,
    AutoTracking,
    AllowBusinessUsers,
    AllowLimitedPiiAccess,
    Name,
    Description,
    EventName,
    DefaultPhoneCountry,
    DefaultCurrency,
    TestEventCode,
    PartnerName,
    BatchSize,
    ValueIs,
}

/// What a field holds; decides its UI type, its default and how it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Secret,
    /// A TikTok id: digits, always as text.
    Id,
    Text,
    /// A boolean, false when absent.
    Flag,
    BatchSize,
    Event,
    Country,
    Currency,
    ValueIs,
}

struct Field {
    key: Key,
    name: &'static str,
    label: &'static str,
    description: &'static str,
    kind: Kind,
    required: bool,
}

const FIELDS: [Field; 16] = [
    Field {
        key: Key::AccessToken,
        name: "access_token",
        label: "Access token",
        description: "A TikTok for Business access token: authorised for the ad account (Admin or Operator role), or generated for one offline event set in Events Manager.",
        kind: Kind::Secret,
        required: true,
    },
    Field {
        key: Key::AdvertiserId,
        name: "advertiser_id",
        label: "Advertiser ID",
        description: "The ad account's id (digits). Needed to look up or create the event set by name.",
        kind: Kind::Id,
        required: false,
    },
    Field {
        key: Key::EventSetId,
        name: "event_set_id",
        label: "Offline event set ID",
        description: "The offline event set that receives the events (digits; a pixel code does not work). Leave empty to use event_set_name.",
        kind: Kind::Id,
        required: false,
    },
    Field {
        key: Key::EventSetName,
        name: "event_set_name",
        label: "Offline event set name",
        description: "With advertiser_id and no event_set_id: validation finds the offline event set of this name, or creates it.",
        kind: Kind::Text,
        required: false,
    },
    Field {
        key: Key::AutoTracking,
        name: "auto_tracking",
        label: "Track all campaigns with this event set",
        description: "When validation creates the event set: make every future campaign of the ad account use it for tracking and attribution.",
        kind: Kind::Flag,
        required: false,
    },
    Field {
        key: Key::AllowBusinessUsers,
        name: "allow_business_users",
        label: "Allow business users",
        description: "Let CDP users with the business role run this destination; otherwise only workspace admins may. Enforced by the host.",
        kind: Kind::Flag,
        required: false,
    },
    Field {
        key: Key::AllowLimitedPiiAccess,
        name: "allow_limited_pii_access",
        label: "Allow limited PII access",
        description: "Also let business users whose access to customer data (PII) is restricted run it (needs allow_business_users). Enforced by the host.",
        kind: Kind::Flag,
        required: false,
    },
    Field {
        key: Key::Name,
        name: "name",
        label: "Connection name",
        description: "A name for this connection, shown in lists and logs.",
        kind: Kind::Text,
        required: false,
    },
    Field {
        key: Key::Description,
        name: "description",
        label: "Event set description",
        description: "The description of an event set that validation creates.",
        kind: Kind::Text,
        required: false,
    },
    Field {
        key: Key::EventName,
        name: "event_name",
        label: "Event",
        description: "The TikTok standard event of rows that have no event column, e.g. Purchase.",
        kind: Kind::Event,
        required: false,
    },
    Field {
        key: Key::DefaultPhoneCountry,
        name: "default_phone_country",
        label: "Default phone country",
        description: "ISO 3166-1 alpha-2 code (e.g. US) of phone numbers written without a country code, for rows that have no country column. Without it such numbers are not used: a guessed country matches nobody.",
        kind: Kind::Country,
        required: false,
    },
    Field {
        key: Key::DefaultCurrency,
        name: "default_currency",
        label: "Default currency",
        description: "The ISO 4217 currency of rows that have a value or prices but no currency column. When it is not set, such rows are sent in USD, each with a warning: set it to your currency.",
        kind: Kind::Currency,
        required: false,
    },
    Field {
        key: Key::TestEventCode,
        name: "test_event_code",
        label: "Test event code",
        description: "From Events Manager's test tool: events then show up there. Remove it for production.",
        kind: Kind::Text,
        required: false,
    },
    Field {
        key: Key::PartnerName,
        name: "partner_name",
        label: "Partner name",
        description: "Your platform's name as TikTok knows it, if it is a TikTok partner: sent at the top level of every request, as partners' connectors do. Leave it empty otherwise.",
        kind: Kind::Text,
        required: false,
    },
    Field {
        key: Key::BatchSize,
        name: "batch_size",
        label: "Events per request",
        description: "At most this many events per request to TikTok, 1 to 1000.",
        kind: Kind::BatchSize,
        required: false,
    },
    Field {
        key: Key::ValueIs,
        name: "value_is",
        label: "The value column holds",
        description: "order_total: each row of an order repeats the order's total; line_total: each row carries its own line's value, summed. When not set, rows that agree are a repeated total (with a warning, unless their items' prices confirm it), rows that differ or whose prices add up to their sum are line values.",
        kind: Kind::ValueIs,
        required: false,
    },
];

/// The settings as `describe-settings` shows them.
pub fn fields() -> Vec<SettingField> {
    FIELDS.iter().map(Field::describe).collect()
}

impl Field {
    fn describe(&self) -> SettingField {
        let (field_type, default, options) = match self.kind {
            Kind::Secret | Kind::Id | Kind::Text | Kind::Country => (FieldType::Text, None, vec![]),
            Kind::Flag => (
                FieldType::Boolean,
                Some(SettingValue::Boolean(false)),
                vec![],
            ),
            Kind::BatchSize => (
                FieldType::Integer,
                Some(SettingValue::Integer(DEFAULT_BATCH_SIZE as i64)),
                vec![],
            ),
            Kind::Event => (FieldType::Choice, None, event_name::STANDARD.to_vec()),
            // No default: a form that filled in USD would make USD look chosen, and the
            // rows it is assumed for would lose their warning.
            Kind::Currency => (FieldType::Choice, None, currency::CODES.to_vec()),
            Kind::ValueIs => (FieldType::Choice, None, VALUE_IS.to_vec()),
        };
        SettingField {
            key: self.name.into(),
            label: self.label.into(),
            description: self.description.into(),
            field_type,
            required: self.required,
            secret: self.kind == Kind::Secret,
            default,
            options: options.into_iter().map(String::from).collect(),
        }
    }
}

impl Settings {
    /// Reads every setting; all problems are reported at once, one per field.
    pub fn parse(settings: &[Setting]) -> Result<Settings, Vec<FieldError>> {
        let mut input = Input::collect(settings);
        let access_token = input.take(Key::AccessToken, |v| token(v).map(|t| t.map(AccessToken)));
        let parsed = Settings {
            access_token: AccessToken(String::new()),
            advertiser_id: input.take(Key::AdvertiserId, id),
            event_set_id: input.take(Key::EventSetId, id),
            event_set_name: input.take(Key::EventSetName, text),
            auto_tracking: input.take(Key::AutoTracking, flag).unwrap_or(false),
            allow_business_users: input.take(Key::AllowBusinessUsers, flag).unwrap_or(false),
            allow_limited_pii_access: input
                .take(Key::AllowLimitedPiiAccess, flag)
                .unwrap_or(false),
            name: input.take(Key::Name, text),
            description: input.take(Key::Description, text),
            event_name: input.take(Key::EventName, event),
            default_phone_country: input.take(Key::DefaultPhoneCountry, country),
            default_currency: input
                .take(Key::DefaultCurrency, currency)
                .map_or(DefaultCurrency::Unset, DefaultCurrency::Chosen),
            test_event_code: input.take(Key::TestEventCode, text),
            partner_name: input.take(Key::PartnerName, text),
            batch_size: input
                .take(Key::BatchSize, batch_size)
                .unwrap_or(DEFAULT_BATCH_SIZE),
            value_is: input.take(Key::ValueIs, value_is),
        };
        match access_token {
            Some(access_token) if input.errors.is_empty() => Ok(Settings {
                access_token,
                ..parsed
            }),
            _ => Err(input.errors),
        }
    }

    /// Validation's extra rule: it must know the event set, by id or by advertiser and
    /// name. Transform does not need it: rows may name their own event set.
    pub fn require_event_set(&self) -> Result<(), Vec<FieldError>> {
        match (
            &self.event_set_id,
            &self.advertiser_id,
            &self.event_set_name,
        ) {
            (Some(_), _, _) | (None, Some(_), Some(_)) => Ok(()),
            (None, None, Some(_)) => Err(vec![FieldError::new(
                "advertiser_id",
                "required to find or create the event set named by event_set_name",
            )]),
            (None, _, None) => Err(vec![
                FieldError::new(
                    "event_set_id",
                    "required unless advertiser_id and event_set_name are set",
                ),
                FieldError::new(
                    "event_set_name",
                    "required, with advertiser_id, unless event_set_id is set",
                ),
            ]),
        }
    }
}

/// The settings by key, and the problems found so far.
struct Input<'a> {
    values: [Option<&'a SettingValue>; FIELDS.len()],
    errors: Vec<FieldError>,
}

impl<'a> Input<'a> {
    fn collect(settings: &'a [Setting]) -> Input<'a> {
        let mut input = Input {
            values: [None; FIELDS.len()],
            errors: Vec::new(),
        };
        for setting in settings {
            let Some(field) = FIELDS.iter().find(|f| f.name == setting.key) else {
                input
                    .errors
                    .push(FieldError::new(&setting.key, "unknown setting"));
                continue;
            };
            let slot = &mut input.values[field.key as usize];
            if slot.is_some() {
                input
                    .errors
                    .push(FieldError::new(field.name, "set more than once"));
            }
            *slot = Some(&setting.value);
        }
        input
    }

    /// The typed value of one field; `None` when absent (or invalid: the error is kept).
    fn take<T>(
        &mut self,
        key: Key,
        parse: impl Fn(&SettingValue) -> Result<Option<T>, String>,
    ) -> Option<T> {
        let field = &FIELDS[key as usize];
        let parsed = match self.values[key as usize] {
            Some(value) => parse(value),
            None => Ok(None),
        };
        match parsed {
            Ok(None) if field.required => {
                self.errors.push(FieldError::new(field.name, "required"));
                None
            }
            Ok(value) => value,
            Err(message) => {
                self.errors.push(FieldError::new(field.name, message));
                None
            }
        }
    }
}

/// Text, trimmed; empty text is the same as no setting.
fn text(value: &SettingValue) -> Result<Option<String>, String> {
    match value {
        SettingValue::Text(t) if t.trim().is_empty() => Ok(None),
        SettingValue::Text(t) => Ok(Some(t.trim().to_string())),
        _ => Err("must be text".into()),
    }
}

/// The longest access token accepted: TikTok's are 40 characters; this leaves room for
/// other formats and catches a whole file pasted by mistake.
const MAX_TOKEN_CHARS: usize = 512;

/// A token goes into an HTTP header as is: printable ASCII, nothing between its
/// characters (a line break pasted inside it would fail every request as if TikTok
/// were down). Surrounding whitespace is trimmed, as for every text.
fn token(value: &SettingValue) -> Result<Option<String>, String> {
    let Some(token) = text(value)? else {
        return Ok(None);
    };
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be printable ASCII without spaces or line breaks: check for a character pasted with the token".into());
    }
    if token.len() > MAX_TOKEN_CHARS {
        return Err(format!("must be at most {MAX_TOKEN_CHARS} characters"));
    }
    Ok(Some(token))
}

fn id(value: &SettingValue) -> Result<Option<String>, String> {
    match value {
        SettingValue::Integer(_) => {
            Err("must be text: put the id in quotes (ids exceed 2^53, and numbers lose digits on the way)".into())
        }
        value => match text(value)? {
            Some(t) if !t.bytes().all(|b| b.is_ascii_digit()) => Err("must contain digits only".into()),
            t => Ok(t),
        },
    }
}

fn flag(value: &SettingValue) -> Result<Option<bool>, String> {
    const RULE: &str = "must be true or false";
    match value {
        SettingValue::Boolean(b) => Ok(Some(*b)),
        SettingValue::Integer(_) => Err(RULE.into()),
        SettingValue::Text(_) => match text(value)? {
            None => Ok(None),
            Some(t) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(t) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(RULE.into()),
        },
    }
}

fn batch_size(value: &SettingValue) -> Result<Option<usize>, String> {
    let rule = || format!("must be a whole number from 1 to {MAX_EVENTS_PER_REQUEST}");
    let size = match value {
        SettingValue::Integer(n) => *n,
        SettingValue::Text(_) => match text(value)? {
            None => return Ok(None),
            Some(t) => t.parse::<i64>().map_err(|_| rule())?,
        },
        SettingValue::Boolean(_) => return Err(rule()),
    };
    match usize::try_from(size) {
        Ok(size) if (1..=MAX_EVENTS_PER_REQUEST).contains(&size) => Ok(Some(size)),
        _ => Err(rule()),
    }
}

fn event(value: &SettingValue) -> Result<Option<EventName>, String> {
    match text(value)? {
        None => Ok(None),
        Some(t) => EventName::parse(&t)
            .map(Some)
            .ok_or_else(|| event_name::not_standard(&t)),
    }
}

fn country(value: &SettingValue) -> Result<Option<Country>, String> {
    match text(value)? {
        None => Ok(None),
        Some(t) => Country::parse(&t).map(Some).ok_or_else(|| {
            "must be an ISO 3166-1 alpha-2 country code this destination knows, e.g. US".into()
        }),
    }
}

fn currency(value: &SettingValue) -> Result<Option<Currency>, String> {
    match text(value)? {
        None => Ok(None),
        Some(t) => Currency::parse(&t).map(Some).ok_or_else(|| {
            "must be an ISO 4217 currency code that TikTok accepts, e.g. USD".into()
        }),
    }
}

fn value_is(value: &SettingValue) -> Result<Option<ValueIs>, String> {
    match text(value)?.as_deref() {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case(VALUE_IS[0]) => Ok(Some(ValueIs::OrderTotal)),
        Some(t) if t.eq_ignore_ascii_case(VALUE_IS[1]) => Ok(Some(ValueIs::LineTotal)),
        Some(_) => Err("must be order_total or line_total".into()),
    }
}

/// Typed settings from text pairs, for the crate's tests.
#[cfg(test)]
pub(crate) fn from_text(pairs: &[(&str, &str)]) -> Settings {
    let settings: Vec<Setting> = pairs
        .iter()
        .map(|(k, v)| Setting {
            key: k.to_string(),
            value: SettingValue::Text(v.to_string()),
        })
        .collect();
    Settings::parse(&settings).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_setting(key: &str, value: &str) -> Setting {
        Setting {
            key: key.into(),
            value: SettingValue::Text(value.into()),
        }
    }

    fn setting(key: &str, value: SettingValue) -> Setting {
        Setting {
            key: key.into(),
            value,
        }
    }

    fn token() -> Setting {
        text_setting("access_token", "tok-secret-123")
    }

    fn errors(settings: &[Setting]) -> Vec<(String, String)> {
        Settings::parse(settings)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.key, e.message))
            .collect()
    }

    fn pair(key: &str, message: &str) -> (String, String) {
        (key.to_string(), message.to_string())
    }

    #[test]
    fn the_table_is_indexed_by_key() {
        for (i, field) in FIELDS.iter().enumerate() {
            assert_eq!(field.key as usize, i, "{}", field.name);
        }
    }

    #[test]
    fn only_the_token_is_required_and_defaults_apply() {
        let s = Settings::parse(&[token()]).unwrap();
        assert_eq!(s.access_token.expose(), "tok-secret-123");
        assert_eq!(s.batch_size, 1000);
        assert_eq!(s.default_currency, DefaultCurrency::Unset);
        assert_eq!(s.default_currency.currency().as_str(), "USD");
        assert!(!s.auto_tracking && !s.allow_business_users && !s.allow_limited_pii_access);
        assert_eq!(
            (
                s.event_set_id,
                s.advertiser_id,
                s.event_name,
                s.test_event_code
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn every_setting_is_read() {
        let s = Settings::parse(&[
            token(),
            text_setting("advertiser_id", "7000000000000000001"),
            text_setting("event_set_id", " 7181537436256731137 "),
            text_setting("event_set_name", "Store sales"),
            setting("auto_tracking", SettingValue::Boolean(true)),
            text_setting("allow_business_users", "TRUE"),
            setting("allow_limited_pii_access", SettingValue::Boolean(true)),
            text_setting("name", "TikTok EU"),
            text_setting("description", "POS purchases"),
            text_setting("event_name", "completepayment"),
            text_setting("default_phone_country", "gb"),
            text_setting("default_currency", "eur"),
            text_setting("test_event_code", "TEST123"),
            setting("batch_size", SettingValue::Integer(250)),
        ])
        .unwrap();
        assert_eq!(s.advertiser_id.as_deref(), Some("7000000000000000001"));
        assert_eq!(s.event_set_id.as_deref(), Some("7181537436256731137"));
        assert_eq!(s.event_set_name.as_deref(), Some("Store sales"));
        assert!(s.auto_tracking && s.allow_business_users && s.allow_limited_pii_access);
        assert_eq!(s.name.as_deref(), Some("TikTok EU"));
        assert_eq!(s.description.as_deref(), Some("POS purchases"));
        assert_eq!(s.event_name.map(|e| e.as_str()), Some("CompletePayment"));
        assert_eq!(s.default_phone_country.map(|c| c.code()), Some("GB"));
        assert_eq!(s.default_currency.currency().as_str(), "EUR");
        assert_eq!(s.test_event_code.as_deref(), Some("TEST123"));
        assert_eq!(s.batch_size, 250);
    }

    #[test]
    fn batch_size_takes_integers_and_digit_text_from_1_to_1000() {
        let size =
            |value| Settings::parse(&[token(), setting("batch_size", value)]).map(|s| s.batch_size);
        assert_eq!(size(SettingValue::Integer(1)), Ok(1));
        assert_eq!(size(SettingValue::Integer(1000)), Ok(1000));
        assert_eq!(size(SettingValue::Text("500".into())), Ok(500));
        assert_eq!(size(SettingValue::Text("".into())), Ok(1000));
        let rule = vec![FieldError::new(
            "batch_size",
            "must be a whole number from 1 to 1000",
        )];
        for bad in [
            SettingValue::Integer(0),
            SettingValue::Integer(1001),
            SettingValue::Integer(-5),
            SettingValue::Integer(i64::MAX),
            SettingValue::Text("12.5".into()),
            SettingValue::Text("ten".into()),
            SettingValue::Boolean(true),
        ] {
            assert_eq!(size(bad.clone()), Err(rule.clone()), "{bad:?}");
        }
    }

    #[test]
    fn ids_must_be_quoted_digits() {
        assert_eq!(
            errors(&[
                token(),
                setting("event_set_id", SettingValue::Integer(7181537436256731137))
            ]),
            vec![pair(
                "event_set_id",
                "must be text: put the id in quotes (ids exceed 2^53, and numbers lose digits on the way)"
            )]
        );
        assert_eq!(
            errors(&[token(), text_setting("advertiser_id", "act_123")]),
            vec![pair("advertiser_id", "must contain digits only")]
        );
        assert_eq!(
            errors(&[
                token(),
                setting("event_set_id", SettingValue::Boolean(true))
            ]),
            vec![pair("event_set_id", "must be text")]
        );
    }

    #[test]
    fn booleans_take_booleans_and_true_false_text() {
        let flag = |value| {
            Settings::parse(&[token(), setting("auto_tracking", value)]).map(|s| s.auto_tracking)
        };
        assert_eq!(flag(SettingValue::Boolean(true)), Ok(true));
        assert_eq!(flag(SettingValue::Text("False".into())), Ok(false));
        assert_eq!(flag(SettingValue::Text(" ".into())), Ok(false));
        let rule = Err(vec![FieldError::new(
            "auto_tracking",
            "must be true or false",
        )]);
        assert_eq!(flag(SettingValue::Text("yes".into())), rule);
        assert_eq!(flag(SettingValue::Integer(1)), rule);
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        assert_eq!(
            errors(&[
                text_setting("acces_token", "typo"),
                text_setting("event_name", "Refund"),
                text_setting("default_phone_country", "Atlantis"),
                text_setting("default_currency", "BTC"),
                setting("name", SettingValue::Integer(3)),
                setting("batch_size", SettingValue::Integer(5000)),
            ]),
            vec![
                pair("acces_token", "unknown setting"),
                pair("access_token", "required"),
                pair("name", "must be text"),
                pair("event_name", "'Refund' is not a TikTok standard event"),
                pair(
                    "default_phone_country",
                    "must be an ISO 3166-1 alpha-2 country code this destination knows, e.g. US"
                ),
                pair(
                    "default_currency",
                    "must be an ISO 4217 currency code that TikTok accepts, e.g. USD"
                ),
                pair("batch_size", "must be a whole number from 1 to 1000"),
            ]
        );
    }

    #[test]
    fn an_access_token_with_a_space_a_line_break_or_no_end_is_a_settings_error() {
        let rule = "must be printable ASCII without spaces or line breaks: check for a character pasted with the token";
        for pasted in ["tok-secret\n123", "tok secret", "tok\tsecret", "tok-sécret"] {
            assert_eq!(
                errors(&[text_setting("access_token", pasted)]),
                vec![pair("access_token", rule)],
                "{pasted:?}"
            );
        }
        assert_eq!(
            errors(&[text_setting("access_token", &"a".repeat(513))]),
            vec![pair("access_token", "must be at most 512 characters")]
        );
        let trimmed =
            Settings::parse(&[text_setting("access_token", " tok-secret-123\n")]).unwrap();
        assert_eq!(trimmed.access_token.expose(), "tok-secret-123");
    }

    #[test]
    fn empty_text_is_absent_and_a_repeated_key_is_an_error() {
        assert_eq!(
            errors(&[text_setting("access_token", "  ")]),
            vec![pair("access_token", "required")]
        );
        let s = Settings::parse(&[
            token(),
            text_setting("event_set_id", ""),
            text_setting("event_name", ""),
        ])
        .unwrap();
        assert_eq!((s.event_set_id, s.event_name), (None, None));
        assert_eq!(
            errors(&[
                token(),
                text_setting("batch_size", "10"),
                text_setting("batch_size", "20")
            ]),
            vec![pair("batch_size", "set more than once")]
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_or_display() {
        let s = Settings::parse(&[token()]).unwrap();
        assert!(!format!("{s:?}").contains("tok-secret-123"));
        assert_eq!(s.access_token.to_string(), "<redacted>");
        assert_eq!(format!("{:?}", s.access_token), "AccessToken(<redacted>)");
    }

    #[test]
    fn validation_needs_an_event_set_by_id_or_by_advertiser_and_name() {
        let check = |extra: &[Setting]| {
            let mut settings = vec![token()];
            settings.extend_from_slice(extra);
            Settings::parse(&settings)
                .unwrap()
                .require_event_set()
                .map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|e| (e.key, e.message))
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(
            check(&[text_setting("event_set_id", "7181537436256731137")]),
            Ok(())
        );
        assert_eq!(
            check(&[
                text_setting("advertiser_id", "700"),
                text_setting("event_set_name", "Stores")
            ]),
            Ok(())
        );
        assert_eq!(
            check(&[text_setting("event_set_name", "Stores")]),
            Err(vec![pair(
                "advertiser_id",
                "required to find or create the event set named by event_set_name"
            )])
        );
        assert_eq!(
            check(&[text_setting("advertiser_id", "700")]),
            Err(vec![
                pair(
                    "event_set_id",
                    "required unless advertiser_id and event_set_name are set"
                ),
                pair(
                    "event_set_name",
                    "required, with advertiser_id, unless event_set_id is set"
                ),
            ])
        );
    }

    #[test]
    fn the_described_fields_match_the_parser() {
        let described = fields();
        let keys: Vec<&str> = described.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "access_token",
                "advertiser_id",
                "event_set_id",
                "event_set_name",
                "auto_tracking",
                "allow_business_users",
                "allow_limited_pii_access",
                "name",
                "description",
                "event_name",
                "default_phone_country",
                "default_currency",
                "test_event_code",
                "partner_name",
                "batch_size",
                "value_is"
            ]
        );
        let access_token = &described[0];
        assert!(
            access_token.required
                && access_token.secret
                && access_token.field_type == FieldType::Text
        );
        assert_eq!(
            described.iter().filter(|f| f.secret || f.required).count(),
            1
        );
        let event = described.iter().find(|f| f.key == "event_name").unwrap();
        assert_eq!(
            (event.field_type, event.options.len()),
            (FieldType::Choice, 16)
        );
        assert!(event.options.iter().any(|o| o == "Purchase"));
        let country = described
            .iter()
            .find(|f| f.key == "default_phone_country")
            .unwrap();
        assert_eq!(country.field_type, FieldType::Text);
        // Every default and every option is accepted by the parser as it stands.
        for field in &described {
            let mut values: Vec<SettingValue> = field.default.iter().cloned().collect();
            values.extend(
                field
                    .options
                    .iter()
                    .map(|o| SettingValue::Text(o.to_string())),
            );
            for value in values {
                let parsed = Settings::parse(&[token(), setting(&field.key, value.clone())]);
                assert!(parsed.is_ok(), "{} = {value:?}: {parsed:?}", field.key);
            }
        }
    }
}
