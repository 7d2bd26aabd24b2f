/**
 * Property tests (fast-check, fixed seed 14) over the foolbox-port attack families, through one shared
 * property each:
 * - every exported attack class: random option objects (its own keys, near-miss keys, values of every
 *   type) give an attack holding the options, or a LipnetError naming the option (200 runs per class);
 * - `run` of noise, fixed-ε, minimum-norm, decision-based and corruption attacks on a linear model with
 *   random inputs and options: a result inside the bounds and ε, `success` only where the model is fooled
 *   and the input unchanged elsewhere, or a LipnetError naming the option or argument — never a raw
 *   TypeError, NaN or a leaked tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { LipnetError } from '@lipnet/core';
import { expectLipnetErrorNamingOption, resultOrLipnetError } from '@lipnet/test-utils';
import * as A from '../src';

const SEED = 14;

type AttackClass = new (options?: unknown) => A.Attack;

/** The option names a class declares, read from its refusal of an unknown key; undefined if it has no such refusal. */
function declaredKeys(C: AttackClass): string[] | undefined {
  try {
    new C({ zzUnknownOption: 1 });
  } catch (e) {
    if (!(e instanceof LipnetError) || e.code !== 'UNKNOWN_OPTION') return undefined;
    if (e.message.includes('It takes no options.')) return [];
    const list = /Valid options: (.*)\.$/.exec(e.message)?.[1];
    return list?.split(', ');
  }
  return undefined;
}

const isAttackClass = (v: unknown): v is AttackClass =>
  typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof A.Attack;
const CLASSES = Object.entries(A)
  .filter((e): e is [string, AttackClass] => isAttackClass(e[1]))
  .map(([name, C]) => [name, C, declaredKeys(C)] as const)
  .filter((e): e is readonly [string, AttackClass, string[]] => e[2] !== undefined);

