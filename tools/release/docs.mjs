#!/usr/bin/env node
// `pnpm run docs` (`pnpm docs` is pnpm's own command): the API reference of every public package, from its doc comments (TypeDoc), into docs/api/.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, publicPackages } from './packages.mjs';

const typedoc = path.join(ROOT, 'tools/release/node_modules/typedoc/bin/typedoc');
const entries = publicPackages().flatMap(({ dir }) => ['--entryPoints', path.relative(ROOT, dir)]);
const args = [
  typedoc,
  '--entryPointStrategy',
  'packages',
  ...entries,
  '--options',
  'tools/release/typedoc.json',
  '--name',
  'lipnet',
  '--readme',
  'README.md',
  '--out',
  'docs/api',
  '--treatWarningsAsErrors',
  'false',
  '--logLevel',
  process.env.CI ? 'Warn' : 'Info',
];
const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
