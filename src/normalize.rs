//! Customer identifiers as TikTok matches them: normalised (trimmed, lowercased, E.164),
//! then SHA-256 in lowercase hex. A wrongly normalised value is never reported by TikTok:
//! it is a customer who silently does not match, so these rules are tested to the byte.

use std::fmt;

use crate::phone::{self, Country, PhoneError};

mod sha256;

/// The most distinct values of one identifier (`email` or `phone`) in one event.
/// TikTok's own maximum is unconfirmed; a customer rarely has more than a few.
pub const MAX_VALUES_PER_FIELD: usize = 20;

/// Longer is not an email address (RFC 5321 limits a path to 256 octets with its `<>`).
const MAX_EMAIL_BYTES: usize = 254;

/// Longer is not a phone number, however it is written; checked before normalising so
/// that a huge value costs nothing.
const MAX_PHONE_BYTES: usize = 64;

/// A SHA-256 digest as 64 lowercase hex characters, kept on the stack: this is the hot
/// path, and it allocates nothing.
#[derive(Clone, Copy, Eq, PartialOrd, Ord)]
pub struct Sha256Hex([u8; 64]);

/// Byte equality, without `memcmp` (see [`crate::hot::bytes`]) and without a loop (each of
/// whose eight iterations paid wasmtime's epoch check): eight word compares.
impl PartialEq for Sha256Hex {
    fn eq(&self, other: &Sha256Hex) -> bool {
        let (a, b) = (self.0.as_chunks::<8>().0, other.0.as_chunks::<8>().0);
        let differ = |i: usize| u64::from_ne_bytes(a[i]) ^ u64::from_ne_bytes(b[i]);
        (differ(0)
            | differ(1)
            | differ(2)
            | differ(3)
            | differ(4)
            | differ(5)
            | differ(6)
            | differ(7))
            == 0
    }
}

/// Over the bytes, as equality compares them.
impl std::hash::Hash for Sha256Hex {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Sha256Hex {
    pub fn of(data: &[u8]) -> Sha256Hex {
        Sha256Hex(sha256::hex_digest(data))
    }

    /// A value that is already a SHA-256 hex digest (in any case), lowercased. Hashing
    /// it again would silently destroy matching, a known bug of other connectors.
    pub fn already_hashed(value: &str) -> Option<Sha256Hex> {
        let bytes: &[u8; 64] = value.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        Some(Sha256Hex(bytes.map(|b| b.to_ascii_lowercase())))
    }

    /// The hex digits, for writing them out without checking that they are UTF-8.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// Without a UTF-8 check: it cost 300 instructions per row in WebAssembly.
    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes are hex digits, ASCII: both constructors make only those
        // (`hex_digest` writes digits and `a`-`f`; `already_hashed` checks and lowercases).
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl fmt::Debug for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Sha256Hex {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why an email value is not used. Never contains the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("missing '@'")]
    MissingAt,
    #[error("longer than {MAX_EMAIL_BYTES} characters")]
    TooLong,
}

/// TikTok's email rule: trim, lowercase, SHA-256.
pub fn email(raw: &str) -> Result<Sha256Hex, EmailProblem> {
    let email = crate::row::trim(raw);
    if let Some(hash) = Sha256Hex::already_hashed(email) {
        return Ok(hash);
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(EmailProblem::TooLong);
    }
    if email.is_ascii() {
        let mut lower = [0u8; MAX_EMAIL_BYTES + 8];
        if !ascii_lowercase(email.as_bytes(), &mut lower) {
            return Err(EmailProblem::MissingAt);
        }
        Ok(Sha256Hex::of(&lower[..email.len()]))
    } else if !email.contains('@') {
        Err(EmailProblem::MissingAt)
    } else {
        Ok(Sha256Hex::of(email.to_lowercase().as_bytes()))
    }
}

/// Why an `external_id` value is not used. Never contains the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExternalIdProblem {
    #[error("longer than {MAX_EXTERNAL_ID_BYTES} characters")]
    TooLong,
}

/// The longest `external_id` hashed: a CRM id, not a document.
pub const MAX_EXTERNAL_ID_BYTES: usize = 256;

/// The rule TikTok's own connector applies to `external_id`: trim, lowercase, SHA-256;
/// a value that is already a SHA-256 digest is passed through, lowercased.
pub fn external_id(raw: &str) -> Result<Sha256Hex, ExternalIdProblem> {
    let id = crate::row::trim(raw);
    if let Some(hash) = Sha256Hex::already_hashed(id) {
        return Ok(hash);
    }
    if id.len() > MAX_EXTERNAL_ID_BYTES {
        return Err(ExternalIdProblem::TooLong);
    }
    Ok(Sha256Hex::of(id.to_lowercase().as_bytes()))
}

