/**
 * Runs the built program (`dist/main.js`) as a user would: the quick run CI uses,
 * an interrupted run resumed, and the error paths (bad flag, unwritable output
 * folder, corrupt data file). Skipped with a message when Fashion-MNIST is absent.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { probeFolder, searchLocations } from '../src/data/fashion-mnist';
import { idxBytes, tmpDir } from './helpers';

/** The parts of demo4's results.json these tests read. */
interface Results {
  attack: {
    selection: { indices: number[] };
    certificates: number[];
    distances: (number | string)[];
    attack: { steps: number };
    top2: { values: [number, number] }[];
  };
  bound: { maxPairwise: number };
  certifiedRobustAccuracy: { accuracy: number; proven: number[]; nominal: number[] };
  check: { violations: unknown[] };
  training: { history: Record<string, number[]>; resumed: boolean };
  export: { ok: boolean; maxDiffReloaded: number; weightBytes: number };
  model: { summary: { trainable: number }; notebookTotalWithWbar: number };
  timings: Record<string, number>;
  versions: Record<string, string>;
  options: { trainLimit: number; batchSize: number };
}
const readResults = (dir: string): Results =>
  JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;

const APP = path.resolve(__dirname, '..');
const MAIN = path.join(APP, 'dist', 'main.js');
const haveData = searchLocations().some((l) => probeFolder(l).missing.length === 0);
if (!haveData) {
  console.warn(
    'end-to-end tests SKIPPED: Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR).',
  );
}
const withData = haveData ? describe : describe.skip;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  opts: { onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: APP, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  // the program under test is the built one; build it if this checkout has no dist yet
  if (!fs.existsSync(MAIN))
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: APP });
}, 120000);

