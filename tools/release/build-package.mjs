#!/usr/bin/env node
// Builds one public @lipnet library; run in the package's folder (its `build` script). Outputs, all in dist/:
//   index.js + one .js per source file   CommonJS (tsc), `require` in Node and jest; source maps
//   index.d.ts + .d.ts per file           types of the CommonJS build (tsc), declaration maps
//   index.mjs                             one ESM file (esbuild) for bundlers and browsers; source map
//   index.node.mjs                        ESM face of the CommonJS build: Node's `import`, so that `import` and
//                                         `require` in one Node process share one copy of every class
//   index.d.mts                           types of the two ESM files (re-exports index.d.ts)
// Dependencies and peer dependencies stay external. A library that is not Node-only is bundled for the
// browser platform, so a Node built-in import fails the build. Layout and reasons: docs/packaging.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { NODE_ONLY, readManifest } from './packages.mjs';

const dir = process.cwd();
const pkg = readManifest(dir);
const require = createRequire(path.join(dir, 'package.json'));

function runTsc() {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${pkg.name}: tsc -p tsconfig.build.json failed (exit ${r.status})`);
}

/** Every dependency and peer, and their subpaths, stay imports in the ESM file. */
function externals() {
  const names = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies });
  return names.flatMap((n) => [n, `${n}/*`]);
}

async function bundleEsm() {
  const result = await esbuild.build({
    absWorkingDir: dir,
    entryPoints: ['src/index.ts'],
    outfile: 'dist/index.mjs',
    bundle: true,
    format: 'esm',
    platform: NODE_ONLY.has(pkg.name) ? 'node' : 'browser',
    target: 'es2020',
    sourcemap: true,
    external: externals(),
    tsconfig: 'tsconfig.build.json',
    metafile: true,
    logLevel: 'warning',
  });
  const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('index.mjs'));
  return out[1].exports;
}

function writeEsmFaces(exportNames) {
  const named = exportNames.filter((n) => n !== 'default');
  const lines = [
    `// ESM entry for Node: re-exports the CommonJS build, so that \`import\` and \`require\` of ${pkg.name}`,
    '// in one process load one copy of every class (tfjs registers classes by name). See docs/packaging.md.',
    "import cjs from './index.js';",
    named.length ? `export const { ${named.join(', ')} } = cjs;` : '',
    exportNames.includes('default') ? 'export default cjs.default;' : '',
  ];
  fs.writeFileSync(path.join(dir, 'dist/index.node.mjs'), lines.filter(Boolean).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'dist/index.d.mts'), "export * from './index.js';\n");
}

const t0 = Date.now();
fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
try {
  runTsc();
  writeEsmFaces(await bundleEsm());
} catch (err) {
  console.error(err.errors ? `${pkg.name}: esbuild failed (see above)` : err.message);
  process.exit(1);
}
console.log(`${pkg.name}: dist/ (CommonJS + ESM + types) in ${Date.now() - t0} ms`);
