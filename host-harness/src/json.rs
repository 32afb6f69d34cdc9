//! The contract's types as plain JSON, for the CLI's output (and anything that compares
//! results across hosts): kebab-case tags, settings values as JSON scalars.

use serde_json::{Value, json};

use crate::bindings::guest::{FieldType, Spec, Validation};
use crate::bindings::types::SettingValue;

pub fn spec(spec: &Spec) -> Value {
    json!({
        "id": spec.id,
        "name": spec.name,
        "version": spec.version,
        "settings": spec.settings.iter().map(|f| json!({
            "key": f.key,
            "label": f.label,
            "description": f.description,
            "type": field_type(f.field_type),
            "required": f.required,
            "secret": f.secret,
            "default": f.default.as_ref().map(setting_value),
            "options": f.options,
        })).collect::<Vec<_>>(),
        "record_fields": spec.record_fields.iter().map(|f| json!({
            "name": f.name,
            "description": f.description,
            "required": f.required,
        })).collect::<Vec<_>>(),
        "max_events_per_request": spec.max_events_per_request,
        "max_request_bytes": spec.max_request_bytes,
        "hosts": spec.hosts,
    })
}

pub fn validation(validation: &Validation) -> Value {
    json!({
        "event_set_id": validation.event_set_id,
        "event_set_name": validation.event_set_name,
        "event_set_created": validation.event_set_created,
        "advertiser_name": validation.advertiser_name,
    })
}

pub fn setting_value(value: &SettingValue) -> Value {
    match value {
        SettingValue::Text(text) => json!(text),
        SettingValue::Boolean(flag) => json!(flag),
        SettingValue::Integer(number) => json!(number),
    }
}

fn field_type(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Text => "text",
        FieldType::Boolean => "boolean",
        FieldType::Integer => "integer",
        FieldType::Choice => "choice",
    }
}
