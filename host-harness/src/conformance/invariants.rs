//! What must hold in every case, whatever it expects: the contract's promises, checked
//! on the normalised output so that they hold for every host whose output matches.

use serde_json::Value;
use url::Url;

use super::CallOutput;
use super::case::{Case, Contract, Invoke};
use crate::bindings::guest::Spec;
use crate::bindings::types::SettingValue;

/// Exports the contract declares pure: they never reach the network.
const PURE: [&str; 4] = [
    "describe-settings",
    "transform-batch",
    "batch.transform",
    "authorization-url",
];

/// The only header a secret may travel in.
const TOKEN_HEADER: &str = "access-token";

/// Shorter values are not checked: they would match ordinary text by chance.
const MIN_SECRET_CHARS: usize = 4;

/// What this host's redactor leaves where the component logged a secret.
const REDACTED: &str = "[redacted]";

/// Every broken promise in `calls`, as one line each.
pub fn check(case: &Case, calls: &[CallOutput], spec: &Spec) -> Vec<String> {
    let secrets = secrets(case, spec);
    let mut problems = vec![];
    for (index, (call, output)) in case.calls.iter().zip(calls).enumerate() {
        let mut problem = |text: String| {
            problems.push(format!("call {index} ({}): {text}", output.export));
        };
        if let Some(text) = one_outcome_per_record(&call.invoke, &output.result) {
            problem(text);
        }
        if let Some(text) = one_outcome_per_position(&call.invoke, &output.result) {
            problem(text);
        }
        if case.contract == Contract::V0_2 && output.secret_in_guest {
            problem("a secret's value crossed into the guest; a 0.2 host passes references".into());
        }
        if PURE.contains(&output.export) && !output.http.is_empty() {
            problem(format!(
                "made {} HTTP calls; it must make none",
                output.http.len()
            ));
        }
        for http in &output.http {
            if let Some(text) = outside_allow_list(http, &spec.hosts) {
                problem(text);
            }
        }
        let body_may_hold = match &call.invoke {
            Invoke::Connect { app_secret, .. } => Some(app_secret.as_str()),
            _ => None,
        };
        for text in leaks(output, &secrets, body_may_hold) {
            problem(text);
        }
    }
    problems
}

/// A transform's outcomes name its records in order; a delivered request's outcomes
/// name the records of its events in order.
fn one_outcome_per_record(invoke: &Invoke, result: &Value) -> Option<String> {
    let ok = result.get("ok")?;
    let (expected, outcomes): (Vec<&str>, _) = match invoke {
        Invoke::TransformBatch { records, .. } => (
            records.iter().map(|r| r.id.as_str()).collect(),
            ok.get("outcomes"),
        ),
        Invoke::Send { request, .. } => (
            request
                .events
                .iter()
                .flat_map(|e| &e.record_ids)
                .map(String::as_str)
                .collect(),
            Some(ok),
        ),
        _ => return None,
    };
    let ids: Vec<&str> = outcomes
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    (ids != expected).then(|| {
        format!("outcomes for {ids:?}, but exactly one per record, in order, for {expected:?}")
    })
}

/// A 0.2 transform settles every line once, in a request or among the rejections; a
/// 0.2 send answers once per event.
fn one_outcome_per_position(invoke: &Invoke, result: &Value) -> Option<String> {
    let ok = result.get("ok")?;
    let numbers = |value: &Value| -> Vec<u64> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect()
    };
    match invoke {
        Invoke::BatchTransform { lines, .. } => {
            let mut rows: Vec<u64> = ok["requests"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| numbers(&r["rows"]))
                .collect();
            rows.extend(
                ok["rejections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["row"].as_u64()),
            );
            rows.sort_unstable();
            let expected: Vec<u64> = (0..super::case::lines(lines).1 as u64).collect();
            (rows != expected).then(|| {
                format!("outcomes for rows {rows:?}, but exactly one per line for {expected:?}")
            })
        }
        Invoke::BatchSend { request, .. } => {
            let statuses = ok["statuses"].as_array().map_or(0, Vec::len);
            (statuses != request.event_ids.len())
                .then(|| format!("{statuses} statuses for {} events", request.event_ids.len()))
        }
        _ => None,
    }
}

