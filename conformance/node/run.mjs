// The conformance driver for Node.js (jco): runs the cases against a component and
// prints the normalised results, the same JSON as `host-harness conformance`.
//
//   node run.mjs --component X.wasm [--cases DIR]
//
// Stdout: the results. Stderr: every case whose results differ from its expectations,
// then "N passed, M failed". Exit 1 when any case failed.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// The npm package's own hosting code (packages/npm), so that the cases prove it.
import {
  PureInstance, callResult, egressRefusal, instantiate, keepBack, loadPackaged, resolveHeaders,
} from '../../packages/npm/host.js';
import * as normal from './normal.mjs';

/** Exports the contract declares pure: the host refuses their HTTP calls, and they
 * run on one kept instance (`PureInstance`). */
const PURE = new Set(['describe-settings', 'transform-batch', 'batch.transform', 'authorization-url']);

const { values: args } = parseArgs({
  options: {
    component: { type: 'string' },
    cases: { type: 'string', default: new URL('../cases', import.meta.url).pathname },
  },
});
if (!args.component) {
  console.error('usage: node run.mjs --component X.wasm [--cases DIR]');
  process.exit(2);
}

const loaded = loadPackaged();
const given = createHash('sha256').update(readFileSync(args.component)).digest('hex');
if (loaded.sha256 !== given) {
  console.error(`the npm package holds another component (sha256 ${loaded.sha256}); build it from this one: node packages/npm/build.mjs --component ${args.component}`);
  process.exit(2);
}
const pure = new PureInstance(loaded);
const spec = instantiate(loaded, new ScriptedHost([], 0n, [])).destination.describeSettings();
const hosts = spec.hosts.map((h) => h.toLowerCase());
const isSecret = (key) => spec.settings.some((f) => f.secret && f.key === key);

