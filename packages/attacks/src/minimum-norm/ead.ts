import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { margin, norms, whereSample } from '../ops';

/** Options of {@link EADAttack}; defaults are foolbox 3.3.4's. */
export interface EADAttackArgs {
  /** Binary-search steps over the constant c. Default 9. */
  binarySearchSteps?: number;
  /** FISTA steps per binary-search step. Default 10000. */
  steps?: number;
  /** Initial step size, decayed as `(1 − k/steps)^½`. Default 1e-2. */
  initialStepsize?: number;
  /** Margin κ required on the logits. Default 0. */
  confidence?: number;
  /** First value of c. Default 1e-3. */
  initialConst?: number;
  /** L1 weight β (shrinkage threshold). Default 1e-2. */
  regularization?: number;
  /** Which adversarial is kept: smallest `β‖δ‖₁ + ‖δ‖₂²` ('EN') or smallest `‖δ‖₁` ('L1'). Default 'EN'. */
  decisionRule?: 'EN' | 'L1';
  /** Stop a FISTA run when the loss did not fall by 0.01 % over a tenth of the steps. Default true. */
  abortEarly?: boolean;
}

const EAD_OPTIONS = defineOptions('EADAttack', {
  binarySearchSteps: opt.integer({ min: 1 }).default(9),
  steps: opt.integer({ min: 1 }).default(10000),
  initialStepsize: opt.number({ gt: 0 }).default(1e-2),
  confidence: opt.number({ min: 0 }).default(0),
  initialConst: opt.number({ gt: 0 }).default(1e-3),
  regularization: opt.number({ min: 0 }).default(1e-2),
  decisionRule: opt.oneOf(['EN', 'L1']).default('EN'),
  abortEarly: opt.boolean().default(true),
});

/**
 * Elastic-net attack (foolbox `EADAttack`, Chen et al. 2018). For each constant c (binary search as in
 * Carlini-Wagner: ×10 until success, then bisection), FISTA minimises
 * `c·max(0, z_y − max_{j≠y} z_j + κ) + ‖x' − x‖₂² + β‖x' − x‖₁` from x' = x:
 * `x_k = S_β(y_k − α_k∇)` (element-wise shrinkage towards x by β, then the bounds), and
 * `y_{k+1} = x_k + k/(k+3)·(x_k − x_{k−1})`, `α_k = α₀·(1 − k/steps)^½`. Adversarial x_k (logits with κ
 * added to the label column) are kept by the decision rule. A sample for which nothing was found comes
 * back unchanged (foolbox: zeros).
 *
 * @example
 * const { clipped } = await new EADAttack({ binarySearchSteps: 5, steps: 1000 }).run(model, x, y);
 */
export class EADAttack extends Attack {
  readonly name: string = 'EADAttack';
  readonly distance = 'l1' as const;
  readonly kind = 'minimization' as const;
  readonly binarySearchSteps: number;
  readonly steps: number;
  readonly initialStepsize: number;
  readonly confidence: number;
  readonly initialConst: number;
  readonly regularization: number;
  readonly decisionRule: 'EN' | 'L1';
  readonly abortEarly: boolean;

  constructor(args: EADAttackArgs = {}) {
    super();
    const o = EAD_OPTIONS.parse(args);
    this.binarySearchSteps = o.binarySearchSteps;
    this.steps = o.steps;
    this.initialStepsize = o.initialStepsize;
    this.confidence = o.confidence;
    this.initialConst = o.initialConst;
    this.regularization = o.regularization;
    this.decisionRule = o.decisionRule;
    this.abortEarly = o.abortEarly;
  }

  /** Shrinkage-thresholding towards x0 by β, then the bounds (foolbox `_project_shrinkage_thresholding`). */
  private shrink(z: tf.Tensor, x0: tf.Tensor, lo: number, hi: number): tf.Tensor {
    const beta = this.regularization;
    const d = tf.sub(z, x0);
    const up = tf.minimum(tf.sub(z, beta), hi);
    const down = tf.maximum(tf.add(z, beta), lo);
    return tf.where(tf.greater(d, beta), up, tf.where(tf.less(d, -beta), down, x0));
  }

