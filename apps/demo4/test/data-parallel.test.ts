/**
 * demo4's data-parallel training (worker threads, what it does on wasm with ≥ 2
 * cores) must be the same training as one thread: same weights — the
 * power-iteration vectors included — and the same logged loss and validation
 * numbers, for the batch-statistics MulticlassHKR loss and @lipnet layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelTrainer } from '@lipnet/backend';
import { MulticlassHKR, MulticlassKR } from '@lipnet/losses';
import { expectTensorsClose } from '@lipnet/test-utils';
import type { RunSettings } from '../src/training/checkpoint';
import { Rng } from '../src/training/rng';
import { categoricalAccuracy, type LossOrMetric } from '../src/model/loss-and-metrics';
import { freshProgress, train } from '../src/training/loop';
import { planWorkers } from '../src/training/workers';
import { smallLipnetModel } from './small-lipnet-model';

const settings: RunSettings = {
  batchSize: 10,
  trainLimit: null,
  seed: 5,
  learningRate: 0.05,
  modelSignature: 'parallel',
  valLimit: null,
  data: 'x',
};
const quiet = { write: () => true };
const hkr = MulticlassHKR({ alpha: 10, minMargin: 0.25, deelLipVersion: '1.2' }) as unknown as LossOrMetric;
const kr = MulticlassKR({ deelLipVersion: '1.2' }) as unknown as LossOrMetric;

// Both runs start from the same weights, the power-iteration vector (randomly initialised) included.
const start = smallLipnetModel();
const initial = start.getWeights();

async function trainWith(workers: number) {
  const rng = new Rng(9);
  const data = (n: number) =>
    tf.tensor2d(
      Array.from({ length: n * 6 }, () => rng.next() * 2 - 1),
      [n, 6],
    );
  const labels = (n: number, k: number) =>
    tf.tidy(() =>
      tf.cast(
        tf.oneHot(
          tf.tensor1d(
            Array.from({ length: n }, (_, i) => (i * k) % 4),
            'int32',
          ),
          4,
        ),
        'float32',
      ),
    );
  const [x, y, xVal, yVal] = [data(23), labels(23, 7), data(9), labels(9, 5)];
  const model = smallLipnetModel();
  model.setWeights(initial);
  const optimizer = tf.train.adam(settings.learningRate);
  const parallel =
    workers > 1
      ? await DataParallelTrainer.create({
          model,
          workers,
          backend: 'cpu',
          modules: [require.resolve('@lipnet/layers')],
        })
      : undefined;
  const progress = freshProgress(settings.seed);
  try {
    await train({
      model,
      optimizer,
      loss: { name: 'loss', fn: hkr },
      metrics: [
        { name: 'accuracy', fn: categoricalAccuracy },
        { name: 'MulticlassKR', fn: kr },
      ],
      xTrain: x,
      yTrain: y,
      xVal,
      yVal,
      epochs: 3,
      settings,
      progress,
      sink: quiet,
      parallel,
    });
  } finally {
    await parallel?.dispose();
    tf.dispose([x, y, xVal, yVal]);
  }
  // Names without the per-instance suffix tfjs gives each new layer (SpectralDense1, SpectralDense2…).
  return {
    weights: model.weights.map((w) => ({ name: w.originalName.replace(/\d+\//, '/'), value: w.read().clone() })),
    history: progress.history,
  };
}

describe('demo4 data-parallel training', () => {
  it('equals one-thread training: every weight (power-iteration vectors too) and every logged number', async () => {
    const one = await trainWith(1);
    const two = await trainWith(2);
    expect(two.weights.map((w) => w.name)).toEqual(one.weights.map((w) => w.name));
    expect(one.weights.filter((w) => /\/(u|sig)$/.test(w.name))).toHaveLength(2); // the power-iteration state is compared too
    one.weights.forEach((w, i) => expectTensorsClose(two.weights[i]!.value, w.value, { atol: 1e-5, rtol: 1e-4 }));
    for (const k of Object.keys(one.history)) {
      one.history[k]!.forEach((v, e) => expect(two.history[k]![e]).toBeCloseTo(v, 4));
    }
    expect(one.history['val_loss']).toHaveLength(3);
    // training moved the weights: the comparison is not between untouched models
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(initial[0]!, one.weights[0]!.value))).dataSync()[0]!);
    expect(moved).toBeGreaterThan(1e-3);
    tf.dispose([...one.weights, ...two.weights].map((w) => w.value));
  });
});

describe('planWorkers', () => {
  const wasm = { tfBackend: 'wasm' };
  it('uses one worker per core on wasm, at least enough for shards of ≤ maxShard images', () => {
    expect(planWorkers({ batchSize: 4096 }, wasm, 2048, 2)).toEqual({ workers: 2 });
    expect(planWorkers({ batchSize: 4096 }, wasm, 2048, 8)).toEqual({ workers: 8 });
    expect(planWorkers({ batchSize: 4096 }, wasm, 2048, 64)).toEqual({ workers: 8 });
    expect(planWorkers({ batchSize: 8192 }, wasm, 2048, 2)).toEqual({ workers: 4 });
  });
  it('stays in the main thread on one core and on native TensorFlow', () => {
    expect(planWorkers({ batchSize: 4096 }, wasm, 2048, 1)).toEqual({ workers: 1 });
    expect(planWorkers({ batchSize: 4096 }, { tfBackend: 'tensorflow' }, 2048, 16)).toEqual({ workers: 1 });
  });
  it('honours --workers, with a note where it does not pay', () => {
    expect(planWorkers({ batchSize: 4096, workers: 3 }, wasm, 2048, 2)).toEqual({ workers: 3 });
    expect(planWorkers({ batchSize: 4096, workers: 2 }, { tfBackend: 'tensorflow' }, 2048, 2).note).toMatch(
      /already uses every core/,
    );
  });
});
