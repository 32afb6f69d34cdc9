// The package's API over the packaged component, with a scripted fetch: what crosses
// to the network, what the caller gets back, and what never leaves the host.
//
//   npm test          (after npm run build)

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createHash } from 'node:crypto';

import { AuthError, InvalidSettingsError, PermanentError, createDestination } from '../index.js';

const TOKEN = 'tok-2f1e0d9c8b7a6f5e4d3c';
const settings = {
  access_token: TOKEN,
  advertiser_id: '7000000000000000001',
  event_set_id: '7181537436256731137',
  default_currency: 'EUR',
};
const NOW = Date.UTC(2026, 10, 12);
const record = (n) => ({
  email: ` User${n}@Example.com `,
  event: 'Purchase',
  event_id: `ord-${n}`,
  timestamp: '2026-11-11T10:00:00Z',
  value: '12.50',
});

/** A fetch that records what it is asked and answers TikTok's success. */
function scripted(answer = { code: 0, message: 'OK', data: {} }) {
  const seen = [];
  const fetch = (request) => {
    seen.push(request);
    return { status: 200, headers: [['content-type', 'application/json']], body: JSON.stringify(answer) };
  };
  return { seen, fetch };
}

test('transform hashes as TikTok documents and sends the token only in its header', () => {
  const { seen, fetch } = scripted();
  const logs = [];
  const destination = createDestination({ fetch, now: () => NOW, log: (level, message) => logs.push(message) });
  const output = destination.transform(settings, [record(1), JSON.stringify(record(2)), { event: 'Purchase' }]);
  assert.deepEqual(output.rejections.map((r) => r.row), [2]);
  const [request] = output.requests;
  assert.deepEqual([...request.rows], [0, 1]);
  assert.deepEqual(request.eventIds, ['ord-1', 'ord-2']);
  const body = JSON.parse(request.body);
  // Trimmed, lower-cased, SHA-256 (TikTok's rule), hashed here by Node's own crypto.
  assert.deepEqual(body.data[0].user.email, [sha256('user1@example.com')]);
  assert.equal(body.data[0].properties.currency, 'EUR');
  assert.equal(seen.length, 0, 'transform is pure');

  const sent = destination.send(settings, request);
  assert.deepEqual(sent.statuses, [{ status: 'delivered' }, { status: 'delivered' }]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, 'https://business-api.tiktok.com/open_api/v1.3/event/track/');
  assert.deepEqual(seen[0].headers.filter(([name]) => name.toLowerCase() === 'access-token'), [['Access-Token', TOKEN]]);
  assert.equal(seen[0].body, request.body);
  assert.ok(!request.body.includes(TOKEN) && !logs.some((line) => line.includes(TOKEN)));
});

test('a record of more than one line is refused, naming it', () => {
  const destination = createDestination({ fetch: scripted().fetch, now: () => NOW });
  assert.throws(() => destination.transform(settings, [JSON.stringify(record(1)), '{"a":\n1}']), /record 1: JSON text of one line expected/);
});

test('an app secret echoed back by TikTok is not in the error', () => {
  const APP_SECRET = 'app-secret-9f8e7d6c5b4a';
  const { seen, fetch } = scripted({ code: 40101, message: `app_secret ${APP_SECRET} does not match the app`, data: {} });
  const destination = createDestination({ fetch, now: () => NOW });
  assert.throws(() => destination.connect('7000000000000000009', APP_SECRET, 'code-1'), (e) => {
    assert.ok(e instanceof AuthError, e.name);
    assert.ok(!e.message.includes(APP_SECRET), e.message);
    return true;
  });
  assert.ok(seen[0].body.includes(APP_SECRET), 'the secret went to TikTok, in the body');
});

test('an endpoint takes the requests the policy allowed', () => {
  const { seen, fetch } = scripted();
  const destination = createDestination({ fetch, now: () => NOW, endpoint: 'http://127.0.0.1:9' });
  const { requests } = destination.transform(settings, [record(1)]);
  destination.send(settings, requests[0]);
  assert.equal(seen[0].url, 'http://127.0.0.1:9/open_api/v1.3/event/track/');
  assert.throws(() => createDestination({ fetch, endpoint: 'http://example.com' }), /only https, or http to a loopback address/);
});

test('a host the spec does not declare is refused before any fetch', () => {
  const { seen, fetch } = scripted();
  const destination = createDestination({ fetch, now: () => NOW, allowHosts: ['example.com'] });
  const { requests } = destination.transform(settings, [record(1)]);
  assert.throws(
    () => destination.send(settings, requests[0]),
    (e) => e instanceof PermanentError && /host 'business-api.tiktok.com' is not in the egress allow-list/.test(e.message),
  );
  assert.equal(seen.length, 0);
});

test('errors are typed, and a secret echoed by the guest or TikTok is masked', () => {
  const { fetch } = scripted({ code: 40105, message: `Access token ${TOKEN} is incorrect or has been revoked.`, data: {} });
  const destination = createDestination({ fetch, now: () => NOW });
  assert.throws(() => destination.validate(settings), (e) => e instanceof AuthError && e.kind === 'auth' && !e.message.includes(TOKEN));
  assert.throws(() => destination.transform({ ...settings, access_token: 'two words' }, [record(1)]), (e) => {
    assert.ok(e instanceof InvalidSettingsError);
    assert.deepEqual(e.fields.map((f) => f.key), ['access_token']);
    assert.ok(!e.message.includes('two words'));
    return true;
  });
});

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}
