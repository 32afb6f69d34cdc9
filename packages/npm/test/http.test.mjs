// The default HTTP (Node's fetch in a worker, waited on synchronously) against a real
// server on loopback in another process (the caller's thread is blocked while it
// waits): an answer is returned whatever its status, redirects are not followed, and
// a body over the cap, a server that does not answer in time and a closed port are the
// http-error cases the component knows.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { createSyncFetch } from '../http.js';

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/big') { res.writeHead(200); res.end('x'.repeat(2048)); }
  else if (req.url === '/slow') { setTimeout(() => { res.writeHead(200); res.end('late'); }, 1000); }
  else if (req.url === '/moved') { res.writeHead(302, { location: '/big' }); res.end(); }
  else { res.writeHead(404); res.end('{"code": 40001}'); }
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

let server;
let base;
before(async () => {
  server = spawn(process.execPath, ['-e', SERVER]);
  const port = await new Promise((resolve) => server.stdout.once('data', (data) => resolve(String(data).trim())));
  base = `http://127.0.0.1:${port}`;
});
after(() => server.kill());

const get = (fetch, path, timeoutMs = 5000) => fetch({ method: 'GET', url: base + path, headers: [], body: null, timeoutMs });
const failure = (f) => {
  try {
    f();
  } catch (error) {
    return error.payload.tag;
  }
  return 'no failure';
};

test('an error status is an answer for the component', () => {
  const answer = get(createSyncFetch(), '/missing');
  assert.deepEqual([answer.status, answer.body], [404, '{"code": 40001}']);
});

test('a redirect is not followed', () => {
  const answer = get(createSyncFetch(), '/moved');
  assert.equal(answer.status, 302);
  assert.ok(answer.headers.some(([name, value]) => name === 'location' && value === '/big'));
});

test('a body over the cap is too large', () => {
  assert.equal(failure(() => get(createSyncFetch({ maxResponseBytes: 1024 }), '/big')), 'too-large');
  assert.equal(get(createSyncFetch({ maxResponseBytes: 4096 }), '/big').status, 200);
});

test('a server that does not answer in time is a timeout, and the next request works', () => {
  const fetch = createSyncFetch();
  assert.equal(failure(() => get(fetch, '/slow', 200)), 'timeout');
  assert.equal(get(fetch, '/missing').status, 404);
});

test('a closed port is a connection failure', () => {
  const fetch = createSyncFetch();
  assert.equal(failure(() => fetch({ method: 'GET', url: 'http://127.0.0.1:9/', headers: [], body: null, timeoutMs: 1000 })), 'connection');
});
