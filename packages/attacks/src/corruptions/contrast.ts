import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample } from '../ops';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from './flexible-distance';

/** Options shared by the contrast-reduction attacks. */
export interface ContrastArgs {
  /** Grey level the image is blended towards, relative to the bounds (`min + target·(max − min)`). Default 0.5. */
  target?: number;
}

/** `target`: the grey level in [0, 1] relative to the bounds, default 0.5. */
const TARGET = opt.number({ min: 0, max: 1 }).default(0.5);

const L2_CONTRAST_OPTIONS = defineOptions('L2ContrastReductionAttack', { target: TARGET });

/** `target_value − x`, the direction of contrast reduction. */
function towardsGrey(x: tf.Tensor, target: number, [lo, hi]: readonly [number, number]): tf.Tensor {
  return tf.sub(lo + target * (hi - lo), x);
}

/**
 * Contrast reduction with a fixed L2 budget (foolbox `L2ContrastReductionAttack`):
 * `x' = clip(x + min(1, ε/‖t − x‖₂)·(t − x))`, t the grey target. Default `target 0.5`.
 *
 * @example
 * const [r] = await new L2ContrastReductionAttack().run(model, x, y, { epsilons: [1.0] });
 */
export class L2ContrastReductionAttack extends Attack {
  readonly name: string = 'L2ContrastReductionAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'fixedEpsilon' as const;
  readonly target: number;
  /** Never calls the model. */
  protected override readonly needsGradients: boolean = false;
  constructor(args: ContrastArgs = {}) {
    super();
    this.target = L2_CONTRAST_OPTIONS.parse(args).target;
  }
  protected attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    const [lo, hi] = ctx.bounds;
    return Promise.resolve(
      tf.tidy(() => {
        const dir = towardsGrey(x, this.target, ctx.bounds);
        const scale = tf.minimum(tf.div(epsilon as number, tf.maximum(norms(dir), 1e-12)), 1);
        return tf.clipByValue(tf.add(x, tf.mul(dir, perSample(scale, x.rank))), lo, hi);
      }),
    );
  }
}

/** Options of {@link BinarySearchContrastReductionAttack}. */
export interface BinarySearchContrastArgs extends ContrastArgs, FlexibleDistanceArgs {
  /** Bisections of the blend factor. Default 15. */
  binarySearchSteps?: number;
}

/**
 * Smallest contrast reduction that fools the model, by bisection of e in `x + e·(t − x)`
 * (foolbox `BinarySearchContrastReductionAttack`). Defaults `binarySearchSteps 15, target 0.5`.
 *
 * @example
 * const { clipped } = await new BinarySearchContrastReductionAttack({ distance: 'l2' }).run(model, x, y);
 */
export class BinarySearchContrastReductionAttack extends FlexibleDistanceAttack {
  readonly name: string = 'BinarySearchContrastReductionAttack';
  readonly binarySearchSteps: number;
  readonly target: number;
  constructor(args: BinarySearchContrastArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('BinarySearchContrastReductionAttack', args, {
      binarySearchSteps: opt.integer({ min: 1 }).default(15),
      target: TARGET,
    });
    super('BinarySearchContrastReductionAttack', o.distance);
    this.binarySearchSteps = o.binarySearchSteps;
    this.target = o.target;
  }
  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const dir = tf.tidy(() => towardsGrey(x, this.target, ctx.bounds));
    const lower = new Float32Array(n);
    const upper = new Float32Array(n).fill(1);
    let e = new Float32Array(n);
    for (let k = 0; k < this.binarySearchSteps; k++) {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(tf.add(x, tf.mul(dir, perSample(tf.tensor1d(e), x.rank))))));
      const adv = await a.data();
      a.dispose();
      for (let i = 0; i < n; i++) {
        if (adv[i]) upper[i] = e[i] as number;
        else lower[i] = e[i] as number;
      }
      e = lower.map((l, i) => (l + (upper[i] as number)) / 2);
      if (await ctx.tick(k + 1, this.binarySearchSteps)) break;
    }
    const out = tf.tidy(() => tf.add(x, tf.mul(dir, perSample(tf.tensor1d(upper), x.rank))));
    dir.dispose();
    return out;
  }
}

/** Options of {@link LinearSearchContrastReductionAttack}. */
export interface LinearSearchContrastArgs extends ContrastArgs, FlexibleDistanceArgs {
  /** Blend factors tried, `k/steps` for k = 0…steps−1. Default 1000. */
  steps?: number;
}

/**
 * Smallest contrast reduction that fools the model, by linear search of e in `x + e·(t − x)`
 * (foolbox `LinearSearchContrastReductionAttack`). Defaults `steps 1000, target 0.5`.
 *
 * @example
 * const { clipped } = await new LinearSearchContrastReductionAttack({ distance: 'l2' }).run(model, x, y);
 */
export class LinearSearchContrastReductionAttack extends FlexibleDistanceAttack {
  readonly name: string = 'LinearSearchContrastReductionAttack';
  readonly steps: number;
  readonly target: number;
  constructor(args: LinearSearchContrastArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('LinearSearchContrastReductionAttack', args, {
      steps: opt.integer({ min: 1 }).default(1000),
      target: TARGET,
    });
    super('LinearSearchContrastReductionAttack', o.distance);
    this.steps = o.steps;
    this.target = o.target;
  }
  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const dir = tf.tidy(() => towardsGrey(x, this.target, ctx.bounds));
    const best = new Float32Array(n).fill(1);
    let e = 0;
    for (let k = 0; k < this.steps && best.some((b) => b === 1); k++) {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(tf.add(x, tf.mul(dir, e)))));
      const adv = await a.data();
      a.dispose();
      for (let i = 0; i < n; i++) if (adv[i] && best[i] === 1) best[i] = e;
      e += 1 / this.steps;
      if (await ctx.tick(k + 1, this.steps)) break;
    }
    const out = tf.tidy(() => tf.add(x, tf.mul(dir, perSample(tf.tensor1d(best), x.rank))));
    dir.dispose();
    return out;
  }
}
