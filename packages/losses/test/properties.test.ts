/**
 * Property tests (fast-check, fixed seed, 200 runs each) over every loss factory and the
 * loss functions: random option objects (unknown keys, snake_case, wrong types, NaN,
 * Infinity) and random label/prediction tensors (shapes, dtypes, empty batches, NaN).
 * The answer is a finite value or a LipnetError naming the option or argument — never a
 * raw TypeError, a NaN loss or a leaked tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { resultOrLipnetError } from '@lipnet/test-utils';
import { FACTORIES } from './helpers';

const RUNS = { seed: 14, numRuns: 200 };

const KEYS = [
  'alpha',
  'minMargin',
  'min_margin',
  'tau',
  'reduction',
  'validate',
  'name',
  'deelLipVersion',
  'semantics',
  'alphaMean',
  'temperature',
  'alpah',
];
const value = fc.oneof(
  fc.constantFrom(0.5, 1, 2, 10, Infinity, 'mean', 'none', 'sum', '1.2', '1.5', true, false),
  fc.constantFrom(NaN, -1, 0, 'yes', null, '', 'avg', [1]),
  fc.double(),
);
/** The options a factory needs to build at all (deel-lip makes them required). */
const REQUIRED: Record<string, object> = {
  HKR: { alpha: 10 },
  CategoricalHinge: { minMargin: 1 },
  TauCategoricalCrossentropy: { tau: 1 },
  TauSparseCategoricalCrossentropy: { tau: 1 },
  TauBinaryCrossentropy: { tau: 1 },
};
/** Mostly the required options alone or with a few random (often wrong) ones on top. */
const optionsFor = (name: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(REQUIRED[name] ?? {}) },
    {
      weight: 3,
      arbitrary: fc
        .dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 2 })
        .map((o) => ({ ...(REQUIRED[name] ?? {}), ...o })),
    },
  );

/** yTrue/yPred of a random batch (0–3) and class count (1–3); labels one-hot or junk; predictions maybe NaN. */
const batch = fc.record({
  n: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(0)),
  c: fc.integer({ min: 1, max: 3 }),
  labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
  junkLabels: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
  preds: fc.array(fc.oneof({ weight: 9, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) }, fc.constant(NaN)), {
    minLength: 9,
    maxLength: 9,
  }),
  predRank: fc.constantFrom(1, 2, 2, 2),
});

function tensors(b: {
  n: number;
  c: number;
  labels: number[];
  junkLabels: boolean;
  preds: number[];
  predRank: number;
}) {
  const onehot = b.labels.slice(0, b.n).flatMap((k) => Array.from({ length: b.c }, (_, j) => (j === k % b.c ? 1 : 0)));
  const yTrue = tf.tensor2d(b.junkLabels ? onehot.map((x) => x * 0.5) : onehot, [b.n, b.c]);
  const p = b.preds.slice(0, b.n * b.c);
  const yPred = b.predRank === 2 ? tf.tensor2d(p, [b.n, b.c]) : tf.tensor1d(p);
  return { yTrue, yPred };
}

describe('losses: a finite value or a LipnetError naming the option or argument', () => {
  it.each(Object.keys(FACTORIES))('%s', (name) => {
    let answered = 0;
    fc.assert(
      fc.property(optionsFor(name), batch, (o, b) => {
        const before = tf.memory().numTensors;
        const loss = resultOrLipnetError(() => FACTORIES[name]!(o as never));
        if (loss) {
          const { yTrue, yPred } = tensors(b);
          const sparse = name === 'TauSparseCategoricalCrossentropy';
          const t = sparse ? tf.argMax(yTrue.shape[1] ? yTrue : tf.zeros([b.n, 1]), -1) : yTrue;
          const out = resultOrLipnetError(() => loss(t, yPred));
          if (out) {
            expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
            out.dispose();
            answered++;
          }
          tf.dispose([yTrue, yPred, t]);
          (loss as unknown as { dispose?: () => void }).dispose?.();
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      RUNS,
    );
    expect(answered).toBeGreaterThan(5); // valid inputs are reached, not only refusals
  });
});
