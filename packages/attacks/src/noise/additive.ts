import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample, whereSample } from '../ops';
import { clippingAwareScale } from './clipping-aware';

/** How the noise is scaled to ε: L2 or L∞ norm of the noise, or L2 norm after clipping (Rauber & Bethge 2020). */
type Scaling = 'l2' | 'linf' | 'l2ClippingAware';

/** Options of the repeated additive-noise attacks; defaults are foolbox 3.3.4's. */
export interface RepeatedNoiseArgs {
  /** Noise draws per sample at most. Default 100. */
  repeats?: number;
  /** Skip samples that are already adversarial without noise. Default true. */
  checkTrivial?: boolean;
}

/** The rules of {@link RepeatedNoiseArgs}. */
const REPEATED_NOISE_SCHEMA = {
  repeats: opt.integer({ min: 1 }).default(100),
  checkTrivial: opt.boolean().default(true),
};

/**
 * foolbox `BaseAdditiveNoiseAttack` / `BaseRepeatedAdditiveNoiseAttack`: `x' = clip(x + η·p)` with p
 * Gaussian or uniform in [−1, 1] and η so that `‖η·p‖ = ε` (L2 or L∞) or `‖clip(x + η·p) − x‖₂ = ε`
 * (clipping-aware). The repeated form draws up to `repeats` times and keeps the first adversarial.
 */
export abstract class AdditiveNoiseAttack extends Attack {
  readonly kind = 'fixedEpsilon' as const;
  abstract override readonly distance: 'l2' | 'linf';
  protected abstract readonly noise: 'gaussian' | 'uniform';
  protected abstract readonly scaling: Scaling;
  readonly repeats: number;
  readonly checkTrivial: boolean;

  /** Only the noise reads the model's argmax: integer logits are fine. */
  protected override readonly needsGradients: boolean = false;

  /**
   * `repeated`: the `…Repeated…` attacks, which take {@link RepeatedNoiseArgs}; the single-draw ones
   * take no options (any key is refused).
   */
  constructor(who: string, args: RepeatedNoiseArgs | Record<string, never> | undefined, repeated: boolean) {
    super();
    if (repeated) {
      const o = defineOptions(who, REPEATED_NOISE_SCHEMA).parse(args);
      this.repeats = o.repeats;
      this.checkTrivial = o.checkTrivial;
    } else {
      defineOptions(who, {}).parse(args);
      this.repeats = 1;
      this.checkTrivial = false;
    }
  }

  /** One scaled, clipped noise draw. */
  private async draw(ctx: AttackContext, x: tf.Tensor, eps: number): Promise<tf.Tensor> {
    const [lo, hi] = ctx.bounds;
    const seed = ctx.rng.int();
    const p = tf.tidy(() =>
      this.noise === 'gaussian'
        ? tf.randomNormal(x.shape, 0, 1, 'float32', seed)
        : tf.randomUniform(x.shape, -1, 1, 'float32', seed),
    );
    let scale: tf.Tensor;
    if (this.scaling === 'l2ClippingAware') {
      const n = x.shape[0];
      const dim = x.size / n;
      const [xs, ps] = [await x.data(), await p.data()];
      const eta = Array.from({ length: n }, (_, i) =>
        clippingAwareScale(xs.subarray(i * dim, (i + 1) * dim), ps.subarray(i * dim, (i + 1) * dim), eps, lo, hi),
      );
      scale = tf.tensor1d(eta);
    } else {
      scale = tf.tidy(() => tf.div(eps, norms(p, this.scaling as 'l2' | 'linf')));
    }
    const out = tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(p, perSample(scale, x.rank))), lo, hi));
    tf.dispose([p, scale]);
    return out;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    const eps = epsilon as number;
    const n = x.shape[0];
    let result = tf.clone(x);
    let found: boolean[] = new Array<boolean>(n).fill(false);
    if (this.checkTrivial) {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(x)));
      found = Array.from(await a.data(), Boolean);
      a.dispose();
    }
    for (let r = 0; r < this.repeats && !found.every(Boolean); r++) {
      const cand = await this.draw(ctx, x, eps);
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(cand)));
      const adv = await a.data();
      const take = found.map((f, i) => (this.repeats === 1 ? true : !f && Boolean(adv[i])));
      const next = tf.tidy(() => whereSample(tf.tensor1d(take.map(Number)), cand, result));
      tf.dispose([a, cand, result]);
      result = next;
      found = found.map((f, i) => f || Boolean(adv[i]));
      if (await ctx.tick(r + 1, this.repeats)) break;
    }
    return result;
  }
}
