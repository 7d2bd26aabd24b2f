import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelError, DataParallelTrainer, shardSizes } from '../src';
import { expectRelClose, randomArray } from './helpers';

const MODULE = path.join(__dirname, 'fixtures', 'small-model.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createModel } = require(MODULE) as { createModel: () => import('@tensorflow/tfjs-layers').LayersModel };

const BATCH = 7; // uneven shards: 4 + 3
const xs = randomArray(BATCH * 64, 21);
const labels = Array.from({ length: BATCH }, (_, i) => (i * 2) % 3);

function batch() {
  return { x: tf.tensor4d(xs, [BATCH, 8, 8, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) };
}

/**
 * A loss of batch statistics (like deel-lip's MulticlassKR): cross-entropy plus
 * 10 × the mean over classes of the logits' range over the batch. The mean of two
 * shards' losses is not the batch's loss.
 */
const batchStatLoss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
  tf.add(tf.losses.softmaxCrossEntropy(yTrue, yPred), tf.mul(10, tf.mean(tf.sub(tf.max(yPred, 0), tf.min(yPred, 0)))));
const accuracy = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
  tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32'));

const asArr = (t: tf.Tensor) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() });

test('shardSizes splits rows into near-equal contiguous shards', () => {
  expect(shardSizes(7, 2)).toEqual([4, 3]);
  expect(shardSizes(4096, 2)).toEqual([2048, 2048]);
  expect(shardSizes(2, 3)).toEqual([1, 1]);
});

