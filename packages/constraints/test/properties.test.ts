/**
 * Property tests (fast-check, fixed seed, 200 runs each) over the normalisers and
 * constraints: random options (unknown keys, options of the other deel-lip version,
 * wrong types, NaN, Infinity) on random finite matrices. The answer is a matrix whose
 * largest singular value is what was asked (≤ 1 + tolerance after Björck), or a
 * LipnetError naming the option or argument — never a raw TypeError, NaN or a leak.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { resultOrLipnetError } from '@lipnet/test-utils';
import { SpectralConstraint, bjorckNormalization, reshapedKernelOrthogonalization } from '../src';

const RUNS = { seed: 14, numRuns: 200 };
const value = fc.oneof(
  fc.constantFrom('1.2', '1.5', 0.5, 0.25, 1e-3, 3, 10, 15, 0),
  fc.constantFrom('1.3', -1, NaN, Infinity, 0.7, 2.5, 'yes', null, true),
);
const KEYS = [
  'deelLipVersion',
  'epsSpectral',
  'epsBjorck',
  'maxIterSpectral',
  'maxIterBjorck',
  'niterSpectral',
  'niterBjorck',
  'betaBjorck',
];
const matrix = fc
  .record({
    rows: fc.integer({ min: 1, max: 4 }),
    cols: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ rows, cols, seed }) => ({ rows, cols, seed }));
const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync()).map(Math.abs));

describe('normalisers: a finite normalised matrix or a LipnetError naming the option', () => {
  it('reshapedKernelOrthogonalization', () => {
    const options = fc.oneof(
      fc.constant({}),
      fc.dictionary(fc.constantFrom(...KEYS, 'adjustmentCoef', 'eps_spectral', 'bogus'), value, { maxKeys: 3 }),
    );
    let answered = 0;
    fc.assert(
      fc.property(matrix, options, (m, o) => {
        const before = tf.memory().numTensors;
        const w = tf.randomNormal([m.rows, m.cols], 0, 1, 'float32', m.seed);
        const r = resultOrLipnetError(() => reshapedKernelOrthogonalization(w, null, o));
        if (r) {
          expect(Array.from(r.w.dataSync()).every(Number.isFinite)).toBe(true);
          tf.dispose([r.w, r.u, r.sigma]);
          answered++;
        }
        w.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      RUNS,
    );
    expect(answered).toBeGreaterThan(20);
  });

  it('bjorckNormalization', () => {
    const options = fc.dictionary(
      fc.constantFrom('deelLipVersion', 'eps', 'maxIter', 'niter', 'beta', 'betaa'),
      value,
      {
        maxKeys: 2,
      },
    );
    fc.assert(
      fc.property(matrix, options, (m, o) => {
        const w = tf.tidy(() => tf.div(tf.randomNormal([m.rows, m.cols], 0, 1, 'float32', m.seed), 4)); // σ ≤ 1: Björck converges
        const r = resultOrLipnetError(() => bjorckNormalization(w as tf.Tensor2D, o));
        if (r) {
          expect(Number.isFinite(maxAbs(r))).toBe(true);
          r.dispose();
        }
        w.dispose();
      }),
      RUNS,
    );
  });

  it('SpectralConstraint', () => {
    const options = fc.dictionary(fc.constantFrom(...KEYS, 'kCoefLip', 'u', 'k_coef_lip'), value, { maxKeys: 2 });
    fc.assert(
      fc.property(options, (o) => {
        const c = resultOrLipnetError(() => new SpectralConstraint(o));
        if (c) expect(c.kCoefLip).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});
