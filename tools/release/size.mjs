#!/usr/bin/env node
// `pnpm size`: what each public package adds to a browser bundle, minified and gzipped, with tfjs
// external (a peer the app already has). "own" also leaves the other @lipnet packages out; "with
// @lipnet deps" bundles them in. Measured on the built ESM files (run `pnpm build` first).
// Prints a table and writes benchmarks/results/bundle-size.{md,json}.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { NODE_ONLY, ROOT, publicPackages } from './packages.mjs';

async function measure(name, external) {
  const r = await esbuild.build({
    stdin: { contents: `export * from '${name}';`, resolveDir: path.join(ROOT, 'tools/release'), loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: NODE_ONLY.has(name) ? 'node' : 'browser',
    conditions: NODE_ONLY.has(name) ? ['module'] : [],
    external,
    logLevel: 'error',
  });
  const code = r.outputFiles[0].contents;
  return { min: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
const rows = [];
for (const { pkg } of publicPackages()) {
  const own = await measure(pkg.name, [
    '@tensorflow/*',
    ...publicPackages()
      .map((p) => p.pkg.name)
      .filter((n) => n !== pkg.name),
  ]);
  const all = await measure(pkg.name, ['@tensorflow/*']);
  rows.push({ name: pkg.name, own, withDeps: all });
}
const table = [
  '| package | min | min + gzip | min + gzip with @lipnet deps |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${kB(r.own.min)} | ${kB(r.own.gzip)} | ${kB(r.withDeps.gzip)} |`),
].join('\n');
console.log(table);
const out = path.join(ROOT, 'benchmarks/results');
fs.mkdirSync(out, { recursive: true });
const note =
  '# Bundle size of the public packages\n\n' +
  "Written by `pnpm size` (tools/release/size.mjs): each package's ESM build bundled with esbuild " +
  "(`export * from '<package>'`, minified, gzip level 9), `@tensorflow/*` external (a peer dependency the app " +
  'bundles once). "with @lipnet deps" also bundles the @lipnet packages it depends on. `@lipnet/io` is ' +
  'Node-only (measured for platform node).\n\n';
fs.writeFileSync(path.join(out, 'bundle-size.md'), note + table + '\n');
fs.writeFileSync(path.join(out, 'bundle-size.json'), JSON.stringify(rows, null, 2) + '\n');
