// The consumer test: a project outside the workspace installs the published packages with npm and
// runs a program with them as CommonJS, as ESM, type-checked (node16 CJS + ESM, bundler; strict), and
// bundled for the browser in headless Chromium.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInChromium } from './browser.mjs';
import { run, step } from './shell.mjs';

const TOOLS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(TOOLS, '../..');

/** Exact versions from the workspace catalog (pnpm-workspace.yaml), so the consumer's tools match ours. */
function catalog(name) {
  const text = fs.readFileSync(path.join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const m = text.match(new RegExp(`^\\s+'?${name.replace(/[/]/g, '\\/')}'?: (\\S+)$`, 'm'));
  if (!m) throw new Error(`no ${name} in the catalog of pnpm-workspace.yaml`);
  return m[1];
}

/** The `npm i …` line of a README's Install section, exactly as written. */
export function installLine(readme) {
  const m = fs.readFileSync(readme, 'utf8').match(/^## Install\n[\s\S]*?```sh\n(npm i [^\n]+)\n/m);
  if (!m) throw new Error(`${readme}: no "## Install" section with an npm i line`);
  return m[1];
}

function freshProject(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: path.basename(dir), private: true }, null, 2),
  );
}

/** Each package's README install line, run verbatim in an empty project (warm npm cache), timed. */
export function installEachPackage(work, pkgDirs, npmEnv) {
  step('npm i @tensorflow/tfjs alone (baseline, and warms the npm cache through the registry)');
  const base = path.join(work, 'install-tfjs');
  freshProject(base);
  const t = run('npm', ['i', '--no-audit', '--no-fund', `@tensorflow/tfjs@${catalog('@tensorflow/tfjs')}`], {
    cwd: base,
    env: npmEnv,
  });
  console.log(`@tensorflow/tfjs alone: ${t.seconds.toFixed(1)} s`);
  const times = { '@tensorflow/tfjs (alone)': t.seconds };
  for (const { dir, pkg } of pkgDirs) {
    const line = installLine(path.join(dir, 'README.md'));
    const project = path.join(work, `install-${path.basename(dir)}`);
    freshProject(project);
    const r = run('bash', ['-c', `${line} --no-audit --no-fund`], { cwd: project, env: npmEnv });
    const probe = `require('@tensorflow/tfjs'); const m = require('${pkg.name}'); console.log(Object.keys(m).length)`;
    const n = run(process.execPath, ['-e', probe], { cwd: project }).stdout.trim();
    times[pkg.name] = r.seconds;
    console.log(`${line}: ${r.seconds.toFixed(1)} s; require('${pkg.name}') → ${n} exports`);
  }
  return times;
}

/**
 * `tsc -p config` with skipLibCheck off, so our .d.ts files are checked too. tfjs' own declarations do
 * not pass `strict` (TS2411 and friends in node_modules/@tensorflow): those errors are counted and
 * ignored; any other error (the program, @lipnet's declarations) fails the test.
 */
function typecheck(tsc, config, cwd, label) {
  const r = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd, encoding: 'utf8' });
  const errors = r.stdout.split('\n').filter((l) => / error TS\d+:/.test(l));
  const tfjs = errors.filter((l) => /^(\.\.\/)*node_modules\/@tensorflow\//.test(l));
  const ours = errors.filter((l) => !tfjs.includes(l));
  if (ours.length || (r.status !== 0 && errors.length === 0)) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`tsc ${label}: ${ours.length} error(s) outside tfjs' own declarations`);
  }
  console.log(
    `tsc ${label}: pass (program and @lipnet declarations clean; ${tfjs.length} errors inside @tensorflow's own .d.ts ignored)`,
  );
}

