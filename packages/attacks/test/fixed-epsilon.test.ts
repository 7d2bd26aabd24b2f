// Fixed-ε gradient attacks on a binary linear model whose class difference is w₁ − w₀ = a·s with
// s ∈ {±1}^D. Its steepest-ascent directions in L1, L2 and L∞ all point along ±s, so the minimal
// distance to the boundary is m/a (L1: dual norm ‖a·s‖∞ = a), m/(a√D) (L2) and m/(aD) (L∞), with
// m = |f_y − f_j| (every minimal move stays inside [0, 1], checked below). An attack restricted to the
// ε-ball can never succeed below these minima; a correct ascent reaches them exactly. Each attack must
// succeed on every sample at 1.1× the minimum (factor per attack in `cases`) and on none at 0.98×.
import * as tf from '@tensorflow/tfjs-core';
import {
  Attack,
  AdamPGD,
  FGM,
  FGSM,
  L1AdamBasicIterativeAttack,
  L1AdamPGD,
  L1BasicIterativeAttack,
  L1FastGradientAttack,
  L1MomentumIterativeFastGradientMethod,
  L1PGD,
  L2AdamBasicIterativeAttack,
  L2AdamPGD,
  L2BasicIterativeAttack,
  L2MomentumIterativeFastGradientMethod,
  L2ProjectedGradientDescentAttack,
  LinfAdamBasicIterativeAttack,
  LinfBasicIterativeAttack,
  LinfProjectedGradientDescentAttack,
  MIFGSM,
  SparseL1DescentAttack,
  VirtualAdversarialAttack,
  distances,
  type AttackResult,
} from '../src';
import { alignedBinaryProblem, type AlignedProblem } from './oracles';

interface Case {
  name: string;
  make: () => Attack;
  norm: 'l1' | 'l2' | 'linf';
  /** ε / minimum at which every sample must be adversarial. */
  factor: number;
}

const rs = { randomStart: false };
const cases: Case[] = [
  { name: 'L1FastGradientAttack', make: () => new L1FastGradientAttack(), norm: 'l1', factor: 1.1 },
  { name: 'FGM (L2)', make: () => new FGM(), norm: 'l2', factor: 1.1 },
  { name: 'FGSM (L∞)', make: () => new FGSM(), norm: 'linf', factor: 1.1 },
  { name: 'L1BasicIterativeAttack', make: () => new L1BasicIterativeAttack(), norm: 'l1', factor: 1.1 },
  { name: 'L2BasicIterativeAttack', make: () => new L2BasicIterativeAttack(), norm: 'l2', factor: 1.1 },
  { name: 'LinfBasicIterativeAttack', make: () => new LinfBasicIterativeAttack(), norm: 'linf', factor: 1.1 },
  { name: 'L1AdamBasicIterativeAttack', make: () => new L1AdamBasicIterativeAttack(), norm: 'l1', factor: 1.1 },
  { name: 'L2AdamBasicIterativeAttack', make: () => new L2AdamBasicIterativeAttack(), norm: 'l2', factor: 1.1 },
  { name: 'LinfAdamBasicIterativeAttack', make: () => new LinfAdamBasicIterativeAttack(), norm: 'linf', factor: 1.1 },
  { name: 'L1MomentumIterativeFGM', make: () => new L1MomentumIterativeFastGradientMethod(), norm: 'l1', factor: 1.1 },
  { name: 'L2MomentumIterativeFGM', make: () => new L2MomentumIterativeFastGradientMethod(), norm: 'l2', factor: 1.1 },
  { name: 'MIFGSM (L∞)', make: () => new MIFGSM(), norm: 'linf', factor: 1.1 },
  { name: 'SparseL1DescentAttack', make: () => new SparseL1DescentAttack(), norm: 'l1', factor: 1.1 },
  // PGD without its random start reaches the minimum; with it (defaults) see the next block.
  { name: 'L1PGD (no random start)', make: () => new L1PGD(rs), norm: 'l1', factor: 1.1 },
  { name: 'L2PGD (no random start)', make: () => new L2ProjectedGradientDescentAttack(rs), norm: 'l2', factor: 1.1 },
  {
    name: 'LinfPGD (no random start)',
    make: () => new LinfProjectedGradientDescentAttack(rs),
    norm: 'linf',
    factor: 1.1,
  },
  { name: 'L1AdamPGD (no random start)', make: () => new L1AdamPGD(rs), norm: 'l1', factor: 1.1 },
  { name: 'L2AdamPGD (no random start)', make: () => new L2AdamPGD(rs), norm: 'l2', factor: 1.1 },
  { name: 'AdamPGD (no random start)', make: () => new AdamPGD(rs), norm: 'linf', factor: 1.1 },
  // Defaults (random start inside the ε-ball): 40–50 steps of 0.025·ε (L∞: ε/30) only partly undo the
  // random component (L1 PGD least: foolbox rescales δ instead of projecting it), so the stated factor is
  // larger. Measured failures over 6 samples × 8 seeds: L1PGD 15/48 at 1.1×, 2/48 at 2×, 1/48 at 2.5×,
  // 0 at 3×; L2PGD 33/48 at 1.1×, 1/48 at 1.5×, 0 at 1.6×; LinfPGD and AdamPGD 23/48 at 1.1×, 0 at 1.5×.
  { name: 'L1PGD (defaults)', make: () => new L1PGD(), norm: 'l1', factor: 3 },
  { name: 'L2PGD (defaults)', make: () => new L2ProjectedGradientDescentAttack(), norm: 'l2', factor: 1.6 },
  { name: 'LinfPGD (defaults)', make: () => new LinfProjectedGradientDescentAttack(), norm: 'linf', factor: 1.5 },
  { name: 'L1AdamPGD (defaults)', make: () => new L1AdamPGD(), norm: 'l1', factor: 2.5 },
  { name: 'L2AdamPGD (defaults)', make: () => new L2AdamPGD(), norm: 'l2', factor: 1.6 },
  { name: 'AdamPGD (defaults)', make: () => new AdamPGD(), norm: 'linf', factor: 1.5 },
];