fn outside_allow_list(http: &Value, hosts: &[String]) -> Option<String> {
    let url = http["url"].as_str().unwrap_or_default();
    let allowed = Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            && u.port().is_none()
            && hosts.iter().any(|h| Some(h.as_str()) == u.host_str())
    });
    (!allowed).then(|| format!("called {url}, which is not an allow-listed https URL"))
}

/// Values of the settings the spec marks secret, and the app secret given to `connect`.
fn secrets(case: &Case, spec: &Spec) -> Vec<String> {
    let is_secret = |key: &str| spec.settings.iter().any(|f| f.secret && f.key == key);
    let mut secrets: Vec<String> = vec![];
    for call in &case.calls {
        if let Invoke::Connect { app_secret, .. } = &call.invoke {
            secrets.push(app_secret.clone());
        }
        let settings = call
            .invoke
            .settings()
            .map(|s| s.0.as_slice())
            .unwrap_or(&[]);
        for setting in settings.iter().filter(|s| is_secret(&s.key)) {
            if let SettingValue::Text(text) = &setting.value {
                secrets.push(text.clone());
            }
        }
    }
    secrets.retain(|s| s.chars().count() >= MIN_SECRET_CHARS);
    secrets
}

/// Secrets may appear only as the value of the token header of an HTTP call, and the
/// app secret (`body_may_hold`) in the body of the call that exchanges it.
fn leaks(output: &CallOutput, secrets: &[String], body_may_hold: Option<&str>) -> Vec<String> {
    let mut leaks = vec![];
    let mut look = |place: &str, value: &Value, allowed: Option<&str>| {
        for secret in secrets.iter().filter(|s| Some(s.as_str()) != allowed) {
            if strings(value).any(|text| text.contains(secret.as_str())) {
                leaks.push(format!("a secret appears in {place}"));
            }
        }
    };
    look("the result", &output.result, None);
    let logs = Value::from(output.logs.clone());
    look("the logs", &logs, None);
    for http in &output.http {
        look("an HTTP call", &http["url"], None);
        look("an HTTP call", &http["body"], body_may_hold);
        for header in http["headers"].as_array().into_iter().flatten() {
            let name = header[0].as_str().unwrap_or_default();
            if !name.eq_ignore_ascii_case(TOKEN_HEADER) {
                look("an HTTP call", header, None);
            }
        }
    }
    if strings(&logs).any(|text| text.contains(REDACTED)) {
        leaks.push("the host had to redact a secret from the logs".into());
    }
    leaks.dedup();
    leaks
}

