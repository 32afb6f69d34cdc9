//! Defence in depth for secrets: the component is written never to echo them, and the
//! host still scrubs every secret setting's value out of guest logs, stderr and errors.

/// Replaces known secret values with `[redacted]`.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Values shorter than 4 characters are not worth scrubbing (and would mangle text).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        Redactor {
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
        }
    }

    /// Whether `text` holds a secret.
    pub fn finds(&self, text: &str) -> bool {
        self.secrets
            .iter()
            .any(|secret| text.contains(secret.as_str()))
    }

    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |acc, secret| {
            acc.replace(secret.as_str(), "[redacted]")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_every_occurrence_of_every_secret() {
        let r = Redactor::new(["tok-SECRET-123".to_string(), "ab".to_string()]);
        assert_eq!(
            r.redact("a tok-SECRET-123 b tok-SECRET-123 ab"),
            "a [redacted] b [redacted] ab"
        );
    }
}
