#!/usr/bin/env node
// `pnpm release:e2e`: the whole release, end to end, without touching the repository:
//   1. a local npm registry (Verdaccio, in memory, 127.0.0.1, free port, uplink = npm's configured registry);
//   2. a temporary clone: changeset version → build → changeset publish to it;
//   3. every published tarball listed and checked (LICENSE, README, ESM + CJS + types, no tests; attw);
//   4. each package README's install line run verbatim in an empty project, timed;
//   5. a consumer project: CommonJS, ESM, TypeScript (node16 + bundler) and headless Chromium.
// Results (browser console, screenshot, summary.json) go to --out (default $TMPDIR/lipnet-release-e2e).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installEachPackage, runConsumer } from './e2e/consumer.mjs';
import { inspectTarballs, versionAndPublish } from './e2e/publish.mjs';
import { startRegistry } from './e2e/registry.mjs';
import { step } from './e2e/shell.mjs';
import { ROOT } from './packages.mjs';

const outArg = process.argv.indexOf('--out');
const outDir = path.resolve(outArg > 0 ? process.argv[outArg + 1] : path.join(os.tmpdir(), 'lipnet-release-e2e'));
const keep = process.argv.includes('--keep');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-release-'));
const t0 = Date.now();
let registry;
try {
  step('registry: Verdaccio 6 (in-memory storage) on 127.0.0.1, free port');
  registry = await startRegistry(path.join(work, 'verdaccio'));
  console.log(`registry started at ${registry.url} (uplink ${registry.uplink})`);
  const npmrc = path.join(work, 'npmrc');
  fs.writeFileSync(npmrc, registry.npmrc);
  const npmEnv = {
    npm_config_userconfig: npmrc,
    npm_config_registry: registry.url,
    npm_config_update_notifier: 'false',
  };
  const { clone, published } = versionAndPublish(ROOT, work, registry, npmEnv);
  const versions = [...new Set(published.map((p) => p.version))];
  console.log(`packages published at ${versions.join(', ')}: ${published.map((p) => p.name).join(', ')}`);

  step('published tarballs');
  const attw = path.join(ROOT, 'tools/release/node_modules/@arethetypeswrong/cli/dist/index.js');
  const tarballs = inspectTarballs(published, work, npmEnv, attw);

  const { publicPackagesOf } = await import('./e2e/publish.mjs');
  const installs = installEachPackage(work, publicPackagesOf(clone), npmEnv);
  const consumer = await runConsumer(work, npmEnv, outDir);
  const seconds = (Date.now() - t0) / 1000;
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, 'summary.json'),
    JSON.stringify({ published, tarballs, installs, consumer, seconds }, null, 2),
  );
  step(
    `release e2e passed in ${seconds.toFixed(0)} s: published ${versions.join(', ')}, installs, CJS, ESM, TypeScript and browser pass`,
  );
  console.log('install times (warm npm cache, README lines verbatim):');
  for (const [k, v] of Object.entries(installs)) console.log(`  ${k.padEnd(28)} ${v.toFixed(1)} s`);
} finally {
  await registry?.close();
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
