// The component as jco hosts it: the pre-transpiled component in dist/, instantiated
// with the host's own http, clock and log imports. The low-level layer under index.js,
// and what the conformance driver uses to call every export with WIT's shapes.
//
// Contract 0.2 (`batch`): secret settings cross into the guest as references
// (`secret:<key>`, see `keepBack`) and the host's fetch puts the values back into
// request headers (`resolveHeaders`) after the egress policy passed the URL.

import { readFileSync } from 'node:fs';

import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

import { instantiate as instantiateComponent } from './dist/component.js';

const dist = new URL('./dist/', import.meta.url);

/** The packaged component: its core modules, compiled once per process. */
export function loadPackaged() {
  const modules = new Map();
  const getCoreModule = (name) => {
    if (!modules.has(name)) modules.set(name, new WebAssembly.Module(readFileSync(new URL(name, dist))));
    return modules.get(name);
  };
  const sha256 = readFileSync(new URL('component.sha256', dist), 'utf8').trim();
  return { instantiate: instantiateComponent, getCoreModule, sha256 };
}

/**
 * A fresh instance whose imports call `host`:
 *   host.fetch(request) -> response, or throws { payload: httpError }
 *   host.nowMs() -> BigInt (u64)
 *   host.log(level, message)
 * WASI is linked with nothing in it: no files, environment, arguments or network.
 * Returns jco's exports: { destination, oauth, eventSets, batch }.
 */
export function instantiate(loaded, host) {
  const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
  return loaded.instantiate(loaded.getCoreModule, {
    ...wasi.getImportObject(),
    'cdp:destination/types': {},
    'cdp:destination/http': { fetch: (request) => host.fetch(request) },
    'cdp:destination/clock': { nowMs: () => host.nowMs() },
    'cdp:destination/log': { log: (level, message) => host.log(level, message) },
  });
}

/**
 * One instance for the pure exports, kept across calls: a fresh jco instance costs
 * tens of milliseconds (jco's generated glue builds every trampoline again), a batch a
 * few. Safe because those exports are pure and the component keeps nothing between
 * calls: no HTTP (the host refuses it), the clock read through `host`, and each call's
 * input and output in memory the call allocates and frees. A call that traps (throws
 * anything but the export's `err`) drops the instance; the next call makes a new one.
 * Every other export gets a fresh instance per call.
 */
export class PureInstance {
  constructor(loaded) {
    this.loaded = loaded;
    this.instance = null;
    this.host = null;
    this.created = 0;
  }

  /** Runs `f(exports)` on the kept instance, its imports calling `host`. */
  call(host, f) {
    this.host = host;
    if (this.instance === null) {
      const routed = {
        fetch: (request) => this.host.fetch(request),
        nowMs: () => this.host.nowMs(),
        log: (level, message) => this.host.log(level, message),
      };
      this.instance = instantiate(this.loaded, routed);
      this.created += 1;
    }
    try {
      return f(this.instance);
    } catch (error) {
      if (!(error && Object.hasOwn(error, 'payload'))) this.instance = null;
      throw error;
    }
  }
}

/**
 * Calls an export that returns a WIT `result`: jco returns the `ok` value and throws
 * the `err` value as an error whose `.payload` holds it. Anything else thrown is a
 * trap. Returns { ok } or { err }.
 */
export function callResult(f) {
  try {
    return { ok: f() };
  } catch (error) {
    if (error && Object.hasOwn(error, 'payload')) return { err: error.payload };
    throw error;
  }
}

/** What a secret setting's value crosses into a 0.2 guest as. */
export const reference = (key) => `secret:${key}`;

/**
 * Settings (jco's shape) as a 0.2 guest gets them: each secret text value (`isSecret`
 * by key, from the spec) replaced by its reference and kept back, trimmed, in
 * `secrets` (reference -> value). A value that cannot be a header value is the
 * host's settings error, as { err }; an empty one crosses as it is, for the guest
 * to say it is required.
 */
export function keepBack(settings, isSecret) {
  const secrets = new Map();
  const errors = [];
  const passed = settings.map((setting) => {
    if (!isSecret(setting.key) || setting.value.tag !== 'text') return setting;
    const value = setting.value.val.trim();
    if (value === '') return setting;
    if (!/^[\x21-\x7e]+$/.test(value)) {
      errors.push({
        key: setting.key,
        message: 'must be printable ASCII without spaces or line breaks: check for a character pasted with it',
      });
    }
    secrets.set(reference(setting.key), value);
    return { key: setting.key, value: { tag: 'text', val: reference(setting.key) } };
  });
  if (errors.length > 0) return { err: { tag: 'invalid-settings', val: errors } };
  return { settings: passed, secrets };
}

/** Request headers as they go on the wire: a value that is exactly a reference
 * becomes its secret. Only for a request the egress policy allowed. */
export function resolveHeaders(headers, secrets) {
  return headers.map(([name, value]) => [name, secrets.get(value) ?? value]);
}

/** The reasons host-harness's policy gives, word for word; null when the guest may
 * fetch `url`. */
export function egressRefusal(url, allowedHosts) {
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https') return `scheme '${scheme}' is not allowed; only https`;
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  if (url.port) return 'only the default https port is allowed';
  if (!allowedHosts.includes(url.hostname)) return `host '${url.hostname}' is not in the egress allow-list`;
  return null;
}
