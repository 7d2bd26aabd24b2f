import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { defineOptions, opt } from '@lipnet/core';
import { crossEntropy, norms, perSample, whereSample } from './ops';

/** Options of {@link DDNAttack}; defaults are foolbox 3.3.4's. */
export interface DDNAttackArgs {
  /** Initial ε (radius of the sphere δ is projected onto). Default 1.0. */
  initEpsilon?: number;
  /** Iterations. Default 100. */
  steps?: number;
  /** ε is multiplied by 1−γ when adversarial, 1+γ otherwise. Default 0.05. */
  gamma?: number;
}

const DDN_OPTIONS = defineOptions('DDNAttack', {
  initEpsilon: opt.number({ gt: 0 }).default(1.0),
  steps: opt.integer({ min: 1 }).default(100),
  gamma: opt.number({ gt: 0, lt: 1 }).default(0.05),
});

/**
 * Decoupled Direction and Norm attack (foolbox `DDNAttack`; Rony et al. 2019). Step i: at `x + δ`,
 * keep δ if adversarial and smallest so far, step `δ ← δ + αᵢ·∇CE/‖∇CE‖` (descent for targeted),
 * `ε ← ε·(1−γ)` if adversarial else `ε·(1+γ)` (capped at the worst-case norm), rescale δ to norm ε,
 * clip `x + δ` to the bounds. `αᵢ = 0.01 + 0.99·(1 + cos(πi/steps))/2`. A zero gradient is replaced by
 * seeded Gaussian noise, as in foolbox.
 *
 * @example
 * const { clipped } = await new DDNAttack({ steps: 100 }).run(model, x, y, { seed: 0 });
 */
export class DDNAttack extends Attack {
  readonly name: string = 'DDNAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  readonly initEpsilon: number;
  readonly steps: number;
  readonly gamma: number;

  constructor(args: DDNAttackArgs = {}) {
    super();
    const o = DDN_OPTIONS.parse(args);
    this.initEpsilon = o.initEpsilon;
    this.steps = o.steps;
    this.gamma = o.gamma;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const [lo, hi] = ctx.bounds;
    const sign = ctx.targeted ? -1 : 1;
    const worst = tf.tidy(() => norms(tf.maximum(tf.sub(x, lo), tf.sub(hi, x))));
    let delta: tf.Tensor = tf.zerosLike(x);
    let bestDelta: tf.Tensor = tf.zerosLike(x);
    let bestNorm: tf.Tensor = tf.clone(worst);
    let eps: tf.Tensor = tf.fill([n], this.initEpsilon);
    try {
      for (let i = 0; i < this.steps; i++) {
        const stepsize = 0.01 + ((1 - 0.01) * (1 + Math.cos((Math.PI * i) / this.steps))) / 2;
        const seed = ctx.rng.int();
        const out = tf.tidy(() => {
          let zK: tf.Tensor | null = null;
          const xAdv = tf.add(x, delta);
          const { grad } = tf.valueAndGrad((xa: tf.Tensor) => {
            const z = ctx.logits(xa);
            zK = tf.keep(z);
            return tf.mul(tf.sum(crossEntropy(z, ctx.classes)), sign) as tf.Scalar;
          })(xAdv);
          const z = zK as unknown as tf.Tensor;
          // foolbox normalize_gradient_l2_norms: zero gradients become Gaussian noise.
          const gn0 = norms(grad);
          const g = whereSample(tf.equal(gn0, 0), tf.randomNormal(grad.shape, 0, 1, 'float32', seed), grad);
          const gUnit = tf.div(g, perSample(tf.maximum(norms(g), 1e-12), x.rank));
          const isAdv = ctx.isAdversarial(z);
          const l2 = norms(delta);
          const both = tf.logicalAnd(isAdv, tf.lessEqual(l2, bestNorm));
          const bestNorm2 = tf.where(both, l2, bestNorm);
          const bestDelta2 = whereSample(both, delta, bestDelta);
          let d2 = tf.add(delta, tf.mul(gUnit, stepsize));
          const eps2 = tf.minimum(
            tf.mul(eps, tf.where(isAdv, tf.fill([n], 1 - this.gamma), tf.fill([n], 1 + this.gamma))),
            worst,
          );
          d2 = tf.mul(d2, perSample(tf.div(eps2, tf.maximum(norms(d2), 1e-12)), x.rank));
          d2 = tf.sub(tf.clipByValue(tf.add(x, d2), lo, hi), x);
          z.dispose();
          return { delta: d2, bestDelta: bestDelta2, bestNorm: bestNorm2, eps: eps2 };
        });
        tf.dispose([delta, bestDelta, bestNorm, eps]);
        ({ delta, bestDelta, bestNorm, eps } = out);
        if (await ctx.tick(i + 1, this.steps)) break;
      }
      await ctx.tick(this.steps, this.steps);
      return tf.tidy(() => tf.add(x, bestDelta));
    } finally {
      tf.dispose([worst, delta, bestDelta, bestNorm, eps]);
    }
  }
}
