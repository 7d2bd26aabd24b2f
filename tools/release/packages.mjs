// The public @lipnet/* libraries and the package.json fields every one of them must have. A new library
// needs nothing here: it is found under packages/ (any package.json without "private": true), and
// `node tools/release/check-packages.mjs --fix` writes the standard fields into it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Node-only libraries: allowed to import Node built-ins (they read and write files), exported under the
 * `node` condition only (elsewhere their entry throws a clear error). Every other library runs in
 * browsers too, and the checks fail if it imports a Node built-in.
 */
export const NODE_ONLY = new Set(['@lipnet/io']);

/** Oldest Node.js the libraries are tested on (CI and the consumer test run Node 20). */
export const NODE_ENGINE = '>=20';

export function readManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/** `[{dir, pkg}]` for every public package under packages/, sorted by name. */
export function publicPackages(root = ROOT) {
  const base = path.join(root, 'packages');
  return fs
    .readdirSync(base)
    .map((d) => path.join(base, d))
    .filter((d) => fs.existsSync(path.join(d, 'package.json')))
    .map((dir) => ({ dir, pkg: readManifest(dir) }))
    .filter(({ pkg }) => pkg.private !== true)
    .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
}

const cjs = { types: './dist/index.d.ts', default: './dist/index.js' };
const esm = { types: './dist/index.d.mts', default: './dist/index.mjs' };
const nodeEsm = { types: './dist/index.d.mts', default: './dist/index.node.mjs' };

/**
 * The `exports` map. Universal libraries: bundlers take the ESM file through the `module` condition for
 * `import` and `require` alike; Node takes the CommonJS build for both (`import` through a thin ESM face);
 * other tools pick `import`/`require`. TypeScript never matches `module`, so it reads `node` (node16) or
 * `import`/`require` (bundler). Node-only libraries: the `node` branch; anything else gets an entry
 * that throws a clear error (`dist/not-node.js`, built from `src/not-node.ts`).
 */
export function expectedExports(name) {
  if (NODE_ONLY.has(name)) {
    return {
      '.': { node: { import: nodeEsm, require: cjs }, default: { types: cjs.types, default: './dist/not-node.js' } },
      './package.json': './package.json',
    };
  }
  return {
    '.': { module: esm, node: { import: nodeEsm, require: cjs }, import: esm, require: cjs },
    './package.json': './package.json',
  };
}

/** The fields written by `--fix` and compared by the check (besides the per-package ones it only requires). */
export function standardFields(name) {
  return {
    license: 'MIT',
    main: './dist/index.js',
    ...(NODE_ONLY.has(name) ? {} : { module: './dist/index.mjs' }),
    types: './dist/index.d.ts',
    exports: expectedExports(name),
    files: ['dist', 'src'],
    engines: { node: NODE_ENGINE },
    publishConfig: { access: 'public' },
  };
}

/** Scripts every public library runs the same way (the build and pack steps are shared). */
export const STANDARD_SCRIPTS = {
  build: 'node ../../tools/release/build-package.mjs',
  prepack: 'node ../../tools/release/prepack.mjs',
  postpack: 'node ../../tools/release/prepack.mjs --clean',
};