/// `ascii` (at most [`MAX_EMAIL_BYTES`]) lowercased into the start of `out`, and
/// whether it holds an `@`, eight bytes at a time: a byte loop, a `memchr` call and a
/// `memory.copy` were most of an email's cost besides its hash.
fn ascii_lowercase(ascii: &[u8], out: &mut [u8; MAX_EMAIL_BYTES + 8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut at = 0;
    // Bytes below 0x80 only, so no sum carries into the next byte.
    let mut lower = |word: u64| {
        at |= (word ^ (ONES * u64::from(b'@'))).wrapping_sub(ONES) & !word & HIGHS;
        let upper = (word + ONES * (0x80 - u64::from(b'A')))
            & !(word + ONES * (0x80 - u64::from(b'Z') - 1))
            & HIGHS;
        (word | (upper >> 2)).to_le_bytes()
    };
    let mut chunks = ascii.chunks_exact(8);
    for (chunk, out) in chunks.by_ref().zip(out.chunks_exact_mut(8)) {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        *<&mut [u8; 8]>::try_from(out).expect("chunks of eight") = lower(word);
    }
    // The rest padded with zeros, which are neither `@` nor upper case.
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    crate::hot::append::copy_from_slice(&mut last[..rest.len()], rest);
    let done = ascii.len() - rest.len();
    *<&mut [u8; 8]>::try_from(&mut out[done..done + 8]).expect("eight bytes") =
        lower(u64::from_le_bytes(last));
    at != 0
}

/// The last email and phone hashed, by the text they were hashed from. The rows of an
/// order repeat their customer's identifiers, and SHA-256 is the largest cost of a row
/// in WebAssembly (no hardware instructions there): a repeat costs a comparison.
#[derive(Debug, Default)]
pub struct LastHashed {
    email: Option<(String, Sha256Hex)>,
    phone: Option<(String, PhoneCountry, Sha256Hex)>,
}

impl LastHashed {
    /// [`email`], remembered.
    pub fn email(&mut self, raw: &str) -> Result<Sha256Hex, EmailProblem> {
        if let Some((last, hash)) = &self.email
            && crate::hot::bytes::equal(last.as_bytes(), raw.as_bytes())
        {
            return Ok(*hash);
        }
        let hash = email(raw)?;
        let mut last = self.email.take().map(|(last, _)| last).unwrap_or_default();
        remember(&mut last, raw);
        self.email = Some((last, hash));
        Ok(hash)
    }

    /// [`phone`], remembered.
    pub fn phone(&mut self, raw: &str, country: PhoneCountry) -> Result<Sha256Hex, PhoneProblem> {
        if let Some((last, last_country, hash)) = &self.phone
            && crate::hot::bytes::equal(last.as_bytes(), raw.as_bytes())
            && *last_country == country
        {
            return Ok(*hash);
        }
        let hash = phone(raw, country)?;
        let mut last = self.phone.take().map(|(last, ..)| last).unwrap_or_default();
        remember(&mut last, raw);
        self.phone = Some((last, country, hash));
        Ok(hash)
    }
}

/// Copies `raw` into `slot`, reusing its allocation.
fn remember(slot: &mut String, raw: &str) {
    slot.clear();
    slot.push_str(raw);
}

/// Where the country of a number written without a country code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneCountry {
    /// The row's `country`, else the `default_phone_country` setting.
    Known(Country),
    /// The row named a country the phone table does not know: no guess is made, and the
    /// setting does not override what the row said.
    Unknown,
    /// Neither the row nor the settings name one.
    None,
}

/// Why a phone value is not used. Never contains the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneProblem {
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(
        "no country code, and the row's country is not an ISO 3166-1 alpha-2 code this destination knows"
    )]
    UnknownRowCountry,
    #[error("longer than {MAX_PHONE_BYTES} characters")]
    TooLong,
}

/// TikTok's phone rule: E.164 (`+`, country code, national number), then SHA-256 of that
/// text, `+` included.
pub fn phone(raw: &str, country: PhoneCountry) -> Result<Sha256Hex, PhoneProblem> {
    let raw = crate::row::trim(raw);
    if let Some(hash) = Sha256Hex::already_hashed(raw) {
        return Ok(hash);
    }
    if raw.len() > MAX_PHONE_BYTES {
        return Err(PhoneProblem::TooLong);
    }
    let e164 = match country {
        PhoneCountry::Known(country) => phone::to_e164(raw, Some(country))?,
        PhoneCountry::None => phone::to_e164(raw, None)?,
        PhoneCountry::Unknown => phone::to_e164(raw, None).map_err(|e| match e {
            PhoneError::NoCountry => PhoneProblem::UnknownRowCountry,
            other => PhoneProblem::Phone(other),
        })?,
    };
    Ok(Sha256Hex::of(e164.as_bytes()))
}