const outputs = [];
let failed = 0;
for (const file of readdirSync(args.cases).filter((f) => f.endsWith('.json')).sort()) {
  const testCase = JSON.parse(readFileSync(join(args.cases, file), 'utf8'));
  const name = file.slice(0, -'.json'.length);
  const { output, problems } = runCase(name, testCase);
  if (problems.length > 0) {
    failed += 1;
    console.error(`FAIL ${name}\n  ${problems.join('\n  ')}`);
  }
  outputs.push(output);
}
console.log(normal.stringify(outputs));
console.error(`${outputs.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

function runCase(name, testCase) {
  const host = new ScriptedHost(testCase.http ?? [], BigInt(testCase.clock_ms), hosts);
  const byReference = testCase.contract === '0.2';
  const calls = [];
  const problems = [];
  testCase.calls.forEach((call, index) => {
    const isPure = PURE.has(call.export);
    let result;
    let secretInGuest = false;
    try {
      const given = call.settings === undefined ? undefined : toSettings(call.settings);
      const kept = given !== undefined && byReference ? keepBack(given, isSecret) : { settings: given, secrets: new Map() };
      host.startCall(isPure, kept.secrets ?? new Map());
      if (kept.err !== undefined) {
        result = normal.result(kept, () => null);
      } else {
        secretInGuest = secretCrossed(given ?? [], [...texts(kept.settings ?? []), ...argumentTexts(call)]);
        const run = (exports) => invoke(exports, call, kept.settings);
        result = isPure ? pure.call(host, run) : run(instantiate(loaded, host));
      }
    } catch (error) {
      result = { host_error: String(error) };
    }
    const output = {
      export: call.export, result, http: host.calls, logs: host.logs, secret_in_guest: secretInGuest,
    };
    const expected = { result: call.expect, http: call.expect_http ?? [] };
    for (const part of ['result', 'http']) {
      if (normal.stringify(output[part]) !== normal.stringify(expected[part])) {
        problems.push(`call ${index} (${call.export}): ${part} differs\n` +
          `  expected: ${JSON.stringify(expected[part])}\n  actual:   ${JSON.stringify(output[part])}`);
      }
    }
    calls.push(output);
  });
  return { output: { name, calls }, problems };
}

/** Calls one export with the case's arguments, in jco's shapes, and normalises. */
function invoke({ destination, oauth, eventSets, batch }, call, settings) {
  switch (call.export) {
    case 'describe-settings':
      return normal.spec(destination.describeSettings());
    case 'validate-credentials':
      return normal.result(callResult(() => destination.validateCredentials(settings)), normal.validation);
    case 'transform-batch': {
      const records = call.records.map((r) => ({ id: r.id, json: text(r.json) }));
      return normal.result(callResult(() => destination.transformBatch(settings, records)), normal.transformOutput);
    }
    case 'send': {
      const request = {
        body: text(call.request.body),
        events: call.request.events.map((e) => ({ eventId: e.event_id, recordIds: e.record_ids })),
      };
      return normal.result(callResult(() => destination.send(settings, request)), normal.deliveryOutcomes);
    }
    case 'batch.transform':
      return normal.result(callResult(() => batch.transform(settings, lines(call.lines))), normal.positions);
    case 'batch.send': {
      const request = {
        body: text(call.request.body),
        eventIds: call.request.event_ids,
        eventSizes: new Uint32Array(call.request.event_sizes),
        rows: new Uint32Array(call.request.rows),
      };
      return normal.result(callResult(() => batch.send(settings, request)), normal.sendOutput);
    }
    case 'authorization-url':
      return oauth.authorizationUrl(call.app_id, call.redirect_uri, call.state);
    case 'connect':
      return normal.result(callResult(() => oauth.connect(call.app_id, call.app_secret, call.auth_code)), normal.connection);
    case 'list-event-sets':
      return normal.result(callResult(() => eventSets.listEventSets(settings)), normal.eventSets);
    case 'create-event-set':
      return normal.result(
        callResult(() => eventSets.createEventSet(settings, call.name, call.description, call.auto_tracking)),
        normal.eventSet);
    case 'update-event-set':
      return normal.result(
        callResult(() => eventSets.updateEventSet(settings, call.id, call.name ?? undefined, call.auto_tracking ?? undefined)),
        normal.eventSet);
    default:
      throw new Error(`unknown export ${call.export}`);
  }
}

/** A flat settings object as the WIT's list, sorted by key, nulls dropped. */
function toSettings(object) {
  return Object.keys(object).sort().filter((key) => object[key] !== null).map((key) => {
    const value = object[key];
    switch (typeof value) {
      case 'string': return { key, value: { tag: 'text', val: value } };
      case 'boolean': return { key, value: { tag: 'boolean', val: value } };
      case 'number':
        if (Number.isInteger(value)) return { key, value: { tag: 'integer', val: BigInt(value) } };
      // fall through
      default: throw new Error(`setting '${key}' must be a string, a boolean or a whole number`);
    }
  });
}

/** The rows of a `batch.transform`, a line each. */
function lines(rows) {
  return rows.map(text).join('\n');
}

/** Every argument but the settings, as the text that crosses into the guest. */
function argumentTexts(call) {
  switch (call.export) {
    case 'transform-batch':
      return call.records.flatMap((r) => [r.id, text(r.json)]);
    case 'send':
      return [text(call.request.body), ...call.request.events.flatMap((e) => [e.event_id, ...e.record_ids])];
    case 'batch.transform':
      return [lines(call.lines)];
    case 'batch.send':
      return [text(call.request.body), ...call.request.event_ids];
    case 'authorization-url':
      return [call.app_id, call.redirect_uri, call.state];
    case 'connect':
      return [call.app_id, call.app_secret, call.auth_code];
    case 'create-event-set':
      return [call.name, call.description];
    case 'update-event-set':
      return [call.id, call.name].filter((t) => t !== undefined && t !== null);
    default:
      return [];
  }
}

/** The text values of settings in jco's shape. */
function texts(settings) {
  return settings.filter((s) => s.value.tag === 'text').map((s) => s.value.val);
}

/** Whether the value of a secret setting of `given` is in any of `crossing`. */
function secretCrossed(given, crossing) {
  const secrets = given.filter((s) => isSecret(s.key) && s.value.tag === 'text').map((s) => s.value.val);
  return crossing.some((t) => secrets.some((secret) => t.includes(secret)));
}

/** A string as is; any other JSON compact, keys sorted. */
function text(value) {
  return typeof value === 'string' ? value : JSON.stringify(sortKeys(value));
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

/**
 * The host's imports for one case: answers from the case's script (queued per
 * "METHOD url"), the same egress policy as host-harness, and a record of every call
 * and log line.
 */
function ScriptedHost(answers, clockMs, allowedHosts) {
  const queues = new Map();
  for (const answer of answers) {
    const key = `${answer.method} ${answer.url}`;
    queues.set(key, [...(queues.get(key) ?? []), answer]);
  }
  const denied = (reason) => ({ payload: { tag: 'denied', val: reason } });
  let pure = false;
  let secrets = new Map();
  this.calls = [];
  this.logs = [];
  this.startCall = (isPure, callSecrets = new Map()) => {
    pure = isPure;
    secrets = callSecrets;
    this.calls = [];
    this.logs = [];
  };
  this.nowMs = () => clockMs;
  this.log = (level, message) => this.logs.push({ level, message });
  this.fetch = (request) => {
    if (pure) throw denied('no HTTP during this call: it must be pure');
    let url;
    try {
      url = new URL(request.url);
    } catch (error) {
      throw denied(`not a valid URL (${error.message})`);
    }
    const refusal = egressRefusal(url, allowedHosts);
    if (refusal) throw denied(refusal);
    const method = request.method.toUpperCase();
    const headers = resolveHeaders(request.headers, secrets);
    this.calls.push({ method, url: url.href, headers, body: request.body ?? null });
    const key = `${method} ${url.href}`;
    const answer = queues.get(key)?.shift();
    if (answer === undefined) {
      throw { payload: { tag: 'connection', val: `no scripted answer for ${key}` } };
    }
    if (answer.error !== undefined) throw { payload: httpError(answer.error) };
    return { status: answer.status ?? 200, headers: answer.headers ?? [], body: text(answer.body ?? '') };
  };
}

/** "timeout", "too_large", { denied } or { connection } as jco's http-error. */
function httpError(error) {
  if (typeof error === 'string') return { tag: error.replaceAll('_', '-') };
  const [tag, val] = Object.entries(error)[0];
  return { tag, val };
}
