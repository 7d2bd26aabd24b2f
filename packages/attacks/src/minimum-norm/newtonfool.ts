import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample, pick } from '../ops';

/** Options of {@link NewtonFoolAttack}; defaults are foolbox 3.3.4's. */
export interface NewtonFoolAttackArgs {
  /** Newton steps. Default 100. */
  steps?: number;
  /** η, bounding each decrease of the label's probability by `η‖x₀‖₂‖∇p‖₂`. Default 0.01. */
  stepsize?: number;
}

const NEWTON_FOOL_OPTIONS = defineOptions('NewtonFoolAttack', {
  steps: opt.integer({ min: 1 }).default(100),
  stepsize: opt.number({ gt: 0 }).default(0.01),
});

/**
 * NewtonFool (foolbox `NewtonFoolAttack`, Jang et al. 2017): Newton steps on the softmax probability p of
 * the label towards 1/C. Step i: `δᵢ = min(η‖x₀‖₂‖∇p‖₂, p − 1/C)`, `x ← clip(x − δᵢ·∇p/‖∇p‖₂²)`; samples
 * already misclassified stop moving. Untargeted only.
 *
 * Difference from foolbox 3.3.4: foolbox computes `‖x₀‖₂²·‖∇p‖₂²` and divides by `‖∇p‖₂⁴` (squared norms
 * where the paper has norms), which scales every step by `‖x₀‖₂/‖∇p‖₂` or `1/‖∇p‖₂²` and overshoots the
 * boundary; lipnet follows the paper.
 *
 * @example
 * const { clipped } = await new NewtonFoolAttack().run(model, x, y);
 */
export class NewtonFoolAttack extends Attack {
  readonly name: string = 'NewtonFoolAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  protected override readonly supportsTargeted = false;
  readonly steps: number;
  readonly stepsize: number;

  constructor(args: NewtonFoolAttackArgs = {}) {
    super();
    const o = NEWTON_FOOL_OPTIONS.parse(args);
    this.steps = o.steps;
    this.stepsize = o.stepsize;
  }

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor): Promise<tf.Tensor> {
    const [lo, hi] = ctx.bounds;
    const x0Norm = tf.tidy(() => norms(x0));
    let x = tf.clone(x0);
    try {
      for (let i = 0; i < this.steps; i++) {
        const next = tf.tidy(() => {
          let zK: tf.Tensor | null = null;
          const { grad } = tf.valueAndGrad((xi: tf.Tensor) => {
            const z = ctx.logits(xi);
            zK = tf.keep(z);
            return tf.sum(pick(tf.softmax(z), ctx.classes)) as tf.Scalar;
          })(x);
          const z = zK as unknown as tf.Tensor;
          const p = pick(tf.softmax(z), ctx.classes);
          const gn = norms(grad);
          const a = tf.mul(tf.mul(x0Norm, gn), this.stepsize);
          const b = tf.sub(p, 1 / ctx.numClasses);
          const active = tf.cast(tf.logicalNot(ctx.isAdversarial(z)), 'float32');
          const delta = tf.mul(tf.minimum(a, b), active);
          const step = tf.mul(grad, perSample(tf.div(delta, tf.maximum(tf.square(gn), 1e-30)), x.rank));
          z.dispose();
          return tf.clipByValue(tf.sub(x, step), lo, hi);
        });
        x.dispose();
        x = next;
        if (await ctx.tick(i + 1, this.steps)) break;
      }
      return x;
    } finally {
      x0Norm.dispose();
    }
  }
}
