import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import {
  BinaryProvableAvgRobustness,
  BinaryProvableRobustAccuracy,
  binaryProvableAvgRobustness,
  binaryProvableRobustAccuracy,
  CategoricalProvableAvgRobustness,
  CategoricalProvableRobustAccuracy,
  categoricalProvableAvgRobustness,
  categoricalProvableRobustAccuracy,
  certificates,
} from '../src';

// Hand-derived values (deel-lip's own metric tests pass rtol positionally and check almost nothing, notes §1.10.6).
// Δ = f_true − max_{other}: [0.9−0.1, 0.5−0.45, 0.1−0.6, 0.5−0.5] = [0.8, 0.05, −0.5, 0]
const yTrue = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 0, 0],
];
const yTruePm = yTrue.map((r) => r.map((v) => (v ? 1 : -1)));
const yPred = [
  [0.9, 0.1, 0.0],
  [0.2, 0.5, 0.45],
  [0.3, 0.6, 0.1],
  [0.5, 0.5, 0.2],
];

describe('categorical metrics (deel-lip semantics, exact values)', () => {
  it('CategoricalProvableRobustAccuracy: fraction correct and certified, 1[Δ/factor > ε]', () => {
    // disjoint (default): Δ/2 = [0.4, 0.025, −0.25, 0]
    expect(categoricalProvableRobustAccuracy(yTrue, yPred)).toBeCloseTo(0.25, 7); // ε = 36/255 = 0.1412
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0.02 })).toBeCloseTo(0.5, 7);
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0.03 })).toBeCloseTo(0.25, 7);
    // √2: Δ/√2 = [0.566, 0.0354, …] → ε = 0.03 certifies two samples
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0.03, disjointNeurons: false })).toBeCloseTo(
      0.5,
      7,
    );
    // lipConst 10: Δ/20 = [0.04, …]
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0.03, lipConst: 10 })).toBeCloseTo(0.25, 7);
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0.045, lipConst: 10 })).toBeCloseTo(0, 7);
    // ε = 0: only strictly positive margins (the tie of sample 3 is not certified)
    expect(categoricalProvableRobustAccuracy(yTrue, yPred, { epsilon: 0 })).toBeCloseTo(0.5, 7);
    // labels in {−1, 1} give the same values
    expect(categoricalProvableRobustAccuracy(yTruePm, yPred, { epsilon: 0.02 })).toBeCloseTo(0.5, 7);
  });
  it('CategoricalProvableAvgRobustness: mean φ(Δ)/factor', () => {
    expect(categoricalProvableAvgRobustness(yTrue, yPred)).toBeCloseTo((0.4 + 0.025) / 4, 7);
    expect(categoricalProvableAvgRobustness(yTrue, yPred, { negativeRobustness: true })).toBeCloseTo(
      (0.4 + 0.025 - 0.25) / 4,
      7,
    );
    expect(categoricalProvableAvgRobustness(yTrue, yPred, { disjointNeurons: false })).toBeCloseTo(
      (0.8 + 0.05) / Math.SQRT2 / 4,
      7,
    );
    expect(categoricalProvableAvgRobustness(yTruePm, yPred, { lipConst: 2, negativeRobustness: true })).toBeCloseTo(
      (0.8 + 0.05 - 0.5) / 4 / 4,
      7,
    );
  });
  it('the metric functions return per-sample values and carry the deel-lip name', () => {
    const m = CategoricalProvableAvgRobustness({ negativeRobustness: true });
    expect(m.name).toBe('CategoricalProvableAvgRobustness');
    expect(CategoricalProvableRobustAccuracy({ name: 'cra_72' }).name).toBe('cra_72');
    const v = m(tf.tensor2d(yTrue), tf.tensor2d(yPred));
    expect(Array.from(v.dataSync())).toEqual([0.4, 0.025, -0.25, 0].map((x): unknown => expect.closeTo(x, 6)));
    v.dispose();
  });
  it('robust accuracy = fraction of correct samples whose certificate exceeds ε', () => {
    const rnd = tf.randomNormal([64, 10], 0, 1, 'float32', 3);
    const labels = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 4), 10);
    const cert = certificates(rnd, { disjointHeads: true }).dataSync();
    const pred = tf.argMax(rnd, 1).dataSync();
    const lab = tf.argMax(labels, 1).dataSync();
    const eps = 0.1;
    let count = 0;
    for (let i = 0; i < 64; i++) if (pred[i] === lab[i] && cert[i]! > eps) count++;
    expect(categoricalProvableRobustAccuracy(labels, rnd, { epsilon: eps })).toBeCloseTo(count / 64, 6);
    tf.dispose([rnd, labels]);
  });
  it('rejects bad shapes and arguments', () => {
    expect(() => CategoricalProvableRobustAccuracy({ lipConst: -1 })).toThrow(
      /CategoricalProvableRobustAccuracy: expected `lipConst` to be a finite number > 0, got -1/,
    );
    expect(() => categoricalProvableRobustAccuracy([[1], [0]], [[0.3], [0.2]])).toThrow(/Use the Binary\* metric/);
  });
});

