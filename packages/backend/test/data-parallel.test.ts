import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelError, DataParallelTrainer } from '../src';
import { expectRelClose, randomArray } from './helpers';

const MODULE = path.join(__dirname, 'fixtures', 'small-model.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createModel, loss } = require(MODULE) as {
  createModel: () => import('@tensorflow/tfjs-layers').LayersModel;
  loss: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar;
};

const BATCH = 7; // uneven shards: 4 + 3
const xs = randomArray(BATCH * 64, 21);
const labels = Array.from({ length: BATCH }, (_, i) => (i * 2) % 3);

function batch() {
  return { x: tf.tensor4d(xs, [BATCH, 8, 8, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) };
}

test('2 workers (uneven shards) give the same Adam steps as one full-batch step on the main thread', async () => {
  // Reference: full batch, main thread, cpu backend.
  const ref = createModel();
  const refOpt = tf.train.adam(0.05);
  const { x, y } = batch();
  const refLosses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c = refOpt.minimize(() => loss(y, ref.apply(x) as tf.Tensor), true)!;
    refLosses.push(c.dataSync()[0]!);
    c.dispose();
  }
  const trainer = await DataParallelTrainer.create({ modelModule: MODULE, workers: 2, optimizer: tf.train.adam(0.05), backend: 'cpu' });
  try {
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push(await trainer.step(x, y));
    losses.forEach((l, i) => expect(Math.abs(l - refLosses[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(refLosses[i]!)));
    expect(losses[2]).toBeLessThan(losses[0]!); // it trains
    const got = trainer.model.getWeights();
    ref.getWeights().forEach((w, i) => {
      expectRelClose({ values: got[i]!.dataSync() as Float32Array, shape: got[i]!.shape }, { values: w.dataSync() as Float32Array, shape: w.shape }, 1e-5);
    });
    // No tensors leak on the main thread across steps.
    const before = tf.memory().numTensors;
    await trainer.step(x, y);
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
  }
});

test('wasm workers (lipnet kernels) match the cpu full-batch steps to 1e-4', async () => {
  const ref = createModel();
  const refOpt = tf.train.adam(0.05);
  const { x, y } = batch();
  for (let i = 0; i < 2; i++) tf.dispose(refOpt.minimize(() => loss(y, ref.apply(x) as tf.Tensor), true) ?? []);
  const trainer = await DataParallelTrainer.create({ modelModule: MODULE, workers: 2, optimizer: tf.train.adam(0.05), backend: 'wasm' });
  try {
    for (let i = 0; i < 2; i++) await trainer.step(x, y);
    const got = trainer.model.getWeights();
    ref.getWeights().forEach((w, i) => {
      expectRelClose({ values: got[i]!.dataSync() as Float32Array, shape: got[i]!.shape }, { values: w.dataSync() as Float32Array, shape: w.shape }, 1e-4);
    });
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
  }
});

test('bad options are refused with the argument, the value and the fix', async () => {
  await expect(DataParallelTrainer.create({ modelModule: MODULE, workers: 0, optimizer: tf.train.sgd(1) })).rejects.toThrow(DataParallelError);
  await expect(DataParallelTrainer.create({ modelModule: 'rel/model.js', workers: 1, optimizer: tf.train.sgd(1) })).rejects.toThrow(/absolute path, got 'rel\/model.js'/);
});

test('a worker that cannot start reports why', async () => {
  await expect(DataParallelTrainer.create({ modelModule: MODULE, workers: 1, optimizer: tf.train.sgd(1), backend: 'no-such-backend' })).rejects.toThrow(
    /worker failed: UnknownBackendError: .*'no-such-backend'/,
  );
});
