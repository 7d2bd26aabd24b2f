import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { initAttackOption } from '../init-attack-option';
import { searchBoundary } from '../geometry/boundary-search';
import { projectL1Ball } from '../geometry/lp-ball';
import { keepLargest, margin, normalizeL2, norms, perSample, whereSample } from '../ops';
import { adversarialStart } from './adversarial-start';

/** Options of the L0 / L1 / L∞ FMN attacks; defaults are foolbox 3.3.4's. */
export interface FMNAttackArgs {
  /** Iterations. Default 100. */
  steps?: number;
  /** Initial step size (cosine-annealed). Default 1.0. */
  maxStepsize?: number;
  /** Final step size. Default `maxStepsize / 100`. */
  minStepsize?: number;
  /** Initial ε adaptation rate (cosine-annealed to 0.001). Default 0.05. */
  gamma?: number;
  /** Attack whose adversarials the search starts from (after a binary search to the boundary). Default none: start at x. */
  initAttack?: Attack | null;
  /** Bisections from the starting points to the boundary (used with `initAttack` or `startingPoints`). Default 10. */
  binarySearchSteps?: number;
}

/** The rules of {@link FMNAttackArgs} (`minStepsize` defaults to `maxStepsize / 100`). */
const FMN_LP_SCHEMA = {
  steps: opt.integer({ min: 1 }).default(100),
  maxStepsize: opt.number({ gt: 0 }).default(1.0),
  minStepsize: opt.number({ gt: 0 }),
  gamma: opt.number({ gt: 0 }).default(0.05),
  initAttack: initAttackOption.default(null),
  binarySearchSteps: opt.integer({ min: 1 }).default(10),
};

/** The dual norm of p, in which the gradient is measured for the distance-to-boundary jump. */
const DUAL = { l1: 'linf', linf: 'l1' } as const;

/**
 * Fast Minimum-Norm attack in L0, L1 or L∞ (foolbox `L0FMNAttack`, `L1FMNAttack`, `LInfFMNAttack`;
 * Pintor et al. 2021). From δ = 0 (or the boundary point between x and an adversarial start), step i
 * evaluates the logit margin m (untargeted `z_y − max_{j≠y} z_j`), keeps the smallest adversarial δ in
 * the attack's norm, adapts ε — adversarial: `min(ε(1−γᵢ), ‖δ_best‖)`; not yet adversarial ever:
 * `‖δ‖ + |m|/‖∇m‖_dual`; otherwise `ε(1+γᵢ)` (L0: integer counts, `min(ε−1, ⌊ε(1−γ)⌋)` /
 * `max(ε+1, ⌊ε(1+γ)⌋)`, at least 1) —, clips ε to the worst-case norm, steps `δ ← δ − αᵢ·∇m/‖∇m‖₂`,
 * projects onto the ε-ball (L1: Euclidean projection, Duchi et al.; L∞: clip; L0: keep the ε largest
 * entries) and clips to the bounds. αᵢ and γᵢ are cosine-annealed.
 *
 * Differences from foolbox: the L0 projection keeps ε entries (foolbox indexes the sorted magnitudes at
 * ε, which keeps ε+1); the pre-success jump is multiplied by 1+γᵢ, as in lipnet's {@link L2FMNAttack},
 * so that a linear boundary is actually crossed in float32.
 */
export abstract class FMNAttackLp extends Attack {
  readonly kind = 'minimization' as const;
  abstract override readonly distance: 'l0' | 'l1' | 'linf';
  readonly steps: number;
  readonly maxStepsize: number;
  readonly minStepsize: number;
  readonly gamma: number;
  readonly initAttack: Attack | null;
  readonly binarySearchSteps: number;

  constructor(who: string, args: FMNAttackArgs) {
    super();
    const o = defineOptions(who, FMN_LP_SCHEMA).parse(args);
    this.steps = o.steps;
    this.maxStepsize = o.maxStepsize;
    this.minStepsize = o.minStepsize ?? o.maxStepsize / 100;
    this.gamma = o.gamma;
    this.initAttack = o.initAttack;
    this.binarySearchSteps = o.binarySearchSteps;
  }

  /** Per-sample norm of δ in this attack's norm. */
  private lp(d: tf.Tensor): tf.Tensor1D {
    return norms(d, this.distance);
  }

  /** ε update of step i (foolbox's two branches: Lp and integer L0). */
  private nextEpsilon(eps: tf.Tensor, isAdv: tf.Tensor, found: tf.Tensor, st: StepState, gamma: number): tf.Tensor {
    const bestNorm = this.lp(st.bestDelta);
    if (this.distance === 'l0') {
      const down = tf.minimum(tf.minimum(tf.sub(eps, 1), tf.floor(tf.mul(eps, 1 - gamma))), bestNorm);
      const up = tf.maximum(tf.add(eps, 1), tf.floor(tf.mul(eps, 1 + gamma)));
      return tf.maximum(tf.where(isAdv, down, up), 1);
    }
    const jump = tf.div(tf.abs(st.m), tf.maximum(norms(st.grad, DUAL[this.distance]), 1e-12));
    return tf.where(
      isAdv,
      tf.minimum(tf.mul(eps, 1 - gamma), bestNorm),
      tf.where(found, tf.mul(eps, 1 + gamma), tf.mul(tf.add(this.lp(st.delta), jump), 1 + gamma)),
    );
  }

