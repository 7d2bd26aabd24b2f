// Minimum-norm attacks against linear classifiers, where the minimal L2 (and L∞) adversarial
// distance is known in closed form: d = min_{j≠y} (f_y − f_j)/‖w_y − w_j‖ (dual norm for L∞).
// A successful adversarial closer than d is impossible: finding one would be a bug.
import * as tf from '@tensorflow/tfjs-core';
import {
  Attack,
  DDNAttack,
  HopSkipJump,
  L2CarliniWagnerAttack,
  L2DeepFoolAttack,
  L2FMNAttack,
  LinfDeepFoolAttack,
} from '../src';
import { linearProblem, logitsHost, type LinearProblem } from './helpers';

interface Case {
  name: string;
  attack: () => Attack;
  /** Allowed excess over the oracle, relative. */
  tol: number;
  norm: 'l2' | 'linf';
  /** Multiplies the logits (same boundaries and distances). */
  logitScale?: number;
  /** Only run on these class counts. */
  only?: number[];
}

const cases: Case[] = [
  {
    name: 'L2CarliniWagnerAttack',
    attack: () => new L2CarliniWagnerAttack({ binarySearchSteps: 6, steps: 200 }),
    tol: 0.02,
    norm: 'l2',
  },
  // DeepFool overshoots by design: x₀ + (1+overshoot)·p. With overshoot 0.01 it lands within 2 %.
  { name: 'L2DeepFoolAttack', attack: () => new L2DeepFoolAttack({ overshoot: 0.01 }), tol: 0.02, norm: 'l2' },
  { name: 'LinfDeepFoolAttack', attack: () => new LinfDeepFoolAttack({ overshoot: 0.01 }), tol: 0.02, norm: 'linf' },
  { name: 'L2FMNAttack', attack: () => new L2FMNAttack({ steps: 100 }), tol: 0.02, norm: 'l2' },
  // DDN ascends the cross-entropy, whose gradient mixes every class: with soft logits (scale 1) and
  // 4 classes it settles 8–13 % above the minimum (measured); with confident logits (×10, same
  // boundaries) it is within 2 %. On two classes it is within 0.1 % at scale 1.
  { name: 'DDNAttack', attack: () => new DDNAttack({ steps: 200 }), tol: 0.02, norm: 'l2', logitScale: 10, only: [4] },
  { name: 'DDNAttack', attack: () => new DDNAttack({ steps: 200 }), tol: 0.02, norm: 'l2', only: [2] },
  // Decision-based: only labels are queried, the direction is a Monte-Carlo estimate. Stated
  // tolerance 5 % on the binary problem. With several classes it can stop at a local minimum on
  // a face of the class polytope other than the nearest one (measured up to +39 %): see multi-class test below.
  { name: 'HopSkipJump', attack: () => new HopSkipJump({ steps: 15 }), tol: 0.05, norm: 'l2', only: [2] },
];

function hostDistance(a: number[], b: number[], norm: 'l2' | 'linf'): number {
  const d = a.map((v, i) => v - b[i]!);
  return norm === 'l2' ? Math.sqrt(d.reduce((s, v) => s + v * v, 0)) : Math.max(...d.map(Math.abs));
}

describe.each([
  ['4 classes', 4],
  ['binary', 2],
])('minimum-norm attacks on a linear model (%s)', (_label, classes) => {
  let base: LinearProblem;
  beforeAll(() => {
    base = linearProblem(classes === 2 ? 11 : 5, 6, 12, classes);
  });
  afterAll(() => base.dispose());

  it.each(cases.filter((c) => !c.only || c.only.includes(classes)).map((c) => [c.name, c] as const))(
    '%s finds adversarials within tolerance of the closed-form minimum and never closer',
    async (_n, c) => {
      const scaled = c.logitScale ? linearProblem(classes === 2 ? 11 : 5, 6, 12, classes, c.logitScale) : null;
      const p = scaled ?? base;
      const res = await c.attack().run(p.model, p.images, p.labels, { seed: 3 });
      const clipped = res.clipped.arraySync() as number[][];
      const success = Array.from(res.success.dataSync()).map(Boolean);
      const reAdv = tf.tidy(() => tf.argMax(p.model(res.clipped), 1).arraySync() as number[]);
      const ratios: number[] = [];
      for (let i = 0; i < p.labels.length; i++) {
        // success is re-checked on the clipped output (same model, float32) and the host value is near the boundary.
        expect(success[i]).toBe(reAdv[i] !== p.labels[i]);
        const f = logitsHost(p, clipped[i]!);
        const y = p.labels[i]!;
        expect(Math.max(...f.filter((_, j) => j !== y))).toBeGreaterThanOrEqual(f[y]! - 1e-4 * Math.abs(f[y]!) - 1e-5);
        expect(success[i]).toBe(true);
        const oracle = c.norm === 'l2' ? p.dL2[i]! : p.dLinf[i]!;
        const dist = hostDistance(clipped[i]!, p.x[i]!, c.norm);
        ratios.push(dist / oracle);
        expect(dist).toBeGreaterThanOrEqual(oracle * (1 - 1e-4) - 1e-6);
        expect(dist).toBeLessThanOrEqual(oracle * (1 + c.tol));
        for (const v of clipped[i]!) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }
      // Minimum-norm attacks never leave the bounds: raw is returned as clipped, bit for bit.
      expect(tf.all(tf.equal(res.raw, res.clipped)).dataSync()[0]).toBe(1);

      console.log(
        `${c.name} (${classes} classes): dist/oracle ∈ [${Math.min(...ratios).toFixed(5)}, ${Math.max(...ratios).toFixed(5)}]`,
      );
      tf.dispose([res.raw, res.clipped, res.success]);
      scaled?.dispose();
    },
  );
});

describe('HopSkipJump on a 4-class linear model', () => {
  it('succeeds everywhere and is never closer than the closed-form minimum', async () => {
    const p = linearProblem(5, 6, 12, 4);
    const res = await new HopSkipJump({ steps: 10 }).run(p.model, p.images, p.labels, { seed: 3 });
    const clipped = res.clipped.arraySync() as number[][];
    const reAdv = tf.tidy(() => tf.argMax(p.model(res.clipped), 1).arraySync() as number[]);
    Array.from(res.success.dataSync()).forEach((s, i) => {
      expect(Boolean(s)).toBe(true);
      expect(reAdv[i]).not.toBe(p.labels[i]);
      expect(hostDistance(clipped[i]!, p.x[i]!, 'l2')).toBeGreaterThanOrEqual(p.dL2[i]! * (1 - 1e-4));
    });
    tf.dispose([res.raw, res.clipped, res.success]);
    p.dispose();
  });
});
