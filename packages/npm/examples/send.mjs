import { readFileSync } from 'node:fs';
import { createDestination } from 'tiktok-offline-events';

const settings = JSON.parse(readFileSync('examples/settings.json', 'utf8'));
const records = readFileSync('examples/offline-events.ndjson', 'utf8').split('\n').filter(Boolean);
const tiktok = createDestination({ endpoint: process.env.TIKTOK_ENDPOINT }); // unset: TikTok itself
const { requests, rejections } = tiktok.transform(settings, records); // objects or JSON lines
let delivered = 0;
for (const request of requests) {
  const { statuses } = tiktok.send(settings, request); // a { status, reason? } per event
  delivered += statuses.filter((s) => s.status === 'delivered').length;
}
console.log(`${delivered} events delivered, ${rejections.length} rows rejected`);