  /** Decision-rule norm of x' − x. */
  private ruleNorm(d: tf.Tensor): tf.Tensor {
    const l1 = norms(d, 'l1');
    return this.decisionRule === 'L1' ? l1 : tf.add(tf.mul(l1, this.regularization), tf.square(norms(d)));
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const [lo, hi] = ctx.bounds;
    const kappa = this.confidence;
    const shift = tf.tidy(() => tf.mul(tf.oneHot(ctx.classes, ctx.numClasses), ctx.targeted ? -kappa : kappa));
    let bestAdv: tf.Tensor = tf.clone(x);
    let bestNorm: tf.Tensor = tf.fill([n], Infinity);
    const consts = new Float64Array(n).fill(this.initialConst);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n).fill(Infinity);
    const total = this.binarySearchSteps * this.steps;
    const checkEvery = Math.ceil(this.steps / 10);
    let stop = false;
    try {
      for (let bs = 0; bs < this.binarySearchSteps && !stop; bs++) {
        if (bs === this.binarySearchSteps - 1 && this.binarySearchSteps >= 10)
          for (let i = 0; i < n; i++) consts[i] = Math.min(upper[i] as number, 1e10);
        const c = tf.tensor1d(Float32Array.from(consts));
        let xk: tf.Tensor = tf.clone(x);
        let yk: tf.Tensor = tf.clone(x);
        let found: tf.Tensor = tf.zeros([n], 'bool');
        let prevLoss = Infinity;
        try {
          for (let it = 0; it < this.steps; it++) {
            const alpha = this.initialStepsize * Math.sqrt(1 - it / this.steps);
            const out = tf.tidy(() => {
              const { value, grad } = tf.valueAndGrad((y: tf.Tensor) => {
                const adv = tf.mul(tf.relu(tf.add(margin(ctx.logits(y), ctx.classes, ctx.targeted), kappa)), c);
                return tf.add(tf.sum(adv), tf.sum(tf.square(tf.sub(y, x)))) as tf.Scalar;
              })(yk);
              const xNew = this.shrink(tf.sub(yk, tf.mul(grad, alpha)), x, lo, hi);
              const yNew = tf.add(xNew, tf.mul(tf.sub(xNew, xk), it / (it + 3)));
              const isAdv = ctx.isAdversarial(tf.add(ctx.logits(xNew), shift));
              const nrm = this.ruleNorm(tf.sub(xNew, x));
              const better = tf.logicalAnd(isAdv, tf.less(nrm, bestNorm));
              return {
                value,
                xk: xNew,
                yk: yNew,
                found: tf.logicalOr(found, isAdv),
                bestAdv: whereSample(better, xNew, bestAdv),
                bestNorm: tf.where(better, nrm, bestNorm),
              };
            });
            // foolbox's abort-early check comes before this step's adversarial is recorded.
            if (this.abortEarly && it % checkEvery === 0) {
              const loss = (await out.value.data())[0] as number;
              if (!(loss <= 0.9999 * prevLoss)) {
                tf.dispose([out.value, out.xk, out.yk, out.found, out.bestAdv, out.bestNorm]);
                break;
              }
              prevLoss = loss;
            }
            tf.dispose([xk, yk, found, bestAdv, bestNorm, out.value]);
            ({ xk, yk, found, bestAdv, bestNorm } = out);
            if (await ctx.tick(bs * this.steps + it + 1, total)) {
              stop = true;
              break;
            }
          }
          const f = await found.data();
          for (let i = 0; i < n; i++) {
            const ci = consts[i] as number;
            if (f[i]) upper[i] = ci;
            else lower[i] = ci;
            consts[i] = upper[i] === Infinity ? ci * 10 : ((lower[i] as number) + (upper[i] as number)) / 2;
          }
        } finally {
          tf.dispose([c, xk, yk, found]);
        }
      }
      await ctx.tick(total, total);
      const r = bestAdv;
      bestAdv = tf.zeros([0]);
      return r;
    } finally {
      tf.dispose([shift, bestAdv, bestNorm]);
    }
  }
}
