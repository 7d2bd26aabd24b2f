/**
 * `pnpm playground:build`: bundles the page into `dist/` (plain static files,
 * relative URLs: serve the folder from anywhere), copies its assets, checks the
 * bundle (one copy of tfjs-core, no Node built-ins) and prints the sizes,
 * raw and gzip, also written to `dist/build-report.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { copyAssets } from './assets';
import { DIST_DIR, bundleOptions } from './bundle-options';

/** Throws when the bundle holds two copies of a tfjs package (model loading breaks) or a Node built-in. */
function checkBundle(meta: Metafile): void {
  const copies = new Map<string, Set<string>>();
  for (const input of Object.keys(meta.inputs)) {
    const m = /node_modules\/(@tensorflow\/tfjs-[a-z-]+)\//.exec(input.replace(/\\/g, '/'));
    if (!m) continue;
    const dir = input.slice(0, input.indexOf(m[1]!) + m[1]!.length);
    copies.set(m[1]!, (copies.get(m[1]!) ?? new Set()).add(dir));
  }
  for (const [pkg, dirs] of copies) {
    if (dirs.size > 1)
      throw new Error(`playground build: ${dirs.size} copies of ${pkg} in the bundle: ${[...dirs].join(', ')}`);
  }
  const builtins = Object.keys(meta.inputs).filter((i) => /^(node:|fs$|path$|worker_threads$)/.test(i));
  if (builtins.length)
    throw new Error(`playground build: Node built-ins in the browser bundle: ${builtins.join(', ')}`);
}

function sizes(): { file: string; bytes: number; gzip: number }[] {
  const out: { file: string; bytes: number; gzip: number }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.(map|txt)$/.test(e.name) && e.name !== 'build-report.json') {
        const data = fs.readFileSync(p);
        out.push({
          file: path.relative(DIST_DIR, p),
          bytes: data.length,
          gzip: zlib.gzipSync(data, { level: 9 }).length,
        });
      }
    }
  };
  walk(DIST_DIR);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

async function main(): Promise<void> {
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
  const result = await build(bundleOptions(true));
  checkBundle(result.metafile!);
  copyAssets();
  const files = sizes();
  const sum = (pred: (f: string) => boolean) =>
    files
      .filter((f) => pred(f.file))
      .reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  const report = {
    entry: sum((f) => f === 'main.js'),
    javascript: sum((f) => f.endsWith('.js')),
    wasm: sum((f) => f.endsWith('.wasm')),
    model: sum((f) => f.startsWith('model/')),
    data: sum((f) => f.startsWith('data/')),
    total: sum(() => true),
    files,
  };
  fs.writeFileSync(path.join(DIST_DIR, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  for (const f of files)
    console.log(`  ${f.file.padEnd(48)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzip).padStart(8)}`);
  for (const k of ['entry', 'javascript', 'wasm', 'model', 'data', 'total'] as const) {
    console.log(`${k.padEnd(11)} ${kb(report[k].bytes).padStart(9)}  gzip ${kb(report[k].gzip).padStart(8)}`);
  }
  console.log(`playground: built ${path.relative(process.cwd(), DIST_DIR)}/`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