describe('binary metrics', () => {
  // labels {0,1}: Δ = sign(y − 1e-3)·f = [0.5, 0.2, −0.1, −0.3]
  const yb = [1, 0, 1, 0];
  const fb = [0.5, -0.2, -0.1, 0.3];
  it('BinaryProvableRobustAccuracy and BinaryProvableAvgRobustness', () => {
    expect(binaryProvableRobustAccuracy(yb, fb, { epsilon: 0.15 })).toBeCloseTo(0.5, 7);
    expect(binaryProvableRobustAccuracy(yb, fb, { epsilon: 0.15, lipConst: 2 })).toBeCloseTo(0.25, 7);
    expect(binaryProvableRobustAccuracy([1, -1, 1, -1], fb, { epsilon: 0.15 })).toBeCloseTo(0.5, 7);
    expect(binaryProvableAvgRobustness(yb, fb)).toBeCloseTo(0.7 / 4, 7);
    expect(binaryProvableAvgRobustness(yb, fb, { negativeRobustness: true })).toBeCloseTo(0.3 / 4, 7);
    expect(binaryProvableAvgRobustness(yb, fb, { lipConst: 0.5 })).toBeCloseTo(1.4 / 4, 7);
    expect(BinaryProvableRobustAccuracy().name).toBe('BinaryProvableRobustAccuracy');
    expect(BinaryProvableAvgRobustness().name).toBe('BinaryProvableAvgRobustness');
  });
});

describe('metrics inside model.compile / evaluate', () => {
  it('evaluate reports the same values as the plain functions, under their deel-lip names in fit logs', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer: 'glorotUniform' })],
    });
    model.compile({
      optimizer: 'sgd',
      loss: 'meanSquaredError',
      metrics: [
        CategoricalProvableRobustAccuracy({ epsilon: 0.05, disjointNeurons: false }),
        CategoricalProvableAvgRobustness(),
      ],
    });
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    const [, acc, avg] = model.evaluate(x, y, { batchSize: 16 }) as tf.Scalar[];
    const p = model.predict(x) as tf.Tensor;
    expect(acc!.dataSync()[0]).toBeCloseTo(
      categoricalProvableRobustAccuracy(y, p, { epsilon: 0.05, disjointNeurons: false }),
      6,
    );
    expect(avg!.dataSync()[0]).toBeCloseTo(categoricalProvableAvgRobustness(y, p), 6);
    const h = await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(
      expect.arrayContaining(['CategoricalProvableRobustAccuracy', 'CategoricalProvableAvgRobustness']),
    );
    tf.dispose([x, y, p, acc!, avg!]);
    model.dispose();
  });
  it('leaks no tensor', async () => {
    const t = tf.tensor2d(yTrue);
    const p = tf.tensor2d(yPred);
    const m = CategoricalProvableRobustAccuracy();
    await expectNoLeakedTensors(() => m(t, p));
    await expectNoLeakedTensors(() => categoricalProvableAvgRobustness(t, p));
    tf.dispose([t, p]);
  });
});
