//! TikTok's standard event names: the only events offline event sets accept.

use std::fmt;

/// The union of the names TikTok lists for offline event sets and its newer standard
/// list. `Purchase`/`Lead` are replacing `CompletePayment`/`SubmitForm` and `PlaceAnOrder`
/// is being retired, on dates TikTok has not confirmed: all are accepted until it does.
pub const STANDARD: [&str; 22] = [
    "AddPaymentInfo",
    "AddToCart",
    "AddToWishlist",
    "ApplicationApproval",
    "ClickButton",
    "CompletePayment",
    "CompleteRegistration",
    "Contact",
    "CustomizeProduct",
    "Download",
    "FindLocation",
    "InitiateCheckout",
    "Lead",
    "PlaceAnOrder",
    "Purchase",
    "Schedule",
    "Search",
    "StartTrial",
    "SubmitApplication",
    "SubmitForm",
    "Subscribe",
    "ViewContent",
];

/// A standard event, in TikTok's (case-sensitive) spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventName(&'static str);

impl EventName {
    /// Case-insensitive: `purchase` and `PURCHASE` are sent as `Purchase`.
    pub fn parse(name: &str) -> Option<EventName> {
        let name = crate::row::trim(name);
        STANDARD
            .iter()
            .find(|s| s.eq_ignore_ascii_case(name))
            .map(|s| EventName(s))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// Why a name is not a standard event. Event names are not PII, so the name is echoed,
/// shortened so that a misplaced column cannot flood a reason.
pub fn not_standard(name: &str) -> String {
    const SHOWN: usize = 40;
    let name = crate::row::trim(name);
    match name.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("'{}…' is not a TikTok standard event", &name[..cut]),
        None => format!("'{name}' is not a TikTok standard event"),
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for EventName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_insensitively_and_come_out_in_tiktok_casing() {
        assert_eq!(
            EventName::parse("purchase").map(|e| e.as_str()),
            Some("Purchase")
        );
        assert_eq!(
            EventName::parse("COMPLETEPAYMENT").map(|e| e.as_str()),
            Some("CompletePayment")
        );
        assert_eq!(
            EventName::parse(" addToCart ").map(|e| e.as_str()),
            Some("AddToCart")
        );
        for name in STANDARD {
            assert_eq!(EventName::parse(name).map(|e| e.as_str()), Some(name));
        }
    }

    #[test]
    fn custom_and_near_miss_names_are_not_standard() {
        assert_eq!(EventName::parse("Add To Cart"), None);
        assert_eq!(EventName::parse("Refund"), None);
        assert_eq!(EventName::parse("CompletePayments"), None);
        assert_eq!(EventName::parse(""), None);
    }

    #[test]
    fn long_names_are_cut_in_reasons() {
        assert_eq!(
            not_standard("Refund"),
            "'Refund' is not a TikTok standard event"
        );
        let long = "é".repeat(100);
        assert_eq!(
            not_standard(&long),
            format!("'{}…' is not a TikTok standard event", "é".repeat(40))
        );
    }
}
