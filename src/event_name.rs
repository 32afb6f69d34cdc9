//! TikTok's standard event names that offline event sets accept.

use std::fmt;

/// The names TikTok's help page "supported events for offline event sets" lists, plus
/// `Purchase` (the Events 2.0 offline example) and `Lead` (the offline upload list),
/// which are replacing `CompletePayment` and `SubmitForm` on dates TikTok has not
/// confirmed: all are accepted until it does.
pub const STANDARD: [&str; 16] = [
    "AddPaymentInfo",
    "AddToCart",
    "AddToWishlist",
    "ClickButton",
    "CompletePayment",
    "CompleteRegistration",
    "Contact",
    "Download",
    "InitiateCheckout",
    "Lead",
    "PlaceAnOrder",
    "Purchase",
    "Search",
    "SubmitForm",
    "Subscribe",
    "ViewContent",
];

/// Standard events TikTok lists for web pixels only: an offline event set refuses them,
/// and the reason says so rather than calling them unknown.
const WEB_ONLY: [&str; 6] = [
    "ApplicationApproval",
    "CustomizeProduct",
    "FindLocation",
    "Schedule",
    "StartTrial",
    "SubmitApplication",
];

/// A name's slot in [`BY_SLOT`], ignoring ASCII case. The multipliers were picked so
/// that no two standard events share a slot, which building the table checks.
const fn slot(len: usize, first: u8, last: u8) -> usize {
    len.wrapping_mul(2)
        .wrapping_add((first | 0x20) as usize * 36)
        .wrapping_add((last | 0x20) as usize)
        & 63
}

/// The standard event a name may be, by [`slot`]: its index in [`STANDARD`].
const BY_SLOT: [Option<u8>; 64] = {
    let mut table = [None; 64];
    let mut i = 0;
    while i < STANDARD.len() {
        let name = STANDARD[i].as_bytes();
        let at = slot(name.len(), name[0], name[name.len() - 1]);
        assert!(table[at].is_none(), "two standard events share a slot");
        table[at] = Some(i as u8);
        i += 1;
    }
    table
};

/// [`STANDARD`] in lowercase, for comparing a name a word at a time.
const LOWERCASE: [[u8; LONGEST]; STANDARD.len()] = {
    let mut table = [[0; LONGEST]; STANDARD.len()];
    let mut i = 0;
    while i < STANDARD.len() {
        let name = STANDARD[i].as_bytes();
        let mut j = 0;
        while j < name.len() {
            table[i][j] = name[j].to_ascii_lowercase();
            j += 1;
        }
        i += 1;
    }
    table
};

/// The length of the longest standard name, `CompleteRegistration`.
const LONGEST: usize = 20;

/// A standard event, in TikTok's (case-sensitive) spelling. Kept as its index in
/// [`STANDARD`]: every row's event key compares and hashes it, and a string would be a
/// `memcmp` call (a byte loop in WebAssembly) where this is one byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventName(u8);

impl EventName {
    /// Case-insensitive: `purchase` and `PURCHASE` are sent as `Purchase`.
    /// One table slot, then one comparison: every row's event is looked up.
    pub fn parse(name: &str) -> Option<EventName> {
        let name = crate::row::trim(name);
        let (&first, &last) = (name.as_bytes().first()?, name.as_bytes().last()?);
        let index = BY_SLOT[slot(name.len(), first, last)]?;
        let index = usize::from(index);
        let lower = &LOWERCASE[index][..STANDARD[index].len()];
        crate::hot::bytes::equal_to_lowercase(name.as_bytes(), lower)
            .then_some(EventName(index as u8))
    }

    pub fn as_str(&self) -> &'static str {
        STANDARD[usize::from(self.0)]
    }
}

impl fmt::Debug for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EventName").field(&self.as_str()).finish()
    }
}

/// Why a name is not a standard event of offline sets. Event names are not PII, so the
/// name is echoed, shortened so that a misplaced column cannot flood a reason.
pub fn not_standard(name: &str) -> String {
    const SHOWN: usize = 40;
    let name = crate::row::trim(name);
    if let Some(web) = WEB_ONLY.iter().find(|web| web.eq_ignore_ascii_case(name)) {
        return format!(
            "'{web}' is a TikTok standard event for web pixels only; offline event sets do not accept it"
        );
    }
    match name.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("'{}…' is not a TikTok standard event", &name[..cut]),
        None => format!("'{name}' is not a TikTok standard event"),
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for EventName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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
            for written in [name.to_string(), name.to_lowercase(), name.to_uppercase()] {
                assert_eq!(EventName::parse(&written).map(|e| e.as_str()), Some(name));
            }
        }
    }

    #[test]
    fn custom_and_near_miss_names_are_not_standard() {
        assert_eq!(EventName::parse("Add To Cart"), None);
        assert_eq!(EventName::parse("Refund"), None);
        assert_eq!(EventName::parse("CompletePayments"), None);
        assert_eq!(EventName::parse(""), None);
        // Longer than any standard name, in the slot of one.
        assert_eq!(EventName::parse(&format!("P{}e", "x".repeat(40))), None);
        for name in STANDARD {
            assert_eq!(EventName::parse(&format!("{name}{}", "s".repeat(30))), None);
        }
    }

    /// TikTok's offline list, in its casing, and the six names of its web-only list.
    #[test]
    fn offline_sets_take_tiktoks_offline_names_and_web_only_names_say_so() {
        let offline = [
            "CompletePayment",
            "Contact",
            "Subscribe",
            "SubmitForm",
            "AddPaymentInfo",
            "AddToCart",
            "AddToWishlist",
            "ClickButton",
            "CompleteRegistration",
            "Download",
            "InitiateCheckout",
            "PlaceAnOrder",
            "Search",
            "ViewContent",
            "Purchase",
            "Lead",
        ];
        for name in offline {
            assert_eq!(EventName::parse(name).map(|e| e.as_str()), Some(name));
        }
        assert_eq!(STANDARD.len(), offline.len());
        for web in [
            "ApplicationApproval",
            "CustomizeProduct",
            "FindLocation",
            "Schedule",
            "StartTrial",
            "SubmitApplication",
        ] {
            assert_eq!(EventName::parse(web), None, "{web}");
            assert_eq!(
                not_standard(&web.to_lowercase()),
                format!(
                    "'{web}' is a TikTok standard event for web pixels only; offline event sets do not accept it"
                )
            );
        }
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
