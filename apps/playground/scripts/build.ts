/**
 * `pnpm playground:build`: bundles the page into `dist/` (plain static files,
 * relative URLs: serve the folder from anywhere), copies its assets, checks the
 * bundle (one copy of tfjs-core, no Node built-ins) and prints the sizes,
 * raw and gzip, also written to `dist/build-report.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';
import { copyAssets } from './assets';
import { checkBundle } from './check-bundle';
import { DIST_DIR, bundleOptions } from './bundle-options';

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
