/**
 * The stage runner: a fresh run runs every stage and records it with its
 * outputs' hashes; a resumed run reuses a stage whose inputs and files are
 * unchanged, reruns one whose file changed or whose inputs changed (and the
 * stages after it when its output changed), and writes nothing before a
 * writing stage's checks pass.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CliOptions } from '../src/cli';
import { parseArgs } from '../src/cli';
import { newRunState, readRunState } from '../src/pipeline/run-state';
import { Pipeline, type Stage, type StageContext } from '../src/pipeline/stage';
import { tmpDir } from './helpers';

interface Calls {
  runs: string[];
  loads: string[];
}

/** A stage that writes `<name>.txt` with `content(input)` and returns it. */
function fileStage(name: 'train' | 'export', calls: Calls, opts: { refuse?: boolean } = {}): Stage<string, string> {
  return {
    name,
    writes: true,
    key: (i) => ({ i }),
    prepare: () => {
      if (opts.refuse) throw new Error(`${name} refuses`);
      return Promise.resolve(undefined);
    },
    run(i, ctx) {
      calls.runs.push(name);
      fs.writeFileSync(path.join(ctx.out, `${name}.txt`), `${name}(${i})`);
      return Promise.resolve({ output: `${name}(${i})`, files: [`${name}.txt`], summary: { i } });
    },
    load(_i, _rec, ctx) {
      calls.loads.push(name);
      return Promise.resolve(fs.readFileSync(path.join(ctx.out, `${name}.txt`), 'utf8'));
    },
  };
}

/** A stage that writes nothing and always runs (like `data`). */
function memoryStage(calls: Calls): Stage<string, string> {
  return {
    name: 'data',
    writes: false,
    key: () => ({}),
    run(i) {
      calls.runs.push('data');
      return Promise.resolve({ output: i, files: [], summary: { i } });
    },
  };
}

function context(out: string, resume: boolean, o: CliOptions): StageContext & { lines: string[] } {
  const lines: string[] = [];
  const state = (resume ? readRunState(path.join(out, 'run.json')) : undefined) ?? newRunState(o);
  return { out, resume, state, log: (s) => lines.push(s), interrupt: { requested: false, aborted: false }, lines };
}

async function runAll(out: string, resume: boolean, dataValue: string, trainValue: string) {
  const calls: Calls = { runs: [], loads: [] };
  const ctx = context(out, resume, parseArgs([]));
  const p = new Pipeline(ctx);
  const d = await p.run(memoryStage(calls), dataValue);
  const t = await p.run(fileStage('train', calls), `${d}+${trainValue}`);
  const e = await p.run(fileStage('export', calls), t);
  return { calls, e, lines: ctx.lines, p };
}

describe('Pipeline', () => {
  it('records every finished stage with the SHA-256 of its files, and reuses them on resume', async () => {
    const out = tmpDir();
    const first = await runAll(out, false, 'd', 't');
    expect(first.calls.runs).toEqual(['data', 'train', 'export']);
    const state = readRunState(path.join(out, 'run.json'))!;
    expect(Object.keys(state.stages)).toEqual(['data', 'train', 'export']);
    expect(state.stages.train!.files['train.txt']).toMatch(/^[0-9a-f]{64}$/);
    const again = await runAll(out, true, 'd', 't');
    expect(again.calls).toEqual({ runs: ['data'], loads: ['train', 'export'] });
    expect(again.e).toBe(first.e);
    expect(again.p.reused).toEqual(['train', 'export']);
    expect(again.lines).toContain('Stage train: finished in an earlier session; its outputs are unchanged and reused.');
  });

  it('reruns a stage whose file changed, and the stages after it when its output changed', async () => {
    const out = tmpDir();
    await runAll(out, false, 'd', 't');
    fs.writeFileSync(path.join(out, 'train.txt'), 'edited');
    const r = await runAll(out, true, 'd', 't');
    expect(r.calls.runs).toEqual(['data', 'train']); // train rewrote the same content: export is still valid
    expect(r.calls.loads).toEqual(['export']);
    expect(r.lines.join('\n')).toContain('Stage train: train.txt is missing or changed since it was written');
  });

  it('reruns a stage whose inputs changed, then every later stage whose inputs it changed', async () => {
    const out = tmpDir();
    await runAll(out, false, 'd', 't');
    const r = await runAll(out, true, 'd', 'T');
    expect(r.calls.runs).toEqual(['data', 'train', 'export']);
    expect(r.e).toBe('export(train(d+T))');
    expect(r.lines.join('\n')).toContain('Stage train: its inputs changed since it finished');
    // an earlier stage whose output changed invalidates the later ones too
    const r2 = await runAll(out, true, 'D', 'T');
    expect(r2.calls.runs).toEqual(['data', 'train', 'export']);
  });

  it('a fresh run reruns everything even when the folder holds finished stages', async () => {
    const out = tmpDir();
    await runAll(out, false, 'd', 't');
    expect((await runAll(out, false, 'd', 't')).calls.runs).toEqual(['data', 'train', 'export']);
  });

  it('writes nothing before a writing stage passes its checks', async () => {
    const out = tmpDir();
    const calls: Calls = { runs: [], loads: [] };
    const p = new Pipeline(context(out, false, parseArgs([])));
    await p.run(memoryStage(calls), 'd');
    await expect(p.run(fileStage('train', calls, { refuse: true }), 'x')).rejects.toThrow('train refuses');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
