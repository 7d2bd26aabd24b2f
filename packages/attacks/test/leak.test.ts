// tf.memory().numTensors must stay flat across long attacks (1,000 steps) and repeated runs.
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import {
  DDNAttack,
  FGSM,
  HopSkipJump,
  L2CarliniWagnerAttack,
  L2DeepFoolAttack,
  L2FMNAttack,
  L2PGD,
  LinfDeepFoolAttack,
  LinfPGD,
  type AttackResult,
} from '../src';
import { linearProblem } from './helpers';

const p = linearProblem(5, 4, 8, 3);
afterAll(() => p.dispose());
const free = (r: AttackResult | AttackResult[]) =>
  (Array.isArray(r) ? r : [r]).flatMap((x) => [x.raw, x.clipped, x.success]);

it('L2CarliniWagnerAttack: 1,000 Adam steps leave no tensor behind, and the count is flat during the run', async () => {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const res = await new L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 500, abortEarly: false }).run(
    p.model,
    p.images,
    p.labels,
    {
      onProgress: () => counts.push(tf.memory().numTensors),
    },
  );
  tf.dispose(free(res));
  expect(tf.memory().numTensors).toBe(before);
  // Inside the run the count only depends on the state held (δ, Adam moments, best): flat after the first report.
  const steady = counts.slice(2);
  expect(Math.max(...steady) - Math.min(...steady)).toBeLessThanOrEqual(8);
  expect(counts.length).toBeGreaterThanOrEqual(50);
});

it.each([
  ['L2FMNAttack', () => new L2FMNAttack({ steps: 1000 })],
  ['LinfPGD', () => new LinfPGD({ steps: 1000 })],
])('%s: 1,000 steps leave no tensor behind', async (_n, make) => {
  const before = tf.memory().numTensors;
  const res = await make().run(p.model, p.images, p.labels, { epsilons: _n === 'LinfPGD' ? [0.1] : null, seed: 1 });
  tf.dispose(free(res));
  expect(tf.memory().numTensors).toBe(before);
});

it.each([
  ['L2DeepFoolAttack', () => new L2DeepFoolAttack(), null],
  ['LinfDeepFoolAttack', () => new LinfDeepFoolAttack(), null],
  ['DDNAttack', () => new DDNAttack({ steps: 20 }), null],
  ['HopSkipJump', () => new HopSkipJump({ steps: 3 }), null],
  ['L2PGD', () => new L2PGD({ steps: 5 }), [0.1, 0.2]],
  ['FGSM', () => new FGSM(), [0.1]],
] as const)('%s: repeated runs keep tf.memory() flat', async (_n, make, eps) => {
  await expectNoLeakedTensors(
    async () =>
      tf.dispose(free(await make().run(p.model, p.images, p.labels, { epsilons: eps as number[] | null, seed: 1 }))),
    2,
  );
});
