// The worker of http.js: performs one request at a time with Node's fetch, posts the
// answer, then wakes the waiting thread.

import { workerData } from 'node:worker_threads';

const { flag, port, maxResponseBytes } = workerData;

port.on('message', async (request) => {
  let answer;
  try {
    answer = await perform(request);
  } catch (error) {
    answer = {
      error: error?.name === 'TimeoutError' || error?.name === 'AbortError'
        ? { tag: 'timeout' }
        : { tag: 'connection', val: 'the connection failed' },
      // For the host's log, never the guest: it may name addresses and proxies.
      detail: String(error?.cause?.code ?? error?.cause?.message ?? error?.message ?? error),
    };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

async function perform({ method, url, headers, body, timeoutMs }) {
  const response = await fetch(url, {
    method,
    headers,
    body: body ?? undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > maxResponseBytes) return { error: { tag: 'too-large' } };
    chunks.push(chunk);
  }
  return {
    status: response.status,
    headers: [...response.headers],
    body: Buffer.concat(chunks).toString('utf8'),
  };
}
