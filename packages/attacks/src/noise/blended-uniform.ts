import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { opt } from '@lipnet/core';
import { perSample, whereSample } from '../ops';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from '../corruptions/flexible-distance';

/** Options of {@link LinearSearchBlendedUniformNoiseAttack}; defaults are foolbox 3.3.4's. */
export interface LinearSearchBlendedUniformNoiseArgs extends FlexibleDistanceArgs {
  /** Uniform-noise images drawn (per sample) until one is adversarial. Default 1000. */
  directions?: number;
  /** Blend factors tried, `linspace(0, 1, steps + 1)`. Default 1000. */
  steps?: number;
}

/** The rules of {@link LinearSearchBlendedUniformNoiseArgs} (besides `distance`). */
const BLENDED_SCHEMA = {
  directions: opt.integer({ min: 1 }).default(1000),
  steps: opt.integer({ min: 1 }).default(1000),
};

/**
 * Blended uniform noise (foolbox `LinearSearchBlendedUniformNoiseAttack`): draw uniform noise in the
 * bounds until it is adversarial (at most `directions` draws), then return `(1−e)·x + e·noise` for the
 * smallest adversarial e on `linspace(0, 1, steps + 1)`. The default start of the Brendel-Bethge and
 * Boundary attacks. Samples whose noise never became adversarial come back unchanged (`success` false).
 *
 * @example
 * const { clipped } = await new LinearSearchBlendedUniformNoiseAttack({ distance: 'l2' }).run(model, x, y, { seed: 0 });
 */
export class LinearSearchBlendedUniformNoiseAttack extends FlexibleDistanceAttack {
  readonly name: string = 'LinearSearchBlendedUniformNoiseAttack';
  readonly directions: number;
  readonly steps: number;
  constructor(args: LinearSearchBlendedUniformNoiseArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('LinearSearchBlendedUniformNoiseAttack', args, BLENDED_SCHEMA);
    super('LinearSearchBlendedUniformNoiseAttack', o.distance);
    this.directions = o.directions;
    this.steps = o.steps;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const [lo, hi] = ctx.bounds;
    const isAdv = async (t: tf.Tensor) => {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(t)));
      const v = (await a.data()) as Uint8Array;
      a.dispose();
      return v;
    };
    let noise = tf.randomUniform(x.shape, lo, hi, 'float32', ctx.rng.int());
    const have = Array.from(await isAdv(noise), Boolean);
    for (let j = 1; j < this.directions && have.some((h) => !h); j++) {
      const fresh = tf.randomUniform(x.shape, lo, hi, 'float32', ctx.rng.int());
      const ok = await isAdv(fresh);
      const take = have.map((h, i) => !h && Boolean(ok[i]));
      const next = tf.tidy(() => whereSample(tf.tensor1d(take.map(Number)), fresh, noise));
      tf.dispose([fresh, noise]);
      noise = next;
      take.forEach((t, i) => t && (have[i] = true));
      if (await ctx.tick(j, this.directions + this.steps)) break;
    }
    const best = new Float32Array(n).fill(1);
    for (let s = 0; s <= this.steps; s++) {
      const e = Math.fround(s / this.steps);
      const blend = tf.tidy(() => tf.add(tf.mul(x, 1 - e), tf.mul(noise, e)));
      const ok = await isAdv(blend);
      blend.dispose();
      for (let i = 0; i < n; i++) if (ok[i] && e < (best[i] as number)) best[i] = e;
      if (best.every((b, i) => b < 1 || !have[i])) break;
    }
    await ctx.tick(this.directions + this.steps, this.directions + this.steps);
    const out = tf.tidy(() => {
      const w = perSample(tf.tensor1d(best), x.rank);
      return tf.add(tf.mul(x, tf.sub(1, w)), tf.mul(noise, w));
    });
    noise.dispose();
    return out;
  }
}
