import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, alphaOption, deelLipVersionOption, marginOption, scheduled } from './loss-options';
import { hingeElementwise } from './hinge-margin';
import { krElementwise } from './kr';
import {
  jsonNumber,
  makeLoss,
  pooled,
  registerLoss,
  type BaseLossArgs,
  type ElementwiseFn,
  type LipschitzLoss,
  effectiveHingeMargin,
} from './loss-function';

/** Arguments of {@link HKR}. */
export interface HKRArgs extends BaseLossArgs {
  /** Weight of the hinge term (required in deel-lip, ≥ 0; `Infinity`: hinge only). */
  alpha: number;
  /** Hinge margin `m` (default 1, > 0), halved in `deelLipVersion: '1.5'` (see {@link HingeMargin}). */
  minMargin?: number;
  /** `'1.5'` (default) or `'1.2'` (full margin, batch scalar). */
  deelLipVersion?: DeelLipVersion;
}

const H_K_R_OPTIONS = lossOptions('HKR', {
  alpha: alphaOption.required(),
  minMargin: marginOption.default(1),
  deelLipVersion: deelLipVersionOption,
});

/**
 * Hinge-regularised KR loss (Serrurier et al., CVPR 2021, "Achieving robustness in
 * classification using optimal transport with hinge regularization"):
 * `ℓ_i = −KR_i + α·Hinge_i(m)` ({@link krElementwise}, {@link HingeMargin}); with
 * `α = Infinity`, hinge only. Binary labels `[n, 1]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.HKR(alpha, min_margin)`.
 *
 * @example
 * const y = tf.tensor2d([1, 1, 1, 1, 0, 0, 0, 0], [8, 1]);
 * const p = tf.tensor2d([0.5, 1.1, -0.1, 0.7, -1.3, -0.4, 0.2, -0.9], [8, 1]);
 * HKR({alpha: 2.5, minMargin: 2, reduction: 'none'})(y, p); // [0.25, −2.2, 2.95, −0.65, −2.6, 0.7, 3.4, −1.55]
 */
export function HKR(args: HKRArgs): LipschitzLoss {
  const o = H_K_R_OPTIONS.parse(args);
  const alpha = o.alpha;
  const m = o.minMargin;
  const version = o.deelLipVersion;
  const hkrElementwise: ElementwiseFn = (t, p, q) =>
    tf.tidy(() => {
      const hinge = hingeElementwise(t, p, effectiveHingeMargin(q['minMargin']!, version));
      if (q['alpha'] === Infinity) return hinge;
      return tf.add(tf.neg(krElementwise(t, p)), tf.mul(hinge, q['alpha']!)) as tf.Tensor1D;
    });
  return makeLoss({
    className: 'HKR',
    labels: 'binary',
    config: { alpha: jsonNumber(alpha), minMargin: m, deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    params: {
      alpha: scheduled('HKR', 'alpha', alphaOption, alpha),
      minMargin: scheduled('HKR', 'minMargin', marginOption, m),
    },
    elementwise: version === '1.2' ? pooled(hkrElementwise) : hkrElementwise,
  });
}
registerLoss('HKR', (c) => HKR(c as unknown as HKRArgs));

/** lowerCamel alias of {@link HKR}. */
export const hkr = HKR;
