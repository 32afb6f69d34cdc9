//! Text a guest returns is text the host did not write. Before the host prints or stores
//! any of it (reasons, warnings, error messages, event ids, names, log lines), it is
//! scrubbed of secrets, its control characters are escaped (a newline cannot forge a log
//! line, an `ESC[2J` cannot clear a terminal, a `\r` cannot overwrite a summary), and it
//! is cut to [`MAX_GUEST_TEXT`] bytes, marked as cut, so a plugin cannot fill a results
//! file or the host's memory with one string per row.

use std::fmt::Write as _;

use crate::bindings::batch::{DeliveryStatus, PositionedWarning, SendOutput, TransformOutput};
use crate::bindings::event_sets::EventSet;
use crate::bindings::guest::Validation;
use crate::bindings::oauth::Connection;
use crate::bindings::types::DestinationError;
use crate::redact::Redactor;

/// The most of one string from a guest that the host keeps, in bytes (about 1 KiB).
pub const MAX_GUEST_TEXT: usize = 1024;

/// `text` scrubbed, escaped and cut to [`MAX_GUEST_TEXT`] bytes.
pub fn clean(text: &str, redactor: &Redactor) -> String {
    let scrubbed = redactor.redact(text);
    let escaped = escape_controls(&scrubbed);
    cut(escaped, MAX_GUEST_TEXT)
}

/// Control characters (C0, DEL, C1) as `\n`, `\r`, `\t` or `\u{…}`; everything else as is.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The last [`MAX_GUEST_TEXT`] bytes of `text` (where a panic's message is), scrubbed
/// and escaped, marked when the start was cut.
pub fn clean_tail(text: &str, redactor: &Redactor) -> String {
    let scrubbed = redactor.redact(text);
    let start = (scrubbed.len().saturating_sub(MAX_GUEST_TEXT)..=scrubbed.len())
        .find(|&i| scrubbed.is_char_boundary(i))
        .unwrap_or(scrubbed.len());
    let kept = escape_controls(&scrubbed[start..]);
    match start {
        0 => kept,
        cut => format!("[cut: the first {cut} bytes] …{kept}"),
    }
}

/// `text` cut to at most `max` bytes at a character boundary, with a mark saying how
/// much was cut.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let total = text.len();
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text.truncate(end);
    let _ = write!(text, "… [cut: {} of {total} bytes]", total - end);
    text
}

/// A guest's answer whose strings the host may print or store: [`clean`]ed in place.
/// Request bodies are not (they go to the destination as they are, and are checked by
/// the contract's rules), nor the settings a connection returns (they are what the host
/// stores, the token included).
pub trait Clean {
    fn clean(&mut self, redactor: &Redactor);
}

/// Most guest text needs nothing done: it is then left where it is.
fn clean_in_place(text: &mut String, redactor: &Redactor) {
    let clean_already = text.len() <= MAX_GUEST_TEXT
        && !text.chars().any(char::is_control)
        && !redactor.finds(text);
    if !clean_already {
        *text = clean(text, redactor);
    }
}

impl<T: Clean> Clean for Result<T, DestinationError> {
    fn clean(&mut self, redactor: &Redactor) {
        match self {
            Ok(value) => value.clean(redactor),
            Err(error) => error.clean(redactor),
        }
    }
}

impl<T: Clean> Clean for Vec<T> {
    fn clean(&mut self, redactor: &Redactor) {
        self.iter_mut().for_each(|item| item.clean(redactor));
    }
}

impl Clean for DestinationError {
    fn clean(&mut self, redactor: &Redactor) {
        match self {
            DestinationError::InvalidSettings(fields) => {
                fields.truncate(MAX_FIELD_ERRORS);
                for field in fields {
                    clean_in_place(&mut field.key, redactor);
                    clean_in_place(&mut field.message, redactor);
                }
            }
            DestinationError::RateLimited(limit) => clean_in_place(&mut limit.message, redactor),
            DestinationError::Auth(message)
            | DestinationError::Transient(message)
            | DestinationError::Permanent(message) => clean_in_place(message, redactor),
        }
    }
}

/// Settings errors kept from one answer: a spec has a few dozen fields.
const MAX_FIELD_ERRORS: usize = 64;

impl Clean for PositionedWarning {
    fn clean(&mut self, redactor: &Redactor) {
        clean_in_place(&mut self.warning.field, redactor);
        clean_in_place(&mut self.warning.rule, redactor);
    }
}

impl Clean for TransformOutput {
    fn clean(&mut self, redactor: &Redactor) {
        for request in &mut self.requests {
            request
                .event_ids
                .iter_mut()
                .for_each(|id| clean_in_place(id, redactor));
        }
        for rejection in &mut self.rejections {
            clean_in_place(&mut rejection.reason, redactor);
        }
        self.warnings.clean(redactor);
    }
}

impl Clean for SendOutput {
    fn clean(&mut self, redactor: &Redactor) {
        for status in &mut self.statuses {
            if let DeliveryStatus::Rejected(reason) | DeliveryStatus::Retryable(reason) = status {
                clean_in_place(reason, redactor);
            }
        }
        self.warnings.clean(redactor);
    }
}

impl Clean for Validation {
    fn clean(&mut self, redactor: &Redactor) {
        clean_in_place(&mut self.event_set_id, redactor);
        for name in [&mut self.event_set_name, &mut self.advertiser_name]
            .into_iter()
            .flatten()
        {
            clean_in_place(name, redactor);
        }
    }
}

impl Clean for EventSet {
    fn clean(&mut self, redactor: &Redactor) {
        clean_in_place(&mut self.id, redactor);
        clean_in_place(&mut self.name, redactor);
        if let Some(description) = &mut self.description {
            clean_in_place(description, redactor);
        }
    }
}

impl Clean for Connection {
    fn clean(&mut self, redactor: &Redactor) {
        for account in &mut self.accounts {
            clean_in_place(&mut account.id, redactor);
            if let Some(name) = &mut account.name {
                clean_in_place(name, redactor);
            }
        }
        clean_in_place(&mut self.account_setting, redactor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_line_breaks_are_escaped() {
        let redactor = Redactor::default();
        assert_eq!(
            clean(
                "a\x1b[2Jb\rdelivered 1000000\nINFO forged\u{9b}x\u{7f}",
                &redactor
            ),
            "a\\u{1b}[2Jb\\rdelivered 1000000\\nINFO forged\\u{9b}x\\u{7f}"
        );
        assert_eq!(clean("plain é ✓", &redactor), "plain é ✓");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_says_so() {
        let text = "é".repeat(1000);
        let cleaned = clean(&text, &Redactor::default());
        assert!(cleaned.starts_with(&"é".repeat(512)), "{cleaned}");
        assert!(cleaned.ends_with("… [cut: 976 of 2000 bytes]"), "{cleaned}");
        assert!(cleaned.len() < MAX_GUEST_TEXT + 40);
    }

    #[test]
    fn of_a_long_stderr_the_end_is_kept() {
        let stderr = format!("{}\npanicked at 'the real reason'", "x".repeat(70_000));
        let kept = clean_tail(&stderr, &Redactor::default());
        assert!(kept.starts_with("[cut: the first 69"), "{kept}");
        assert!(kept.ends_with("\\npanicked at 'the real reason'"), "{kept}");
    }

    #[test]
    fn secrets_are_scrubbed_before_anything_else() {
        let redactor = Redactor::new(["tok-0123456789".to_string()]);
        assert_eq!(
            clean("token tok-0123456789\n", &redactor),
            "token [redacted]\\n"
        );
    }
}
