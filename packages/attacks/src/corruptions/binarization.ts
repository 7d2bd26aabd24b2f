import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { LipnetInputError, LipnetOptionError, opt } from '@lipnet/core';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from './flexible-distance';

/** Options of {@link BinarizationRefinementAttack}; defaults are foolbox 3.3.4's. */
export interface BinarizationRefinementArgs extends FlexibleDistanceArgs {
  /** Threshold the model binarises its input at. Default (min + max)/2. */
  threshold?: number;
  /** Whether the threshold itself counts as the upper ('upper') or lower ('lower') value. Default 'upper'. */
  includedIn?: 'lower' | 'upper';
}

/** The float32 next to v towards +∞ (`dir` 1) or −∞ (`dir` −1). */
function nextFloat32(v: number, dir: 1 | -1): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  if (v === 0) return dir * 1.401298464324817e-45;
  i[0] = (i[0] as number) + (v > 0 === dir > 0 ? 1 : -1);
  return f[0] as number;
}

/**
 * Binarization refinement (foolbox `BinarizationRefinementAttack`): for a model that binarises its input
 * at `threshold`, moves each pixel of an adversarial (`startingPoints`, required) as close to the clean
 * input as possible without changing its binarised value: pixels on the same side as the clean one take
 * the clean value, the others the float32 next to the threshold. Raises when the model's decisions show
 * that it does not binarise at that threshold.
 *
 * @example
 * const { clipped } = await new BinarizationRefinementAttack().run(model, x, y, { startingPoints: advs });
 */
export class BinarizationRefinementAttack extends FlexibleDistanceAttack {
  readonly name: string = 'BinarizationRefinementAttack';
  readonly threshold: number | null;
  readonly includedIn: 'lower' | 'upper';
  constructor(args: BinarizationRefinementArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('BinarizationRefinementAttack', args, {
      threshold: opt.number().describedAs('a finite number', 'Pass the value the model thresholds at.'),
      includedIn: opt.oneOf(['lower', 'upper']).default('upper'),
    });
    super('BinarizationRefinementAttack', o.distance);
    this.threshold = o.threshold ?? null;
    this.includedIn = o.includedIn;
  }
  protected async attackBatch(ctx: AttackContext, o: tf.Tensor): Promise<tf.Tensor> {
    const x = ctx.startingPoints;
    if (!x)
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: this.name,
        option: 'startingPoints',
        expected: 'be given (this attack refines adversarials)',
        got: 'none',
        fix: 'Pass `startingPoints` in the run options, e.g. another attack’s `clipped`.',
      });
    const [lo, hi] = ctx.bounds;
    const t = Math.fround(this.threshold ?? (lo + hi) / 2);
    const [lower, upper] = this.includedIn === 'lower' ? [t, nextFloat32(t, 1)] : [nextFloat32(t, -1), t];
    const p = tf.tidy(() => {
      const oLow = tf.lessEqual(o, lower);
      const xLow = tf.lessEqual(x, lower);
      const oHigh = tf.greaterEqual(o, upper);
      const xHigh = tf.greaterEqual(x, upper);
      const full = (v: number) => tf.fill(o.shape, v);
      let r = tf.where(tf.logicalAnd(oLow, xLow), o, full(NaN));
      r = tf.where(tf.logicalAnd(oLow, xHigh), full(upper), r);
      r = tf.where(tf.logicalAnd(oHigh, xLow), full(lower), r);
      return tf.where(tf.logicalAnd(oHigh, xHigh), o, r);
    });
    const [nan, mismatch] = tf.tidy(() => {
      const a1 = ctx.isAdversarial(ctx.logits(x));
      const a2 = ctx.isAdversarial(ctx.logits(p));
      return [tf.any(tf.isNaN(p)).dataSync()[0], tf.any(tf.notEqual(a1, a2)).dataSync()[0]];
    });
    if (nan || mismatch) {
      p.dispose();
      throw new LipnetInputError({
        code: 'INVALID_VALUE',
        who: this.name,
        option: 'threshold',
        expected: `match the model's binarisation (${t}, included in '${this.includedIn}')`,
        got: 'decisions that change on the refined points',
        fix: 'Pass the threshold the model uses.',
      });
    }
    await ctx.tick(1, 1);
    return p;
  }
}