  /** Projection of δ onto this norm's ε-ball (per-sample ε). */
  private project(x: tf.Tensor, d: tf.Tensor, eps: tf.Tensor): tf.Tensor {
    if (this.distance === 'l1') return projectL1Ball(d, eps);
    if (this.distance === 'linf') {
      const e = perSample(eps, d.rank);
      return tf.minimum(tf.maximum(d, tf.neg(e)), e);
    }
    return tf.sub(keepLargest(tf.add(x, d), x, eps), x);
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const [lo, hi] = ctx.bounds;
    let delta = await this.initialDelta(ctx, x);
    const worst = tf.tidy(() =>
      this.distance === 'l0' ? tf.fill([n], x.size / n) : this.lp(tf.maximum(tf.sub(x, lo), tf.sub(hi, x))),
    );
    let bestDelta: tf.Tensor = tf.clone(delta);
    let bestNorm: tf.Tensor = tf.clone(worst);
    let found: tf.Tensor = tf.zeros([n], 'bool');
    let eps: tf.Tensor = tf.tidy(() =>
      this.distance === 'l0' ? tf.maximum(this.lp(delta), 1) : tf.fill([n], Infinity),
    );
    try {
      for (let i = 0; i < this.steps; i++) {
        const cos = (1 + Math.cos((Math.PI * i) / this.steps)) / 2;
        const stepsize = this.minStepsize + (this.maxStepsize - this.minStepsize) * cos;
        const gamma = 0.001 + (this.gamma - 0.001) * cos;
        const out = tf.tidy(() => {
          let zK: tf.Tensor | null = null;
          let mK: tf.Tensor | null = null;
          const { grad } = tf.valueAndGrad((xa: tf.Tensor) => {
            const z = ctx.logits(xa);
            zK = tf.keep(z);
            mK = tf.keep(margin(z, ctx.classes, ctx.targeted));
            return tf.sum(mK) as tf.Scalar;
          })(tf.add(x, delta));
          const z = zK as unknown as tf.Tensor;
          const m = mK as unknown as tf.Tensor;
          const isAdv = ctx.isAdversarial(z);
          const l = this.lp(delta);
          const both = tf.logicalAnd(isAdv, tf.lessEqual(l, bestNorm));
          const found2 = tf.logicalOr(found, isAdv);
          const st = { delta, grad, m, bestDelta: whereSample(both, delta, bestDelta) };
          const eps2 = tf.minimum(this.nextEpsilon(eps, isAdv, found2, st, gamma), worst);
          let d2 = tf.sub(delta, tf.mul(normalizeL2(grad), stepsize));
          d2 = this.project(x, d2, eps2);
          d2 = tf.sub(tf.clipByValue(tf.add(x, d2), lo, hi), x);
          tf.dispose([z, m]);
          return {
            delta: d2,
            bestDelta: st.bestDelta,
            bestNorm: tf.where(both, l, bestNorm),
            found: found2,
            eps: eps2,
          };
        });
        tf.dispose([delta, bestDelta, bestNorm, found, eps]);
        ({ delta, bestDelta, bestNorm, found, eps } = out);
        if (await ctx.tick(i + 1, this.steps)) break;
      }
      await ctx.tick(this.steps, this.steps);
      return tf.tidy(() => tf.add(x, bestDelta));
    } finally {
      tf.dispose([worst, delta, bestDelta, bestNorm, found, eps]);
    }
  }

  /** δ₀: zero, or (with `startingPoints` / `initAttack`) the boundary point of the norm's path minus x. */
  private async initialDelta(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const start = await adversarialStart(ctx, x, this.initAttack, null);
    if (!start) return tf.zerosLike(x);
    const b = await searchBoundary(ctx, this.distance, x, start.points, this.binarySearchSteps);
    const ok = tf.tensor1d(Array.from(start.adversarial), 'bool');
    const d = tf.tidy(() => whereSample(ok, tf.sub(b, x), tf.zerosLike(x)));
    tf.dispose([b, ok, start.points]);
    return d;
  }
}

/** What the ε update of one step reads. */
interface StepState {
  delta: tf.Tensor;
  grad: tf.Tensor;
  m: tf.Tensor;
  bestDelta: tf.Tensor;
}

/**
 * L0 Fast Minimum-Norm attack (foolbox `L0FMNAttack`): see {@link FMNAttackLp}.
 * Defaults `steps 100, maxStepsize 1, minStepsize 0.01, gamma 0.05, binarySearchSteps 10`.
 *
 * @example
 * const { clipped } = await new L0FMNAttack().run(model, x, y);
 */
export class L0FMNAttack extends FMNAttackLp {
  readonly name: string = 'L0FMNAttack';
  readonly distance = 'l0' as const;
  constructor(args: FMNAttackArgs = {}) {
    super('L0FMNAttack', args);
  }
}

/**
 * L1 Fast Minimum-Norm attack (foolbox `L1FMNAttack`): see {@link FMNAttackLp}.
 *
 * @example
 * const { clipped } = await new L1FMNAttack().run(model, x, y);
 */
export class L1FMNAttack extends FMNAttackLp {
  readonly name: string = 'L1FMNAttack';
  readonly distance = 'l1' as const;
  constructor(args: FMNAttackArgs = {}) {
    super('L1FMNAttack', args);
  }
}

/**
 * L∞ Fast Minimum-Norm attack (foolbox `LInfFMNAttack`): see {@link FMNAttackLp}.
 *
 * @example
 * const { clipped } = await new LInfFMNAttack().run(model, x, y);
 */
export class LInfFMNAttack extends FMNAttackLp {
  readonly name: string = 'LInfFMNAttack';
  readonly distance = 'linf' as const;
  constructor(args: FMNAttackArgs = {}) {
    super('LInfFMNAttack', args);
  }
}
