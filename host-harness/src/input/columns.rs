//! The columns a destination reads, learnt from its spec (`record-fields`), so that the
//! host and the component read a row's columns by one definition.
//!
//! Column names match ignoring ASCII case (warehouses such as Snowflake upper-case
//! unquoted names), as the component matches them. The host canonicalises CSV header
//! names to the spec's spelling, finds each row's order key ([`ORDER_KEY`]) by the same
//! rule in CSV and NDJSON, and refuses a header naming one column twice in two cases.

use crate::bindings::guest::Spec;

/// The column whose value groups rows into one order (one event): rows sharing it must
/// reach the component in the same batch. The contract's `prepared-event.event-id`.
pub const ORDER_KEY: &str = "event_id";

/// The destination's column names, as its spec spells them.
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<String>,
    /// The spec's spelling of [`ORDER_KEY`], when the destination reads one.
    order_key: Option<usize>,
}

impl Columns {
    pub fn new(names: impl IntoIterator<Item = impl Into<String>>) -> Columns {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let order_key = names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(ORDER_KEY));
        Columns { names, order_key }
    }

    /// The columns `spec` declares.
    pub fn of(spec: &Spec) -> Columns {
        Columns::new(spec.record_fields.iter().map(|field| field.name.clone()))
    }

    /// `name` as the spec spells it, or `None` for a column the destination does not read.
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|known| known.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    /// Whether `name` is the order key, in any case.
    pub fn is_order_key(&self, name: &str) -> bool {
        self.order_key
            .is_some_and(|index| self.names[index].eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_ascii_case_and_take_the_spec_spelling() {
        let columns = Columns::new(["email", "event_id"]);
        assert_eq!(columns.canonical("EMAIL"), Some("email"));
        assert_eq!(columns.canonical("Event_Id"), Some("event_id"));
        assert_eq!(columns.canonical("sku"), None);
        assert!(columns.is_order_key("EVENT_ID"));
        assert!(!columns.is_order_key("email"));
    }

    #[test]
    fn a_destination_without_the_order_key_groups_nothing() {
        let columns = Columns::new(["email"]);
        assert!(!columns.is_order_key("event_id"));
    }
}
