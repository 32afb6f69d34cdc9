//! Secrets by reference (contract 0.2): the guest never receives the value of a setting
//! the spec marks secret, only its reference `secret:<key>`. It puts the reference where
//! the secret belongs, a request header, and the `http` import puts the value there on
//! the way out, only in headers, only for requests the egress policy let through. So no
//! string a guest returns can hold a secret: it never had one.

use std::fmt;

use crate::bindings::types::{FieldError, Setting, SettingValue};

/// What a secret setting's value is replaced by in what the guest receives.
pub fn reference(key: &str) -> String {
    format!("secret:{key}")
}

/// The secret values of one call, by reference.
#[derive(Default)]
pub struct Secrets {
    by_reference: Vec<(String, String)>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let references: Vec<&str> = self.by_reference.iter().map(|(r, _)| r.as_str()).collect();
        f.debug_struct("Secrets")
            .field("references", &references)
            .finish()
    }
}

impl Secrets {
    /// `settings` with each secret text value replaced by its reference, and the values
    /// kept back, trimmed. The guest cannot check a value it never sees, so the host
    /// checks what a header value needs: printable ASCII, no spaces or line breaks (a
    /// character pasted with a token). An empty one crosses as it is, for the guest to
    /// say it is required.
    pub fn keep_back(
        settings: &[Setting],
        is_secret: impl Fn(&str) -> bool,
    ) -> Result<(Vec<Setting>, Secrets), Vec<FieldError>> {
        let mut secrets = Secrets::default();
        let mut errors = Vec::new();
        let passed = settings
            .iter()
            .map(|setting| match &setting.value {
                SettingValue::Text(value) if is_secret(&setting.key) => {
                    let value = value.trim();
                    if value.is_empty() {
                        return setting.clone();
                    }
                    if !value.bytes().all(|b| b.is_ascii_graphic()) {
                        errors.push(FieldError {
                            key: setting.key.clone(),
                            message: "must be printable ASCII without spaces or line breaks: check for a character pasted with it".into(),
                        });
                    }
                    let reference = reference(&setting.key);
                    secrets
                        .by_reference
                        .push((reference.clone(), value.to_string()));
                    Setting {
                        key: setting.key.clone(),
                        value: SettingValue::Text(reference),
                    }
                }
                _ => setting.clone(),
            })
            .collect();
        if errors.is_empty() {
            Ok((passed, secrets))
        } else {
            Err(errors)
        }
    }

    /// A request header's value as it goes on the wire: the secret when `value` is
    /// exactly one of the references, else `value` itself.
    pub fn resolve<'a>(&'a self, value: &'a str) -> &'a str {
        self.by_reference
            .iter()
            .find(|(reference, _)| reference == value)
            .map_or(value, |(_, secret)| secret.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.by_reference.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(key: &str, value: &str) -> Setting {
        Setting {
            key: key.into(),
            value: SettingValue::Text(value.into()),
        }
    }

    #[test]
    fn secret_values_are_kept_back_and_resolved_only_as_whole_header_values() {
        let settings = [
            text("access_token", " tok-123456\n"),
            text("event_set_id", "42"),
        ];
        let (passed, secrets) = Secrets::keep_back(&settings, |key| key == "access_token").unwrap();
        assert_eq!(
            passed,
            [
                text("access_token", "secret:access_token"),
                text("event_set_id", "42")
            ]
        );
        assert_eq!(secrets.resolve("secret:access_token"), "tok-123456");
        assert_eq!(
            secrets.resolve("Bearer secret:access_token"),
            "Bearer secret:access_token"
        );
        assert_eq!(
            secrets.resolve("secret:event_set_id"),
            "secret:event_set_id"
        );
        assert!(!format!("{secrets:?}").contains("tok-123456"));
    }

    #[test]
    fn a_secret_that_cannot_be_a_header_value_is_a_settings_error_and_an_empty_one_crosses() {
        let is_secret = |key: &str| key == "access_token";
        let errors =
            Secrets::keep_back(&[text("access_token", "tok\n123")], is_secret).unwrap_err();
        assert_eq!(errors[0].key, "access_token");
        assert!(
            errors[0]
                .message
                .starts_with("must be printable ASCII without spaces or line breaks")
        );
        let (passed, secrets) =
            Secrets::keep_back(&[text("access_token", "  ")], is_secret).unwrap();
        assert_eq!(passed, [text("access_token", "  ")]);
        assert!(secrets.is_empty());
    }
}
