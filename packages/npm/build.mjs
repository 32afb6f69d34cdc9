// Builds the package from the shipped component: transpiles it with the pinned jco into
// dist/ (jco's output for `instantiation: 'sync'`: component.js and its core modules),
// and records which .wasm it was built from.
//
//   node build.mjs [--component X.wasm]
//
// Default: the workspace's release build,
// target/wasm32-wasip2/component/tiktok_offline_events.wasm.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { transpile } from '@bytecodealliance/jco';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    component: {
      type: 'string',
      default: join(here, '../../target/wasm32-wasip2/component/tiktok_offline_events.wasm'),
    },
  },
});

const wasm = readFileSync(args.component);
const { files } = await transpile(wasm, {
  name: 'component',
  instantiation: 'sync',
  noTypescript: true,
  quiet: true,
});
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
for (const [name, bytes] of Object.entries(files)) {
  // jco's own declarations of the raw exports: index.d.ts declares the package's API.
  if (name.endsWith('.d.ts')) continue;
  writeFileSync(join(dist, name), bytes);
}
const sha256 = createHash('sha256').update(wasm).digest('hex');
writeFileSync(join(dist, 'component.sha256'), `${sha256}\n`);
console.error(`dist/ from ${args.component} (sha256 ${sha256})`);
