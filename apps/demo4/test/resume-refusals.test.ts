/**
 * Every resume check happens before anything is written: a refused resume (or
 * a refused new run over an unfinished one) leaves every file in `--out`
 * byte-identical. The whole pipeline runs in this process on wasm with a few
 * images.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from '../src/cli';
import { probeFolder, searchLocations } from '../src/data/fashion-mnist';
import { Demo4Error } from '../src/errors';
import { runDemo } from '../src/run-demo';
import { hashTree, tmpDir } from './helpers';

const haveData = searchLocations().some((l) => probeFolder(l).missing.length === 0);
const withData = haveData ? describe : describe.skip;

/** runDemo with its output muted; resolves with the log lines, or rejects with its error. */
async function quietRun(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    expect(await runDemo(parseArgs(['--backend', 'wasm', '--workers', '1', ...args]), (s) => lines.push(s))).toBe(0);
    return lines;
  } finally {
    process.stdout.write = write;
  }
}

withData('refused resumes write nothing', () => {
  const out = tmpDir();
  beforeAll(async () => {
    const small = ['--train-limit', '32', '--batch-size', '16', '--val-limit', '16', '--epochs', '1'];
    await quietRun([...small, '--attack-steps', '3', '--binary-search-steps', '1', '--out', out]);
  }, 120000);

  /** Runs `args` on `out`, expects the refusal `message`, and every file unchanged. */
  async function expectRefused(args: string[], message: RegExp, prepare?: () => void) {
    prepare?.();
    const before = hashTree(out);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['run.json', 'checkpoint.bin', 'results.json']));
    let err: unknown;
    await quietRun([...args, '--out', out]).catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(Demo4Error);
    expect((err as Error).message).toMatch(message);
    expect(hashTree(out)).toEqual(before);
  }

  it('another --val-limit, --batch-size or --seed (histories that would mix)', async () => {
    await expectRefused(['--resume', '--val-limit', '8'], /run settings differ \(valLimit: checkpoint 16, now 8\)/);
    await expectRefused(['--resume', '--batch-size', '8'], /run settings differ \(batchSize: checkpoint 16, now 8\)/);
    await expectRefused(['--resume', '--seed', '2'], /run settings differ \(seed: checkpoint 1, now 2\)/);
    await expectRefused(
      ['--resume', '--conv-normalization', 'exact'],
      /run settings differ \(modelSignature: .*; convNormalization: checkpoint "deel-lip", now "exact"\)/,
    );
  }, 120000);

  it('a checkpoint whose header was edited (no older generation to fall back to)', async () => {
    const file = path.join(out, 'checkpoint.bin');
    const original = fs.readFileSync(file);
    await expectRefused(
      ['--resume'],
      /checkpoint .* is unusable: its SHA-256 does not match its header and data/,
      () => {
        const edited = Buffer.from(original);
        edited.write('"epoch":0', edited.indexOf('"epoch":1'), 'utf8');
        fs.writeFileSync(file, edited);
      },
    );
    fs.writeFileSync(file, original);
  }, 120000);

  it('a checkpoint of another run, and a new run over an unfinished one', async () => {
    const file = path.join(out, 'run.json');
    const original = fs.readFileSync(file, 'utf8');
    const state = JSON.parse(original) as { stages: Record<string, unknown> };
    await expectRefused(['--resume', '--epochs', '2'], /it belongs to another run/, () =>
      fs.writeFileSync(file, JSON.stringify({ ...state, runId: 'another' })),
    );
    delete state.stages.report;
    await expectRefused([], /holds an unfinished run .* Continue it with --resume, start over with --restart/, () =>
      fs.writeFileSync(file, JSON.stringify(state)),
    );
    fs.writeFileSync(file, original);
    await expect(quietRun(['--resume', '--out', out])).resolves.toContain(
      'Stage report: finished in an earlier session; its outputs are unchanged and reused.',
    );
  }, 120000);
});
