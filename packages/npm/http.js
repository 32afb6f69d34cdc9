// The component's `http` import is synchronous and Node's HTTP is not: requests run in
// a worker thread (Node's own fetch), and the calling thread waits on a shared flag
// with Atomics.wait, then takes the answer off a MessagePort synchronously, as synckit
// does. jco's JSPI mode would avoid the worker, but needs a Node.js with JSPI on by
// default (not Node 20 or 22).

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

/**
 * A synchronous fetch: `({ method, url, headers: [[name, value]], body, timeoutMs })`
 * -> `{ status, headers: [[name, value]], body }`, or throws `{ payload: httpError }`
 * (jco's shape of the WIT `http-error`: `timeout`, `too-large`, `connection`).
 * Redirects are not followed (the component sees them); a body over
 * `maxResponseBytes` is `too-large`.
 */
export function createSyncFetch({ maxResponseBytes = 4 << 20 } = {}) {
  let worker = null;
  let port = null;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const start = () => {
    const channel = new MessageChannel();
    port = channel.port1;
    worker = new Worker(new URL('./http-worker.js', import.meta.url), {
      workerData: { flag, port: channel.port2, maxResponseBytes },
      transferList: [channel.port2],
    });
    // Neither keeps the process alive once the caller is done.
    worker.unref();
    port.unref();
  };
  return (request) => {
    if (worker === null) start();
    Atomics.store(flag, 0, 0);
    port.postMessage(request);
    // The worker aborts at timeoutMs; a second more is for its answer to arrive.
    const waited = Atomics.wait(flag, 0, 0, request.timeoutMs + 1000);
    const answer = receiveMessageOnPort(port);
    if (waited === 'timed-out' || answer === undefined) {
      // A stuck worker is not reused: its late answer would go to the next request.
      worker.terminate();
      worker = null;
      throw { payload: { tag: 'timeout' } };
    }
    const { message } = answer;
    if (message.error !== undefined) throw { payload: message.error, detail: message.detail };
    return message;
  };
}
