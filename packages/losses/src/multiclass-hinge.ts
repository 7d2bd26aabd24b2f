import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, deelLipVersionOption, marginOption, scheduled } from './loss-options';
import { labelSign } from './hinge-margin';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss, effectiveHingeMargin } from './loss-function';

/**
 * Element-wise multiclass hinge `mean_c[ w_c·relu(margin − s_c·ŷ_c) ]`, `w_c = C−1` on the
 * true class and 1 elsewhere. deel-lip 1.5 `multiclass_hinge(y, ŷ, m)` is this with
 * `margin = m/2`; deel-lip 1.2's `MulticlassHinge(m)` used `margin = m`.
 */
export function multiclassHingeElementwise(yTrue: tf.Tensor, yPred: tf.Tensor2D, margin: number): tf.Tensor1D {
  return tf.tidy(() => {
    const c = yPred.shape[1];
    const s = labelSign(yTrue);
    const hinge = tf.relu(tf.sub(margin, tf.mul(s, yPred)));
    const w = tf.where(tf.greater(s, 0), tf.fill(yPred.shape, c - 1), tf.onesLike(yPred));
    return tf.mean(tf.mul(hinge, w), -1) as tf.Tensor1D;
  });
}

/** Arguments of {@link MulticlassHinge}. */
export interface MulticlassHingeArgs extends BaseLossArgs {
  /** Margin `m` (default 1, > 0), halved in `deelLipVersion: '1.5'`. */
  minMargin?: number;
  /** `'1.5'` (default: `m/2`, element-wise) or `'1.2'` (full `m`, batch scalar). */
  deelLipVersion?: DeelLipVersion;
}

const MULTICLASS_HINGE_OPTIONS = lossOptions('MulticlassHinge', {
  minMargin: marginOption.default(1),
  deelLipVersion: deelLipVersionOption,
});

/**
 * Multiclass hinge: the binary hinge applied one-vs-all to every output, the true class
 * weighted by `C−1` so positives and negatives balance:
 * `ℓ_i = mean_c[ w_c·relu(m/2 − s_ic·ŷ_ic) ]`. One-hot labels `[n, C]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.MulticlassHinge`.
 *
 * @example
 * MulticlassHinge({minMargin: 2}) // on deel-lip's 8×3 test batch: [17, 13, 34, 15, 12, 62, 17, 45] / 30
 */
export function MulticlassHinge(args: MulticlassHingeArgs = {}): LipschitzLoss {
  const o = MULTICLASS_HINGE_OPTIONS.parse(args);
  const m = o.minMargin;
  const version = o.deelLipVersion;
  return makeLoss({
    className: 'MulticlassHinge',
    labels: 'onehot',
    config: { minMargin: m, deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    params: { minMargin: scheduled('MulticlassHinge', 'minMargin', marginOption, m) },
    elementwise: (t, p, q) => multiclassHingeElementwise(t, p, effectiveHingeMargin(q['minMargin']!, version)),
  });
}
registerLoss('MulticlassHinge', (c) => MulticlassHinge(c));

/** lowerCamel alias of {@link MulticlassHinge}. */
export const multiclassHinge = MulticlassHinge;
