// jco's values in the suite's normalised JSON (host-harness/src/conformance/normal.rs
// defines it): snake_case fields, { ok } / { err }, a variant case as { case: payload }
// or "case", options as null. jco's quirks undone here: camelCase fields, variants as
// { tag, val } with kebab-case tags, `none` as undefined, u64/s64 as BigInt.

const snake = (tag) => tag.replaceAll('-', '_');
const option = (value) => (value === undefined ? null : value);

/** A variant: { case: payload }, or "case" when it has none. */
function variant({ tag, val }, payload = (v) => v) {
  return val === undefined ? snake(tag) : { [snake(tag)]: payload(val) };
}

function integer(value) {
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

export function settingValue(value) {
  return value.tag === 'integer' ? integer(value.val) : value.val;
}

export function spec(s) {
  return {
    id: s.id,
    name: s.name,
    version: s.version,
    settings: s.settings.map((f) => ({
      key: f.key,
      label: f.label,
      description: f.description,
      type: f.fieldType,
      required: f.required,
      secret: f.secret,
      default: f.default === undefined ? null : settingValue(f.default),
      options: f.options,
    })),
    record_fields: s.recordFields.map((f) => ({
      name: f.name,
      description: f.description,
      required: f.required,
    })),
    max_events_per_request: s.maxEventsPerRequest,
    max_request_bytes: s.maxRequestBytes,
    hosts: s.hosts,
  };
}

/** A `result<T, destination-error>` as `callResult` returned it. */
export function result(r, ok) {
  return 'ok' in r ? { ok: ok(r.ok) } : { err: destinationError(r.err) };
}

export function destinationError(error) {
  return variant(error, (val) => {
    switch (error.tag) {
      case 'invalid-settings':
        return val.map((f) => ({ key: f.key, message: f.message }));
      case 'rate-limited':
        return { retry_after_ms: option(val.retryAfterMs), message: val.message };
      default:
        return val;
    }
  });
}

export function validation(v) {
  return {
    event_set_id: v.eventSetId,
    event_set_name: option(v.eventSetName),
    event_set_created: v.eventSetCreated,
    advertiser_name: option(v.advertiserName),
  };
}

export function transformOutput(output) {
  return {
    requests: output.requests.map((r) => ({
      body: r.body,
      events: r.events.map((e) => ({ event_id: e.eventId, record_ids: e.recordIds })),
    })),
    outcomes: output.outcomes.map((o) => ({ id: o.id, status: variant(o.status) })),
  };
}

export function deliveryOutcomes(outcomes) {
  return outcomes.map((o) => ({ id: o.id, status: variant(o.status) }));
}

/** Contract 0.2's transform output; jco gives `list<u32>` as a Uint32Array. */
export function positions(output) {
  return {
    requests: output.requests.map((r) => ({
      body: r.body,
      event_ids: r.eventIds,
      event_sizes: [...r.eventSizes],
      rows: [...r.rows],
    })),
    rejections: output.rejections.map((r) => ({ row: r.row, reason: r.reason })),
    warnings: warnings(output.warnings),
  };
}

/** Contract 0.2's send output. */
export function sendOutput(output) {
  return { statuses: output.statuses.map((s) => variant(s)), warnings: warnings(output.warnings) };
}

function warnings(list) {
  return list.map((w) => ({ position: w.position, field: w.warning.field, rule: w.warning.rule }));
}

export function connection(c) {
  return {
    settings: c.settings.map((s) => ({ key: s.key, value: settingValue(s.value) })),
    accounts: c.accounts.map((a) => ({ id: a.id, name: option(a.name) })),
    account_setting: c.accountSetting,
  };
}

export function eventSet(set) {
  return {
    id: set.id,
    name: set.name,
    description: option(set.description),
    auto_tracking: set.autoTracking,
  };
}

export function eventSets(sets) {
  return sets.map(eventSet);
}

/**
 * JSON with sorted keys, indented by two spaces: the same bytes as serde_json's and
 * Python's pretty printers, so outputs can be compared with `diff`. BigInts (values
 * beyond 2^53) are written as plain integers.
 */
export function stringify(value, indent = '') {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + stringify(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    const fields = keys.map((k) => `${inner}${JSON.stringify(k)}: ${stringify(value[k], inner)}`);
    return `{\n${fields.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
