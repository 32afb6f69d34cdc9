// The installed package end to end: the example rows sent to the TikTok API sandbox on
// loopback, and what the sandbox received checked. CI runs it in a fresh project where
// the packed tarball is installed (packages/check-installed.sh).
//
//   HOST_HARNESS=target/release/host-harness EXAMPLES=examples node smoke.mjs

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createDestination } from 'tiktok-offline-events';

const examples = process.env.EXAMPLES;
const settings = JSON.parse(readFileSync(join(examples, 'settings.json'), 'utf8'));
const records = readFileSync(join(examples, 'offline-events.ndjson'), 'utf8')
  .split('\n').filter((line) => line !== '');

const sandbox = spawn(process.env.HOST_HARNESS, ['sandbox', '--addr', '127.0.0.1:0', '--seed', join(examples, 'settings.json')]);
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
  const destination = createDestination({ endpoint: base });
  assert.equal(destination.validate(settings).eventSetId, settings.event_set_id);
  const { requests, rejections } = destination.transform(settings, records);
  let delivered = 0;
  for (const request of requests) {
    const { statuses } = destination.send(settings, request);
    delivered += statuses.filter((s) => s.status === 'delivered').length;
  }
  const held = await (await fetch(`${base}/_sandbox/events`)).json();
  const sentIds = requests.flatMap((r) => r.eventIds).sort();
  assert.deepEqual(held.map((e) => e.event.event_id).sort(), sentIds);
  assert.equal(delivered, sentIds.length);
  console.log(`npm package: ${records.length} rows, ${rejections.length} rejected, ${delivered} events delivered to the sandbox and held there`);
} finally {
  sandbox.kill();
}
