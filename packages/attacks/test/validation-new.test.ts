// Errors of the new entry points name the argument, what was wrong and what to pass.
import * as tf from '@tensorflow/tfjs-core';
import * as A from '../src';
import { linearProblem } from './helpers';

const p = linearProblem(5, 3, 8, 3);
afterAll(() => p.dispose());

it('distances check that both arguments are batches of one shape', () => {
  const a = tf.zeros([2, 3]);
  const b = tf.zeros([2, 4]);
  expect(() => A.distances.l1(a, b)).toThrow(
    /distances\.l1: expected `perturbed` to have the shape of `reference` \[2, 3\], got shape \[2, 4\]/,
  );
  expect(
    Array.from(
      A.distances
        .l0(
          a,
          tf.tensor2d([
            [0, 1, 0],
            [2, 2, 0],
          ]),
        )
        .dataSync(),
    ),
  ).toEqual([1, 2]);
  tf.dispose([a, b]);
});

it('flexible-distance attacks need `distance` only to clip to epsilons', async () => {
  await expect(new A.InversionAttack().run(p.model, p.images, p.labels, { epsilons: [0.1] })).rejects.toThrow(
    /InversionAttack: expected `distance` to be given to clip the result to `epsilons`, got none\. Pass e\.g\. `\{ distance: 'l2' \}`/,
  );
  const r = await new A.InversionAttack({ distance: 'linf' }).run(p.model, p.images, p.labels, { epsilons: [0.1] });
  expect(Math.max(...A.distances.linf(p.images, r[0]!.clipped).dataSync())).toBeLessThanOrEqual(0.1 + 1e-6);
  tf.dispose(r.flatMap((q) => [q.raw, q.clipped, q.success]));
  expect(() => new A.InversionAttack({ distance: 'l3' as never })).toThrow(
    /`distance` to be one of 'l0', 'l1', 'l2', 'linf', got 'l3'/,
  );
});

it('startingPoints must match the images; BinarizationRefinement needs them; options are range-checked', async () => {
  const bad = tf.zeros([2, 8]);
  await expect(
    new A.L2BrendelBethgeAttack({ steps: 1 }).run(p.model, p.images, p.labels, { startingPoints: bad }),
  ).rejects.toThrow(
    /expected `startingPoints` to have shape \[3, 8\] \(the images' shape\), got a float32 tensor of shape \[2, 8\]/,
  );
  await expect(new A.BinarizationRefinementAttack().run(p.model, p.images, p.labels)).rejects.toThrow(
    /BinarizationRefinementAttack: expected `startingPoints` to be given/,
  );
  expect(() => new A.L1BrendelBethgeAttack({ overshoot: 2.5 })).toThrow(
    /`overshoot` to be a finite number in \(0, 2\), got 2\.5/,
  );
  expect(() => new A.SparseL1DescentAttack({ quantile: 1.5 })).toThrow(/`quantile` to be a finite number in \[0, 1\]/);
  expect(() => new A.EADAttack({ decisionRule: 'L2' as never })).toThrow(
    /`decisionRule` to be one of 'EN', 'L1', got 'L2'/,
  );
  expect(() => new A.VirtualAdversarialAttack({} as never)).toThrow(
    /VirtualAdversarialAttack: the option `steps` is required\. Pass an integer ≥ 1/,
  );
  bad.dispose();
});