/// [`phone`] of `raw` with a `+` before it: for digits stored as E.164 without it.
pub fn phone_with_plus(raw: &str) -> Result<Sha256Hex, PhoneProblem> {
    phone(&format!("+{}", crate::row::trim(raw)), PhoneCountry::None)
}

/// The distinct values of one identifier, in order of first appearance, at most
/// [`MAX_VALUES_PER_FIELD`]. The first is kept inline: a customer almost always has one
/// email and one phone, and a heap allocation per identifier per row and per event was
/// a measurable share of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes {
    first: Option<Sha256Hex>,
    rest: Vec<Sha256Hex>,
}

/// More than [`MAX_VALUES_PER_FIELD`] distinct values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooMany;

impl Hashes {
    pub fn insert(&mut self, hash: Sha256Hex) -> Result<(), TooMany> {
        let Some(first) = &self.first else {
            self.first = Some(hash);
            return Ok(());
        };
        if *first == hash || self.rest.contains(&hash) {
            return Ok(());
        }
        if self.len() == MAX_VALUES_PER_FIELD {
            return Err(TooMany);
        }
        self.rest.push(hash);
        Ok(())
    }

    /// The values in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = &Sha256Hex> {
        self.first.iter().chain(&self.rest)
    }

    pub fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }
}

