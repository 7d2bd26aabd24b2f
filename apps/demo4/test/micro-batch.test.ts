/**
 * A training step computed in micro-batches (what demo4 does on wasm, whose heap
 * cannot hold batch 4096) must be the same step as the full batch, also for a
 * loss with batch-level statistics (MulticlassHKR's KR term in deel-lip 1.2
 * semantics) and for @lipnet's reparametrised layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MulticlassHKR } from '@lipnet/losses';
import { expectNoLeakedTensors, expectTensorsClose } from '@lipnet/test-utils';
import type { RunSettings } from '../src/training/checkpoint';
import { Rng } from '../src/training/rng';
import { categoricalAccuracy, type LossOrMetric } from '../src/model/loss-and-metrics';
import { freshProgress, train } from '../src/training/loop';
import { smallLipnetModel } from './small-lipnet-model';

const settings: RunSettings = {
  batchSize: 10,
  trainLimit: null,
  seed: 5,
  learningRate: 0.05,
  modelSignature: 'micro',
  valLimit: null,
  data: 'x',
};
const quiet = { write: () => true };
const hkr = MulticlassHKR({ alpha: 10, minMargin: 0.25, deelLipVersion: '1.2' }) as unknown as LossOrMetric;

function plainModel(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.dense({
      units: 8,
      inputShape: [6],
      activation: 'tanh',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return m;
}

async function trainWith(
  model: tfl.LayersModel,
  microBatch: number | undefined,
  optimizer: tf.Optimizer = tf.train.sgd(settings.learningRate),
) {
  const rng = new Rng(9);
  const x = tf.tensor2d(
    Array.from({ length: 23 * 6 }, () => rng.next() * 2 - 1),
    [23, 6],
  );
  const y = tf.tidy(() =>
    tf.cast(
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: 23 }, (_, i) => (i * 7) % 4),
          'int32',
        ),
        4,
      ),
      'float32',
    ),
  );
  const progress = freshProgress(settings.seed);
  await train({
    model,
    optimizer,
    loss: { name: 'loss', fn: hkr },
    metrics: [{ name: 'accuracy', fn: categoricalAccuracy }],
    xTrain: x,
    yTrain: y,
    epochs: 2,
    settings,
    progress,
    sink: quiet,
    microBatch,
  });
  tf.dispose([x, y]);
  return { weights: model.trainableWeights.map((w) => w.read().clone()), history: progress.history };
}

describe('training step in micro-batches', () => {
  it('equals the full-batch step for a batch-statistics loss (plain layers, chunks of 3 of a batch of 10)', async () => {
    const full = await trainWith(plainModel(), undefined);
    const micro = await trainWith(plainModel(), 3);
    full.weights.forEach((w, i) => expectTensorsClose(micro.weights[i]!, w, { atol: 1e-6, rtol: 1e-5 }));
    expect(micro.history['loss']![1]).toBeCloseTo(full.history['loss']![1]!, 5);
    // and training did move the weights (the comparison is not between two untouched models)
    const fresh = plainModel();
    const diff = tf.tidy(
      () => tf.max(tf.abs(tf.sub(fresh.trainableWeights[0]!.read(), full.weights[0]!))).dataSync()[0]!,
    );
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('equals the full-batch step for @lipnet reparametrised layers', async () => {
    const full = await trainWith(smallLipnetModel(), undefined);
    const micro = await trainWith(smallLipnetModel(), 4);
    full.weights.forEach((w, i) => expectTensorsClose(micro.weights[i]!, w, { atol: 1e-5, rtol: 1e-4 }));
  });

  it('leaves no tensor behind across micro-batched steps', async () => {
    const model = smallLipnetModel();
    const optimizer = tf.train.sgd(settings.learningRate);
    await expectNoLeakedTensors(async () => {
      const r = await trainWith(model, 4, optimizer);
      tf.dispose(r.weights);
    });
  });
});