describe('demo4 error paths', () => {
  it('a bad flag value: exit 2 and a message naming the flag', async () => {
    const r = await run(['--epochs', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('demo4: --epochs expects an integer, got "many"');
  });

  it('an unknown forced backend: exit 7, the names that work, no stack trace', async () => {
    const r = await run(['--out', tmpDir()], { env: { LIPNET_BACKEND: 'tensorflowx' } });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      /demo4: selectBackend: unknown backend 'tensorflowx' \(from LIPNET_BACKEND\)\. Use one of: tensorflow, .*wasm.*cpu/,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('an output folder that cannot be created: exit 4 before any work', async () => {
    const r = await run(['--out', '/proc/demo4-cannot-write-here/out']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /demo4: cannot create the output folder \/proc\/demo4-cannot-write-here\/out \(\w+\)\. Pass --out with a folder you can write to\./,
    );
    expect(r.stdout).not.toContain('Epoch');
  });

  it('--resume without a checkpoint: exit 5 and what to do', async () => {
    const out = tmpDir();
    const r = await run(['--resume', '--out', out]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`--resume: nothing to resume in ${out}: no ${path.join(out, 'run.json')}`);
  });

  it('a corrupt data file: exit 3 and a message naming the file', async () => {
    const dir = tmpDir();
    const ok = idxBytes([10], new Uint8Array(10));
    for (const f of ['train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) fs.writeFileSync(path.join(dir, f), ok);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxBytes([10, 28, 28], new Uint8Array(7840)));
    const bad = path.join(dir, 'train-images-idx3-ubyte.gz');
    fs.writeFileSync(bad, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const r = await run(['--data-dir', dir, '--out', tmpDir(), '--backend', 'cpu']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`demo4: ${bad} is not a valid IDX file: bad gzip data`);
  });
});

withData('demo4 end to end', () => {
  it('the quick run (--train-limit 2048 --epochs 1 --attack-steps 200) writes every output and every certificate holds', async () => {
    const out = tmpDir();
    // validation on 10,000 images takes minutes on wasm; LIPNET_SLOW_TESTS=1 runs the exact quick run
    const slow = process.env.LIPNET_SLOW_TESTS === '1';
    const r = await run([
      '--train-limit',
      '2048',
      '--epochs',
      '1',
      '--attack-steps',
      '200',
      '--out',
      out,
      ...(slow ? [] : ['--val-limit', '2000']),
    ]);
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toMatch(
      /Epoch 1\/1\n1\/1 \[=+\] - \d+s \d+m?s\/step - loss: [\d.]+ - accuracy: [\d.]+ - MulticlassKR: [-\d.e]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+ - val_MulticlassKR: [-\d.e]+/,
    );
    expect(r.stdout).toContain('Trainable params: 105,856');
    for (const f of [
      'checkpoint.bin',
      'model/model.json',
      'model/weights.bin',
      'attack.json',
      'adversarial_viz.png',
      'adversarial_viz.svg',
      'training_curves.png',
      'training_curves.svg',
      'robust_accuracy.png',
      'robust_accuracy.svg',
      'report.html',
      'results.json',
      'results.schema.json',
    ]) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    const res = readResults(out);
    const n = res.attack.selection.indices.length;
    expect(n).toBeGreaterThan(0);
    expect(res.attack.certificates).toHaveLength(n);
    res.attack.certificates.forEach((c: number, i: number) => {
      const d = Number(res.attack.distances[i]); // "Infinity" when no adversarial was found
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThan(d);
    });
    expect(res.check.violations).toEqual([]);
    // the proven certificates are those of the proven bound's pairwise constants (≤ max pairwise)
    res.attack.top2.forEach((t, i) =>
      expect(res.attack.certificates[i]).toBeGreaterThanOrEqual(
        (t.values[0] - t.values[1]) / res.bound.maxPairwise - 1e-6,
      ),
    );
    const ra = res.certifiedRobustAccuracy;
    expect(ra.proven[0]).toBeLessThanOrEqual(ra.accuracy);
    expect(ra.proven.every((v, k) => k === 0 || v <= ra.proven[k - 1]!)).toBe(true);
    // the nominal radii (top1 − top2)/2 divide by 2 ≥ the proven pairwise constants here, so never certify more
    expect(ra.nominal.every((v, k) => v <= ra.proven[k]!)).toBe(res.bound.maxPairwise <= 2);
    expect(res.training.history.val_accuracy).toHaveLength(1);
    expect(res.export.ok).toBe(true);
    expect(res.export.maxDiffReloaded).toBeLessThanOrEqual(1e-5);
    expect(res.model.summary.trainable).toBe(105856);
    expect(res.model.notebookTotalWithWbar).toBe(211715);
    expect(Object.keys(res.timings)).toEqual(
      expect.arrayContaining(['data', 'model', 'train', 'export', 'certify', 'attack', 'total']),
    );
    expect(res.versions['@tensorflow/tfjs-core']).toBe('4.22.0');
    const viz = PNG.sync.read(fs.readFileSync(path.join(out, 'adversarial_viz.png')));
    expect(viz.height).toBeGreaterThan(n * 84); // a row of 84-pixel images per sample
    expect(fs.readFileSync(path.join(out, 'adversarial_viz.svg'), 'utf8').match(/<image /g)).toHaveLength(3 * n);
    const curves = PNG.sync.read(fs.readFileSync(path.join(out, 'training_curves.png')));
    expect(curves.width).toBeGreaterThan(curves.height);
    // the reloaded export is a TF.js layers model
    const mj = JSON.parse(fs.readFileSync(path.join(out, 'model/model.json'), 'utf8')) as { format: string };
    expect(mj.format).toBe('layers-model');
    expect(fs.statSync(path.join(out, 'model/weights.bin')).size).toBe(res.export.weightBytes);
  }, 600000); // about 20 s on the tensorflow backend, a few minutes on wasm

  it('SIGINT saves a checkpoint and says how to resume; --resume finishes the run', async () => {
    const out = tmpDir();
    const args = [
      '--train-limit',
      '512',
      '--batch-size',
      '128',
      '--epochs',
      '2',
      '--val-limit',
      '256',
      '--attack-steps',
      '20',
      '--binary-search-steps',
      '2',
      '--out',
      out,
    ];
    let sent = false;
    const r = await run(args, {
      onStdout: (s, child) => {
        if (!sent && s.includes('Epoch 1/2')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('Interrupt received (SIGINT): finishing the current step, then saving a checkpoint');
    expect(r.stderr).toContain(`Resume with:  pnpm demo4 --resume --out ${out}`);
    expect(fs.existsSync(path.join(out, 'checkpoint.bin'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'results.json'))).toBe(false);
    const r2 = await run(['--resume', '--out', out]);
    if (r2.code !== 0) throw new Error(`exit ${r2.code}\n${r2.stdout}\n${r2.stderr}`);
    expect(r2.stdout).toMatch(/Resuming from .*checkpoint\.bin: [01] epoch\(s\) done/);
    const res = readResults(out);
    expect(res.training.history.loss).toHaveLength(2);
    expect(res.options.trainLimit).toBe(512); // taken from the interrupted run
    expect(res.options.batchSize).toBe(128);
    expect(res.training.resumed).toBe(true);
    // another attack on the finished run: train, export and certify are reused, only attack and report run
    const r3 = await run(['--resume', '--attack-steps', '30', '--out', out]);
    if (r3.code !== 0) throw new Error(`exit ${r3.code}\n${r3.stdout}\n${r3.stderr}`);
    for (const s of ['train', 'export', 'certify'])
      expect(r3.stdout).toContain(`Stage ${s}: finished in an earlier session; its outputs are unchanged and reused.`);
    expect(r3.stdout).toContain('Stage attack: its inputs changed since it finished');
    expect(r3.stdout).not.toContain('Epoch ');
    const res3 = readResults(out);
    expect(res3.attack.attack.steps).toBe(30);
    expect(res3.training.history).toEqual(res.training.history);
  }, 600000);
  // On 2 wasm workers, what a fresh clone runs on a 2-core machine. (In one wasm thread a resumed run
  // drifts from the uninterrupted one by float rounding, ~1e-8; on cpu it is bit-exact: checkpoint.test.ts.)
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'on 2 wasm workers, %s saves a checkpoint (exit %i); the resumed run ends bit-identical to the run left alone',
    async (signal, code) => {
      const env = { LIPNET_BACKEND: 'wasm' };
      const args = ['--train-limit', '512', '--batch-size', '128', '--epochs', '2', '--val-limit', '128'];
      args.push('--attack-steps', '10', '--binary-search-steps', '1', '--workers', '2');
      const whole = tmpDir();
      const r0 = await run([...args, '--out', whole], { env });
      if (r0.code !== 0) throw new Error(`exit ${r0.code}\n${r0.stdout}\n${r0.stderr}`);
      expect(r0.stdout).toContain('Training data-parallel on 2 worker threads (wasm)');
      const split = tmpDir();
      let sent = false;
      const r1 = await run([...args, '--out', split], {
        env,
        onStdout: (s, child) => {
          if (!sent && s.includes('Epoch 1/2')) {
            sent = true;
            child.kill(signal);
          }
        },
      });
      expect(r1.code).toBe(code);
      expect(r1.stdout).toContain(
        `Interrupt received (${signal}): finishing the current step, then saving a checkpoint`,
      );
      expect(fs.existsSync(path.join(split, 'demo4.lock'))).toBe(false);
      const r2 = await run(['--resume', '--out', split], { env });
      if (r2.code !== 0) throw new Error(`exit ${r2.code}\n${r2.stdout}\n${r2.stderr}`);
      const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f));
      expect(read(split, 'model/weights.bin').equals(read(whole, 'model/weights.bin'))).toBe(true);
      const res = (dir: string) => readResults(dir);
      expect(res(split).training.history).toEqual(res(whole).training.history);
      expect(res(whole).training.history.loss).toHaveLength(2);
      expect(res(split).attack.certificates).toEqual(res(whole).attack.certificates);
    },
    600000,
  );

  it('a second run on the same --out refuses with the first one pid and start time; a killed run lock is taken over', async () => {
    const env = { LIPNET_BACKEND: 'wasm' };
    const out = tmpDir();
    const args = ['--train-limit', '1024', '--batch-size', '64', '--epochs', '3', '--val-limit', '64'];
    args.push('--attack-steps', '10', '--binary-search-steps', '1', '--workers', '1', '--out', out);
    let second: Run | undefined;
    let firstPid = 0;
    const first = await run(args, {
      env,
      onStdout: (s, child) => {
        if (firstPid || !s.includes('Epoch 1/3')) return;
        firstPid = child.pid!;
        void run(args, { env }).then((r) => {
          second = r;
          child.kill('SIGKILL'); // a crash: the lock stays behind
        });
      },
    });
    expect(first.code).toBe(null); // killed
    expect(second!.code).toBe(4);
    expect(second!.stderr).toMatch(
      new RegExp(
        `demo4: cannot use ${out}: it is in use by another demo4 run: pid ${firstPid} on .*, started \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(fs.existsSync(path.join(out, 'demo4.lock'))).toBe(true);
    const third = await run(['--resume', '--epochs', '1', '--out', out], { env });
    if (third.code !== 0) throw new Error(`exit ${third.code}\n${third.stdout}\n${third.stderr}`);
    expect(third.stdout).toContain(`names pid ${firstPid} on `);
    expect(third.stdout).toContain('which is no longer running; taking the folder over.');
    expect(fs.existsSync(path.join(out, 'demo4.lock'))).toBe(false);
  }, 600000);
});
