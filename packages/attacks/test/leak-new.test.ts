// tf.memory().numTensors is the same before and after 1,000 steps of every iterative attack added for
// foolbox parity, and flat during the run (read at each progress report). Tiny models keep this cheap.
import * as tf from '@tensorflow/tfjs-core';
import * as A from '../src';
import { linearProblem } from './helpers';

const p = linearProblem(5, 2, 8, 3);
afterAll(() => p.dispose());
/** A model nothing fools (constant logits), so search loops run their full length. */
const stubborn = (x: tf.Tensor) => tf.tidy(() => tf.add(tf.zeros([x.shape[0], 3]), tf.tensor1d([0, 5, 0])));
const images = tf.tidy(() => tf.reshape(tf.slice(tf.tile(p.images, [1, 5]), [0, 0], [2, 36]), [2, 6, 6, 1]));
afterAll(() => images.dispose());

type Case = [
  string,
  () => A.Attack,
  {
    eps?: number[];
    model?: (x: tf.Tensor) => tf.Tensor;
    x?: tf.Tensor;
    labels?: number[];
    targeted?: boolean;
    start?: boolean;
  },
];
const K = 1000;
const cases: Case[] = [
  ['L1FastGradientAttack (1,000 steps)', () => new A.L1FastGradientAttack({ steps: K }), { eps: [1] }],
  ['L1BasicIterativeAttack', () => new A.L1BasicIterativeAttack({ steps: K }), { eps: [1] }],
  ['L2BasicIterativeAttack', () => new A.L2BasicIterativeAttack({ steps: K }), { eps: [0.3] }],
  ['LinfBasicIterativeAttack', () => new A.LinfBasicIterativeAttack({ steps: K }), { eps: [0.05] }],
  ['L1AdamBasicIterativeAttack', () => new A.L1AdamBasicIterativeAttack({ steps: K }), { eps: [1] }],
  ['L2AdamBasicIterativeAttack', () => new A.L2AdamBasicIterativeAttack({ steps: K }), { eps: [0.3] }],
  ['LinfAdamBasicIterativeAttack', () => new A.LinfAdamBasicIterativeAttack({ steps: K }), { eps: [0.05] }],
  ['L1PGD', () => new A.L1PGD({ steps: K }), { eps: [1] }],
  ['L1AdamPGD', () => new A.L1AdamPGD({ steps: K }), { eps: [1] }],
  ['L2AdamPGD', () => new A.L2AdamPGD({ steps: K }), { eps: [0.3] }],
  ['LinfAdamPGD', () => new A.LinfAdamPGD({ steps: K }), { eps: [0.05] }],
  [
    'L1MomentumIterativeFastGradientMethod',
    () => new A.L1MomentumIterativeFastGradientMethod({ steps: K }),
    { eps: [1] },
  ],
  [
    'L2MomentumIterativeFastGradientMethod',
    () => new A.L2MomentumIterativeFastGradientMethod({ steps: K }),
    { eps: [0.3] },
  ],
  ['MIFGSM', () => new A.MIFGSM({ steps: K }), { eps: [0.05] }],
  ['SparseL1DescentAttack', () => new A.SparseL1DescentAttack({ steps: K }), { eps: [1] }],
  ['VirtualAdversarialAttack', () => new A.VirtualAdversarialAttack({ steps: K, xi: 1e-3 }), { eps: [0.3] }],
  ['L0FMNAttack', () => new A.L0FMNAttack({ steps: K }), {}],
  ['L1FMNAttack', () => new A.L1FMNAttack({ steps: K }), {}],
  ['LInfFMNAttack', () => new A.LInfFMNAttack({ steps: K }), {}],
  ['EADAttack', () => new A.EADAttack({ binarySearchSteps: 1, steps: K, abortEarly: false }), {}],
  ['NewtonFoolAttack', () => new A.NewtonFoolAttack({ steps: K }), {}],
  // The Brendel-Bethge loop is shared by its four norms (only the host-side solver differs).
  ['L2BrendelBethgeAttack', () => new A.L2BrendelBethgeAttack({ steps: K }), {}],
  ['BoundaryAttack', () => new A.BoundaryAttack({ steps: K }), {}],
  ['GenAttack', () => new A.GenAttack({ steps: K, population: 4 }), { eps: [1e-4], targeted: true }],
  ['SaltAndPepperNoiseAttack', () => new A.SaltAndPepperNoiseAttack({ steps: K }), {}],
  [
    'L2RepeatedAdditiveGaussianNoiseAttack',
    () => new A.L2RepeatedAdditiveGaussianNoiseAttack({ repeats: K }),
    { eps: [0.1], model: stubborn, labels: [1, 1] },
  ],
  [
    'L2ClippingAwareRepeatedAdditiveUniformNoiseAttack',
    () => new A.L2ClippingAwareRepeatedAdditiveUniformNoiseAttack({ repeats: K }),
    { eps: [0.1], model: stubborn, labels: [1, 1] },
  ],
  [
    'LinearSearchBlendedUniformNoiseAttack',
    () => new A.LinearSearchBlendedUniformNoiseAttack({ directions: K, steps: K }),
    { model: stubborn, labels: [1, 1] },
  ],
  [
    'LinearSearchContrastReductionAttack',
    () => new A.LinearSearchContrastReductionAttack({ steps: K }),
    { model: stubborn, labels: [1, 1] },
  ],
  [
    'BinarySearchContrastReductionAttack',
    () => new A.BinarySearchContrastReductionAttack({ binarySearchSteps: K }),
    {},
  ],
  ['GaussianBlurAttack', () => new A.GaussianBlurAttack({ steps: K }), { model: stubborn, x: images, labels: [1, 1] }],
  [
    'SpatialAttack',
    () => new A.SpatialAttack({ numRotations: 10, numTranslations: 10 }),
    { model: stubborn, x: images, labels: [1, 1] },
  ],
  ['PointwiseAttack', () => new A.PointwiseAttack(), {}],
];

it.each(cases)('%s leaves no tensor behind and stays flat', async (_n, make, o) => {
  const x = o.x ?? p.images;
  const labels = o.labels ?? p.labels;
  const model = o.model ?? p.model;
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const res = await make().run(model, x, labels, {
    epsilons: o.eps ?? null,
    seed: 1,
    criterion: o.targeted ? { targets: labels.map((y) => (y + 1) % 3) } : 'misclassification',
    onProgress: () => counts.push(tf.memory().numTensors),
  });
  tf.dispose((Array.isArray(res) ? res : [res]).flatMap((r) => [r.raw, r.clipped, r.success]));
  expect(tf.memory().numTensors).toBe(before);
  const steady = counts.slice(2);
  if (steady.length > 2) expect(Math.max(...steady) - Math.min(...steady)).toBeLessThanOrEqual(12);
});
