import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, deelLipVersionOption, marginOption, scheduled } from './loss-options';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';

/** Arguments of {@link MultiMargin}. */
export interface MultiMarginArgs extends BaseLossArgs {
  /** Margin `m` (default 1, > 0). Not halved in any deel-lip version. */
  minMargin?: number;
  /** `'1.5'` (default) or `'1.2'` (batch scalar; same formula). */
  deelLipVersion?: DeelLipVersion;
}

const MULTI_MARGIN_OPTIONS = lossOptions('MultiMargin', {
  minMargin: marginOption.default(1),
  deelLipVersion: deelLipVersionOption,
});

/**
 * Multiclass margin loss, PyTorch's `multi_margin_loss`:
 * `ℓ_i = mean_c[ (1−S_ic)·relu(m − ŷ_i,true + ŷ_ic) ]` (mean over all C outputs; the true
 * class contributes 0). One-hot labels `[n, C]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.MultiMargin`.
 *
 * @example
 * MultiMargin({minMargin: 0.7}) // deel-lip's 8×3 test batch: [0, 0, 19, 0, 0, 35, 0, 0] / 30
 */
export function MultiMargin(args: MultiMarginArgs = {}): LipschitzLoss {
  const o = MULTI_MARGIN_OPTIONS.parse(args);
  const m = o.minMargin;
  const version = o.deelLipVersion;
  return makeLoss({
    className: 'MultiMargin',
    labels: 'onehot',
    config: { minMargin: m, deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    params: { minMargin: scheduled('MultiMargin', 'minMargin', marginOption, m) },
    elementwise: (t, p, q) =>
      tf.tidy(() => {
        const mask = tf.cast(tf.greater(t, 0), 'float32');
        const vTrue = tf.sum(tf.mul(p, mask), -1, true);
        const margin = tf.relu(tf.add(tf.sub(q['minMargin']!, vTrue), p));
        return tf.mean(tf.mul(tf.sub(1, mask), margin), -1) as tf.Tensor1D;
      }),
  });
}
registerLoss('MultiMargin', (c) => MultiMargin(c));

/** lowerCamel alias of {@link MultiMargin}. */
export const multiMargin = MultiMargin;
