import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample, whereSample } from '../ops';

/** Options of {@link SaltAndPepperNoiseAttack}; defaults are foolbox 3.3.4's. */
export interface SaltAndPepperNoiseArgs {
  /** Noise levels tried. Default 1000. */
  steps?: number;
  /** One draw per pixel for all its channels (channels-last: the last axis when the input has rank > 2). Default true. */
  acrossChannels?: boolean;
  /** Channel axis for `acrossChannels` (negative counts from the end). Default: the last axis of rank > 2 inputs. */
  channelAxis?: number;
}

const SALT_AND_PEPPER_OPTIONS = defineOptions('SaltAndPepperNoiseAttack', {
  steps: opt.integer({ min: 1 }).default(1000),
  acrossChannels: opt.boolean().default(true),
  channelAxis: opt.integer().describedAs('an integer', 'Pass e.g. -1 (channels-last).').orNull().default(null),
});

/**
 * Salt-and-pepper noise (foolbox `SaltAndPepperNoiseAttack`, L2 minimisation): step k sets each pixel to
 * the maximum with probability p/2 and to the minimum with probability p/2; p grows linearly from
 * 1/steps, and after each new closest adversarial the search restarts between p/2 and 1.2·p with the
 * remaining steps. The closest adversarial (L2) is kept.
 *
 * @example
 * const { clipped } = await new SaltAndPepperNoiseAttack().run(model, x, y, { seed: 0 });
 */
export class SaltAndPepperNoiseAttack extends Attack {
  readonly name: string = 'SaltAndPepperNoiseAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  readonly steps: number;
  readonly acrossChannels: boolean;
  readonly channelAxis: number | null;
  /** Reads only the model's argmax: integer logits are fine. */
  protected override readonly needsGradients: boolean = false;

  constructor(args: SaltAndPepperNoiseArgs = {}) {
    super();
    const o = SALT_AND_PEPPER_OPTIONS.parse(args);
    this.steps = o.steps;
    this.acrossChannels = o.acrossChannels;
    this.channelAxis = o.channelAxis;
  }

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor): Promise<tf.Tensor> {
    const n = x0.shape[0];
    const [lo, hi] = ctx.bounds;
    const shape = x0.shape.slice();
    if (this.acrossChannels && x0.rank > 2) {
      const axis = this.channelAxis === null ? x0.rank - 1 : ((this.channelAxis % x0.rank) + x0.rank) % x0.rank;
      shape[axis] = 1;
    }
    const r = hi - lo;
    const isAdv0 = tf.tidy(() => ctx.isAdversarial(ctx.logits(x0)));
    let result: tf.Tensor = tf.clone(x0);
    let bestNorm: tf.Tensor = tf.tidy(() => tf.where(isAdv0, tf.zeros([n]), tf.fill([n], Infinity)));
    isAdv0.dispose();
    let minP: tf.Tensor = tf.zeros([n]);
    let maxP: tf.Tensor = tf.ones([n]);
    let stepsizes: tf.Tensor = tf.fill([n], 1 / this.steps);
    let p: tf.Tensor = tf.clone(stepsizes);
    for (let step = 0; step < this.steps; step++) {
      const seed = ctx.rng.int();
      const out = tf.tidy(() => {
        const u = tf.randomUniform(shape, 0, 1, 'float32', seed);
        const pk = perSample(p, x0.rank);
        const salt = tf.mul(tf.cast(tf.greaterEqual(u, tf.sub(1, tf.div(pk, 2))), 'float32'), r);
        const pepper = tf.mul(tf.cast(tf.less(u, tf.div(pk, 2)), 'float32'), -r);
        const x = tf.clipByValue(tf.add(tf.add(x0, salt), pepper), lo, hi);
        const nrm = norms(tf.sub(x, x0));
        const best = tf.logicalAnd(ctx.isAdversarial(ctx.logits(x)), tf.less(nrm, bestNorm));
        const minP2 = tf.where(best, tf.mul(p, 0.5), minP);
        const maxP2 = tf.where(best, tf.minimum(tf.mul(p, 1.2), 1), maxP);
        const steps2 = tf.where(best, tf.div(tf.sub(maxP2, minP2), this.steps - step), stepsizes);
        const reset = tf.equal(p, maxP2);
        const p2 = tf.minimum(tf.add(tf.where(tf.logicalOr(best, reset), minP2, p), steps2), maxP2);
        return {
          result: whereSample(best, x, result),
          bestNorm: tf.where(best, nrm, bestNorm),
          minP: minP2,
          maxP: maxP2,
          stepsizes: steps2,
          p: p2,
        };
      });
      tf.dispose([result, bestNorm, minP, maxP, stepsizes, p]);
      ({ result, bestNorm, minP, maxP, stepsizes, p } = out);
      if (await ctx.tick(step + 1, this.steps)) break;
    }
    tf.dispose([bestNorm, minP, maxP, stepsizes, p]);
    return result;
  }
}
