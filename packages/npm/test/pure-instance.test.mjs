// The kept instance of the pure exports (host.js `PureInstance`) is safe: a batch gives
// the same answer on the kept instance as on a fresh one, whatever came before it, and
// an instance whose call trapped is replaced, not reused.
//
//   npm test          (after npm run build)

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PureInstance, callResult, instantiate, keepBack, loadPackaged } from '../host.js';

const loaded = loadPackaged();

const clock = (ms) => ({
  fetch: () => { throw { payload: { tag: 'denied', val: 'pure' } }; },
  nowMs: () => ms,
  log: () => {},
});
const text = (key, val) => ({ key, value: { tag: 'text', val } });
const settings = keepBack(
  [text('access_token', 'tok-0123456789'), text('event_set_id', '7181537436256731137')],
  (key) => key === 'access_token',
).settings;

const row = (i) => JSON.stringify({
  email: `user${i}@example.com`, phone: '+12133734253', event: 'Purchase',
  event_id: `ord-${i % 7}`, timestamp: 1684574395 + i, value: i % 7, currency: (i % 7) % 2 ? 'USD' : 'EUR',
});
const batches = [
  Array.from({ length: 50 }, (_, i) => row(i)).join('\n'),
  '{"email": "a@b.c"}\nnot json\n',
  Array.from({ length: 30 }, (_, i) => row(i * 3)).join('\n'),
];
const NOW = 1684574455000n;

const fresh = (lines) => callResult(() => instantiate(loaded, clock(NOW)).batch.transform(settings, lines));

test('a batch answers the same on the kept instance as on a fresh one, in any order', () => {
  const expected = batches.map(fresh);
  assert.ok(expected[0].ok.requests.length > 0, 'the first batch has requests');
  assert.ok(expected[1].ok.rejections.length === 2, 'the second batch rejects both rows');
  const pure = new PureInstance(loaded);
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2, 0, 1]]) {
    for (const index of order) {
      const got = pure.call(clock(NOW), ({ batch }) => callResult(() => batch.transform(settings, batches[index])));
      assert.deepEqual(got, expected[index], `batch ${index}`);
    }
  }
  assert.equal(pure.created, 1, 'one instance for all of it');
});

test('a call that traps drops the instance and the next call gets a new one', () => {
  const pure = new PureInstance(loaded);
  const ok = pure.call(clock(NOW), ({ batch }) => callResult(() => batch.transform(settings, batches[0])));
  const trapping = { ...clock(NOW), nowMs: () => { throw new Error('the host clock failed'); } };
  assert.throws(() => pure.call(trapping, ({ batch }) => batch.transform(settings, batches[0])));
  assert.equal(pure.created, 1);
  const again = pure.call(clock(NOW), ({ batch }) => callResult(() => batch.transform(settings, batches[0])));
  assert.equal(pure.created, 2, 'a new instance after the trap');
  assert.deepEqual(again, ok);
});

test('a settings error is the export\'s answer, not a trap: the instance is kept', () => {
  const pure = new PureInstance(loaded);
  const bad = [text('event_set_id', '7181537436256731137')];
  const answer = pure.call(clock(NOW), ({ batch }) => callResult(() => batch.transform(bad, batches[0])));
  assert.equal(answer.err.tag, 'invalid-settings');
  pure.call(clock(NOW), ({ batch }) => callResult(() => batch.transform(settings, batches[0])));
  assert.equal(pure.created, 1);
});
