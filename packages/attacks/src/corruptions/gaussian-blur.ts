import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { LipnetInputError, formatShape, opt } from '@lipnet/core';
import { whereSample } from '../ops';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from './flexible-distance';

/** Options of {@link GaussianBlurAttack}; defaults are foolbox 3.3.4's. */
export interface GaussianBlurArgs extends FlexibleDistanceArgs {
  /** Blur levels tried, σ = k/steps·maxSigma. Default 1000. */
  steps?: number;
  /** Largest σ in pixels. Default max(height, width). */
  maxSigma?: number;
}

/**
 * The 1-D Gaussian filter of SciPy's `ndimage.gaussian_filter` (truncate 4, mode 'reflect') as a dense
 * `[len, len]` matrix: row i holds the weights applied to the input around i, with indices reflected
 * at the edges (d c b a | a b c d | d c b a).
 */
export function gaussianMatrix(len: number, sigma: number): Float32Array {
  const m = new Float32Array(len * len);
  if (sigma <= 0) {
    for (let i = 0; i < len; i++) m[i * len + i] = 1;
    return m;
  }
  const radius = Math.floor(4 * sigma + 0.5);
  const w = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp((-0.5 * (k - radius) ** 2) / (sigma * sigma)));
  const sum = w.reduce((s, v) => s + v, 0);
  for (let i = 0; i < len; i++) {
    for (let k = -radius; k <= radius; k++) {
      let j = (i + k) % (2 * len);
      if (j < 0) j += 2 * len;
      if (j >= len) j = 2 * len - 1 - j;
      m[i * len + j] = (m[i * len + j] as number) + (w[k + radius] as number) / sum;
    }
  }
  return m;
}

/** Blurs `[N, H, W, C]` images with σ pixels along H and W (separable, reflect mode). */
export function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const ah = tf.tensor2d(gaussianMatrix(h, sigma), [h, h]);
    const aw = tf.tensor2d(gaussianMatrix(w, sigma), [w, w]);
    // Along H: [H, N·W·C].
    let t = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    t = tf.transpose(tf.reshape(tf.matMul(ah, t), [h, n, w, c]), [2, 1, 0, 3]); // [W, N, H, C]
    t = tf.matMul(aw, tf.reshape(t, [w, n * h * c]));
    return tf.transpose(tf.reshape(t, [w, n, h, c]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Gaussian blur (foolbox `GaussianBlurAttack`): blurs channels-last images `[N, H, W, C]` with
 * σ = k/steps·maxSigma for k = 1…steps (SciPy's `gaussian_filter`, truncate 4, reflect mode) and keeps the
 * first adversarial level per sample. Defaults `steps 1000, maxSigma max(H, W)`.
 *
 * @example
 * const { clipped } = await new GaussianBlurAttack({ steps: 100 }).run(model, images, labels);
 */
export class GaussianBlurAttack extends FlexibleDistanceAttack {
  readonly name: string = 'GaussianBlurAttack';
  readonly steps: number;
  readonly maxSigma: number | null;
  constructor(args: GaussianBlurArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('GaussianBlurAttack', args, {
      steps: opt.integer({ min: 1 }).default(1000),
      maxSigma: opt.number({ gt: 0 }),
    });
    super('GaussianBlurAttack', o.distance);
    this.steps = o.steps;
    this.maxSigma = o.maxSigma ?? null;
  }
  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    if (x.rank !== 4)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.name,
        option: 'images',
        expected: 'have shape [N, H, W, C] (channels-last)',
        got: `shape ${formatShape(x.shape)}`,
        fix: 'Reshape flat inputs to images.',
      });
    const [lo, hi] = ctx.bounds;
    const maxSigma = this.maxSigma ?? Math.max(x.shape[1] as number, x.shape[2] as number);
    const a0 = tf.tidy(() => ctx.isAdversarial(ctx.logits(x)));
    const found = Array.from(await a0.data(), Boolean);
    a0.dispose();
    let result = tf.clone(x);
    for (let k = 1; k <= this.steps && !found.every(Boolean); k++) {
      const blurred = tf.tidy(() =>
        tf.clipByValue(gaussianBlur(x as tf.Tensor4D, (k / this.steps) * maxSigma), lo, hi),
      );
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(blurred)));
      const adv = await a.data();
      const fresh = found.map((f, i) => !f && Boolean(adv[i]));
      const next = tf.tidy(() => whereSample(tf.tensor1d(fresh.map(Number)), blurred, result));
      tf.dispose([a, blurred, result]);
      result = next;
      fresh.forEach((f, i) => f && (found[i] = true));
      if (await ctx.tick(k, this.steps)) break;
    }
    return result;
  }
}
