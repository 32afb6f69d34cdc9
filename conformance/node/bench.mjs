// Rows/s through `batch.transform` in Node.js, hosted as the conformance driver hosts
// it (host.mjs: one kept instance for the pure export, settings by reference).
//
//   target/release/bench --sample 100000 > sample.ndjson
//   node bench.mjs --component X.wasm --sample sample.ndjson [--runs 5]
//
// Prints the median of the runs, one core, 1,000-row batches.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { PureInstance, callResult, instantiate, keepBack, load } from './host.mjs';

const { values: args } = parseArgs({
  options: {
    component: { type: 'string' },
    sample: { type: 'string' },
    runs: { type: 'string', default: '5' },
    'batch-rows': { type: 'string', default: '1000' },
    // The sample's clock (bench/src/sample.rs NOW_MS; `bench --sample` prints it).
    'now-ms': { type: 'string', default: '1788912000000' },
  },
});
if (!args.component || !args.sample) {
  console.error('usage: node bench.mjs --component X.wasm --sample ROWS.ndjson [--runs N]');
  process.exit(2);
}

const rows = readFileSync(args.sample, 'utf8').split('\n').filter((line) => line !== '');
const batchRows = Number(args['batch-rows']);
const batches = [];
for (let start = 0; start < rows.length; start += batchRows) {
  batches.push(rows.slice(start, start + batchRows).join('\n'));
}

const loaded = await load(readFileSync(args.component));
const host = {
  fetch: () => { throw { payload: { tag: 'denied', val: 'no HTTP during this call: it must be pure' } }; },
  nowMs: () => BigInt(args['now-ms']),
  log: () => {},
};
const spec = instantiate(loaded, host).destination.describeSettings();
const isSecret = (key) => spec.settings.some((f) => f.secret && f.key === key);
const text = (key, val) => ({ key, value: { tag: 'text', val } });
const { settings } = keepBack([
  text('access_token', 'bench-token-0123456789abcdef'),
  text('advertiser_id', '7000000000000000001'),
  text('default_currency', 'USD'),
  text('default_phone_country', 'US'),
  text('event_set_id', '7181537436256731137'),
], isSecret);

const pure = new PureInstance(loaded);
const rates = [];
for (let run = 0; run < Number(args.runs); run += 1) {
  const started = process.hrtime.bigint();
  let events = 0;
  for (const lines of batches) {
    const result = pure.call(host, ({ batch }) => callResult(() => batch.transform(settings, lines)));
    if (result.err !== undefined) throw new Error(`transform failed: ${JSON.stringify(result.err)}`);
    for (const request of result.ok.requests) events += request.eventIds.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rates.push(rows.length / seconds);
  if (events === 0) throw new Error('no events: the sample did not transform');
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
console.log(`node ${process.version}: ${Math.round(median)} rows/s (median of ${rates.length} runs of ${rows.length} rows, ${pure.created} instance)`);