const free = (r: AttackResult[]) => tf.dispose(r.flatMap((x) => [x.raw, x.clipped, x.success]));

describe('fixed-ε attacks against the closed-form minimum of an aligned binary linear model', () => {
  let p: AlignedProblem;
  beforeAll(() => {
    p = alignedBinaryProblem(21, 6, 8);
  });
  afterAll(() => p.dispose());

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    // One run per sample (its own ε): above the minimum and below it.
    for (let i = 0; i < p.labels.length; i++) {
      const xi = tf.slice(p.images, i, 1);
      const dMin = p.minimum[c.norm][i] as number;
      const res = await c.make().run(p.model, xi, [p.labels[i] as number], {
        epsilons: [c.factor * dMin, 0.98 * dMin],
        seed: 5 + i,
      });
      const [above, below] = res as [AttackResult, AttackResult];
      expect(above.success.dataSync()[0]).toBe(1);
      expect(below.success.dataSync()[0]).toBe(0);
      const d = distances[c.norm](xi, above.clipped).dataSync()[0] as number;
      expect(d).toBeLessThanOrEqual(c.factor * dMin * (1 + 1e-5));
      xi.dispose();
      free(res);
    }
  });
});

describe('VirtualAdversarialAttack finds the boundary normal (up to its sign)', () => {
  // The power iteration finds ±s (the KL is even in δ to second order). Running it on the model and
  // on the model reflected through the sample, t ↦ f(2x − t) (same logits and Hessian at x, same seed,
  // hence the same δ, which now lands on the other side) must succeed in exactly one of the two at 1.1×
  // the L2 minimum, and in neither at 0.98×.
  it('succeeds on exactly one of model / model reflected through x at 1.1×, on neither at 0.98×; δ ∥ s, ‖δ‖ = ε', async () => {
    const p = alignedBinaryProblem(21, 6, 8);
    for (const [factor, expectOne] of [
      [1.1, true],
      [0.98, false],
    ] as const) {
      for (let i = 0; i < p.labels.length; i++) {
        const xi = tf.slice(p.images, i, 1);
        const eps = factor * p.minimum.l2[i]!;
        let wins = 0;
        const reflected = (t: tf.Tensor) => tf.tidy(() => p.model(tf.sub(tf.mul(xi, 2), t)));
        for (const model of [p.model, reflected]) {
          const r = await new VirtualAdversarialAttack({ steps: 1, xi: 1e-3 }).run(model, xi, [p.labels[i]!], {
            epsilons: eps,
            seed: i,
          });
          if (r.success.dataSync()[0]) {
            wins++;
            const delta = Array.from(tf.sub(r.raw, xi).dataSync());
            const dn = Math.hypot(...delta);
            expect(dn).toBeCloseTo(eps, 5);
            const cos = delta.reduce((s, v, k) => s + v * p.s[k]!, 0) / (dn * Math.sqrt(p.s.length));
            expect(Math.abs(cos)).toBeGreaterThan(0.999);
          }
          tf.dispose([r.raw, r.clipped, r.success]);
        }
        expect(wins).toBe(expectOne ? 1 : 0);
        xi.dispose();
      }
    }
    p.dispose();
  });
});