/** Installs the program's project, type-checks it three ways, runs it as CJS and ESM, and in Chromium. */
export async function runConsumer(work, npmEnv, outDir) {
  const project = path.join(work, 'consumer');
  fs.cpSync(path.join(TOOLS, 'consumer'), project, { recursive: true });
  freshProject(project);
  step('consumer: npm i the @lipnet packages + @tensorflow/tfjs; typescript, esbuild, @types/node as dev tools');
  const deps = ['layers', 'losses', 'certificates', 'attacks', 'io'].map((p) => `@lipnet/${p}`);
  const i1 = run('npm', ['i', '--no-audit', '--no-fund', ...deps, `@tensorflow/tfjs@${catalog('@tensorflow/tfjs')}`], {
    cwd: project,
    env: npmEnv,
  });
  const tools = ['typescript', 'esbuild', '@types/node'].map((t) => `${t}@${catalog(t)}`);
  const i2 = run('npm', ['i', '--no-audit', '--no-fund', '-D', ...tools], { cwd: project, env: npmEnv });
  console.log(`installed in ${i1.seconds.toFixed(1)} s (+ dev tools ${i2.seconds.toFixed(1)} s)`);
  const tfCores = run('npm', ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], { cwd: project })
    .stdout.trim()
    .split('\n');
  if (new Set(tfCores).size !== 1) throw new Error(`several copies of tfjs-core: ${tfCores.join(', ')}`);
  console.log('one copy of @tensorflow/tfjs-core');

  step('TypeScript (strict, skipLibCheck off): moduleResolution node16 as CommonJS, node16 as ESM, bundler');
  const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
  typecheck(tsc, 'tsconfig.node16.json', project, 'node16 (CommonJS)');
  const esmDir = path.join(project, 'esm-check');
  fs.cpSync(path.join(project, 'src'), path.join(esmDir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(esmDir, 'package.json'), '{ "type": "module" }\n');
  const node16 = JSON.parse(fs.readFileSync(path.join(project, 'tsconfig.node16.json'), 'utf8'));
  fs.writeFileSync(path.join(esmDir, 'tsconfig.json'), JSON.stringify(node16));
  typecheck(tsc, 'tsconfig.json', esmDir, 'node16 (ESM)');
  typecheck(tsc, 'tsconfig.bundler.json', project, 'bundler');

  const esbuild = path.join(project, 'node_modules/.bin/esbuild');
  const results = {};
  for (const format of ['cjs', 'esm']) {
    step(`Node, ${format === 'cjs' ? 'CommonJS' : 'ESM'}: esbuild (no bundling) → node out/${format}/node.js`);
    const out = path.join(project, 'out', format);
    run(esbuild, ['src/program.ts', 'src/node.ts', `--outdir=${out}`, `--format=${format}`, '--platform=node'], {
      cwd: project,
    });
    fs.writeFileSync(
      path.join(out, 'package.json'),
      JSON.stringify({ type: format === 'cjs' ? 'commonjs' : 'module' }),
    );
    const r = run(process.execPath, [path.join(out, 'node.js')], { cwd: project });
    process.stdout.write(r.stdout);
    if (!r.stdout.includes('LIPNET-CONSUMER-OK')) throw new Error(`${format} program did not finish`);
    results[format] = r.seconds;
  }

  step('browser: esbuild --bundle → headless Chromium (playwright-core, /usr/bin/chromium)');
  const www = path.join(project, 'out/browser');
  const meta = path.join(www, 'meta.json');
  run(
    esbuild,
    [
      'src/browser.ts',
      '--bundle',
      '--format=esm',
      '--platform=browser',
      `--outfile=${www}/app.js`,
      `--metafile=${meta}`,
      '--minify',
    ],
    { cwd: project },
  );
  fs.copyFileSync(path.join(project, 'index.html'), path.join(www, 'index.html'));
  const inputs = Object.keys(JSON.parse(fs.readFileSync(meta, 'utf8')).inputs);
  for (const d of deps.filter((d) => d !== '@lipnet/io')) {
    const files = inputs.filter((f) => f.includes(`node_modules/${d}/`));
    if (files.length !== 1 || !files[0].endsWith('dist/index.mjs'))
      throw new Error(`${d} in the bundle: ${files.join(', ')}`);
  }
  console.log(
    `bundle ${(fs.statSync(path.join(www, 'app.js')).size / 1024).toFixed(0)} kB; each @lipnet package once, as dist/index.mjs`,
  );
  const browser = await runInChromium(www, outDir);
  return { install: i1.seconds, devTools: i2.seconds, node: results, browser };
}
