/**
 * tf.grad of every loss (batch mean) with respect to the predictions, against central
 * finite differences of the same loss evaluated in tfjs (float32, h = 1e-2, batches
 * kept away from the hinge kinks so both sides are smooth there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectTensorsClose, finiteDifferenceGradient } from '@lipnet/test-utils';
import * as L from '../src';

/** Deterministic values in (−2, 2) (a small LCG), so the test cannot flake. */
function seeded(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * 4 - 2);
  }
  return out;
}

const N = 6;
const C = 4;
const classes = [0, 1, 2, 3, 1, 2];
const yOneHot = tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), C), 'float32');
const yBin = tf.tensor2d([1, 0, 1, 1, 0, 0], [N, 1]);

/** Nudges values within 0.05 of a kink (`|v − k| < 0.05` for any k) away from it. */
function awayFrom(values: number[], kinks: number[]): number[] {
  return values.map((v) => {
    for (const k of kinks) if (Math.abs(v - k) < 0.05) return v + 0.1;
    return v;
  });
}

interface Case {
  name: string;
  loss: L.LipschitzLoss;
  y: tf.Tensor;
  cols: number;
  kinks: number[];
}
const cases: Case[] = [
  { name: 'KR', loss: L.KR(), y: yBin, cols: 1, kinks: [] },
  { name: 'HingeMargin(1)', loss: L.HingeMargin({ minMargin: 1 }), y: yBin, cols: 1, kinks: [0.5, -0.5] },
  { name: 'HKR(10, 1)', loss: L.HKR({ alpha: 10, minMargin: 1 }), y: yBin, cols: 1, kinks: [0.5, -0.5] },
  {
    name: 'HKR(10, 1) semantics 1.2',
    loss: L.HKR({ alpha: 10, minMargin: 1, deelLipVersion: '1.2' }),
    y: yBin,
    cols: 1,
    kinks: [1, -1],
  },
  { name: 'TauBinaryCrossentropy(3)', loss: L.TauBinaryCrossentropy({ tau: 3 }), y: yBin, cols: 1, kinks: [] },
  { name: 'MulticlassKR', loss: L.MulticlassKR(), y: yOneHot, cols: C, kinks: [] },
  { name: 'MulticlassHinge(1)', loss: L.MulticlassHinge({ minMargin: 1 }), y: yOneHot, cols: C, kinks: [0.5, -0.5] },
  {
    name: 'MulticlassHKR(10, 1)',
    loss: L.MulticlassHKR({ alpha: 10, minMargin: 1 }),
    y: yOneHot,
    cols: C,
    kinks: [0.5, -0.5],
  },
  {
    name: 'MulticlassHKR(100, 0.25) semantics 1.2',
    loss: L.MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' }),
    y: yOneHot,
    cols: C,
    kinks: [0.25, -0.25],
  },
  { name: 'MultiMargin(1)', loss: L.MultiMargin({ minMargin: 1 }), y: yOneHot, cols: C, kinks: [] },
  { name: 'CategoricalHinge(1)', loss: L.CategoricalHinge({ minMargin: 1 }), y: yOneHot, cols: C, kinks: [] },
  {
    name: 'TauCategoricalCrossentropy(5)',
    loss: L.TauCategoricalCrossentropy({ tau: 5 }),
    y: yOneHot,
    cols: C,
    kinks: [],
  },
  {
    name: 'TauSparseCategoricalCrossentropy(5)',
    loss: L.TauSparseCategoricalCrossentropy({ tau: 5 }),
    y: tf.tensor1d(classes, 'int32'),
    cols: C,
    kinks: [],
  },
  // temperature 1e-4 pins T at its 0.005 floor, so the (stop-gradient) temperature is a
  // constant and finite differences see the same function as tf.grad.
  {
    name: 'MulticlassSoftHKR(10, 1, temperature 1e-4)',
    loss: L.MulticlassSoftHKR({ alpha: 10, minMargin: 1, temperature: 1e-4 }),
    y: yOneHot,
    cols: C,
    kinks: [0.5, -0.5],
  },
];

describe('gradients vs finite differences', () => {
  cases.forEach((c, k) => {
    it(c.name, () => {
      let x = awayFrom(seeded(N * c.cols, 17 + k), c.kinks);
      if (c.name.startsWith('MultiMargin') || c.name.startsWith('CategoricalHinge')) {
        // keep every margin term m − (ŷ_true − ŷ_c) away from 0 and the max unique
        x = x.map((v, i) => v + (i % c.cols) * 0.37);
      }
      const shape: [number, number] = [N, c.cols];
      const analytic = tf.tidy(() => tf.grad((p: tf.Tensor) => c.loss(c.y, p))(tf.tensor2d(x, shape)));
      const numeric = finiteDifferenceGradient(
        (v) =>
          tf.tidy(() => {
            const out = c.loss(c.y, tf.tensor2d(Array.from(v), shape));
            return out.dataSync()[0]!;
          }),
        x,
        1e-2,
      );
      expect(Math.max(...Array.from(numeric).map(Math.abs))).toBeGreaterThan(1e-3); // not a vacuous check
      expectTensorsClose(analytic, Float32Array.from(numeric), { rtol: 2e-3, atol: 2e-3 });
      analytic.dispose();
    });
  });
});
