#!/usr/bin/env node
// `prepack` of every public library (run in its folder by npm/pnpm pack and publish): builds it and the
// workspace packages it depends on (turbo, cached), and copies the repository's LICENSE into the package,
// so the one LICENSE text at the root ships in every tarball. `--clean` (postpack) removes the copy again.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, readManifest } from './packages.mjs';

const dir = process.cwd();
const licenseCopy = path.join(dir, 'LICENSE');

if (process.argv.includes('--clean')) {
  fs.rmSync(licenseCopy, { force: true });
} else {
  const { name } = readManifest(dir);
  const turbo = path.join(ROOT, 'node_modules/.bin/turbo');
  const r = spawnSync(turbo, ['run', 'build', `--filter=${name}...`, '--output-logs=errors-only'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, 'inherit'], // stdout stays clean for `npm pack --json`
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error(`${name}: prepack build failed (turbo exit ${r.status})`);
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), licenseCopy);
}
