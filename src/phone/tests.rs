use super::*;

/// `to_e164` with the country given as an ISO code, `""` for none.
fn e164(raw: &str, country: &str) -> Result<String, PhoneError> {
    let country = (!country.is_empty()).then(|| Country::parse(country).expect("test country"));
    to_e164(raw, country).map(|number| number.to_string())
}

/// Asserts every `(raw, country, expected)` row, reporting all failures at once.
fn assert_all(cases: &[(&str, &str, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(raw, country, expected)| {
            let got = e164(raw, country);
            (got.as_deref() != Ok(expected))
                .then(|| format!("{raw:?} [{country}] → {got:?}, want {expected}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn is_e164(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or("");
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[test]
fn tiktoks_example_is_normalised_and_hashes_to_tiktoks_value() {
    use sha2::{Digest, Sha256};
    let number = e164("(+1)2133734253", "").unwrap();
    assert_eq!(number, "+12133734253");
    let hash: String = Sha256::digest(number.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hash,
        "9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd"
    );
}

#[test]
fn national_and_international_forms_of_18_countries() {
    assert_all(&[
        // US, CA: trunk 1, 10 digits.
        ("(213) 373-4253", "US", "+12133734253"),
        ("1-213-373-4253", "US", "+12133734253"),
        ("+1 213 373 4253", "US", "+12133734253"),
        ("416 555 0199", "CA", "+14165550199"),
        ("1 (416) 555-0199", "CA", "+14165550199"),
        ("+1 416-555-0199", "CA", "+14165550199"),
        // GB: trunk 0.
        ("020 7946 0000", "GB", "+442079460000"),
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "GB", "+447911123456"),
        // DE: trunk 0, variable lengths.
        ("030 123456", "DE", "+4930123456"),
        ("0151 12345678", "DE", "+4915112345678"),
        ("+49 151 12345678", "DE", "+4915112345678"),
        // FR
        ("01 23 45 67 89", "FR", "+33123456789"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        // IT: no trunk prefix, landlines keep their 0, mobiles start with 3.
        ("02 1234 5678", "IT", "+390212345678"),
        ("06 6988 1234", "VA", "+390669881234"),
        ("312 345 6789", "IT", "+393123456789"),
        ("+39 02 1234 5678", "IT", "+390212345678"),
        // ES: no trunk prefix.
        ("912 345 678", "ES", "+34912345678"),
        ("612 34 56 78", "ES", "+34612345678"),
        ("+34 612 34 56 78", "ES", "+34612345678"),
        // NL
        ("020-123 4567", "NL", "+31201234567"),
        ("06-12345678", "NL", "+31612345678"),
        ("+31 6 12345678", "NL", "+31612345678"),
        // BR: 11-digit mobiles, trunk 0 optional, carrier code after it.
        ("(11) 98765-4321", "BR", "+5511987654321"),
        ("011 98765-4321", "BR", "+5511987654321"),
        ("0 21 11 98765-4321", "BR", "+5511987654321"),
        ("(11) 3456-7890", "BR", "+551134567890"),
        ("+55 11 98765-4321", "BR", "+5511987654321"),
        // IN: trunk 0 often left out, 10-digit mobiles.
        ("098765 43210", "IN", "+919876543210"),
        ("98765 43210", "IN", "+919876543210"),
        ("91234 56789", "IN", "+919123456789"),
        ("+91 98765 43210", "IN", "+919876543210"),
        // AU: 04xx mobiles.
        ("0412 345 678", "AU", "+61412345678"),
        ("(02) 9876 5432", "AU", "+61298765432"),
        ("+61 412 345 678", "AU", "+61412345678"),
        // JP
        ("090-1234-5678", "JP", "+819012345678"),
        ("03-1234-5678", "JP", "+81312345678"),
        ("+81 90-1234-5678", "JP", "+819012345678"),
        // MX: 10 digits, no trunk prefix since 2019.
        ("55 1234 5678", "MX", "+525512345678"),
        ("+52 55 1234 5678", "MX", "+525512345678"),
        // CN: mobiles without trunk, landlines with it.
        ("138 0013 8000", "CN", "+8613800138000"),
        ("010 1234 5678", "CN", "+861012345678"),
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        // RU, KZ: trunk 8.
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("912 345 67 89", "RU", "+79123456789"),
        ("8 701 123 4567", "KZ", "+77011234567"),
        ("+7 912 345-67-89", "RU", "+79123456789"),
        // ZA
        ("082 123 4567", "ZA", "+27821234567"),
        ("+27 82 123 4567", "ZA", "+27821234567"),
        // SG: no trunk prefix.
        ("6123 4567", "SG", "+6561234567"),
        ("9123 4567", "SG", "+6591234567"),
        ("+65 9123 4567", "SG", "+6591234567"),
        // KR
        ("010-1234-5678", "KR", "+821012345678"),
        ("02-123-4567", "KR", "+8221234567"),
        ("+82 10-1234-5678", "KR", "+821012345678"),
        // Trunk prefixes that are not 0.
        ("06 1 234 5678", "HU", "+3612345678"),
        ("06 20 123 4567", "HU", "+36201234567"),
        ("8 029 123 45 67", "BY", "+375291234567"),
        // No trunk prefix: DK, NO, PT, GR.
        ("32 12 34 56", "DK", "+4532123456"),
        ("412 34 567", "NO", "+4741234567"),
        ("912 345 678", "PT", "+351912345678"),
        ("694 123 4567", "GR", "+306941234567"),
        // San Marino: landlines keep 0549.
        ("0549 886377", "SM", "+3780549886377"),
    ]);
}

#[test]
fn international_prefixes_become_plus() {
    assert_all(&[
        ("00 44 20 7946 0000", "DE", "+442079460000"),
        ("011 44 20 7946 0000", "US", "+442079460000"),
        ("011 44 20 7946 0000", "CA", "+442079460000"),
        ("0011 44 20 7946 0000", "AU", "+442079460000"),
        ("010 44 20 7946 0000", "JP", "+442079460000"),
        ("810 44 20 7946 0000", "RU", "+442079460000"),
        ("810 44 20 7946 0000", "KZ", "+442079460000"),
        ("001 44 20 7946 0000", "KR", "+442079460000"),
        ("002 44 20 7946 0000", "KR", "+442079460000"),
        ("001 44 20 7946 0000", "SG", "+442079460000"),
        ("001 1 213 373 4253", "HK", "+12133734253"),
        ("0021 44 20 7946 0000", "BR", "+442079460000"),
        // HK's `00` is tried before its carrier form `002`: this is +298, not +98.
        ("00 298 20 12 34", "HK", "+298201234"),
        // Without a country, `00` and `011`.
        ("00 44 20 7946 0000", "", "+442079460000"),
        ("011 44 20 7946 0000", "", "+442079460000"),
        ("00 1 213 373 4253", "", "+12133734253"),
    ]);
}

/// `00` is not how the US or Japan dial abroad: libphonenumber reads such digits as a
/// national number (which they are not), and so are they refused, never read as `+`.
#[test]
fn another_country_s_international_prefix_is_not_guessed() {
    for (raw, country) in [
        ("0044 20 7946 0000", "US"),
        ("0044 20 7946 0000", "JP"),
        ("0052 1 55 1234 5678", "US"),
    ] {
        let country = Country::parse(country).unwrap();
        assert_eq!(
            to_e164(raw, Some(country)),
            Err(PhoneError::NotValidIn(country)),
            "{raw}"
        );
    }
}

/// Where a region's numbers are dialled without their area code, libphonenumber puts
/// it back (values from libphonenumber 9.0.21); a US number without one stays refused.
#[test]
fn local_numbers_get_their_area_code_where_libphonenumber_adds_it() {
    assert_all(&[
        ("345 6789", "BS", "+12423456789"),
        ("456789", "JE", "+441534456789"),
        ("886377", "SM", "+3780549886377"),
    ]);
    let us = Country::parse("US").unwrap();
    assert_eq!(e164("373 4253", "US"), Err(PhoneError::NotValidIn(us)));
}

#[test]
fn a_national_number_that_looks_like_a_prefix_stays_national() {
    assert_all(&[
        // Leeds, trunk 0 + 113, not `011` + 3…
        ("0113 496 0000", "GB", "+441134960000"),
        // Beijing, trunk 0 + 10, not JP-style `010`.
        ("010 1234 5678", "CN", "+861012345678"),
    ]);
    // Without a country the Leeds number cannot be read; `011` + 3… is not a number.
    assert_eq!(e164("0113 496 0000", ""), Err(PhoneError::NoCountry));
}

#[test]
fn trunk_zero_in_brackets_after_the_calling_code_is_dropped() {
    assert_all(&[
        ("+44 (0)20 7946 0000", "", "+442079460000"),
        ("+44 (0) 7911 123456", "FR", "+447911123456"),
        ("+49 (0)30 123456", "", "+4930123456"),
        ("+33 (0)1 23 45 67 89", "", "+33123456789"),
        ("0044 (0)20 7946 0000", "DE", "+442079460000"),
        ("+7 (8) 912 345 67 89", "", "+79123456789"),
        // Italy has no trunk prefix: the 0 is part of the number.
        ("+39 02 1234 5678", "", "+390212345678"),
    ]);
}

#[test]
fn calling_code_without_plus_is_read_as_international() {
    assert_all(&[
        ("447911123456", "GB", "+447911123456"),
        ("33612345678", "FR", "+33612345678"),
        ("390212345678", "IT", "+390212345678"),
        ("393123456789", "IT", "+393123456789"),
        ("5511987654321", "BR", "+5511987654321"),
        ("919876543210", "IN", "+919876543210"),
        ("61412345678", "AU", "+61412345678"),
        ("819012345678", "JP", "+819012345678"),
        ("8613800138000", "CN", "+8613800138000"),
        ("79123456789", "RU", "+79123456789"),
        ("27821234567", "ZA", "+27821234567"),
        ("6591234567", "SG", "+6591234567"),
        ("821012345678", "KR", "+821012345678"),
        ("35227123456", "LU", "+35227123456"),
        // The trunk 0 written after the code is dropped here too.
        ("4402079460000", "GB", "+442079460000"),
    ]);
}

/// Digits that read as a valid national number and as calling code + a valid number
/// are two people: refused, never guessed (libphonenumber's own choice would be a
/// coin toss for the hash).
#[test]
fn digits_valid_both_with_and_without_the_calling_code_are_ambiguous() {
    for (raw, country) in [("4930123456", "DE"), ("4915112345678", "DE")] {
        assert_eq!(
            e164(raw, country),
            Err(PhoneError::Ambiguous),
            "{raw} [{country}]"
        );
    }
    // Dialled from Hong Kong, `001` is a carrier's prefix and `00` + `1` a +1 number.
    assert_eq!(e164("00 1 649 712 1234", "HK"), Err(PhoneError::Ambiguous));
}

#[test]
fn national_numbers_that_start_like_the_calling_code_stay_national() {
    assert_all(&[
        // Valid Italian mobile 391…; 39 + 12345678 is not a valid Italian number.
        ("391 2345678", "IT", "+393912345678"),
        // Indian mobiles starting with 91 are 10 digits; 91 + 8 digits is not valid.
        ("9123456789", "IN", "+919123456789"),
        // Poland has no trunk prefix, so a Radom number (48…) is national.
        ("48 123 45 67", "PL", "+48481234567"),
        // East Frisia (0491…) written without trunk: 49 + 1234567 is not a German number.
        ("491234567", "DE", "+49491234567"),
    ]);
}

#[test]
fn numbers_with_plus_ignore_the_country_setting() {
    assert_all(&[
        ("+33 6 12 34 56 78", "US", "+33612345678"),
        ("+1 213 373 4253", "GB", "+12133734253"),
        ("+44 20 7946 0000", "JP", "+442079460000"),
        ("0033 6 12 34 56 78", "GB", "+33612345678"),
        ("011 33 6 12 34 56 78", "US", "+33612345678"),
    ]);
    // Digits of another country without + or prefix are not guessed.
    assert_eq!(
        e164("33612345678", "US"),
        Err(PhoneError::NotValidIn(Country::parse("US").unwrap()))
    );
}

#[test]
fn mexicos_abolished_prefixes_are_dropped() {
    assert_all(&[
        ("044 55 1234 5678", "MX", "+525512345678"),
        ("045 55 1234 5678", "MX", "+525512345678"),
        ("01 55 1234 5678", "MX", "+525512345678"),
        ("+52 1 55 1234 5678", "", "+525512345678"),
        ("52 1 55 1234 5678", "MX", "+525512345678"),
    ]);
}

#[test]
fn argentine_mobiles_written_with_15_get_the_international_9() {
    assert_all(&[
        ("011 15 1234-5678", "AR", "+5491112345678"),
        ("11 15 1234-5678", "AR", "+5491112345678"),
        ("0351 15 423-4567", "AR", "+5493514234567"),
        ("02966 15 42-3456", "AR", "+5492966423456"),
        ("+54 11 15 1234-5678", "", "+5491112345678"),
        ("+54 9 11 15 1234-5678", "", "+5491112345678"),
        ("+54 9 11 1234-5678", "", "+5491112345678"),
        ("54 9 11 1234 5678", "AR", "+5491112345678"),
        // Landline.
        ("011 4321-1234", "AR", "+541143211234"),
    ]);
    // 15 + number without the area code: which area is unknown.
    assert_eq!(
        e164("15 1234-5678", "AR"),
        Err(PhoneError::NotValidIn(Country::parse("AR").unwrap()))
    );
}

#[test]
fn separators_and_unicode_digits_are_read() {
    assert_all(&[
        ("+44.20.7946.0000", "", "+442079460000"),
        ("+44/20/7946/0000", "", "+442079460000"),
        ("[+44] 20 7946 0000", "", "+442079460000"),
        (
            "\u{a0}+44\u{a0}20\u{202f}7946\u{2009}0000 ",
            "",
            "+442079460000",
        ),
        ("+44\u{2013}20\u{2013}7946\u{2013}0000", "", "+442079460000"),
        ("\u{200e}+44 20 7946 0000\u{200f}", "", "+442079460000"),
        ("\t+44 20 7946 0000\n", "", "+442079460000"),
        ("＋４４ ２０ ７９４６ ００００", "", "+442079460000"),
        ("٠٥٠ ١٢٣ ٤٥٦٧", "AE", "+971501234567"),
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR", "+989123456789"),
        ("090ー1234ー5678", "JP", "+819012345678"),
    ]);
}

#[test]
fn letters_and_symbols_are_refused_not_guessed() {
    for raw in [
        "1-800-FLOWERS",
        "call me",
        "+1 213 373 4253 ext 12",
        "+1 213 373 4253 x12",
        "213-373-4253 #2",
        "*67 213 373 4253",
        "tel:+12133734253",
        "213,373,4253",
        "1 + 213 373 4253",
        "++44 20 7946 0000",
        "+44 20 7946 0000 📞",
    ] {
        assert_eq!(e164(raw, "US"), Err(PhoneError::Invalid), "{raw:?}");
    }
    assert_eq!(e164("", "US"), Err(PhoneError::NoDigits));
    assert_eq!(e164(" - ", "US"), Err(PhoneError::NoDigits));
    assert_eq!(e164("+", ""), Err(PhoneError::NoDigits));
}

#[test]
fn wrong_lengths_are_refused() {
    let us = Country::parse("US").unwrap();
    let gb = Country::parse("GB").unwrap();
    assert_eq!(e164("123", "US"), Err(PhoneError::NotValidIn(us)));
    assert_eq!(e164("213 373 425", "US"), Err(PhoneError::NotValidIn(us)));
    assert_eq!(e164("213 373 42533", "US"), Err(PhoneError::NotValidIn(us)));
    assert_eq!(e164("0", "GB"), Err(PhoneError::NotValidIn(gb)));
    assert_eq!(e164("07911 12345", "GB"), Err(PhoneError::NotValidIn(gb)));
    assert_eq!(e164("07911 1234567", "GB"), Err(PhoneError::NotValidIn(gb)));
    assert_eq!(e164("+1 213 373 425", ""), Err(PhoneError::NotValidFor(1)));
    assert_eq!(
        e164("+44 7911 12345678", ""),
        Err(PhoneError::NotValidFor(44))
    );
    // +1 area codes and exchanges start with 2–9.
    assert_eq!(e164("+1 113 373 4253", ""), Err(PhoneError::NotValidFor(1)));
    assert_eq!(e164("+1 213 173 4253", ""), Err(PhoneError::NotValidFor(1)));
    // Networks and satellite phones, without a country: 8 to 15 digits.
    assert_eq!(e164("+882 1234 5678", "").as_deref(), Ok("+88212345678"));
    assert_eq!(e164("+882 1234", ""), Err(PhoneError::NotE164));
    assert_eq!(e164("+0044 20 7946 0000", ""), Err(PhoneError::NotE164));
    assert_eq!(e164("+8821234567890123", ""), Err(PhoneError::NotE164));
    // International freephone is no one's phone.
    assert_eq!(e164("+800 1234 5678", ""), Err(PhoneError::NotPersonal));
    // Niue's 4-digit numbers make 7 digits in all, as libphonenumber has them.
    assert_eq!(e164("+683 4002", "").as_deref(), Ok("+6834002"));
    assert_eq!(e164("+683 400", ""), Err(PhoneError::NotValidFor(683)));
    assert_eq!(e164(&"1".repeat(65), "US"), Err(PhoneError::TooLong));
    assert_eq!(e164(&"\u{a0}".repeat(70), "US"), Err(PhoneError::TooLong));
}

#[test]
fn a_number_without_plus_or_prefix_needs_a_country() {
    for raw in [
        "2133734253",
        "020 7946 0000",
        "447911123456",
        "0113 496 0000",
    ] {
        assert_eq!(e164(raw, ""), Err(PhoneError::NoCountry), "{raw:?}");
    }
}

#[test]
fn error_messages_name_the_rule_not_the_number() {
    let cases = [
        (
            "1-800-FLOWERS",
            "US",
            "phone: not a phone number: only digits, separators and a leading + are allowed",
        ),
        (
            "2133734253",
            "",
            "phone: no country code and no default_phone_country",
        ),
        (
            "213 373 425",
            "US",
            "phone: not a valid US number: wrong number of digits or leading digits",
        ),
        (
            "+1 213 373 425",
            "",
            "phone: not a valid number for country code +1: wrong number of digits or leading digits",
        ),
        (
            "+0044 20 7946 0000",
            "",
            "phone: not a valid international number: no known calling code after +",
        ),
        ("", "US", "phone: has no digits"),
    ];
    for (raw, country, message) in cases {
        assert_eq!(
            format!("phone: {}", e164(raw, country).unwrap_err()),
            message
        );
    }
}

#[test]
fn every_output_of_mixed_inputs_is_e164() {
    let inputs = [
        ("(+1)2133734253", ""),
        ("+1 (213) 373-4253", "DE"),
        ("213.373.4253", "US"),
        ("1 213 373 4253", "PR"),
        ("876 555 0123", "JM"),
        ("+44 (0)20 7946 0000", ""),
        ("07911 123456", "GB"),
        ("07797 123456", "JE"),
        ("0044 7911 123456", "FR"),
        ("+353 87 123 4567", ""),
        ("087 123 4567", "IE"),
        ("0170 1234567", "DE"),
        ("0664 1234567", "AT"),
        ("079 123 45 67", "CH"),
        ("0470 12 34 56", "BE"),
        ("06 12 34 56 78", "FR"),
        ("0696 12 34 56", "MQ"),
        ("0692 12 34 56", "RE"),
        ("347 123 4567", "IT"),
        ("612 345 678", "ES"),
        ("912 345 678", "PT"),
        ("070-123 45 67", "SE"),
        ("040 1234567", "FI"),
        ("512 345 678", "PL"),
        ("601 123 456", "CZ"),
        ("0712 345 678", "RO"),
        ("050 123 4567", "UA"),
        ("0532 123 45 67", "TR"),
        ("050-234-5678", "IL"),
        ("050 123 4567", "AE"),
        ("050 123 4567", "SA"),
        ("010 1234 5678", "EG"),
        ("0803 123 4567", "NG"),
        ("0712 345678", "KE"),
        ("082 123 4567", "ZA"),
        ("0612-345678", "MA"),
        ("0300 1234567", "PK"),
        ("01712-345678", "BD"),
        ("0812-3456-7890", "ID"),
        ("0917 123 4567", "PH"),
        ("091 234 56 78", "VN"),
        ("081 234 5678", "TH"),
        ("012-345 6789", "MY"),
        ("0912 345 678", "TW"),
        ("9123 4567", "HK"),
        ("021 123 4567", "NZ"),
        ("0412 345 678", "AU"),
        ("090 1234 5678", "JP"),
        ("010 1234 5678", "KR"),
        ("139 1234 5678", "CN"),
        ("300 123 4567", "CO"),
        ("912 345 678", "PE"),
        ("9 6123 4567", "CL"),
        ("0412-1234567", "VE"),
        ("11 15 1234 5678", "AR"),
        ("(21) 99876-5432", "BR"),
        ("55 1234 5678", "MX"),
        ("+882 1234 5678", ""),
    ];
    for (raw, country) in inputs {
        let number = e164(raw, country).unwrap_or_else(|e| panic!("{raw:?} [{country}]: {e}"));
        assert!(is_e164(&number), "{raw:?} [{country}] → {number}");
    }
}

/// A small deterministic generator, so the robustness test needs no dependency.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn arbitrary_input_never_panics_and_any_success_is_e164() {
    let alphabet: Vec<char> = "0123456789000111+()-. /x#\u{a0}٣５é😀\u{200f}"
        .chars()
        .collect();
    let countries = [
        None,
        Country::parse("US"),
        Country::parse("AR"),
        Country::parse("BR"),
        Country::parse("IT"),
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let len = (xorshift(&mut state) % 40) as usize;
        let raw: String = (0..len)
            .map(|_| alphabet[(xorshift(&mut state) % alphabet.len() as u64) as usize])
            .collect();
        let country = countries[(xorshift(&mut state) % countries.len() as u64) as usize];
        if let Ok(number) = to_e164(&raw, country) {
            assert!(is_e164(&number), "{raw:?} → {number}");
        }
    }
}

#[test]
fn country_codes_parse_case_insensitively() {
    let gb = Country::parse("GB").unwrap();
    assert_eq!(Country::parse(" gb "), Some(gb));
    assert_eq!(Country::parse("uk"), Some(gb));
    assert_eq!(gb.code(), "GB");
    assert_eq!(gb.to_string(), "GB");
    assert_eq!(Country::parse("im").map(|c| c.code()), Some("IM"));
    assert_eq!(Country::parse("xk").map(|c| c.code()), Some("XK"));
    for unknown in ["", "G", "GBR", "ZZ", "G B", "1"] {
        assert_eq!(Country::parse(unknown), None, "{unknown:?}");
    }
}

#[test]
fn the_table_is_consistent() {
    let mut codes = Vec::new();
    let mut countries = Vec::new();
    for plan in &table::PLANS {
        assert!(
            !codes.contains(&plan.calling_code),
            "+{} twice",
            plan.calling_code
        );
        codes.push(plan.calling_code);
        for country in plan.countries.split(' ') {
            assert!(
                country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
                "{country:?}"
            );
            assert!(!countries.contains(&country), "{country} twice");
            assert_eq!(Country::parse(country).map(|c| c.code()), Some(country));
            countries.push(country);
        }
        for prefixes in [plan.trunk_prefixes, plan.international_prefixes] {
            assert!(
                prefixes.is_sorted_by_key(|p| p.len()),
                "+{} prefixes not shortest first",
                plan.calling_code
            );
            assert!(
                prefixes
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            );
        }
    }
    assert_eq!(countries.len(), 245);
    // Calling codes are prefix-free, so reading one off the front is unambiguous.
    for a in &codes {
        for b in &codes {
            assert!(
                a == b || !b.to_string().starts_with(&a.to_string()),
                "+{a} is a prefix of +{b}"
            );
        }
    }
}

proptest::proptest! {
    /// The ASCII fast path reads every ASCII text exactly as the general one does.
    #[test]
    fn ascii_numbers_are_scanned_as_characters_are(text in "[0-9+ \\-./()\\[\\]~\t\n\x0B\x0C\ra#*_,:]{0,70}") {
        proptest::prop_assert_eq!(Written::scan_ascii(text.as_bytes()), Written::scan_chars(&text));
    }
}

/// The component against Google's libphonenumber, over every region's example numbers
/// written the ways people write them (`scripts/phone_fixture.py`). A number read as
/// another than the one written is a wrong hash, a different person: there must be
/// none, and none that libphonenumber reads as another either (where the two differ
/// the form is ambiguous, and only dropping it is safe). A personal number dropped
/// where libphonenumber reads it is a missed match: counted, and held above a floor.
#[test]
fn every_region_s_examples_read_as_libphonenumber_reads_them() {
    let fixture = include_str!("libphonenumber.tsv");
    let (mut personal, mut exact, mut non_personal_kept) = (0, 0, 0);
    let mut wrong = Vec::new();
    let mut dropped = Vec::new();
    for line in fixture.lines().filter(|line| !line.starts_with('#')) {
        let [raw, country, reading, number, kind] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("a fixture line has five fields: {line:?}");
        };
        let country = match country {
            "" => None,
            code => Some(Country::parse(code).unwrap_or_else(|| panic!("unknown {code}"))),
        };
        let got = to_e164(raw, country).map(|n| n.to_string());
        let is_personal = matches!(kind, "fixed_line" | "mobile" | "voip" | "personal");
        let readable = is_personal && reading == number;
        match &got {
            Ok(got) if got != number || (reading != "-" && got != reading) => wrong.push(format!(
                "{raw:?} [{country:?}] → {got}; written {number}, libphonenumber reads {reading}"
            )),
            Ok(_) if kind == "random" => {}
            Ok(_) if !is_personal => non_personal_kept += 1,
            Ok(_) => exact += usize::from(readable),
            Err(error) if readable => {
                dropped.push(format!("{raw:?} [{country:?}] {kind}: {error}"))
            }
            Err(_) => {}
        }
        personal += usize::from(readable);
    }
    let share = 100.0 * exact as f64 / personal as f64;
    eprintln!(
        "libphonenumber cross-check: {exact} of {personal} personal numbers exact ({share:.2} %), {} dropped, {} wrong, {non_personal_kept} non-personal kept",
        dropped.len(),
        wrong.len()
    );
    for line in &dropped {
        eprintln!("dropped: {line}");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
