//! The settings file (`S.json`): a flat JSON object of setting keys, as a user or a CDP
//! stores them, turned into the contract's typed settings.

use std::path::Path;

use serde_json::{Map, Value};

use crate::bindings::types::{Setting, SettingValue};

#[derive(Debug, thiserror::Error)]
pub enum SettingsFileError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "settings file {path} must hold one JSON object of setting keys, like {{\"access_token\": \"...\"}}"
    )]
    NotObject { path: String },
    #[error("settings file {path}: setting '{key}' appears twice; keep one")]
    DuplicateKey { path: String, key: String },
    #[error("setting '{key}' in {path}: {problem}")]
    Value {
        path: String,
        key: String,
        problem: &'static str,
    },
}

/// The settings as read: the typed list for the component and the raw object (the
/// sandbox seeds itself from it).
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub settings: Vec<Setting>,
    pub raw: Map<String, Value>,
}

impl SettingsFile {
    pub fn read(path: &Path) -> Result<SettingsFile, SettingsFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SettingsFileError::Read {
            path: shown.clone(),
            source,
        })?;
        let value: Value =
            serde_json::from_str(&text).map_err(|source| SettingsFileError::Json {
                path: shown.clone(),
                source,
            })?;
        let Value::Object(raw) = value else {
            return Err(SettingsFileError::NotObject { path: shown });
        };
        if let Some(key) = repeated_key(&text) {
            return Err(SettingsFileError::DuplicateKey { path: shown, key });
        }
        let settings = raw
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(key, value)| {
                setting_value(value)
                    .map(|value| Setting {
                        key: key.clone(),
                        value,
                    })
                    .map_err(|problem| SettingsFileError::Value {
                        path: shown.clone(),
                        key: key.clone(),
                        problem,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(SettingsFile { settings, raw })
    }

    /// A boolean setting as the component would read it (`true` or "true").
    pub fn flag(&self, key: &str) -> bool {
        self.settings.iter().any(|s| {
            s.key == key
                && match &s.value {
                    SettingValue::Boolean(b) => *b,
                    SettingValue::Text(t) => t.eq_ignore_ascii_case("true"),
                    SettingValue::Integer(_) => false,
                }
        })
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| match &s.value {
                SettingValue::Text(t) if !t.trim().is_empty() => Some(t.as_str()),
                _ => None,
            })
    }

    /// Sets (or replaces) a text setting, e.g. the event set id validation resolved.
    pub fn set_text(&mut self, key: &str, value: &str) {
        self.settings.retain(|s| s.key != key);
        self.settings.push(Setting {
            key: key.into(),
            value: SettingValue::Text(value.into()),
        });
        self.raw.insert(key.into(), Value::String(value.into()));
    }

    /// Removes a setting, e.g. an event set id that a new event set name replaces.
    pub fn remove(&mut self, key: &str) {
        self.settings.retain(|s| s.key != key);
        self.raw.remove(key);
    }
}

/// The first key the top-level object of `json` (valid JSON) repeats: a JSON object
/// with a key twice is legal, and a parser keeps one silently.
fn repeated_key(json: &str) -> Option<String> {
    struct Keys(Vec<String>);

    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Keys, D::Error> {
            deserializer.deserialize_map(Keys(Vec::new()))
        }
    }

    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Keys;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<Keys, A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                self.0.push(key);
            }
            Ok(self)
        }
    }

    let Keys(keys) = serde_json::from_str(json).ok()?;
    let mut seen = std::collections::HashSet::new();
    keys.into_iter().find(|key| !seen.insert(key.clone()))
}

fn setting_value(value: &Value) -> Result<SettingValue, &'static str> {
    match value {
        Value::String(s) => Ok(SettingValue::Text(s.clone())),
        Value::Bool(b) => Ok(SettingValue::Boolean(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(SettingValue::Integer)
            .ok_or("must be a whole number (or a string)"),
        Value::Array(_) | Value::Object(_) => Err("must be a string, a boolean or a whole number"),
        Value::Null => unreachable!("nulls are skipped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<SettingsFile, SettingsFileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, json).unwrap();
        SettingsFile::read(&path)
    }

    #[test]
    fn maps_json_types_to_setting_values() {
        let file =
            read(r#"{"access_token":"t","auto_tracking":true,"batch_size":500,"name":null}"#)
                .unwrap();
        assert_eq!(
            file.settings,
            vec![
                Setting {
                    key: "access_token".into(),
                    value: SettingValue::Text("t".into())
                },
                Setting {
                    key: "auto_tracking".into(),
                    value: SettingValue::Boolean(true)
                },
                Setting {
                    key: "batch_size".into(),
                    value: SettingValue::Integer(500)
                },
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_a_flat_object_of_scalars() {
        assert!(matches!(
            read("[1]"),
            Err(SettingsFileError::NotObject { .. })
        ));
        let nested = read(r#"{"event_set_id":{"id":"1"}}"#)
            .unwrap_err()
            .to_string();
        assert!(nested.starts_with("setting 'event_set_id' in "), "{nested}");
        assert!(
            nested.ends_with("must be a string, a boolean or a whole number"),
            "{nested}"
        );
        let float = read(r#"{"batch_size":1.5}"#).unwrap_err().to_string();
        assert!(
            float.ends_with("must be a whole number (or a string)"),
            "{float}"
        );
    }

    #[test]
    fn a_key_written_twice_is_an_error_naming_it() {
        let error = read(r#"{"access_token":"a","event_set_id":"1","access_token":"b"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with("s.json: setting 'access_token' appears twice; keep one"),
            "{error}"
        );
    }
}
