#!/usr/bin/env node
// Fails when a public @lipnet/* package lacks what a published library needs: the standard entry points
// and scripts (packages.mjs), a description and keywords, a README with an Install section, membership
// of the changesets `fixed` group, tfjs as a peer only, and no placeholder repository/homepage/bugs.
// When dist/ exists it also checks the built files and that no browser library imports a Node built-in.
// `--fix` writes the standard fields and scripts into every public package.json (review the diff);
// `--root <dir>` checks another checkout (the tests use it on broken copies).
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { NODE_ONLY, ROOT, STANDARD_SCRIPTS, publicPackages, standardFields } from './packages.mjs';

const fix = process.argv.includes('--fix');
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? path.resolve(process.argv[rootArg + 1]) : ROOT;
const problems = [];
const fixedGroup = JSON.parse(fs.readFileSync(path.join(root, '.changeset/config.json'), 'utf8')).fixed.flat();
const isEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function checkUrl(pkg, field) {
  const v = pkg[field];
  if (v === undefined) return;
  const url = typeof v === 'string' ? v : v.url;
  if (!/^(git\+)?https:\/\/[a-z0-9.-]+\.[a-z]{2,}\//i.test(url ?? ''))
    problems.push(`${pkg.name}: "${field}" is ${JSON.stringify(v)}; give a real https URL or remove the field`);
}

function checkManifest(dir, pkg, say) {
  for (const [k, v] of Object.entries(standardFields(pkg.name)))
    if (!isEqual(pkg[k], v)) say(`"${k}" should be ${JSON.stringify(v)}, is ${JSON.stringify(pkg[k])}`);
  for (const [k, v] of Object.entries(STANDARD_SCRIPTS))
    if (pkg.scripts?.[k] !== v) say(`scripts.${k} should be "${v}", is ${JSON.stringify(pkg.scripts?.[k])}`);
  if (!pkg.description) say('no "description"');
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length < 3) say('"keywords" needs at least 3 entries');
  if (!/^@lipnet\/[a-z-]+$/.test(pkg.name)) say('name must be @lipnet/<plural noun>');
  if (!fixedGroup.includes(pkg.name)) say('missing from the "fixed" group in .changeset/config.json');
  if (!pkg.peerDependencies?.['@tensorflow/tfjs-core']) say('@tensorflow/tfjs-core must be a peerDependency');
  for (const d of Object.keys(pkg.dependencies ?? {})) {
    if (d.startsWith('@tensorflow/')) say(`${d} is in dependencies; tfjs packages are peerDependencies`);
    if (d.startsWith('@lipnet/') && pkg.dependencies[d] !== 'workspace:^') say(`${d} must be "workspace:^"`);
  }
  for (const d of Object.keys(pkg.peerDependencies ?? {}))
    if (d.startsWith('@lipnet/')) say(`${d} is a peer; @lipnet edges are dependencies (workspace:^)`);
  for (const f of ['repository', 'homepage', 'bugs']) checkUrl(pkg, f);
  const readme = path.join(dir, 'README.md');
  if (!fs.existsSync(readme)) say('no README.md');
  else if (!/^## Install\n[\s\S]*?```sh\nnpm i /m.test(fs.readFileSync(readme, 'utf8')))
    say('README.md needs an "## Install" section with a ```sh block starting "npm i "');
  if (!fs.existsSync(path.join(dir, 'src/index.ts'))) say('no src/index.ts');
  if (NODE_ONLY.has(pkg.name) && !fs.existsSync(path.join(dir, 'src/not-node.ts')))
    say('Node-only package without src/not-node.ts (the entry that throws outside Node)');
}

const BUILT = ['index.js', 'index.d.ts', 'index.mjs', 'index.mjs.map', 'index.node.mjs', 'index.d.mts'];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Module specifiers imported or required by a built JavaScript file. */
function importedSpecifiers(code) {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  return [...code.matchAll(re)].map((m) => m[1]);
}

function checkDist(dir, pkg, say) {
  const dist = path.join(dir, 'dist');
  if (!fs.existsSync(dist)) return;
  for (const f of BUILT) if (!fs.existsSync(path.join(dist, f))) say(`dist/${f} is missing: run pnpm build`);
  if (NODE_ONLY.has(pkg.name)) return;
  for (const f of fs.readdirSync(dist, { recursive: true })) {
    if (!/\.m?js$/.test(f)) continue;
    const bad = importedSpecifiers(fs.readFileSync(path.join(dist, f), 'utf8')).filter((s) => builtins.has(s));
    if (bad.length) say(`dist/${f} imports Node built-in(s) ${bad.join(', ')}: libraries run in browsers`);
  }
}

const pkgs = publicPackages(root);
for (const { dir, pkg } of pkgs) {
  if (fix) {
    Object.assign(pkg, standardFields(pkg.name));
    pkg.scripts = { ...pkg.scripts, ...STANDARD_SCRIPTS };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  }
  const say = (msg) => problems.push(`${pkg.name}: ${msg}`);
  checkManifest(dir, pkg, say);
  checkDist(dir, pkg, say);
}
if (!fs.existsSync(path.join(root, 'LICENSE'))) problems.push('no LICENSE at the repository root');
if (problems.length) {
  console.error(problems.map((p) => `check-packages: ${p}`).join('\n'));
  console.error(`check-packages: ${problems.length} problem(s) in ${pkgs.length} public packages`);
  process.exit(1);
}
const nodeOnly = pkgs.filter(({ pkg }) => NODE_ONLY.has(pkg.name)).map(({ pkg }) => pkg.name);
console.log(
  `check-packages: ${pkgs.length} public packages OK (${pkgs.map(({ pkg }) => pkg.name).join(', ')}); ` +
    `Node built-ins allowed only in ${nodeOnly.join(', ') || 'none'}`,
);
