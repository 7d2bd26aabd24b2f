/**
 * The losses inside tfjs-layers 4.22's `compile` / `fit` / `evaluate`: log keys named after
 * the loss (`getLossOrMetricName` returns `fn.name`), logged values equal to the loss
 * evaluated on the same batch, and how tfjs averages batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import { MulticlassHKR, MulticlassKR, UnweightedBatchMean, unweightedBatchMean, type LipschitzLoss } from '../src';

function data(n: number, seed: number) {
  const x = tf.randomNormal([n, 4], 0, 1, 'float32', seed);
  const classes = Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3);
  const y = tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), 3), 'float32');
  return { x, y };
}

function model(lr: number, loss: LipschitzLoss, metrics: Array<string | LipschitzLoss>) {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.sgd(lr), loss, metrics });
  return m;
}

const scalar = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('model.compile / fit / evaluate', () => {
  it('fit logs MulticlassKR and val_MulticlassKR; the logged loss and metric equal the functions on the same batch', async () => {
    const train = data(12, 1);
    const val = data(9, 2);
    const loss = MulticlassHKR({ alpha: 10, minMargin: 1 });
    const kr = MulticlassKR();
    const m = model(0.1, loss, ['accuracy', kr]);
    // One batch per epoch: the logged training values use the weights before the step.
    const before = m.predict(train.x) as tf.Tensor;
    const wantLoss = scalar(loss(train.y, before));
    const wantKR = scalar(kr(train.y, before));
    before.dispose();
    const h = await m.fit(train.x, train.y, {
      epochs: 1,
      batchSize: 12,
      shuffle: false,
      validationData: [val.x, val.y],
      verbose: 0,
    });
    expect(Object.keys(h.history).sort()).toEqual([
      'MulticlassKR',
      'acc',
      'loss',
      'val_MulticlassKR',
      'val_acc',
      'val_loss',
    ]);
    expect(h.history.loss![0]).toBeCloseTo(wantLoss, 5);
    expect(h.history.MulticlassKR![0]).toBeCloseTo(wantKR, 5);
    // Validation runs after the step, with the updated weights.
    const after = m.predict(val.x) as tf.Tensor;
    expect(h.history.val_loss![0]).toBeCloseTo(scalar(loss(val.y, after)), 5);
    expect(h.history.val_MulticlassKR![0]).toBeCloseTo(scalar(kr(val.y, after)), 5);
    const ev = m.evaluate(val.x, val.y, { batchSize: 9 }) as tf.Scalar[];
    expectTensorsClose(ev[0]!, h.history.val_loss![0] as number, { rtol: 1e-5, atol: 1e-6 });
    expectTensorsClose(ev[2]!, h.history.val_MulticlassKR![0] as number, { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([after, ...ev, train.x, train.y, val.x, val.y]);
  });

  it('the 1.2-semantics loss and a renamed metric log under their names', async () => {
    const train = data(8, 3);
    const m = model(0.01, MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' }), [
      MulticlassKR({ name: 'kr' }),
    ]);
    const h = await m.fit(train.x, train.y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['kr', 'loss']);
    tf.dispose([train.x, train.y]);
  });

  it('tfjs weights each batch by its size in the epoch log (Keras 2021 averaged batch-scalar metrics unweighted)', async () => {
    // Learning rate 0: the weights never move, so each batch's value is the function on that batch.
    const train = data(8, 4);
    const kr = MulticlassKR();
    const m = model(0, MulticlassHKR(), [kr]);
    const p = m.predict(train.x) as tf.Tensor;
    const krA = scalar(kr(tf.slice(train.y, [0, 0], [5, 3]), tf.slice(p, [0, 0], [5, 3])));
    const krB = scalar(kr(tf.slice(train.y, [5, 0], [3, 3]), tf.slice(p, [5, 0], [3, 3])));
    p.dispose();
    const h = await m.fit(train.x, train.y, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    const logged = h.history.MulticlassKR![0] as number;
    expect(logged).toBeCloseTo((5 * krA + 3 * krB) / 8, 5);
    expect(Math.abs(logged - (krA + krB) / 2)).toBeGreaterThan(1e-3); // the two conventions differ here
    tf.dispose([train.x, train.y]);
  });

  it('model.save with includeOptimizer works: tfjs records metric names, and no loss name for a function loss', async () => {
    const m = model(0.1, MulticlassHKR({ alpha: 100, minMargin: 0.5 }), [MulticlassKR()]);
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(
      tf.io.withSaveHandler((a) => {
        saved = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
      { includeOptimizer: true },
    );
    const cfg = saved!.trainingConfig!;
    expect(cfg.loss).toEqual({});
    expect(cfg.metrics).toEqual(['multiclass_kr']);
  });

  it('UnweightedBatchMean makes the epoch logs Keras-2021-style: unweighted over training and validation batches', async () => {
    const train = data(8, 4);
    const val = data(7, 5);
    const kr = MulticlassKR();
    const m = model(0, MulticlassHKR(), [kr]);
    const p = m.predict(train.x) as tf.Tensor;
    const krA = scalar(kr(tf.slice(train.y, [0, 0], [5, 3]), tf.slice(p, [0, 0], [5, 3])));
    const krB = scalar(kr(tf.slice(train.y, [5, 0], [3, 3]), tf.slice(p, [5, 0], [3, 3])));
    const pv = m.predict(val.x) as tf.Tensor;
    const vA = scalar(kr(tf.slice(val.y, [0, 0], [5, 3]), tf.slice(pv, [0, 0], [5, 3])));
    const vB = scalar(kr(tf.slice(val.y, [5, 0], [2, 3]), tf.slice(pv, [5, 0], [2, 3])));
    expect(scalar(unweightedBatchMean(kr, val.y, pv, 5))).toBeCloseTo((vA + vB) / 2, 5);
    tf.dispose([p, pv]);
    const cb = new UnweightedBatchMean({
      keys: ['MulticlassKR'],
      validation: { x: val.x, y: val.y, batchSize: 5, metrics: { MulticlassKR: kr } },
    });
    await m.fit(train.x, train.y, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 }); // warm-up (optimizer state)
    const before = tf.memory().numTensors;
    const h = await m.fit(train.x, train.y, {
      epochs: 2,
      batchSize: 5,
      shuffle: false,
      validationData: [val.x, val.y],
      callbacks: [cb],
      verbose: 0,
    });
    expect(tf.memory().numTensors).toBe(before); // the callback keeps nothing alive
    for (const e of [0, 1]) {
      expect(h.history.MulticlassKR![e]).toBeCloseTo((krA + krB) / 2, 5);
      expect(h.history.val_MulticlassKR![e]).toBeCloseTo((vA + vB) / 2, 5);
    }
    // tfjs' own weighting for comparison: different numbers on these uneven batches
    expect(Math.abs((h.history.val_MulticlassKR![0] as number) - (5 * vA + 2 * vB) / 7)).toBeGreaterThan(1e-3);
    expect(() => new UnweightedBatchMean({ keys: 'MulticlassKR' as unknown as string[] })).toThrow(
      /^UnweightedBatchMean: expected `keys` to be an array of log keys, got 'MulticlassKR'/,
    );
    tf.dispose([train.x, train.y, val.x, val.y]);
  });
});
