import * as tf from '@tensorflow/tfjs-core';
import { SpectralInitializer } from '../src';
import { kernelSingularValues } from './helpers';

describe('SpectralInitializer (orthogonal)', () => {
  it.each([[[1568, 64]], [[3, 3, 16, 32]], [[4, 10]], [[3, 3, 1, 16]]])(
    'shape %j: every singular value of the reshaped kernel equals k (Jacobi SVD)',
    (shape) => {
      const w = new SpectralInitializer({ kCoefLip: 1.5, seed: 3 }).apply(shape);
      expect(w.shape).toEqual(shape);
      const s = kernelSingularValues(w);
      for (const v of s) expect(Math.abs(v - 1.5)).toBeLessThan(1e-5);
    },
  );

  it('is seeded, and different seeds give different kernels', () => {
    const a = new SpectralInitializer({ seed: 1 }).apply([6, 4]);
    const b = new SpectralInitializer({ seed: 1 }).apply([6, 4]);
    const c = new SpectralInitializer({ seed: 2 }).apply([6, 4]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeGreaterThan(1e-2);
  });
});
