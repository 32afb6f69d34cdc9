//! Phone numbers to E.164 (STUB: being replaced by the real implementation).

use std::fmt;

/// A country the phone table knows, by ISO 3166 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country(&'static str);

impl Country {
    /// Case-insensitive ISO alpha-2 lookup; `None` for codes the table does not know.
    pub fn parse(code: &str) -> Option<Country> {
        ["US", "GB", "DE", "FR", "IT"].into_iter().find(|c| c.eq_ignore_ascii_case(code.trim())).map(Country)
    }

    pub fn code(&self) -> &'static str {
        self.0
    }
}

/// Why a phone number could not be normalised; the message never contains the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no country code and no default_phone_country")]
    NoCountry,
    #[error("not a phone number")]
    Invalid,
}

/// Normalises `raw` to E.164 (`+` and 8 to 15 digits). `country` is used only for
/// numbers written without an international prefix.
pub fn to_e164(raw: &str, country: Option<Country>) -> Result<String, PhoneError> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    if raw.trim_start().starts_with('+') {
        return Ok(format!("+{digits}"));
    }
    match country {
        None => Err(PhoneError::NoCountry),
        Some(_) => Err(PhoneError::Invalid),
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
