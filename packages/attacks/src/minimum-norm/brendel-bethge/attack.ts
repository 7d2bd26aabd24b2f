import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../../attack';
import { defineOptions, opt } from '@lipnet/core';
import { initAttackOption } from '../../init-attack-option';
import { searchBoundary } from '../../geometry/boundary-search';
import { margin } from '../../ops';
import { LinearSearchBlendedUniformNoiseAttack } from '../../noise/blended-uniform';
import { adversarialStart } from '../adversarial-start';
import { solveTrustRegion, type DistanceSolver } from './trust-region';

/** Options of the Brendel-Bethge attacks; defaults are foolbox 3.3.4's. */
export interface BrendelBethgeArgs {
  /** Attack whose adversarials the walk starts from (default: a `LinearSearchBlendedUniformNoiseAttack`). */
  initAttack?: Attack | null;
  /** Target change of the logit difference per step, relative (1 = land on the boundary). Default 1.1. */
  overshoot?: number;
  /** Boundary steps. Default 1000. */
  steps?: number;
  /** Trust-region radius relative to `D·(max − min)`. Default 1e-3. */
  lr?: number;
  /** Factor applied to `lr` every `steps / lrNumDecay` steps. Default 0.5. */
  lrDecay?: number;
  /** Number of decays. Default 20. */
  lrNumDecay?: number;
  /** Running average of the boundary normal, `b ← (1−μ)∇ + μ·b`. Default 0.8. */
  momentum?: number;
  /** Bisections from the start to the boundary. Default 10. */
  binarySearchSteps?: number;
}

/** The rules of {@link BrendelBethgeArgs}. */
const BRENDEL_BETHGE_SCHEMA = {
  initAttack: initAttackOption.default(null),
  overshoot: opt.number({ gt: 0, lt: 2 }).default(1.1),
  steps: opt.integer({ min: 1 }).default(1000),
  lr: opt.number({ gt: 0 }).default(1e-3),
  lrDecay: opt.number({ gt: 0, max: 1 }).default(0.5),
  lrNumDecay: opt.integer({ min: 1 }).default(20),
  momentum: opt.number({ min: 0, lt: 1 }).default(0.8),
  binarySearchSteps: opt.integer({ min: 0 }).default(10),
};

/** foolbox's default start: `LinearSearchBlendedUniformNoiseAttack()`. */
const defaultInit = (): Attack => new LinearSearchBlendedUniformNoiseAttack();

/**
 * Brendel & Bethge attack (foolbox `…BrendelBethgeAttack`; Brendel et al. 2019, "Accurate, reliable and
 * fast robustness evaluation"). It starts from an adversarial (`startingPoints`, `initAttack`, or
 * foolbox's default blended-uniform-noise search), bisects to the boundary along the norm's path, then
 * walks along the boundary: each step takes the logit difference l = z_y − max_{j≠y} z_j and its
 * gradient (averaged with momentum into b), and solves per sample
 * `min dist(x + δ, x0) s.t. bᵀδ = c, ‖δ‖₂ ≤ r, box` with `c = −overshoot·l` (not adversarial) or
 * `−(2 − overshoot)·l` (adversarial) and `r = lr·D·(max − min)`, lr halved 20 times over the run. The
 * closest adversarial visited is returned.
 *
 * Differences from foolbox: the trust region is `lr·D·(max−min)` per sample (foolbox multiplies by the
 * whole batch's size N·D: pass `lr·N` to reproduce a foolbox run on N samples); the subproblems are
 * solved by lipnet's own dual bisections (foolbox: BFGS-B, Nelder-Mead for L0) on the same problem;
 * samples without an adversarial start come back unchanged with `success` false (foolbox raises).
 */
export abstract class BrendelBethgeAttack extends Attack {
  readonly kind = 'minimization' as const;
  abstract override readonly distance: 'l0' | 'l1' | 'l2' | 'linf';
  readonly initAttack: Attack | null;
  readonly overshoot: number;
  readonly steps: number;
  readonly lr: number;
  readonly lrDecay: number;
  readonly lrNumDecay: number;
  readonly momentum: number;
  readonly binarySearchSteps: number;
  /** Per-sample solver of the feasible subproblem in this norm. */
  protected abstract readonly solver: DistanceSolver;

