#!/usr/bin/env node
// Runs one of this app's TypeScript scripts: bundles it for Node with esbuild
// (packages stay external, so workspace packages load from their dist/) into
// node_modules/.cache/playground-scripts/, then runs it with the remaining arguments.
// Usage: node scripts/run-ts.mjs scripts/build.ts [args…]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args…]');
  process.exit(2);
}
const outfile = path.join(appDir, 'node_modules/.cache/playground-scripts', path.basename(entry, '.ts') + '.cjs');
await build({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit', cwd: appDir });
process.exit(r.status ?? 1);
