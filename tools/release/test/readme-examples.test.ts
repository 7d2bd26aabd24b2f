import { spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, TOOLS } from './helpers';

// Every ```ts / ```js block of every README runs, so the examples cannot rot (rule: readme-examples.mjs).
interface Block {
  readme: string;
  cited?: string;
  line: number;
  lang: string;
  code: string;
  run: boolean;
}

function load(): Block[] {
  const script = `import('./readme-examples.mjs').then((m) => console.log(JSON.stringify(m.readmes().flatMap((r) => m.codeBlocks(r).concat(m.citedFiles(r).map((f) => ({ readme: r, cited: f })))))))`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: TOOLS, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Block[];
}

const all = load();
const blocks = all.filter((b) => b.cited === undefined);
const cited = all.filter((b) => b.cited !== undefined);
const runnable = blocks.filter((b) => b.run);
const scratch = path.join(TOOLS, '.readme-examples');

describe('README examples', () => {
  beforeAll(() => fs.mkdirSync(scratch, { recursive: true }));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('every README of the root, packages/* and apps/* was read, and the package READMEs have examples', () => {
    const readmes = new Set(blocks.map((b) => b.readme));
    for (const r of ['README.md', 'packages/layers/README.md', 'packages/io/README.md']) expect(readmes).toContain(r);
    expect(runnable.length).toBeGreaterThanOrEqual(8);
  });

  it('every file a README cites exists (test files, scripts, sources)', () => {
    expect(cited.length).toBeGreaterThan(10);
    const missing = cited
      .filter((c) => !fs.existsSync(path.join(ROOT, c.cited!)))
      .map((c) => `${c.readme}: ${c.cited}`);
    expect(missing).toEqual([]);
  });

  it.each(runnable.map((b) => [`${b.readme}:${b.line}`, b]))('%s runs', (_name, block) => {
    const b = block;
    const file = path.join(scratch, `${b.readme.replace(/[/.]/g, '_')}_${b.line}.mjs`);
    const { code } = esbuild.transformSync(b.code, { loader: b.lang.startsWith('t') ? 'ts' : 'js', format: 'esm' });
    fs.writeFileSync(file, code);
    const r = spawnSync(process.execPath, [file], { cwd: TOOLS, encoding: 'utf8', timeout: 240000 });
    if (r.status !== 0)
      throw new Error(`${b.readme}:${b.line} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  });
});
