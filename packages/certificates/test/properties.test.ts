/**
 * Property tests (fast-check, fixed seed, 200 runs each) over the public certificate APIs:
 * for random shapes, dtypes, values (NaN, ±Infinity, empty batches) and option objects
 * (unknown keys, wrong types), the answer is either a correct result or a LipnetError
 * whose message names the option or argument — never a raw TypeError, a NaN or a leak.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { resultOrLipnetError } from '@lipnet/test-utils';
import { CategoricalProvableRobustAccuracy, certificates, checkCertificates } from '../src';

const RUNS = { seed: 14, numRuns: 200 };

/** Any value a caller might pass by mistake. */
const junk = fc.oneof(
  fc.double(),
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -1, 1e30),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constantFrom(null, undefined, 'yes'),
  fc.array(fc.double({ min: -2, max: 2 }), { maxLength: 3 }),
  fc.array(fc.array(fc.double({ min: 0, max: 2 }), { maxLength: 3 }), { maxLength: 3 }),
);

/** A small tensor of random rank (0–3), sizes (0–3), dtype and values (with NaN/±Infinity). */
const tensorSpec = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }),
  dtype: fc.constantFrom<tf.DataType>('float32', 'float32', 'int32', 'bool'),
  values: fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) },
      fc.constantFrom(NaN, Infinity, -Infinity),
    ),
    { minLength: 27, maxLength: 27 },
  ),
});
const makeTensor = (s: { shape: number[]; dtype: tf.DataType; values: number[] }): tf.Tensor => {
  const size = s.shape.reduce((a, b) => a * b, 1);
  const v = s.values.slice(0, size);
  return tf.tensor(
    s.dtype === 'float32' ? v : v.map((x) => (Number.isFinite(x) ? Math.round(x) : 0)),
    s.shape,
    s.dtype,
  );
};

/** Mostly well-formed logits `[n, C]`, float32, finite. */
const validLogits = fc.record({
  shape: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([n, c]) => [n, c]),
  dtype: fc.constant<tf.DataType>('float32'),
  values: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 27, maxLength: 27 }),
});

const certificateOptions = fc.oneof(
  fc.constant({}),
  fc.dictionary(
    fc.constantFrom(
      'lipschitzConstant',
      'disjointHeads',
      'headLipschitzConstants',
      'pairwiseLipschitzConstants',
      'disjointHead',
      'lipschitz',
    ),
    fc.oneof(junk, fc.constantFrom(1, 2, true, false)),
    { maxKeys: 2 },
  ),
);

describe('certificates: correct radii or a LipnetError naming the option or argument', () => {
  it('over random logits and options', () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: validLogits }, { weight: 3, arbitrary: tensorSpec }, junk),
        certificateOptions,
        (logits, options) => {
          const before = tf.memory().numTensors;
          const input =
            typeof logits === 'object' && logits !== null && 'shape' in logits ? makeTensor(logits) : logits;
          const r = resultOrLipnetError(() => certificates(input as tf.Tensor, options));
          if (r) {
            const v = Array.from(r.dataSync());
            expect(r.rank).toBe(1);
            expect(v.every((x) => x >= 0)).toBe(true); // never NaN (NaN >= 0 is false), never negative
            if (
              Object.keys(options).length === 0 &&
              input instanceof tf.Tensor &&
              input.rank === 2 &&
              input.shape[1]! >= 2
            ) {
              // closed form: (top1 − top2)/√2 per row
              const rows = input.arraySync() as number[][];
              rows.forEach((row, i) => {
                const [a, b] = [...row].sort((x, y) => y - x);
                expect(v[i]).toBeCloseTo((a! - b!) / Math.SQRT2, 5);
              });
            }
            r.dispose();
            answered++;
          }
          if (input instanceof tf.Tensor) input.dispose();
          expect(tf.memory().numTensors).toBe(before);
        },
      ),
      RUNS,
    );
    expect(answered).toBeGreaterThan(20); // the generator reaches valid inputs, not only refusals
  });

  it('checkCertificates counts every sample once, or refuses naming the argument', () => {
    const values = fc.array(fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom(NaN, Infinity, -1)), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        values,
        values,
        fc.dictionary(fc.constantFrom('tolerance', 'tol'), junk, { maxKeys: 1 }),
        (c, d, o) => {
          const r = resultOrLipnetError(() => checkCertificates(c, d, o));
          if (r) {
            expect(r.respected + r.violations.length).toBe(r.total);
            expect(r.total).toBe(c.length);
            expect([...c, ...d].some((x) => Number.isNaN(x) || x < 0)).toBe(false);
          }
        },
      ),
      RUNS,
    );
  });

  it('the metrics refuse bad options and compute finite values', () => {
    const yTrue = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const yPred = tf.tensor2d([
      [2, 0],
      [0, 1],
    ]);
    const options = fc.dictionary(
      fc.constantFrom('epsilon', 'lipConst', 'disjointNeurons', 'name', 'epsilonn', 'disjoint_neurons'),
      fc.oneof(junk, fc.constantFrom(0.1, 1, true, 'm')),
      { maxKeys: 3 },
    );
    fc.assert(
      fc.property(options, (o) => {
        const m = resultOrLipnetError(() => CategoricalProvableRobustAccuracy(o));
        if (m) {
          const v = m(yTrue, yPred);
          expect(Array.from(v.dataSync()).every((x) => x === 0 || x === 1)).toBe(true);
          v.dispose();
        }
      }),
      RUNS,
    );
    tf.dispose([yTrue, yPred]);
  });
});
