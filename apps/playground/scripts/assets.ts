/**
 * Copies what the page loads besides its code into `dist/`: `static/` (HTML,
 * CSS), `public/` (the model and the packed images) and the tfjs WebAssembly
 * binaries into `dist/tfjs-wasm/` (the page never fetches them from a CDN).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_DIR, DIST_DIR } from './bundle-options';

/** The tfjs wasm binaries the backend may ask for (plain, SIMD, SIMD + threads). */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** Files the page cannot work without: a build missing one fails. */
export const REQUIRED = [
  'index.html',
  'style.css',
  'main.js',
  'bound-worker.js',
  'model/model.json',
  'model/weights.bin',
  'data/fashion-mnist-test-500.bin',
  'data/fashion-mnist-train-2000.bin',
  ...WASM_FILES.map((f) => `tfjs-wasm/${f}`),
];

function wasmDir(): string {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [APP_DIR] });
  return path.join(path.dirname(pkg), 'dist');
}

/** Copies static files, shipped data and wasm binaries into dist/; throws naming any required file that is missing. */
export function copyAssets(): void {
  fs.cpSync(path.join(APP_DIR, 'static'), DIST_DIR, { recursive: true });
  fs.cpSync(path.join(APP_DIR, 'public'), DIST_DIR, { recursive: true });
  const out = path.join(DIST_DIR, 'tfjs-wasm');
  fs.mkdirSync(out, { recursive: true });
  for (const f of WASM_FILES) fs.copyFileSync(path.join(wasmDir(), f), path.join(out, f));
  const missing = REQUIRED.filter((f) => !fs.existsSync(path.join(DIST_DIR, f)));
  if (missing.length) {
    throw new Error(
      `playground build: missing ${missing.join(', ')} in dist/. The model comes from \`pnpm --filter playground model --from <demo4 out>\`, the data from \`pnpm --filter playground data\` (see the README).`,
    );
  }
}
