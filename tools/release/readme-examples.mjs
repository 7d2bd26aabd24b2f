// Extracts the code blocks of every README (root, packages/*, apps/*) for the README test.
// The rule: blocks fenced ```ts, ```typescript, ```js or ```javascript are programs and are executed
// (TypeScript types stripped by esbuild, run as an ES module from tools/release, where every workspace
// package resolves). Other languages (```sh, ```text, ```json, …) are not executed; the `npm i` lines of
// the packages' Install sections run in the release test (pnpm release:e2e) instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './packages.mjs';

export const RUN_LANGS = new Set(['ts', 'typescript', 'js', 'javascript']);

/** README.md files the rule covers, relative to the repository root. */
export function readmes(root = ROOT) {
  const inside = (d) =>
    fs.existsSync(path.join(root, d)) ? fs.readdirSync(path.join(root, d)).map((p) => `${d}/${p}/README.md`) : [];
  return ['README.md', ...inside('packages'), ...inside('apps')].filter((f) => fs.existsSync(path.join(root, f)));
}

/** `[{readme, line, lang, code, run}]` for every fenced block of `readme`. */
export function codeBlocks(readme, root = ROOT) {
  const lines = fs.readFileSync(path.join(root, readme), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\S*)\s*$/);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const lang = open[1].toLowerCase();
    blocks.push({ readme, line: i + 1, lang, code: lines.slice(i + 1, end).join('\n'), run: RUN_LANGS.has(lang) });
    i = end;
  }
  return blocks;
}

/**
 * Files a README names, as paths from the repository root: repository paths (`packages/…`, `tools/…`),
 * paths relative to the README's folder (`test/…`, `src/…`), and `cd <dir> && npx jest <file>` commands.
 * Generated outputs (dist/, out/, docs/api/) are left out: they exist only after a build or a run.
 */
export function citedFiles(readme, root = ROOT) {
  const text = fs.readFileSync(path.join(root, readme), 'utf8');
  const here = path.dirname(readme);
  const found = new Set();
  // A repository path, or (in a package's README) the same path inside the package, e.g. its docs/.
  for (const m of text.matchAll(/\b(?:packages|apps|tools|benchmarks|docs)\/[\w./-]*\w\.[a-z]+\b/g))
    found.add(here !== '.' && !fs.existsSync(path.join(root, m[0])) ? path.join(here, m[0]) : m[0]);
  if (here !== '.')
    for (const m of text.matchAll(/(?<![\w/])(?:test|src)\/[\w./-]*\w\.[a-z]+\b/g)) found.add(path.join(here, m[0]));
  for (const m of text.matchAll(/cd ([\w./-]+) && npx jest ([\w./-]+)/g)) found.add(path.join(m[1], m[2]));
  return [...found].filter((f) => !/(^|\/)(dist|out)\/|^docs\/api\//.test(f));
}
