#!/usr/bin/env node
// Runs one of this app's TypeScript scripts: bundles it for Node with esbuild
// (packages stay external, so workspace packages load from their dist/) into
// node_modules/.cache/playground-scripts/, then runs it with the remaining arguments.
// Usage: node scripts/run-ts.mjs scripts/build.ts [args…]
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
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
const child = spawn(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit', cwd: appDir });
// Passed on, so that stopping this process (kill, Ctrl-C) stops the script too.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
