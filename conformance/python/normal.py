"""wasmtime-py's values in the suite's normalised JSON (host-harness/src/conformance/
normal.rs defines it): snake_case fields, {"ok"} / {"err"}, a variant case as
{"case": payload} or "case", options as null.

wasmtime-py's quirks undone here: record fields are attributes with kebab-case names;
a variant or result is a `Variant(tag, payload)` only when its cases could be confused,
and otherwise just the payload (transform-status is an int or a str, setting-value a
str, bool or int)."""

from tiktok_offline_events.host import field, spec_as_dict, split_result


def snake(tag):
    return tag.replace("-", "_")


def variant(value):
    if value.payload is None:
        return snake(value.tag)
    return {snake(value.tag): value.payload}


def spec(s):
    return spec_as_dict(s)


def result(value, ok):
    tag, payload = split_result(value)
    if tag == "ok":
        return {"ok": ok(payload)}
    return {"err": destination_error(payload)}


def destination_error(error):
    if error.tag == "invalid-settings":
        return {"invalid_settings": [{"key": f.key, "message": f.message} for f in error.payload]}
    if error.tag == "rate-limited":
        limit = error.payload
        return {
            "rate_limited": {
                "retry_after_ms": field(limit, "retry_after_ms"),
                "message": limit.message,
            }
        }
    return variant(error)


def validation(v):
    return {
        name: field(v, name)
        for name in ["event_set_id", "event_set_name", "event_set_created", "advertiser_name"]
    }


def transform_status(status):
    # Untagged: accepted(u32) arrives as an int, rejected(string) as a str.
    if isinstance(status, int):
        return {"accepted": status}
    return {"rejected": status}


def transform_output(output):
    return {
        "requests": [
            {
                "body": r.body,
                "events": [
                    {"event_id": field(e, "event_id"), "record_ids": field(e, "record_ids")}
                    for e in r.events
                ],
            }
            for r in output.requests
        ],
        "outcomes": [{"id": o.id, "status": transform_status(o.status)} for o in output.outcomes],
    }


def delivery_outcomes(outcomes):
    return [{"id": o.id, "status": variant(o.status)} for o in outcomes]


def positions(output):
    """Contract 0.2's transform output."""
    return {
        "requests": [
            {
                "body": r.body,
                "event_ids": field(r, "event_ids"),
                "event_sizes": field(r, "event_sizes"),
                "rows": r.rows,
            }
            for r in output.requests
        ],
        "rejections": [{"row": r.row, "reason": r.reason} for r in output.rejections],
        "warnings": warnings(output.warnings),
    }


def send_output(output):
    """Contract 0.2's send output."""
    return {
        "statuses": [variant(s) for s in output.statuses],
        "warnings": warnings(output.warnings),
    }


def warnings(items):
    return [
        {"position": w.position, "field": w.warning.field, "rule": w.warning.rule} for w in items
    ]


def connection(c):
    return {
        # Untagged: a setting value arrives as the str, bool or int itself.
        "settings": [{"key": s.key, "value": s.value} for s in c.settings],
        "accounts": [{"id": a.id, "name": a.name} for a in c.accounts],
        "account_setting": field(c, "account_setting"),
    }


def event_set(s):
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "auto_tracking": field(s, "auto_tracking"),
    }


def event_sets(sets):
    return [event_set(s) for s in sets]

