// tiktok-offline-events: the cdp:destination component for Node.js, with plain objects
// in and out, errors as Error subclasses, and the Rust host's sandboxing defaults:
// no network but the hosts the component declares (https, default port), secrets kept
// in the host and put only into the request headers that carry them, every export
// but the pure ones on a fresh instance.

import { PureInstance, callResult, egressRefusal, instantiate, keepBack, loadPackaged, resolveHeaders } from './host.js';
import { createSyncFetch } from './http.js';

/** An error the component returned: `kind` is the WIT variant's case. */
export class DestinationError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'DestinationError';
    this.kind = kind;
  }
}
/** Settings the component or the host refuses; `fields`: [{ key, message }]. */
export class InvalidSettingsError extends DestinationError {
  constructor(fields) {
    super('invalid-settings', fields.map((f) => `${f.key}: ${f.message}`).join('; '));
    this.name = 'InvalidSettingsError';
    this.fields = fields;
  }
}
export class AuthError extends DestinationError {
  constructor(message) { super('auth', message); this.name = 'AuthError'; }
}
/** `retryAfterMs`: when TikTok said, else undefined. */
export class RateLimitedError extends DestinationError {
  constructor(message, retryAfterMs) {
    super('rate-limited', message);
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}
export class TransientError extends DestinationError {
  constructor(message) { super('transient', message); this.name = 'TransientError'; }
}
export class PermanentError extends DestinationError {
  constructor(message) { super('permanent', message); this.name = 'PermanentError'; }
}
/** The component trapped (a bug, or a limit): its instance is dropped. */
export class ComponentTrap extends Error {
  constructor(message) { super(message); this.name = 'ComponentTrap'; }
}

const DEFAULT_LIMITS = {
  /** Ceiling on any one request's timeout. */
  httpTimeoutMs: 30_000,
  maxResponseBytes: 4 << 20,
  /** HTTP calls one export call may make. */
  httpCallsPerCall: 64,
  /** Longest text from the guest kept in an error or a log line. */
  maxGuestText: 1024,
};

let packaged = null;

/**
 * A destination. Options (all optional):
 * - `fetch(request)`: synchronous HTTP, `{ method, url, headers: [[name, value]], body,
 *   timeoutMs }` -> `{ status, headers, body }`; default: Node's fetch in a worker.
 * - `endpoint`: a base URL every allowed request goes to instead (the sandbox:
 *   `http://127.0.0.1:PORT`); https, or http to loopback.
 * - `now()`: the clock, Unix milliseconds; default `Date.now`.
 * - `log(level, message)`: the component's log lines and the host's; default: none.
 * - `allowHosts`: hosts the component may reach; default: those its spec declares.
 * - `limits`: `{ httpTimeoutMs, maxResponseBytes, httpCallsPerCall, maxGuestText }`.
 */
export function createDestination(options = {}) {
  packaged ??= loadPackaged();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const transport = options.fetch ?? createSyncFetch(limits);
  const endpoint = options.endpoint === undefined ? null : checkEndpoint(options.endpoint);
  const pure = new PureInstance(packaged);
  const spec = pure.call(hostFor({ pure: true }), ({ destination }) => destination.describeSettings());
  const allowHosts = (options.allowHosts ?? spec.hosts).map((h) => h.toLowerCase());
  const isSecret = (key) => spec.settings.some((f) => f.secret && f.key === key);

  function hostFor({ pure: isPure, secrets = new Map(), masked = [] }) {
    let calls = 0;
    const denied = (reason) => ({ payload: { tag: 'denied', val: reason } });
    return {
      nowMs: () => BigInt(Math.floor(now())),
      log: (level, message) => log(level, guestText(message, masked, limits)),
      fetch: (request) => {
        if (isPure) throw denied('no HTTP during this call: it must be pure');
        calls += 1;
        if (calls > limits.httpCallsPerCall) throw denied(`more than ${limits.httpCallsPerCall} HTTP calls in one call`);
        let url;
        try {
          url = new URL(request.url);
        } catch {
          throw denied('not a valid URL');
        }
        const refusal = egressRefusal(url, allowHosts);
        if (refusal) throw denied(refusal);
        const target = endpoint === null ? url : new URL(url.pathname + url.search, endpoint);
        try {
          return transport({
            method: request.method.toUpperCase(),
            url: target.href,
            headers: resolveHeaders(request.headers, secrets),
            body: request.body ?? null,
            timeoutMs: Math.min(request.timeoutMs, limits.httpTimeoutMs),
          });
        } catch (error) {
          if (error?.payload?.tag !== undefined) {
            if (error.detail) log('warn', `HTTP ${request.method} ${url.host}: ${error.detail}`);
            throw { payload: error.payload };
          }
          log('warn', `HTTP ${request.method} ${url.host}: ${error}`);
          throw { payload: { tag: 'connection', val: 'the connection failed' } };
        }
      },
    };
  }

  /** Runs `f` on the exports: pure ones on the kept instance, others on a fresh one. */
  /** `hidden`: more secrets the call's arguments carry, masked in what it says. */
  function call(isPure, settings, f, hidden = []) {
    let passed;
    let secrets = new Map();
    if (settings !== undefined) {
      const kept = keepBack(toSettings(settings), isSecret);
      if (kept.err !== undefined) throw toError(kept.err, [], limits);
      passed = kept.settings;
      secrets = kept.secrets;
    }
    const masked = [...secrets.values(), ...hidden];
    const host = hostFor({ pure: isPure, secrets, masked });
    let result;
    try {
      result = isPure
        ? pure.call(host, (exports) => callResult(() => f(exports, passed)))
        : callResult(() => f(instantiate(packaged, host), passed));
    } catch (error) {
      throw new ComponentTrap(guestText(String(error?.message ?? error), masked, limits));
    }
    if (result.err !== undefined) throw toError(result.err, masked, limits);
    return result.ok;
  }

  return {
    /** The component's spec: settings, record fields, hosts. */
    describe: () => spec,

    /** Checks the settings against TikTok; finds or creates the event set. */
    validate: (settings) => call(false, settings, ({ destination }, s) => destination.validateCredentials(s)),

    /**
     * Records (objects, or JSON text of one object each) to TikTok requests. Pure: no
     * HTTP. `rows`, `row` and positions count from 0 in `records`. Returns
     * `{ requests: [{ body, eventIds, eventSizes, rows }], rejections: [{ row, reason }],
     * warnings: [{ row, field, rule }] }`.
     */
    transform(settings, records) {
      const lines = toLines(records);
      const output = call(true, settings, ({ batch }, s) => batch.transform(s, lines));
      return {
        requests: output.requests,
        rejections: output.rejections,
        warnings: output.warnings.map(({ position, warning }) => ({ row: position, ...warning })),
      };
    },

    /**
     * Sends one request of `transform`. Returns `{ statuses: [{ status: 'delivered' |
     * 'rejected' | 'retryable', reason? }], warnings: [{ event, field, rule }] }`, a
     * status per event.
     */
    send(settings, request) {
      const output = call(false, settings, ({ batch }, s) => batch.send(s, request));
      return {
        statuses: output.statuses.map(({ tag, val }) => (val === undefined ? { status: tag } : { status: tag, reason: val })),
        warnings: output.warnings.map(({ position, warning }) => ({ event: position, ...warning })),
      };
    },

    authorizationUrl: (appId, redirectUri, state) =>
      call(true, undefined, ({ oauth }) => oauth.authorizationUrl(appId, redirectUri, state)),

    /** Exchanges an auth code for a token: `{ settings, accounts, accountSetting }`. */
    connect(appId, appSecret, authCode) {
      const output = call(false, undefined, ({ oauth }) => oauth.connect(appId, appSecret, authCode), [appSecret]);
      return { ...output, settings: fromSettings(output.settings) };
    },

    listEventSets: (settings) => call(false, settings, ({ eventSets }, s) => eventSets.listEventSets(s)),

    createEventSet: (settings, { name, description = '', autoTracking = false }) =>
      call(false, settings, ({ eventSets }, s) => eventSets.createEventSet(s, name, description, autoTracking)),

    updateEventSet: (settings, id, { name, autoTracking } = {}) =>
      call(false, settings, ({ eventSets }, s) => eventSets.updateEventSet(s, id, name, autoTracking)),
  };
}

function checkEndpoint(text) {
  const url = new URL(text);
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  throw new TypeError(`endpoint ${url.origin}: only https, or http to a loopback address`);
}

/** A plain settings object as WIT's list, sorted by key; null and undefined dropped. */
function toSettings(object) {
  return Object.keys(object).sort().filter((key) => object[key] != null).map((key) => {
    const value = object[key];
    if (typeof value === 'string') return { key, value: { tag: 'text', val: value } };
    if (typeof value === 'boolean') return { key, value: { tag: 'boolean', val: value } };
    if (Number.isSafeInteger(value)) return { key, value: { tag: 'integer', val: BigInt(value) } };
    if (typeof value === 'bigint') return { key, value: { tag: 'integer', val: value } };
    throw new TypeError(`setting ${key}: must be a string, a boolean or a whole number`);
  });
}

function fromSettings(list) {
  return Object.fromEntries(list.map(({ key, value }) => [key, value.tag === 'integer' ? Number(value.val) : value.val]));
}

/** The batch as the component takes it: one line per record. */
function toLines(records) {
  if (records.every((record) => typeof record === 'string')) {
    // JSON text: one join and one count of its line breaks, rather than a check per row.
    const lines = records.join('\n');
    let breaks = 0;
    for (let at = lines.indexOf('\n'); at !== -1; at = lines.indexOf('\n', at + 1)) breaks += 1;
    if (breaks === Math.max(records.length - 1, 0)) return lines;
  }
  return records.map(toLine).join('\n');
}

function toLine(record, row) {
  const line = typeof record === 'string' ? record : JSON.stringify(record);
  if (line.includes('\n')) throw new TypeError(`record ${row}: JSON text of one line expected`);
  return line;
}

function toError(err, masked, limits) {
  const text = (t) => guestText(t, masked, limits);
  switch (err.tag) {
    case 'invalid-settings': return new InvalidSettingsError(err.val.map((f) => ({ key: text(f.key), message: text(f.message) })));
    case 'auth': return new AuthError(text(err.val));
    case 'rate-limited': return new RateLimitedError(text(err.val.message), err.val.retryAfterMs);
    case 'transient': return new TransientError(text(err.val));
    case 'permanent': return new PermanentError(text(err.val));
    default: return new ComponentTrap(`unknown error case ${text(String(err.tag))}`);
  }
}

/** Text from the guest as the host shows it: the `masked` secrets hidden, control
 * characters escaped, cut to `maxGuestText` characters. */
function guestText(text, masked, limits) {
  let shown = String(text);
  for (const secret of masked) if (secret !== '') shown = shown.replaceAll(secret, '[secret]');
  shown = shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > limits.maxGuestText ? `${shown.slice(0, limits.maxGuestText)}… (cut)` : shown;
}
