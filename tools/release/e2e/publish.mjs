// The release flow on a throwaway clone: changeset version → build → changeset publish to the test
// registry. The repository itself is never modified.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, step } from './shell.mjs';

/** Public package folders of a checkout (package.json without "private": true), with their manifests. */
export function publicPackagesOf(root) {
  return fs
    .readdirSync(path.join(root, 'packages'))
    .map((d) => path.join(root, 'packages', d))
    .filter((d) => fs.existsSync(path.join(d, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.private !== true);
}

/** Clones HEAD of `repo` into `work/repo`, versions it with changesets, publishes to the registry. */
export function versionAndPublish(repo, work, registry, npmEnv) {
  const clone = path.join(work, 'repo');
  step(
    `clone ${repo} (HEAD ${run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo }).stdout.trim()}) into a temporary folder`,
  );
  run('git', ['clone', '--quiet', '--shared', repo, clone]);
  step('pnpm install --frozen-lockfile (in the clone)');
  const install = run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: clone });
  console.log(`installed in ${install.seconds.toFixed(1)} s`);
  step('changeset version');
  const pending = fs.readdirSync(path.join(clone, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  run('pnpm', ['changeset', 'version'], { cwd: clone });
  const pkgs = publicPackagesOf(clone);
  for (const { pkg } of pkgs) console.log(`${pkg.name} → ${pkg.version}`);
  console.log(`(${pending.length} changesets consumed)`);
  step('build (turbo, packages/*)');
  run('pnpm', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], { cwd: clone });
  step(`changeset publish → ${registry.url}`);
  const pub = run('pnpm', ['changeset', 'publish'], { cwd: clone, env: npmEnv });
  const published = [];
  for (const { pkg } of pkgs) {
    const v = run('npm', ['view', `${pkg.name}@${pkg.version}`, 'version'], { cwd: work, env: npmEnv }).stdout.trim();
    if (v !== pkg.version) throw new Error(`${pkg.name}@${pkg.version} is not on the registry (npm view says "${v}")`);
    published.push({ name: pkg.name, version: v });
    console.log(`published ${pkg.name}@${v}`);
  }
  console.log(`changeset publish took ${pub.seconds.toFixed(1)} s`);
  return { clone, published };
}

const MUST = ['package/LICENSE', 'package/README.md', 'package/package.json'];
const DIST = ['index.js', 'index.mjs', 'index.node.mjs', 'index.d.ts', 'index.d.mts'];

/**
 * Downloads each published tarball (`npm pack <name>@<version>`), lists it, checks it holds LICENSE,
 * README, both builds and both type entries and no tests or fixtures, and runs @arethetypeswrong on it.
 */
export function inspectTarballs(published, work, npmEnv, attw) {
  const dir = path.join(work, 'tarballs');
  fs.mkdirSync(dir, { recursive: true });
  const listings = {};
  for (const { name, version } of published) {
    const out = run('npm', ['pack', `${name}@${version}`, '--json'], { cwd: dir, env: npmEnv }).stdout;
    const info = JSON.parse(out)[0];
    const files = info.files.map((f) => `package/${f.path}`);
    const need = [
      ...MUST,
      ...DIST.filter((f) => !(name === '@lipnet/io' && f === 'index.mjs')).map((f) => `package/dist/${f}`),
    ];
    const missing = need.filter((f) => !files.includes(f));
    const forbidden = files.filter((f) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.test\.[cm]?[jt]s$/.test(f));
    if (missing.length || forbidden.length)
      throw new Error(`${name}: tarball lacks ${missing.join(', ') || '-'}; holds ${forbidden.join(', ') || '-'}`);
    const types = run(process.execPath, [attw, path.join(dir, info.filename), '--format', 'ascii'], { cwd: dir });
    const attwLine = types.stdout.includes('No problems found') ? 'attw: no problems' : types.stdout;
    listings[name] = { filename: info.filename, size: info.size, unpackedSize: info.unpackedSize, files };
    console.log(
      `${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(1)} kB packed; LICENSE, README, ` +
        `dist ESM + CJS + .d.ts/.d.mts present; no tests/fixtures; ${attwLine}`,
    );
  }
  return listings;
}
