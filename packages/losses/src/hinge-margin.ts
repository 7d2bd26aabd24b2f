import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, deelLipVersionOption, marginOption, scheduled } from './loss-options';
import {
  makeLoss,
  pooled,
  registerLoss,
  type BaseLossArgs,
  type ElementwiseFn,
  type LipschitzLoss,
  effectiveHingeMargin,
} from './loss-function';

/** `s = +1` where `y > 0`, else `−1` (deel-lip's hinge sign). */
export function labelSign(yTrue: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greater(yTrue, 0), 'float32'), 2), 1));
}

/**
 * Element-wise hinge `mean_c relu(margin − s·ŷ)`, `s = sign(y > 0)`. deel-lip 1.5
 * `hinge_margin(y, ŷ, m)` is this with `margin = m/2`; deel-lip 1.2 used `margin = m`.
 */
export function hingeElementwise(yTrue: tf.Tensor, yPred: tf.Tensor2D, margin: number): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(margin, tf.mul(labelSign(yTrue), yPred))), -1) as tf.Tensor1D);
}

/** Arguments of {@link HingeMargin}. */
export interface HingeMarginArgs extends BaseLossArgs {
  /** Margin `m` (default 1, > 0). With `deelLipVersion: '1.5'` the hinge enforces `s·ŷ ≥ m/2`, with `'1.2'` `s·ŷ ≥ m`. */
  minMargin?: number;
  /** `'1.5'` (default: `m/2`, element-wise) or `'1.2'` (full `m`, batch scalar). */
  deelLipVersion?: DeelLipVersion;
}

const HINGE_MARGIN_OPTIONS = lossOptions('HingeMargin', {
  minMargin: marginOption.default(1),
  deelLipVersion: deelLipVersionOption,
});

/**
 * Binary hinge margin loss `ℓ_i = mean_c relu(m/2 − s_ic·ŷ_ic)` with `s = +1` where `y > 0`
 * and `−1` elsewhere (deel-lip ≥ 1.4; deel-lip 1.2 used `m` instead of `m/2`, see
 * `deelLipVersion`). Labels `[n, 1]` (or multilabel `[n, C]`) in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.HingeMargin`.
 *
 * @example
 * HingeMargin({minMargin: 2})(tf.tensor2d([[1], [1], [1], [0], [0], [0]]),
 *   tf.tensor2d([[0.5], [1.5], [-0.5], [-0.5], [-1.5], [0.5]])); // 4/6
 */
export function HingeMargin(args: HingeMarginArgs = {}): LipschitzLoss {
  const o = HINGE_MARGIN_OPTIONS.parse(args);
  const m = o.minMargin;
  const version = o.deelLipVersion;
  const f: ElementwiseFn = (t, p, q) => hingeElementwise(t, p, effectiveHingeMargin(q['minMargin']!, version));
  return makeLoss({
    className: 'HingeMargin',
    labels: 'binary',
    config: { minMargin: m, deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    params: { minMargin: scheduled('HingeMargin', 'minMargin', marginOption, m) },
    elementwise: version === '1.2' ? pooled(f) : f,
  });
}
registerLoss('HingeMargin', (c) => HingeMargin(c));

/** lowerCamel alias of {@link HingeMargin}. */
export const hingeMargin = HingeMargin;
