import * as esbuild from 'esbuild';
import * as path from 'path';
import { node, publicPackages, TOOLS } from './helpers';

// The dual-package hazard: if `import` and `require` of one package loaded two different files in one
// program, every class would exist twice, tfjs' registerClass (one map per tfjs-core, keyed by class
// name) would keep whichever copy registered last, and `instanceof` and model loading would mix them.
// The exports map prevents it: Node always runs the CommonJS build (`import` gets an ESM face over it),
// bundlers always take the ESM build (the `module` condition comes first). docs/packaging.md.
const pkgs = publicPackages();

describe('one copy of each package per program', () => {
  it('Node: import and require give the very same exports, for every public package', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const out = {};
      for (const name of JSON.parse(process.argv[1])) {
        const cjs = require(name);
        const esm = await import(name);
        const runtime = Object.keys(cjs).filter((k) => k !== '__esModule');
        out[name] = {
          exports: runtime.length,
          sameKeys: JSON.stringify(runtime.sort()) === JSON.stringify(Object.keys(esm).sort()),
          identical: runtime.every((k) => esm[k] === cjs[k]),
        };
      }
      console.log(JSON.stringify(out));`;
    const r = node(['--input-type=module', '-e', script, JSON.stringify(pkgs.map((p) => p.name))]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, { exports: number; sameKeys: boolean; identical: boolean }>;
    for (const { name } of pkgs) {
      const got = out[name];
      expect(got?.exports).toBeGreaterThan(0);
      expect(got).toEqual({ exports: got?.exports, sameKeys: true, identical: true });
    }
  });

  it('bundlers: an app that both requires and imports a package gets its ESM file only, once', async () => {
    const lines = pkgs.flatMap(({ name }, i) => [
      `import * as esm${i} from '${name}';`,
      `const cjs${i} = require('${name}');`,
      `console.log(esm${i} === cjs${i});`,
    ]);
    const result = await esbuild.build({
      stdin: { contents: lines.join('\n'), resolveDir: TOOLS, loader: 'js' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      external: ['@tensorflow/*'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(TOOLS, f));
    for (const { name, dir } of pkgs) {
      const own = inputs.filter((f) => f.startsWith(dir + path.sep));
      // A Node-only package (@lipnet/io) resolves to its entry that throws, saying it needs Node.
      const expected = name === '@lipnet/io' ? 'dist/not-node.js' : 'dist/index.mjs';
      expect([name, own]).toEqual([name, [path.join(dir, expected)]]);
    }
  });

  it('what the exports map prevents: loading both builds side by side duplicates the classes, and tfjs keeps the last', () => {
    const layers = pkgs.find((p) => p.name === '@lipnet/layers')!;
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const tf = require('@tensorflow/tfjs-core');
      const cjs = require('@lipnet/layers');
      const registered = () => tf.serialization.SerializationMap.getMap().classNameMap.SpectralDense[0];
      const before = registered() === cjs.SpectralDense;
      const esm = await import(${JSON.stringify(path.join(layers.dir, 'dist/index.mjs'))});
      console.log(JSON.stringify({ before, twoClasses: esm.SpectralDense !== cjs.SpectralDense,
        lastWins: registered() === esm.SpectralDense }));`;
    const r = node(['--input-type=module', '-e', script]);
    expect(JSON.parse(r.stdout)).toEqual({ before: true, twoClasses: true, lastWins: true });
  });
});
