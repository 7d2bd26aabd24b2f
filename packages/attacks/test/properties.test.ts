/**
 * Property tests (fast-check, fixed seed, 200 runs each) over the attacks' public API:
 * random constructor options and random `run` inputs and options (shapes, dtypes, NaN,
 * out-of-bounds images, unknown keys, wrong types). The answer is a result that keeps
 * its promises (inside the bounds and ε, success only where the model is fooled) or a
 * LipnetError naming the option or argument — never a raw TypeError, NaN or a leak.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { resultOrLipnetError, expectLipnetErrorNamingOption } from '@lipnet/test-utils';
import * as A from '../src';

const RUNS = { seed: 14, numRuns: 200 };

const value = fc.oneof(
  fc.constantFrom(1, 2, 3, 0.01, 0.1, 0.5, true, false),
  fc.constantFrom(0, -1, NaN, Infinity, 2.5, 'yes', null, [1]),
  fc.double(),
);
const CLASSES: [string, (o: never) => A.Attack, string[]][] = [
  [
    'L2CarliniWagnerAttack',
    (o) => new A.L2CarliniWagnerAttack(o),
    ['binarySearchSteps', 'steps', 'stepsize', 'confidence', 'initialConst', 'abortEarly'],
  ],
  ['L2DeepFoolAttack', (o) => new A.L2DeepFoolAttack(o), ['steps', 'candidates', 'overshoot']],
  ['L2FMNAttack', (o) => new A.L2FMNAttack(o), ['steps', 'maxStepsize', 'minStepsize', 'gamma']],
  ['DDNAttack', (o) => new A.DDNAttack(o), ['initEpsilon', 'steps', 'gamma']],
  ['LinfPGD', (o) => new A.LinfPGD(o), ['relStepsize', 'absStepsize', 'steps', 'randomStart']],
  [
    'HopSkipJump',
    (o) => new A.HopSkipJump(o),
    ['steps', 'initialGradientEvalSteps', 'gamma', 'initDirections', 'queryBatchRows'],
  ],
];

describe('attack constructors: built, or a LipnetError naming the option', () => {
  it.each(CLASSES)('%s', (_name, make, keys) => {
    const options = fc.dictionary(fc.constantFrom(...keys, 'stepps', 'step_size', 'bogus'), value, { maxKeys: 3 });
    fc.assert(
      fc.property(options, (o) => {
        const a = resultOrLipnetError(() => make(o as never));
        if (a) for (const k of Object.keys(o)) expect((a as unknown as Record<string, unknown>)[k]).toBe(o[k]);
      }),
      RUNS,
    );
  });
});

describe('attack.run: a result inside bounds and ε, or a LipnetError naming the option or argument', () => {
  // A linear 2-class model on 2 features: f(x) = (x₀ − x₁, x₁ − x₀).
  const W = tf.tensor2d([1, -1, -1, 1], [2, 2]);
  const model = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, W);
  afterAll(() => W.dispose());

  /** Mostly coherent inputs (n images in [0, 1] with n labels); sometimes NaN, out of range, int32 or mismatched. */
  const inputs = fc.integer({ min: 0, max: 2 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      values: fc.array(
        fc.oneof({ weight: 19, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, fc.constantFrom(NaN, 1.5)),
        { minLength: 4, maxLength: 4 },
      ),
      dtype: fc.oneof({ weight: 9, arbitrary: fc.constant<tf.DataType>('float32') }, fc.constant<tf.DataType>('int32')),
      labels: fc.oneof(
        { weight: 8, arbitrary: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }) },
        fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }),
        fc.constantFrom('x', null),
      ),
    }),
  );
  const runOptions = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom({ epsilons: 0.1 }, { epsilons: [0.05, 0.3] }, { epsilons: 0.2, seed: 3 }) },
    fc.dictionary(
      fc.constantFrom('epsilons', 'bounds', 'batchSize', 'seed', 'criterion', 'epsilon', 'bound'),
      fc.oneof(
        fc.constantFrom(0.1, [0.05, 0.3], [0, 1], 1, 2, 'misclassification'),
        fc.constantFrom(-1, NaN, [1, 0], 'yes', { targets: [1, 0] }, []),
      ),
      { maxKeys: 2 },
    ),
  );

  it('FGSM and a short C&W', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), inputs, runOptions, async (which, im, o) => {
        const labels = im.labels;
        const before = tf.memory().numTensors;
        const attack = which === 0 ? new A.FGSM() : new A.L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 3 });
        const images = tf.tensor(im.values.slice(0, im.n * 2), [im.n, 2], im.dtype);
        let r: A.AttackResult | A.AttackResult[] | undefined;
        try {
          r = await attack.run(model, images, labels as number[], o as A.RunOptions);
        } catch (e) {
          expectLipnetErrorNamingOption(e);
        }
        if (r) {
          answered++;
          const results = Array.isArray(r) ? r : [r];
          const [lo, hi] = ((o as Record<string, unknown>)['bounds'] as [number, number] | undefined) ?? [0, 1];
          for (const res of results) {
            const x = res.clipped.dataSync();
            expect(Array.from(x).every((v) => v >= lo - 1e-6 && v <= hi + 1e-6)).toBe(true);
            if (res.epsilon !== null) {
              const d = tf.tidy(() => tf.max(tf.abs(tf.sub(res.clipped, images))).dataSync()[0]!);
              expect(d).toBeLessThanOrEqual(res.epsilon * (attack.distance === 'l2' ? Math.SQRT2 : 1) + 1e-5);
            }
            tf.dispose([res.raw, res.clipped, res.success]);
          }
        }
        images.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      RUNS,
    );
    expect(answered).toBeGreaterThan(10);
  });
});
