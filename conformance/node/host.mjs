// Hosting a cdp:destination component in Node.js with jco: transpile the .wasm once,
// then instantiate it for every call with the host's own http, clock and log imports.

import { transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

/** Transpiles `wasm` (bytes) into something `instantiate` can make instances of. */
export async function load(wasm) {
  // `instantiation: 'sync'` makes jco emit an `instantiate(getCoreModule, imports)`
  // function instead of a module with fixed imports, so each instance gets its own.
  const { files } = await transpile(wasm, {
    name: 'component',
    instantiation: 'sync',
    noTypescript: true,
    quiet: true,
  });
  const js = Buffer.from(files['component.js']).toString('base64');
  const { instantiate } = await import(`data:text/javascript;base64,${js}`);
  const modules = new Map();
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith('.wasm')) modules.set(name, new WebAssembly.Module(bytes));
  }
  return { instantiate, getCoreModule: (name) => modules.get(name) };
}

/**
 * A fresh instance whose imports call `host`:
 *   host.fetch(request) -> response, or throws { payload: httpError }
 *   host.nowMs() -> BigInt (u64)
 *   host.log(level, message)
 * WASI is linked with nothing in it: no files, environment, arguments or network.
 * Returns jco's exports: { destination, oauth, eventSets }.
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
