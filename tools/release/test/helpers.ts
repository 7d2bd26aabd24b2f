import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository root and the release tools' folder. */
export const ROOT = path.resolve(__dirname, '../../..');
export const TOOLS = path.resolve(__dirname, '..');

/** Runs `node <args>` (cwd: the release tools, so the workspace packages resolve) and returns its output. */
export function node(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, args, { cwd: opts.cwd ?? TOOLS, input: opts.input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The package.json fields the tests read. */
export interface Manifest {
  name: string;
  private?: boolean;
  sideEffects?: boolean | string[];
  dependencies?: Record<string, string>;
  exports?: unknown;
  files?: string[];
  [field: string]: unknown;
}

/** `[{name, dir, pkg}]` of the public @lipnet packages (package.json without "private": true). */
export function publicPackages(): { name: string; dir: string; pkg: Manifest }[] {
  const base = path.join(ROOT, 'packages');
  return fs
    .readdirSync(base)
    .map((d) => path.join(base, d))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ dir, pkg }) => ({ name: pkg.name, dir, pkg }));
}
