// Rows/s through the package's public API: `transform` of the bench sample in 1,000-row
// batches on one core, as a Node.js vendor would call it (records as the NDJSON lines
// they read, settings as an object).
//
//   target/release/bench --sample 100000 > sample.ndjson
//   npm run bench -- --sample sample.ndjson [--runs 5] [--objects]
//
// --objects passes each record as a parsed object instead (JSON.stringify per row).
// Prints the median of the runs.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { createDestination } from '../index.js';

const { values: args } = parseArgs({
  options: {
    sample: { type: 'string' },
    runs: { type: 'string', default: '5' },
    'batch-rows': { type: 'string', default: '1000' },
    objects: { type: 'boolean', default: false },
    // The sample's clock (bench/src/sample.rs NOW_MS; `bench --sample` prints it).
    'now-ms': { type: 'string', default: '1788912000000' },
  },
});
if (!args.sample) {
  console.error('usage: npm run bench -- --sample ROWS.ndjson [--runs N] [--objects]');
  process.exit(2);
}

const lines = readFileSync(args.sample, 'utf8').split('\n').filter((line) => line !== '');
const rows = args.objects ? lines.map((line) => JSON.parse(line)) : lines;
const batchRows = Number(args['batch-rows']);
const batches = [];
for (let start = 0; start < rows.length; start += batchRows) batches.push(rows.slice(start, start + batchRows));

const settings = {
  access_token: 'bench-token-0123456789abcdef',
  advertiser_id: '7000000000000000001',
  default_currency: 'USD',
  default_phone_country: 'US',
  event_set_id: '7181537436256731137',
};
const destination = createDestination({ now: () => Number(args['now-ms']) });
const rates = [];
for (let run = 0; run < Number(args.runs); run += 1) {
  const started = process.hrtime.bigint();
  let events = 0;
  for (const batch of batches) {
    for (const request of destination.transform(settings, batch).requests) events += request.eventIds.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rates.push(rows.length / seconds);
  if (events === 0) throw new Error('no events: the sample did not transform');
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
console.log(`node ${process.version}, npm package: ${Math.round(median)} rows/s (median of ${rates.length} runs of ${rows.length} rows${args.objects ? ', records as objects' : ''})`);
