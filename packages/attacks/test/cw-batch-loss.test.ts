// C&W's `batchLoss`: a batch attacked as shards in worker threads, abort-early on the whole batch's
// loss (sharedBatchLoss), gives the one-batch run; on each shard's own loss it does not (the
// inputs are chosen so that a shard's own abort decisions differ from the batch's).
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as A from '../src';

/** Seeded 4-image, 3-class linear problem (Park-Miller) whose shards abort at other checks alone. */
function problem() {
  let seed = 2;
  const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const W = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => (r() - 0.5) * 4));
  const x = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => 0.2 + 0.6 * r()));
  const labels = x.map((xi) => {
    const z = [0, 1, 2].map((j) => xi.reduce((s, v, k) => s + v * W[k]![j]!, 0));
    return z.indexOf(Math.max(...z));
  });
  return { W, b: [0, 0, 0], x, labels, attack: { binarySearchSteps: 3, steps: 200 } };
}
const P = problem();

const paths = {
  core: require.resolve('@tensorflow/tfjs-core'),
  cpu: require.resolve('@tensorflow/tfjs-backend-cpu'),
  attacks: path.join(__dirname, '..', 'dist', 'index.js'),
};

/** One check as a worker saw it: [binary-search step, Adam step, own loss, loss used]. */
type Check = [number, number, number, number];
interface ShardRun {
  raw: number[];
  success: number[];
  checks: Check[];
}

/** C&W on rows `rows` in a worker thread; `buffer` null: abort-early on the rows' own loss. */
function runShard(rows: number[], shard: number, shards: number, buffer: SharedArrayBuffer | null) {
  return new Promise<ShardRun>((resolve, reject) => {
    const workerData = {
      paths,
      ...P,
      x: rows.map((i) => P.x[i]),
      labels: rows.map((i) => P.labels[i]),
      shard,
      shards,
      buffer,
      own: buffer === null,
    };
    const w = new Worker(path.join(__dirname, 'workers', 'cw-shard-worker.js'), { workerData });
    w.on('message', (m: ShardRun & { error?: string }) => {
      void w.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    w.on('error', reject);
  });
}

const l2 = (raw: number[], rows: number[]) =>
  rows.map((i, k) => Math.hypot(...P.x[i]!.map((v, j) => raw[4 * k + j]! - v)));

let whole: ShardRun;
let split: [ShardRun, ShardRun];
let own: [ShardRun, ShardRun];

beforeAll(async () => {
  whole = await runShard([0, 1, 2, 3], 0, 1, null);
  const buffer = new SharedArrayBuffer(A.sharedBatchLossBytes(2));
  split = await Promise.all([runShard([0, 1], 0, 2, buffer), runShard([2, 3], 1, 2, buffer)]);
  own = await Promise.all([runShard([0, 1], 0, 2, null), runShard([2, 3], 1, 2, null)]);
}, 60_000);

test('two shards on the shared batch loss make the checks of the whole batch, with its loss', () => {
  for (const s of split) {
    expect(s.checks.map((c) => [c[0], c[1]])).toEqual(whole.checks.map((c) => [c[0], c[1]]));
    // the loss each shard used is the sum of both shards' own losses, and the whole batch's loss
    s.checks.forEach((c, k) => {
      expect(c[3]).toBe(split[0].checks[k]![2] + split[1].checks[k]![2]);
      expect(Math.abs(c[3] - whole.checks[k]![3])).toBeLessThanOrEqual(1e-6 * whole.checks[k]![3]);
    });
  }
});

test('two shards on the shared batch loss give the one-batch adversarials (cpu: to 1e-7)', () => {
  const raw = [...split[0].raw, ...split[1].raw];
  raw.forEach((v, i) => expect(Math.abs(v - whole.raw[i]!)).toBeLessThanOrEqual(1e-7));
  expect([...split[0].success, ...split[1].success]).toEqual(whole.success);
  expect(whole.success).toEqual([1, 1, 1, 1]);
});

test('on their own losses the shards abort elsewhere and find other adversarials (the test can fail)', () => {
  expect(own.map((s) => s.checks.length)).not.toEqual([whole.checks.length, whole.checks.length]);
  const dWhole = l2(whole.raw, [0, 1, 2, 3]);
  const dOwn = [...l2(own[0].raw, [0, 1]), ...l2(own[1].raw, [2, 3])];
  expect(Math.max(...dOwn.map((d, i) => Math.abs(d - dWhole[i]!)))).toBeGreaterThan(1e-5);
});

describe('validation and memory', () => {
  const W = tf.tensor2d(P.W);
  const model = (x: tf.Tensor) => tf.matMul(x, W);
  const x = tf.tensor2d(P.x);
  afterAll(() => tf.dispose([W, x]));
  const cw = () => new A.L2CarliniWagnerAttack({ binarySearchSteps: 1, steps: 20 });

  test('batchLoss must be a function returning a number', async () => {
    await expect(cw().run(model, x, P.labels, { batchLoss: 3 as never })).rejects.toThrow(
      /L2CarliniWagnerAttack: expected `batchLoss` to be a function \(shardLoss, check\) => number, got 3\. Pass a synchronous function/,
    );
    const promise = () => Promise.resolve(1) as never;
    await expect(cw().run(model, x, P.labels, { batchLoss: promise })).rejects.toThrow(
      /L2CarliniWagnerAttack: expected `batchLoss` to return a number \(the loss of the whole batch\), got .*Promise.*Return the sum/,
    );
  });

  test('other attacks refuse batchLoss as an unknown option', async () => {
    const opts = { batchLoss: () => 0 } as never;
    await expect(new A.L2DeepFoolAttack().run(model, x, P.labels, opts)).rejects.toThrow(
      /L2DeepFoolAttack: unknown option `batchLoss`/,
    );
  });

  test('sharedBatchLoss checks its buffer and indices', () => {
    expect(() => A.sharedBatchLossBytes(0)).toThrow(
      /sharedBatchLossBytes: expected `shards` to be an integer ≥ 1, got 0/,
    );
    expect(() => A.sharedBatchLoss(new SharedArrayBuffer(8), 0, 2)).toThrow(
      /sharedBatchLoss: expected `buffer` to be a SharedArrayBuffer of at least 40 bytes/,
    );
    const buffer = new SharedArrayBuffer(A.sharedBatchLossBytes(2));
    expect(() => A.sharedBatchLoss(buffer, 2, 2)).toThrow(/expected `shard` to be an integer in \[0, 1\], got 2/);
    const one = A.sharedBatchLoss(new SharedArrayBuffer(A.sharedBatchLossBytes(1)), 0, 1);
    expect([0, 1, 2].map((index) => one(index + 0.5, { binarySearchStep: 0, step: 0, index }))).toEqual([
      0.5, 1.5, 2.5,
    ]);
  });

  test('a run with batchLoss leaves no tensor and calls it once per check', async () => {
    const before = tf.memory().numTensors;
    const seen: A.CwAbortCheck[] = [];
    const r = await new A.L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 30 }).run(model, x, P.labels, {
      batchLoss: (loss, check) => (seen.push(check), loss),
    });
    tf.dispose([r.raw, r.clipped, r.success]);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.length).toBeGreaterThan(0);
    seen.forEach((c, k) => expect(c.index).toBe(k));
    seen.forEach((c) => expect(c.step % 3).toBe(0));
  });
});
