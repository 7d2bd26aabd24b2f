import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, alphaOption, deelLipVersionOption, marginOption, scheduled } from './loss-options';
import { krElementwise } from './kr';
import {
  jsonNumber,
  makeLoss,
  registerLoss,
  type BaseLossArgs,
  type LipschitzLoss,
  effectiveHingeMargin,
} from './loss-function';
import { multiclassHingeElementwise } from './multiclass-hinge';

/** Arguments of {@link MulticlassHKR}. */
export interface MulticlassHKRArgs extends BaseLossArgs {
  /** Weight of the hinge term (default 10, ≥ 0; `Infinity`: hinge only). */
  alpha?: number;
  /** Hinge margin `m` (default 1, > 0), halved in `deelLipVersion: '1.5'`. */
  minMargin?: number;
  /**
   * `'1.5'` (default) or `'1.2'`: full margin and a batch scalar, as deel-lip 1.2.0.
   * Demo 4's `MulticlassHKR(alpha=100, min_margin=0.25)` (deel-lip 1.2.0) is
   * `MulticlassHKR({alpha: 100, minMargin: 0.25, deelLipVersion: '1.2'})`, which equals
   * `MulticlassHKR({alpha: 100, minMargin: 0.5})` averaged over the batch.
   */
  deelLipVersion?: DeelLipVersion;
}

const MULTICLASS_H_K_R_OPTIONS = lossOptions('MulticlassHKR', {
  alpha: alphaOption.default(10),
  minMargin: marginOption.default(1),
  deelLipVersion: deelLipVersionOption,
});

/**
 * Multiclass hinge-regularised KR: `ℓ_i = −MulticlassKR_i + α·MulticlassHinge_i(m)`
 * ({@link MulticlassKR}, {@link MulticlassHinge}); `α = Infinity` gives the hinge only.
 * One-hot labels `[n, C]` in {0, 1} or {−1, 1}. deel-lip: `deel.lip.losses.MulticlassHKR`.
 *
 * @example
 * const loss = MulticlassHKR({alpha: 100, minMargin: 0.25, deelLipVersion: '1.2'}); // Demo 4 (2021)
 * // deel-lip's 8×3 test batch: 44.045 (= MulticlassHKR({alpha: 100, minMargin: 0.5}))
 */
export function MulticlassHKR(args: MulticlassHKRArgs = {}): LipschitzLoss {
  const o = MULTICLASS_H_K_R_OPTIONS.parse(args);
  const alpha = o.alpha;
  const m = o.minMargin;
  const version = o.deelLipVersion;
  return makeLoss({
    className: 'MulticlassHKR',
    labels: 'onehot',
    config: { alpha: jsonNumber(alpha), minMargin: m, deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    params: {
      alpha: scheduled('MulticlassHKR', 'alpha', alphaOption, alpha),
      minMargin: scheduled('MulticlassHKR', 'minMargin', marginOption, m),
    },
    elementwise: (t, p, q) =>
      tf.tidy(() => {
        const hinge = multiclassHingeElementwise(t, p, effectiveHingeMargin(q['minMargin']!, version));
        if (q['alpha'] === Infinity) return hinge;
        return tf.add(tf.neg(krElementwise(t, p)), tf.mul(hinge, q['alpha']!)) as tf.Tensor1D;
      }),
  });
}
registerLoss('MulticlassHKR', (c) => MulticlassHKR(c));

/** lowerCamel alias of {@link MulticlassHKR}. */
export const multiclassHKR = MulticlassHKR;