describe('every attack constructor: built with its options, or a LipnetError naming the option', () => {
  it('covers the exported attack classes', () => expect(CLASSES.length).toBeGreaterThanOrEqual(50));

  const value = fc.oneof(
    fc.constantFrom(1, 2, 5, 0.01, 0.1, 0.5, true, false, 'l2', 'linf', 'EN', [1, 2]),
    fc.constantFrom(0, -1, NaN, Infinity, 2.5, 'yes', null, [], {}),
    fc.double(),
    fc.integer({ min: -3, max: 200 }),
  );
  it.each(CLASSES.map(([name, C, keys]) => [name, C, keys]))('%s', (_name, C, keys) => {
    const names = [...keys, ...keys.map((k) => `${k}s`), 'bogus'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 3 }), (o) => {
        const attack = resultOrLipnetError(() => new C(o));
        if (!attack) return;
        // An option the attack keeps under its own name holds what was passed.
        const fields = attack as unknown as Record<string, unknown>;
        for (const k of Object.keys(o)) if (k in fields && typeof o[k] !== 'object') expect(fields[k]).toBe(o[k]);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

/** ‖d‖ of one sample's difference in `norm`. */
function norm(d: number[], p: A.Norm): number {
  if (p === 'l0') return d.filter((v) => Math.abs(v) > 1e-6).length;
  if (p === 'l1') return d.reduce((s, v) => s + Math.abs(v), 0);
  if (p === 'l2') return Math.hypot(...d);
  return Math.max(0, ...d.map(Math.abs));
}

describe('attack.run across families: a result that keeps its promises, or a LipnetError', () => {
  // f(x) = (x₀ − x₁, x₁ − x₀): class 0 where x₀ ≥ x₁ (argmax takes the first on ties).
  const W = tf.tensor2d([1, -1, -1, 1], [2, 2]);
  const model = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, W);
  afterAll(() => W.dispose());

  const FAMILIES: [string, () => A.Attack][] = [
    ['L2AdditiveGaussianNoiseAttack', () => new A.L2AdditiveGaussianNoiseAttack()],
    ['LinfRepeatedAdditiveUniformNoiseAttack', () => new A.LinfRepeatedAdditiveUniformNoiseAttack({ repeats: 3 })],
    ['L1FastGradientAttack', () => new A.L1FastGradientAttack()],
    ['SparseL1DescentAttack', () => new A.SparseL1DescentAttack({ steps: 3 })],
    ['L2MomentumIterativeFastGradientMethod', () => new A.L2MomentumIterativeFastGradientMethod({ steps: 3 })],
    ['NewtonFoolAttack', () => new A.NewtonFoolAttack({ steps: 5 })],
    ['EADAttack', () => new A.EADAttack({ binarySearchSteps: 2, steps: 5 })],
    ['L1FMNAttack', () => new A.L1FMNAttack({ steps: 5 })],
    ['SaltAndPepperNoiseAttack', () => new A.SaltAndPepperNoiseAttack({ steps: 5 })],
    ['LinearSearchBlendedUniformNoiseAttack', () => new A.LinearSearchBlendedUniformNoiseAttack({ steps: 5 })],
    ['InversionAttack', () => new A.InversionAttack()],
  ];

  /** Mostly coherent inputs (n samples of 2 features in [0, 1], n labels); sometimes NaN, out of range, int32 or mismatched. */
  const inputs = fc.integer({ min: 0, max: 3 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      values: fc.array(
        fc.oneof({ weight: 29, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, fc.constantFrom(NaN, 1.5)),
        { minLength: 2 * n, maxLength: 2 * n },
      ),
      dtype: fc.oneof({ weight: 9, arbitrary: fc.constant<tf.DataType>('float32') }, fc.constant<tf.DataType>('int32')),
      labels: fc.oneof(
        { weight: 9, arbitrary: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }) },
        fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }),
        fc.constantFrom('x', null),
      ),
    }),
  );
  const runOptions = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom({ epsilons: 0.3 }, { epsilons: [0.1, 0.6] }, { seed: 3 }, {}) },
    fc.dictionary(
      fc.constantFrom('epsilons', 'bounds', 'seed', 'batchSize', 'epsilon'),
      fc.oneof(
        fc.constantFrom(0.2, [0.1, 1], [0, 1], [-1, 2], 1, 2),
        fc.constantFrom(-1, NaN, [1, 0], 'yes', [], { targets: [1, 0] }),
      ),
      { maxKeys: 2 },
    ),
  );

  it.each(FAMILIES)('%s (200 runs)', async (_name, make) => {
    const attack = make();
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(inputs, runOptions, async (im, o) => {
        const before = tf.memory().numTensors;
        const images = tf.tensor(im.values, [im.n, 2], im.dtype);
        let r: A.AttackResult | A.AttackResult[] | undefined;
        try {
          r = await attack.run(model, images, im.labels as number[], { seed: 1, ...o } as A.RunOptions);
        } catch (e) {
          expectLipnetErrorNamingOption(e);
        }
        if (r) {
          answered++;
          const [lo, hi] = ((o as Record<string, unknown>)['bounds'] as [number, number] | undefined) ?? [0, 1];
          const x0 = Array.from(images.dataSync());
          const labels = im.labels as number[];
          for (const res of Array.isArray(r) ? r : [r]) {
            const x = Array.from(res.clipped.dataSync());
            const success = Array.from(res.success.dataSync());
            const predicted = tf.tidy(() => Array.from(tf.argMax(model(res.clipped), 1).dataSync()));
            for (let i = 0; i < im.n; i++) {
              const xi = x.slice(2 * i, 2 * i + 2);
              const d = xi.map((v, j) => v - x0[2 * i + j]!);
              expect(xi.every((v) => Number.isFinite(v) && v >= lo - 1e-6 && v <= hi + 1e-6)).toBe(true);
              if (success[i]) expect(predicted[i]).not.toBe(labels[i]);
              else expect(norm(d, 'linf')).toBe(0);
              if (res.epsilon !== null)
                expect(norm(d, attack.distance)).toBeLessThanOrEqual(res.epsilon * 1.0001 + 1e-5);
            }
            tf.dispose([res.raw, res.clipped, res.success]);
          }
        }
        images.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(answered).toBeGreaterThan(40);
  });
});