/// Every string in `value`, at any depth.
fn strings(value: &Value) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Value::String(text) => Box::new(std::iter::once(text.as_str())),
        Value::Array(items) => Box::new(items.iter().flat_map(strings)),
        Value::Object(map) => Box::new(map.values().flat_map(strings)),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::bindings::guest::{FieldType, SettingField};

    const TOKEN: &str = "tok-SECRET-1234";
    const API: &str = "https://business-api.tiktok.com/open_api/v1.3";

    fn spec() -> Spec {
        Spec {
            id: "d".into(),
            name: "D".into(),
            version: "1".into(),
            settings: vec![SettingField {
                key: "access_token".into(),
                label: "Token".into(),
                description: String::new(),
                field_type: FieldType::Text,
                required: true,
                secret: true,
                default: None,
                options: vec![],
            }],
            record_fields: vec![],
            max_events_per_request: 1,
            max_request_bytes: 1,
            hosts: vec!["business-api.tiktok.com".into()],
        }
    }

    fn case(call: Value) -> Case {
        serde_json::from_value(json!({"about": "", "clock_ms": 0, "calls": [call]})).unwrap()
    }

    fn output(export: &'static str, result: Value, http: Vec<Value>) -> CallOutput {
        CallOutput {
            export,
            result,
            http,
            logs: vec![json!({"level": "info", "message": "fine"})],
            secret_in_guest: false,
        }
    }

    fn send_case() -> Case {
        case(json!({
            "export": "send",
            "settings": {"access_token": TOKEN},
            "request": {"body": "{}", "events": [{"event_id": "e", "record_ids": ["1", "2"]}]},
            "expect": null,
        }))
    }

    fn post(headers: Value, body: &str) -> Value {
        json!({"method": "POST", "url": format!("{API}/event/track/"), "headers": headers, "body": body})
    }

    #[test]
    fn a_send_that_keeps_its_promises_passes() {
        let delivered =
            json!({"ok": [{"id": "1", "status": "delivered"}, {"id": "2", "status": "delivered"}]});
        let http = vec![post(json!([["Access-Token", TOKEN]]), "{}")];
        let problems = check(&send_case(), &[output("send", delivered, http)], &spec());
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn the_token_anywhere_but_its_header_is_a_leak() {
        let result = json!({"err": {"auth": format!("token {TOKEN} refused")}});
        let http = vec![post(json!([["Authorization", TOKEN]]), TOKEN)];
        let mut leaking = output("send", result, http);
        leaking.logs = vec![json!({"level": "warn", "message": "token [redacted]"})];
        assert_eq!(
            check(&send_case(), &[leaking], &spec()),
            [
                "call 0 (send): a secret appears in the result",
                "call 0 (send): a secret appears in an HTTP call",
                "call 0 (send): the host had to redact a secret from the logs",
            ]
        );
    }

    #[test]
    fn outcomes_must_name_every_record_once_in_order() {
        let one_missing = json!({"ok": [{"id": "2", "status": "delivered"}]});
        let http = vec![post(json!([["Access-Token", TOKEN]]), "{}")];
        assert_eq!(
            check(&send_case(), &[output("send", one_missing, http)], &spec()),
            [
                r#"call 0 (send): outcomes for ["2"], but exactly one per record, in order, for ["1", "2"]"#
            ]
        );
    }

    #[test]
    fn a_pure_export_calling_out_of_the_allow_list_breaks_two_promises() {
        let transform = case(json!({
            "export": "transform-batch",
            "settings": {},
            "records": [],
            "expect": null,
        }));
        let result = json!({"ok": {"requests": [], "outcomes": []}});
        let http = vec![
            json!({"method": "GET", "url": "https://evil.example/", "headers": [], "body": null}),
        ];
        assert_eq!(
            check(
                &transform,
                &[output("transform-batch", result, http)],
                &spec()
            ),
            [
                "call 0 (transform-batch): made 1 HTTP calls; it must make none",
                "call 0 (transform-batch): called https://evil.example/, which is not an allow-listed https URL",
            ]
        );
    }

    #[test]
    fn the_app_secret_may_travel_only_in_the_body_of_connects_calls() {
        let connect = case(json!({
            "export": "connect",
            "app_id": "app",
            "app_secret": "app-SECRET-9",
            "auth_code": "code",
            "expect": null,
        }));
        let exchange = |url: &str| json!({"method": "POST", "url": url, "headers": [], "body": r#"{"secret":"app-SECRET-9"}"#});
        let result = json!({"err": {"auth": "refused"}});
        let fine = output(
            "connect",
            result.clone(),
            vec![exchange(&format!("{API}/oauth2/"))],
        );
        assert_eq!(check(&connect, &[fine], &spec()), Vec::<String>::new());
        let in_url = exchange(&format!("{API}/oauth2/?secret=app-SECRET-9"));
        assert_eq!(
            check(
                &connect,
                &[output("connect", result, vec![in_url])],
                &spec()
            ),
            ["call 0 (connect): a secret appears in an HTTP call"]
        );
    }
}
