//! Properties of identifier normalisation over generated input: normalising twice
//! changes nothing, a hash is never hashed again, and every phone number sent is E.164.

use proptest::prelude::*;
use proptest::sample::Index;
use tiktok_offline_events::normalize::{self, PhoneCountry, Sha256Hex};
use tiktok_offline_events::phone::{Country, to_e164};

/// Countries with different trunk and international prefixes, and none.
fn country() -> impl Strategy<Value = Option<Country>> {
    let codes = [
        "US", "GB", "DE", "FR", "IT", "JP", "IN", "BR", "MX", "AR", "AU", "RU", "KR", "NG", "HU",
        "SM",
    ];
    prop_oneof![
        Just(None),
        proptest::sample::select(codes.to_vec()).prop_map(Country::parse),
    ]
}

/// Phone numbers as people write them: an optional `+`, `00` or trunk `0`, digits with
/// separators between them; and, less often, any jumble of those characters.
fn written_phone() -> impl Strategy<Value = String> {
    let separators = proptest::collection::vec((any::<Index>(), "[ ().-]"), 0..4);
    let plausible = ("(\\+|00|0|\\(\\+)?", "[1-9][0-9]{6,13}", separators).prop_map(
        |(prefix, digits, separators)| {
            let mut parts: Vec<String> = digits.chars().map(String::from).collect();
            for (at, separator) in separators {
                let at = at.index(parts.len());
                parts[at].push_str(&separator);
            }
            format!("{prefix}{}", parts.concat())
        },
    );
    prop_oneof![3 => plausible, 1 => "(\\+|00|\\(\\+)?[0-9 ().-]{4,24}"]
}

/// `^\+[1-9]\d{6,14}$`, spelled out.
fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn hex64() -> impl Strategy<Value = String> {
    "[0-9a-fA-F]{64}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn e164_output_is_e164_and_normalising_it_again_changes_nothing(
        raw in written_phone(),
        country in country(),
    ) {
        if let Ok(e164) = to_e164(&raw, country) {
            prop_assert!(is_e164(&e164), "{raw:?} in {country:?} gave {e164:?}");
            prop_assert_eq!(to_e164(&e164, country), Ok(e164));
            prop_assert_eq!(to_e164(&e164, None), Ok(e164));
        }
    }

    #[test]
    fn any_text_is_a_phone_number_or_an_error_never_a_panic(raw in "\\PC{0,80}") {
        if let Ok(e164) = to_e164(&raw, Country::parse("US")) {
            prop_assert!(is_e164(&e164), "{raw:?} gave {e164:?}");
        }
    }

    #[test]
    fn an_email_hash_is_never_hashed_again(raw in "\\PC{0,40}@\\PC{0,40}") {
        if let Ok(hash) = normalize::email(&raw) {
            prop_assert_eq!(normalize::email(hash.as_str()), Ok(hash));
            let normalised = raw.trim().to_lowercase();
            prop_assert_eq!(normalize::email(&normalised), Ok(hash));
        }
    }

    #[test]
    fn a_phone_hash_is_never_hashed_again(raw in written_phone(), country in country()) {
        let country = country.map_or(PhoneCountry::None, PhoneCountry::Known);
        if let Ok(hash) = normalize::phone(&raw, country) {
            prop_assert_eq!(normalize::phone(hash.as_str(), country), Ok(hash));
        }
    }

    #[test]
    fn a_value_already_hashed_passes_through_lowercased(hex in hex64()) {
        let lower = hex.to_ascii_lowercase();
        let email = normalize::email(&hex).unwrap();
        prop_assert_eq!(email.as_str(), lower.as_str());
        let phone = normalize::phone(&format!(" {hex} "), PhoneCountry::None).unwrap();
        prop_assert_eq!(phone.as_str(), lower.as_str());
        let hashed = Sha256Hex::already_hashed(&lower).unwrap();
        prop_assert_eq!(hashed.as_str(), lower.as_str());
    }
}
