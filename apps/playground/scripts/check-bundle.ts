/** The bundle checks of `build.ts`, on esbuild's metafile. */
import type { Metafile } from 'esbuild';

/**
 * Throws when the bundle holds two copies of a package (two tfjs-core copies
 * break model loading: registerClass lives per copy) — a second install, or the
 * same package twice through its CommonJS and its ES-module entry — or a Node built-in.
 */
export function checkBundle(meta: Pick<Metafile, 'inputs'>): void {
  const entries = new Map<string, Set<string>>();
  for (const input of Object.keys(meta.inputs)) {
    const p = input.replace(/\\/g, '/');
    const m =
      /^(.*(?:node_modules\/(?:@[^/]+\/)?[^/]+|packages\/[^/]+))\/dist\/((?:index(?:\.node)?\.m?js)|tf-[^/]+\.js)$/.exec(
        p,
      );
    if (!m) continue;
    const pkg = m[1]!.replace(/^.*node_modules\//, '').replace(/^.*packages\//, 'packages/');
    entries.set(pkg, (entries.get(pkg) ?? new Set()).add(p));
  }
  for (const [pkg, files] of entries) {
    if (files.size > 1) {
      throw new Error(`playground build: ${pkg} is in the bundle ${files.size} times: ${[...files].join(', ')}`);
    }
  }
  const builtins = Object.keys(meta.inputs).filter((i) => /^(node:|fs$|path$|worker_threads$|child_process$)/.test(i));
  if (builtins.length)
    throw new Error(`playground build: Node built-ins in the browser bundle: ${builtins.join(', ')}`);
}
