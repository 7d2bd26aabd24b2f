import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { LipnetOptionError, defineOptions, formatValue, opt } from '@lipnet/core';
import { norms, perSample } from '../ops';

/** Options of {@link VirtualAdversarialAttack}. */
export interface VirtualAdversarialArgs {
  /** Power-iteration steps. Required (foolbox has no default). */
  steps: number;
  /** Length of the probe perturbation ξ. Default 1e-6. */
  xi?: number;
}

const VIRTUAL_ADVERSARIAL_OPTIONS = defineOptions('VirtualAdversarialAttack', {
  steps: opt
    .integer({ min: 1 })
    .describedAs('an integer ≥ 1', 'Pass e.g. `new VirtualAdversarialAttack({ steps: 1 })`.')
    .required(),
  xi: opt.number({ gt: 0 }).default(1e-6),
});

/**
 * Virtual adversarial attack (foolbox `VirtualAdversarialAttack`, Miyato et al. 2015): power
 * iteration for the direction that most changes the prediction, `d ← ∇_d KL(p(x) ‖ p(x + ξ·d/‖d‖))·(max−min)`
 * from a seeded Gaussian d, then `x' = clip(x + ε·d/‖d‖₂)`. It ignores the labels' direction (the KL
 * is even in d to second order), so on a linear model it finds ±(w_y − w_j). Untargeted only.
 *
 * @example
 * const [r] = await new VirtualAdversarialAttack({ steps: 1 }).run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class VirtualAdversarialAttack extends Attack {
  readonly name: string = 'VirtualAdversarialAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'fixedEpsilon' as const;
  protected override readonly supportsTargeted = false;
  readonly steps: number;
  readonly xi: number;
  constructor(args: VirtualAdversarialArgs) {
    super();
    const o = VIRTUAL_ADVERSARIAL_OPTIONS.parse(args);
    this.steps = o.steps;
    this.xi = o.xi;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    const [lo, hi] = ctx.bounds;
    const clean = tf.tidy(() => tf.logSoftmax(ctx.logits(x)));
    let d = tf.randomNormal(x.shape, 0, 1, 'float32', ctx.rng.int());
    try {
      for (let it = 0; it < this.steps; it++) {
        const next = tf.tidy(() => {
          const probe = tf.mul(d, perSample(tf.div(this.xi, norms(d)), x.rank));
          const kl = (dd: tf.Tensor) => {
            const q = tf.logSoftmax(ctx.logits(tf.add(x, dd)));
            return tf.sum(tf.mul(tf.exp(clean), tf.sub(clean, q))) as tf.Scalar;
          };
          return tf.mul(tf.grad(kl)(probe), hi - lo);
        });
        d.dispose();
        d = next;
        const tiny = tf.tidy(() => tf.any(tf.less(norms(d), 1e-30)).dataSync()[0]);
        if (tiny)
          throw new LipnetOptionError({
            code: 'INVALID_OPTION',
            who: this.name,
            option: 'xi',
            expected: 'be large enough for a non-zero KL gradient',
            got: formatValue(this.xi),
            fix: 'Pass a larger `xi` (e.g. 1e-3).',
          });
        if (await ctx.tick(it + 1, this.steps)) break;
      }
      const eps = epsilon as number;
      return tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(d, perSample(tf.div(eps, norms(d)), x.rank))), lo, hi));
    } finally {
      tf.dispose([clean, d]);
    }
  }
}
