// The installed package end to end: the README's example (examples/send.mjs, copied
// beside this file) sends the example rows to the TikTok API sandbox on loopback, and
// what the sandbox received is checked. CI runs it in a fresh project where the packed
// tarball is installed (packages/check-installed.sh).
//
//   HOST_HARNESS=target/release/host-harness REPO=. node smoke.mjs

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const repo = process.env.REPO;
const sandbox = spawn(process.env.HOST_HARNESS, ['sandbox', '--addr', '127.0.0.1:0', '--seed', join(repo, 'examples/settings.json')]);
const base = await new Promise((resolve, reject) => {
  let said = '';
  const read = (chunk) => {
    said += chunk;
    const found = said.match(/sandbox on (http:\/\/127\.0\.0\.1:\d+)/);
    if (found) resolve(found[1]);
  };
  sandbox.stdout.on('data', read);
  sandbox.stderr.on('data', read);
  sandbox.on('exit', (code) => reject(new Error(`the sandbox exited (${code}): ${said}`)));
});
try {
  const example = new URL('./send.mjs', import.meta.url).pathname;
  const said = execFileSync(process.execPath, [example], { cwd: repo, env: { ...process.env, TIKTOK_ENDPOINT: base }, encoding: 'utf8' });
  const [, delivered, rejected] = said.match(/^(\d+) events delivered, (\d+) rows rejected$/m).map(Number);
  const held = await (await fetch(`${base}/_sandbox/events`)).json();
  const ids = new Set(held.map((e) => e.event.event_id));
  assert.ok(delivered > 0);
  assert.equal(held.length, delivered, 'the sandbox holds every event said delivered');
  assert.equal(ids.size, delivered, 'each once');
  console.log(`npm package, README example: ${delivered} events delivered and held by the sandbox, ${rejected} rows rejected`);
} finally {
  sandbox.kill();
}
