/**
 * A backend's fused Björck kernels change nothing but speed: with
 * test-utils' reference kernels registered on `cpu`, bjorckNormalization
 * takes them (counted calls) and gives the stock loop's values and gradients,
 * for deel-lip 1.2.0 (fixed iterations) and 1.5 (eps stopping), tall and
 * wide matrices, and leaks nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, maxRelativeDifference, registerReferenceFusedKernels } from '@lipnet/test-utils';
import { bjorckNormalization, hasFusedBjorck, type BjorckNormalizationOptions } from '../src';

/** A matrix of spectral norm ≤ 1 (divided by its Frobenius norm). */
const unitMatrix = (m: number, n: number, seed: number) =>
  tf.tidy(() => {
    const raw = tf.randomNormal([m, n], 0, 1, 'float32', seed);
    return tf.div(raw, tf.norm(raw)) as tf.Tensor2D;
  });

describe('bjorckNormalization with fused kernels (reference implementation on cpu)', () => {
  const cases: Array<[string, number, number, BjorckNormalizationOptions]> = [
    ['1.2, tall', 30, 6, { deelLipVersion: '1.2' }],
    ['1.2, wide', 5, 9, { deelLipVersion: '1.2', niter: 7 }],
    ['1.5, tall', 30, 6, { deelLipVersion: '1.5' }],
    ['1.5, square', 8, 8, { deelLipVersion: '1.5', eps: 1e-4, maxIter: 20 }],
  ];

  it.each(cases)('%s: same values and gradient as the stock loop, through the kernels', (_, m, n, opts) => {
    const w = unitMatrix(m, n, m + n);
    const dy = tf.randomNormal([m, n], 0, 1, 'float32', 3);
    const run = () =>
      tf.tidy(() => {
        const y = bjorckNormalization(w, opts);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(bjorckNormalization(v as tf.Tensor2D, opts), dy)))(w);
        return [y, g] as const;
      });
    expect(hasFusedBjorck()).toBe(false);
    const [ys, gs] = run();
    const handle = registerReferenceFusedKernels('cpu');
    let fused: readonly [tf.Tensor, tf.Tensor];
    try {
      expect(hasFusedBjorck()).toBe(true);
      fused = run();
      expect(handle.calls['LipnetBjorck']).toBe(2);
      expect(handle.calls['LipnetBjorckGrad']).toBe(1);
    } finally {
      handle.unregister();
    }
    expect(maxRelativeDifference(fused[0], ys)).toBeLessThan(1e-5);
    expect(maxRelativeDifference(fused[1], gs)).toBeLessThan(1e-5);
  });

  it('the gradient through the fused kernels matches finite differences of the loss', () => {
    const w = unitMatrix(7, 4, 11);
    const dy = tf.randomNormal([7, 4], 0, 1, 'float32', 12);
    const handle = registerReferenceFusedKernels('cpu');
    try {
      const loss = (v: tf.Tensor2D) => tf.sum(tf.mul(bjorckNormalization(v, { deelLipVersion: '1.2' }), dy));
      const g = tf
        .grad((v: tf.Tensor) => loss(v as tf.Tensor2D))(w)
        .dataSync();
      const base = w.dataSync();
      const h = 1e-2;
      for (const i of [0, 5, 13, 27]) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i] = base[i]! + h;
        minus[i] = base[i]! - h;
        const fd =
          (loss(tf.tensor2d(plus, [7, 4])).dataSync()[0]! - loss(tf.tensor2d(minus, [7, 4])).dataSync()[0]!) / (2 * h);
        expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-2 * Math.max(1, Math.abs(g[i]!)));
      }
    } finally {
      handle.unregister();
    }
  });

  it('leaks nothing, with and without a gradient tape', async () => {
    const w = unitMatrix(12, 5, 4);
    const handle = registerReferenceFusedKernels('cpu');
    try {
      await expectNoLeakedTensors(() => bjorckNormalization(w, { deelLipVersion: '1.5' }));
      await expectNoLeakedTensors(() =>
        tf.grad((v: tf.Tensor) => tf.sum(bjorckNormalization(v as tf.Tensor2D, { deelLipVersion: '1.2' })))(w),
      );
    } finally {
      handle.unregister();
    }
  });
});
