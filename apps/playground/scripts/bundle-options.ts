/**
 * The esbuild settings of the page, shared by `build.ts` and `dev.ts`.
 *
 * - ES modules with code splitting: each tfjs backend is its own chunk, loaded
 *   on demand by `src/backend/choose-backend.ts`.
 * - `@lipnet/backend/wasm-kernels` resolves to the browser-safe part of
 *   @lipnet/backend (`src/wasm-kernels/register.ts` and what it imports: plain
 *   tfjs-core and WebAssembly, no Node built-ins). The package's main entry also
 *   holds Node-only code (backend selection by `require`, worker threads, native
 *   addons) that a browser bundle must not pull in.
 * - Everything else resolves through each package's own entry (today CommonJS
 *   `dist/`; the `browser`/`import` conditions of `exports` when a package has them).
 */
import * as path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** The app's folder (scripts run with it as working directory). */
export const APP_DIR = process.cwd();
/** Where the static site goes. */
export const DIST_DIR = path.join(APP_DIR, 'dist');

function backendDir(): string {
  return path.dirname(require.resolve('@lipnet/backend/package.json', { paths: [APP_DIR] }));
}

/** Resolves `@lipnet/backend/wasm-kernels` to the browser-safe registration module. */
export const wasmKernelsAlias: Plugin = {
  name: 'lipnet-wasm-kernels',
  setup(build) {
    build.onResolve({ filter: /^@lipnet\/backend\/wasm-kernels$/ }, () => ({
      path: path.join(backendDir(), 'src/wasm-kernels/register.ts'),
    }));
  },
};

/** esbuild options for the page (`minify` for the production build). */
export function bundleOptions(minify: boolean): BuildOptions {
  return {
    entryPoints: [path.join(APP_DIR, 'src/main.ts'), path.join(APP_DIR, 'src/bound-worker.ts')],
    outdir: DIST_DIR,
    bundle: true,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    chunkNames: 'chunks/[name]-[hash]',
    minify,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [wasmKernelsAlias],
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}