test('2 workers (uneven shards) give the exact full-batch Adam steps of a batch-statistics loss', async () => {
  const { x, y } = batch();
  // The loss really depends on the batch: the mean of the shard losses differs.
  const probe = createModel();
  const full = tf.tidy(() => batchStatLoss(y, probe.apply(x) as tf.Tensor).dataSync()[0]!);
  const halves = tf.tidy(() => {
    const p = probe.apply(x) as tf.Tensor;
    const a = batchStatLoss(tf.slice(y, 0, 4), tf.slice(p, 0, 4)).dataSync()[0]!;
    const b = batchStatLoss(tf.slice(y, 4, 3), tf.slice(p, 4, 3)).dataSync()[0]!;
    return (4 * a + 3 * b) / 7;
  });
  expect(Math.abs(full - halves)).toBeGreaterThan(1e-2 * full);

  // Reference: full batch, main thread, cpu backend.
  const ref = createModel();
  const refOpt = tf.train.adam(0.05);
  const refLosses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c = refOpt.minimize(() => batchStatLoss(y, ref.apply(x) as tf.Tensor) as tf.Scalar, true)!;
    refLosses.push(c.dataSync()[0]!);
    c.dispose();
  }
  const model = createModel();
  const opt = tf.train.adam(0.05);
  const trainer = await DataParallelTrainer.create({ model, workers: 2, backend: 'cpu' });
  try {
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [l, acc] = await trainer.step(x, y, opt, batchStatLoss, [accuracy]);
      losses.push(l!);
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
    }
    losses.forEach((l, i) => expect(Math.abs(l - refLosses[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(refLosses[i]!)));
    expect(losses[2]).toBeLessThan(losses[0]!); // it trains
    const got = trainer.model.getWeights();
    ref.getWeights().forEach((w, i) => expectRelClose(asArr(got[i]!), asArr(w), 1e-5));
    // Predictions in inference mode, sharded, equal the master model's.
    const pred = await trainer.predict(x);
    const direct = ref.predict(x) as tf.Tensor;
    expectRelClose(asArr(pred), asArr(direct), 1e-5);
    tf.dispose([pred, direct]);
    // No tensors leak, on the main thread or in the workers, across steps and predictions.
    const before = tf.memory().numTensors;
    const workersBefore = await trainer.workerMemory();
    for (let i = 0; i < 3; i++) {
      await trainer.step(x, y, opt, batchStatLoss, [accuracy]);
      tf.dispose(await trainer.predict(x));
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(await trainer.workerMemory()).toEqual(workersBefore);
    expect(workersBefore.every((m) => m.numTensors > 0)).toBe(true); // the workers' model weights
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
  }
});

test('wasm workers (lipnet kernels) match the cpu full-batch steps to 1e-4', async () => {
  const ref = createModel();
  const refOpt = tf.train.adam(0.05);
  const { x, y } = batch();
  for (let i = 0; i < 2; i++)
    tf.dispose(refOpt.minimize(() => batchStatLoss(y, ref.apply(x) as tf.Tensor) as tf.Scalar, true) ?? []);
  const trainer = await DataParallelTrainer.create({ model: createModel(), workers: 2, backend: 'wasm' });
  try {
    // Every array goes through shared memory: what the main thread posts holds no typed array of its own.
    const posted: unknown[] = [];
    for (const h of (trainer as unknown as { handles: Array<{ post: (m: unknown) => void }> }).handles) {
      const post = h.post.bind(h);
      h.post = (m: unknown) => {
        posted.push(m);
        post(m);
      };
    }
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 2; i++) await trainer.step(x, y, opt, batchStatLoss);
    const got = trainer.model.getWeights();
    ref.getWeights().forEach((w, i) => expectRelClose(asArr(got[i]!), asArr(w), 1e-4));
    expect(posted.length).toBe(4);
    for (const m of posted) {
      for (const v of Object.values(m as Record<string, unknown>)) {
        if (ArrayBuffer.isView(v)) expect(v.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(v instanceof ArrayBuffer).toBe(false);
        expect(Array.isArray(v) && v.some((e) => ArrayBuffer.isView(e))).toBe(false);
      }
    }
    // A wasm worker reports its heap (which only grows).
    const memory = await trainer.workerMemory();
    memory.forEach((m) => expect(m.heapBytes).toBeGreaterThanOrEqual(16 * 2 ** 20));
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
  }
});

test('a loss that throws fails the step, releases the workers without leaking, and the next step works', async () => {
  const { x, y } = batch();
  const trainer = await DataParallelTrainer.create({ model: createModel(), workers: 2, backend: 'cpu' });
  try {
    const opt = tf.train.sgd(0.1);
    const bad = (): tf.Tensor => {
      throw new RangeError('bad labels');
    };
    await trainer.step(x, y, opt, batchStatLoss); // warm-up: optimizer slots, kernels
    const workersBefore = await trainer.workerMemory();
    await expect(trainer.step(x, y, opt, bad)).rejects.toThrow('bad labels');
    expect((await trainer.workerMemory()).map((m) => m.numTensors)).toEqual(workersBefore.map((m) => m.numTensors));
    const before = trainer.model.getWeights().map(asArr);
    const [l] = await trainer.step(x, y, opt, batchStatLoss);
    expect(Number.isFinite(l)).toBe(true);
    const after = trainer.model.getWeights().map(asArr);
    expect(after.some((w, i) => w.values.some((v, j) => v !== before[i]!.values[j]))).toBe(true);
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
  }
});

test('bad options and bad batches are refused with the argument, the value and the fix', async () => {
  await expect(DataParallelTrainer.create({ model: createModel(), workers: 0 })).rejects.toThrow(DataParallelError);
  await expect(
    DataParallelTrainer.create({ model: createModel(), workers: 1, modules: ['rel/layers.js'] }),
  ).rejects.toThrow(/absolute path, got 'rel\/layers.js'/);
  const trainer = await DataParallelTrainer.create({ model: createModel(), workers: 1, backend: 'cpu' });
  try {
    const { x, y } = batch();
    await expect(trainer.step(x, tf.slice(y, 0, 3), tf.train.sgd(1), batchStatLoss)).rejects.toThrow(
      /x has 7 rows but y has 3/,
    );
    tf.dispose([x, y]);
  } finally {
    await trainer.dispose();
  }
});

test('a worker that cannot start reports why', async () => {
  await expect(
    DataParallelTrainer.create({ model: createModel(), workers: 1, backend: 'no-such-backend' }),
  ).rejects.toThrow(/worker failed: UnknownBackendError: .*'no-such-backend'/);
});