  constructor(who: string, args: BrendelBethgeArgs) {
    super();
    const o = defineOptions(who, BRENDEL_BETHGE_SCHEMA).parse(args);
    this.initAttack = o.initAttack;
    this.overshoot = o.overshoot;
    this.steps = o.steps;
    this.lr = o.lr;
    this.lrDecay = o.lrDecay;
    this.lrNumDecay = o.lrNumDecay;
    this.momentum = o.momentum;
    this.binarySearchSteps = o.binarySearchSteps;
  }

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor): Promise<tf.Tensor> {
    const n = x0.shape[0];
    const dim = x0.size / n;
    const [lo, hi] = ctx.bounds;
    const start = await adversarialStart(ctx, x0, this.initAttack, defaultInit);
    if (!start) return tf.clone(x0);
    const ok = start.adversarial;
    const xStart = await searchBoundary(ctx, this.distance, x0, start.points, this.binarySearchSteps);
    const orig = Float64Array.from(await x0.data());
    const x = Float64Array.from(await xStart.data());
    const best = Float32Array.from(await start.points.data());
    tf.dispose([xStart, start.points]);
    for (let i = 0; i < n; i++) if (!ok[i]) best.set(orig.subarray(i * dim, (i + 1) * dim), i * dim);
    const bestDist = Array.from({ length: n }, (_, i) => (ok[i] ? this.hostDistance(orig, best, i, dim) : Infinity));
    const boundary = new Float64Array(n * dim);
    const lrs = new Array<number>(n).fill(this.lr);
    const interval = Math.max(1, Math.floor(this.steps / this.lrNumDecay));
    const rate = dim * (hi - lo);
    for (let step = 1; step <= this.steps; step++) {
      const [ld, grad] = await this.logitDiffAndGrad(ctx, x, x0.shape);
      for (let i = 0; i < n; i++) {
        if (!ok[i]) continue;
        const xi = x.subarray(i * dim, (i + 1) * dim);
        const di = this.hostDistance(orig, x, i, dim);
        if ((ld[i] as number) < 0 && di < (bestDist[i] as number)) {
          bestDist[i] = di;
          best.set(xi, i * dim);
        }
        const bi = boundary.subarray(i * dim, (i + 1) * dim);
        for (let k = 0; k < dim; k++)
          bi[k] = step === 1 ? grad[i * dim + k]! : (1 - this.momentum) * grad[i * dim + k]! + this.momentum * bi[k]!;
        if ((step + 1) % interval === 0) lrs[i] = (lrs[i] as number) * this.lrDecay;
        const l = ld[i] as number;
        const c = l > 0 ? -this.overshoot * l : -(2 - this.overshoot) * l;
        const d = new Float64Array(dim);
        for (let k = 0; k < dim; k++) d[k] = orig[i * dim + k]! - xi[k]!;
        const delta = solveTrustRegion(
          { d, x: Float64Array.from(xi), b: Float64Array.from(bi), lo, hi, c, r: (lrs[i] as number) * rate },
          this.solver,
        );
        for (let k = 0; k < dim; k++) xi[k] = Math.fround(xi[k]! + delta[k]!);
      }
      if (await ctx.tick(step, this.steps)) break;
    }
    await ctx.tick(this.steps, this.steps);
    return tf.tensor(best, x0.shape, 'float32');
  }

  /** Logit difference `z_y − max_{j≠y} z_j` (targeted: its negative) and its input gradient, on the host. */
  private async logitDiffAndGrad(
    ctx: AttackContext,
    x: Float64Array,
    shape: number[],
  ): Promise<[Float32Array, Float32Array]> {
    const [v, g] = tf.tidy(() => {
      const xt = tf.tensor(Float32Array.from(x), shape, 'float32');
      let mK: tf.Tensor | null = null;
      const { grad } = tf.valueAndGrad((xa: tf.Tensor) => {
        mK = tf.keep(margin(ctx.logits(xa), ctx.classes, ctx.targeted));
        return tf.sum(mK) as tf.Scalar;
      })(xt);
      return [mK as unknown as tf.Tensor, grad];
    });
    const out: [Float32Array, Float32Array] = [(await v.data()) as Float32Array, (await g.data()) as Float32Array];
    tf.dispose([v, g]);
    return out;
  }

  /** Distance of sample i of `a` to the clean sample, in this norm (L0: entries differing by > 1e-4, as foolbox). */
  private hostDistance(orig: Float64Array, a: ArrayLike<number>, i: number, dim: number): number {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = Math.abs(a[i * dim + k]! - orig[i * dim + k]!);
      if (this.distance === 'l2') s += v * v;
      else if (this.distance === 'l1') s += v;
      else if (this.distance === 'linf') s = Math.max(s, v);
      else s += v > 1e-4 ? 1 : 0;
    }
    return this.distance === 'l2' ? Math.sqrt(s) : s;
  }
}