/// As TikTok wants identifiers: always an array, even of one.
impl serde::Serialize for Hashes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f";
    /// SHA-256 of `+12133734253`, TikTok's phone example.
    const PHONE: &str = "9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd";

    fn us() -> PhoneCountry {
        PhoneCountry::Known(Country::parse("US").unwrap())
    }

    proptest::proptest! {
        /// The word-at-a-time lowercasing is `to_ascii_lowercase`, and finds `@`.
        #[test]
        fn ascii_is_lowercased_eight_bytes_at_a_time(text in "[ -~]{0,254}") {
            let mut out = [0xffu8; MAX_EMAIL_BYTES + 8];
            let at = ascii_lowercase(text.as_bytes(), &mut out);
            let expected = text.to_ascii_lowercase();
            proptest::prop_assert_eq!(&out[..text.len()], expected.as_bytes());
            proptest::prop_assert_eq!(at, text.contains('@'));
        }
    }

    #[test]
    fn digests_differing_in_any_one_digit_are_unequal() {
        let alice = Sha256Hex::already_hashed(ALICE).unwrap();
        assert_eq!(
            alice,
            Sha256Hex::already_hashed(&ALICE.to_uppercase()).unwrap()
        );
        for at in 0..64 {
            let mut other = alice;
            other.0[at] ^= 1;
            assert_ne!(alice, other, "digit {at}");
        }
    }

    /// TikTok's connector: trimmed, lower-cased, SHA-256 (computed with `sha256sum`).
    #[test]
    fn external_ids_are_trimmed_lowercased_and_hashed_or_passed_through() {
        assert_eq!(
            external_id("  CRM-00042 ").unwrap().as_str(),
            "35bed454e0b6c6932c2254201e5923a3f0c21a9278e9a7f546bd748c7ffa7742"
        );
        let hashed = "A6C8E6F7D7B5B8F1C6D5D8C0B7E8E6A5E1F7C9D3B1A2C4E6F8A0B2C4D6E8F0A2";
        assert_eq!(external_id(hashed).unwrap().as_str(), hashed.to_lowercase());
        assert_eq!(
            external_id(&"x".repeat(257)),
            Err(ExternalIdProblem::TooLong)
        );
    }

    #[test]
    fn emails_follow_tiktoks_example() {
        assert_eq!(email(" ALICE_abc@gmail.com ").unwrap().as_str(), ALICE);
        assert_eq!(email("alice_abc@gmail.com").unwrap().as_str(), ALICE);
        assert_eq!(email("\tAlice_ABC@Gmail.COM\n").unwrap().as_str(), ALICE);
    }

    #[test]
    fn non_ascii_emails_are_lowercased_too() {
        // sha256("jürgen@bücher.de")
        assert_eq!(
            email("JÜRGEN@BÜCHER.DE").unwrap(),
            email("jürgen@bücher.de").unwrap()
        );
        assert_eq!(
            email("jürgen@bücher.de").unwrap().as_str(),
            "4875505299f9b07b4d3c92378cc8b749e345be3e800c854b822eeaf747d6f9c3"
        );
    }

    #[test]
    fn already_hashed_emails_pass_through_lowercased() {
        assert_eq!(email(ALICE).unwrap().as_str(), ALICE);
        assert_eq!(
            email(&format!(" {} ", ALICE.to_uppercase()))
                .unwrap()
                .as_str(),
            ALICE
        );
        // 63 or 65 hex digits are not a digest, and have no '@'.
        assert_eq!(email(&ALICE[1..]), Err(EmailProblem::MissingAt));
        assert_eq!(email(&format!("{ALICE}0")), Err(EmailProblem::MissingAt));
    }

    #[test]
    fn unusable_emails_say_why() {
        assert_eq!(email("alice.gmail.com"), Err(EmailProblem::MissingAt));
        assert_eq!(email("12345"), Err(EmailProblem::MissingAt));
        let huge = format!("{}@example.com", "a".repeat(10_000_000));
        assert_eq!(email(&huge), Err(EmailProblem::TooLong));
        assert_eq!(EmailProblem::MissingAt.to_string(), "missing '@'");
        assert_eq!(
            EmailProblem::TooLong.to_string(),
            "longer than 254 characters"
        );
    }

    #[test]
    fn phones_are_hashed_as_e164_with_the_plus() {
        assert_eq!(
            phone("+12133734253", PhoneCountry::None).unwrap().as_str(),
            PHONE
        );
        assert_eq!(phone(" +1 213-373-4253 ", us()).unwrap().as_str(), PHONE);
        assert_eq!(
            phone("(+1)2133734253", PhoneCountry::None)
                .unwrap()
                .as_str(),
            PHONE
        );
        assert_eq!(phone("(213) 373-4253", us()).unwrap().as_str(), PHONE);
        // The reference's pair: the `+` makes a different person. (555 is no area code,
        // so `phone` itself refuses the number; the hashes are of the texts.)
        assert_eq!(
            Sha256Hex::of(b"+15555555555").as_str(),
            "910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0"
        );
        assert!(phone("+15555555555", PhoneCountry::None).is_err());
        assert_eq!(
            Sha256Hex::of(b"15555555555").as_str(),
            "009875cdd7e8a0abe6dc0444d693ff435599e9c68793dac5bc277066d4bc0dc3"
        );
    }

    #[test]
    fn already_hashed_phones_pass_through_lowercased() {
        assert_eq!(
            phone(&PHONE.to_uppercase(), PhoneCountry::None)
                .unwrap()
                .as_str(),
            PHONE
        );
    }

    #[test]
    fn unusable_phones_say_why() {
        let no_country = phone("2133734253", PhoneCountry::None).unwrap_err();
        assert_eq!(
            no_country.to_string(),
            "no country code and no default_phone_country"
        );
        let unknown = phone("2133734253", PhoneCountry::Unknown).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "no country code, and the row's country is not an ISO 3166-1 alpha-2 code this destination knows"
        );
        // With a '+', the row's unknown country does not matter.
        assert_eq!(
            phone("+12133734253", PhoneCountry::Unknown)
                .unwrap()
                .as_str(),
            PHONE
        );
        let huge = format!("+{}", "1".repeat(1_000_000));
        assert_eq!(phone(&huge, us()), Err(PhoneProblem::TooLong));
    }

    #[test]
    fn remembered_hashes_are_what_hashing_gives() {
        let mut last = LastHashed::default();
        for raw in ["a@b.c", "a@b.c", "A@B.C", "nope", "a@b.c", " a@b.c"] {
            assert_eq!(last.email(raw), email(raw), "{raw}");
        }
        let de = PhoneCountry::Known(Country::parse("DE").unwrap());
        for (raw, country) in [
            ("030 123456", de),
            ("030 123456", de),
            ("030 123456", us()),
            ("+12133734253", us()),
            ("+12133734253", PhoneCountry::None),
            ("2133734253", PhoneCountry::None),
            ("2133734253", us()),
        ] {
            assert_eq!(last.phone(raw, country), phone(raw, country), "{raw}");
        }
    }

    #[test]
    fn hashes_are_distinct_in_first_appearance_order_and_capped() {
        let mut hashes = Hashes::default();
        let a = Sha256Hex::of(b"a");
        let b = Sha256Hex::of(b"b");
        for h in [b, a, b, a] {
            hashes.insert(h).unwrap();
        }
        assert_eq!(hashes.iter().collect::<Vec<_>>(), [&b, &a]);
        let mut hashes = Hashes::default();
        for i in 0..MAX_VALUES_PER_FIELD {
            hashes.insert(Sha256Hex::of(&i.to_be_bytes())).unwrap();
        }
        assert_eq!(hashes.insert(Sha256Hex::of(&0usize.to_be_bytes())), Ok(()));
        assert_eq!(hashes.insert(Sha256Hex::of(b"one more")), Err(TooMany));
        assert_eq!(hashes.len(), MAX_VALUES_PER_FIELD);
    }
}
